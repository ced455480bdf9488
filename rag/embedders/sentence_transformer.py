"""Any sentence-transformers model (Hub id or local folder) behind the Embedder protocol."""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Iterator

import numpy as np

from rag.embedders.base import l2_normalise
from rag.errors import RagError

log = logging.getLogger(__name__)

# Instructions some popular models were trained with; used when the model folder defines no prompts.
KNOWN_PREFIXES: dict[str, tuple[str, str]] = {
    "bge-small-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-base-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-large-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "multilingual-e5": ("query: ", "passage: "),
    "e5-": ("query: ", "passage: "),
}


class SentenceTransformerEmbedder:
    """Loads the model once; batches documents with a progress bar for long jobs."""

    def __init__(
        self,
        model: str | Path,
        *,
        name: str | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 16,
        show_progress: bool = False,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(model), device="cpu")
        except Exception as exc:  # ST raises many types (OSError, HFValidationError, connection errors)
            raise RagError(
                f"cannot load embedding model '{model}': {exc.__class__.__name__}. It is not a local folder and "
                "could not be downloaded (is the Hugging Face Hub reachable?). Set RAG_EMBEDDER to a local "
                "sentence-transformers folder, or leave it unset for the offline default."
            ) from exc
        self.name = name or str(model)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.batch_size = batch_size
        self.show_progress = show_progress
        prompts = getattr(self._model, "prompts", {}) or {}
        default_q, default_p = _known_prefixes(str(model))
        self.query_prefix = query_prefix if query_prefix is not None else prompts.get("query", default_q)
        self.passage_prefix = (
            passage_prefix if passage_prefix is not None else prompts.get("document", prompts.get("passage", default_p))
        )

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [self.passage_prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=self.show_progress and len(texts) > self.batch_size,
        )
        return l2_normalise(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        with _torch_threads(1):
            vector = self._model.encode(
                [self.query_prefix + text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return l2_normalise(vector[0])


@contextlib.contextmanager
def _torch_threads(count: int) -> Iterator[None]:
    """One short query gains nothing from a second thread, and loses a lot when the LLM holds the other core."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _known_prefixes(model: str) -> tuple[str, str]:
    lowered = model.lower()
    for key, prefixes in KNOWN_PREFIXES.items():
        if key in lowered:
            return prefixes
    return "", ""
