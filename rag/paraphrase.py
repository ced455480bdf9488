"""The asker's own words, which the library never writes (供暖, 吃水, 公车, 电瓶车), stand for the library's
words nearest in meaning (供热, 供水, 车辆, 电动自行车), so a question in everyday words is not refused for
words no document could contain.

Why this shape: a word the library does write is checked as written (the documents could have said it);
an asked indicator the library never names (常住人口, 平均工资) is what an unanswerable question asks,
so it stands for nothing; and a library word that shares two characters with the asked one is a broader
or sibling term (人口 for 常住人口, 最低工资 for 平均工资), not a paraphrase. Nearness is the cosine of
static word vectors distilled from the same e5 model the index uses (rag.embedders.static_e5).
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Protocol

import jieba
import numpy as np

from rag.constraints import INDICATOR_HEAD, Constraints, in_dictionary, normalize

log = logging.getLogger(__name__)

_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_NEGATED = re.compile(r"^[不没未无非别]")  # 不了, 没有: how the asker says it, not what is asked
MAX_STAND_INS = 8
_INDICATOR_SUFFIX = r"(?:率|额|量|数|值|价|费|金|比重|占比|指数|面积)"


class WordVectors(Protocol):
    """Unit vectors for words: nearness of meaning is their dot product."""

    def encode(self, words: list[str]) -> np.ndarray: ...


class StaticWordVectors:
    """model2vec static vectors (the folder `distill_static` writes), one row per word, cached."""

    def __init__(self, folder: Path) -> None:
        from model2vec import StaticModel

        self._model = StaticModel.from_pretrained(str(folder), normalize=True)
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def encode(self, words: list[str]) -> np.ndarray:
        with self._lock:
            new = [w for w in dict.fromkeys(words) if w not in self._cache]
            if new:
                for word, vector in zip(new, self._model.encode(new, show_progress_bar=False)):
                    self._cache[word] = vector.astype(np.float32)
            return np.stack([self._cache[w] for w in words]) if words else np.zeros((0, 1), dtype=np.float32)


def own_words(c: Constraints, df: dict[str, int], told: frozenset[str] = frozenset()) -> list[str]:
    """The question's words that may stand for others: the library never writes them, or they only tell
    the asker's story (`told`: 我在一家工厂上班 — the statute writes 企业, 工作); they are not an asked
    indicator (…率, …额, …人口), and not a negation."""
    question = normalize(c.question)
    return [t.word for t in c.terms
            if (df.get(t.word, 0) == 0 or t.word in told) and len(t.word) >= 2 and not _NEGATED.match(t.word)
            and not INDICATOR_HEAD.search(t.word)
            and in_dictionary(t.word)  # a word jieba's dictionary lacks is a name (王爱爱, 魏玩): no paraphrase
            # "污水处理率": jieba cuts 污水处理/率, and the word is still the asked indicator's name
            and not re.search(re.escape(normalize(t.word)) + _INDICATOR_SUFFIX, question)]


def _shares_bigram(a: str, b: str) -> bool:
    grams = {a[i : i + 2] for i in range(len(a) - 1)}
    return any(b[i : i + 2] in grams for i in range(len(b) - 1))


def stand_ins(c: Constraints, df: dict[str, int], texts: list[str], vectors: WordVectors,
              threshold: float, told: frozenset[str] = frozenset()) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For each of the question's own words (`own_words`), the words of `texts` (the retrieved passages)
    at least `threshold` near in meaning, nearest first, none sharing two characters with it."""
    asked = own_words(c, df, told)
    if not asked or threshold <= 0:
        return ()
    written = _written_words(texts)
    if not written:
        return ()
    near = vectors.encode(asked) @ vectors.encode(written).T
    out = []
    for i, word in enumerate(asked):
        order = np.argsort(-near[i])
        found = [written[j] for j in order if near[i, j] >= threshold and not _shares_bigram(word, written[j])]
        if found:
            out.append((word, tuple(found[:MAX_STAND_INS])))
    return tuple(out)


def _written_words(texts: list[str]) -> list[str]:
    """The Chinese words (two characters or more) jieba finds in the texts, sorted."""
    return sorted({w for text in texts for w in jieba.lcut(normalize(text)) if _CJK_WORD.fullmatch(w)})


SAME_MEANING = 0.75  # cosine of these vectors: 补贴/补助 0.79, 利息/利率 0.76; siblings 失业保险金/养老金 0.69


def means_the_same(words: list[str], text: str, vectors: WordVectors, threshold: float = SAME_MEANING) -> bool:
    """Every one of `words` has a word of `text` at least `threshold` near in meaning (a synonym, not a
    neighbour: the default is set above the siblings' nearness)."""
    written = _written_words([text])
    if not words or not written:
        return False
    near = vectors.encode(list(words)) @ vectors.encode(written).T
    return bool((near.max(axis=1) >= threshold).all())


def load_word_vectors(models_dir: Path) -> WordVectors | None:
    """The static vectors distilled from the local e5 folder (half a minute to a minute on 2 cores, once, shared with the
    static embedder); None, with a warning, when they cannot be built: questions are then checked by
    their written words alone."""
    try:
        from rag.embedders import OFFLINE_E5_FOLDER, STATIC_FOLDER
        from rag.embedders.e5_export import build_e5_small_folder
        from rag.embedders.static_e5 import distill_static

        e5 = build_e5_small_folder(models_dir / OFFLINE_E5_FOLDER)
        return StaticWordVectors(distill_static(e5, models_dir / STATIC_FOLDER))
    except Exception as exc:  # noqa: BLE001 - a missing optional part must not stop answering
        log.warning("paraphrase matching is off: the word vectors could not be built (%s)", exc)
        return None
