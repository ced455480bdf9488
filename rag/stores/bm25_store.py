"""Sparse BM25 over Chinese word tokens, built once at index time and saved with the index."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import bm25s
import numpy as np

from rag.errors import IndexStateError
from rag.stores.base import SearchHit

logging.getLogger("bm25s").setLevel(logging.WARNING)
BM25_DIR = "bm25"
COUNT_FILE = "rows.json"


class BM25Store:
    """Rows are token lists; queries are token lists (see `rag.tokenizer.tokenize`)."""

    def __init__(self, k1: float = 1.2, b: float = 0.5) -> None:
        self.k1, self.b = k1, b
        self._rows: list[list[str]] = []
        self._model: bm25s.BM25 | None = None
        self._count = 0

    def add(self, token_lists: list[list[str]]) -> None:
        self._rows.extend(token_lists)
        self._count = len(self._rows)
        self._model = None

    def _build(self) -> bm25s.BM25:
        model = bm25s.BM25(k1=self.k1, b=self.b)
        model.index([tokens or [""] for tokens in self._rows], show_progress=False)
        return model

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every row (0 where no query word occurs)."""
        if self._count == 0:
            return np.zeros(0, dtype=np.float32)
        if self._model is None:
            self._model = self._build()
        known = [t for t in query_tokens if t in self._model.vocab_dict]
        if not known:
            return np.zeros(self._count, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

    def document_frequencies(self, tokens: list[str]) -> dict[str, int]:
        """How many rows contain each token (0 if unknown): read off the sparse index's columns."""
        if self._count == 0:
            return {t: 0 for t in tokens}
        if self._model is None:
            self._model = self._build()
        indptr = self._model.scores["indptr"]
        vocab = self._model.vocab_dict
        return {t: int(indptr[vocab[t] + 1] - indptr[vocab[t]]) if t in vocab else 0 for t in tokens}

    def search(self, query_tokens: list[str], k: int, allow: np.ndarray | None = None) -> list[SearchHit]:
        scores = self.scores(query_tokens)
        if allow is not None and len(scores):
            scores = np.where(allow, scores, 0)
        if not len(scores) or k <= 0:
            return []
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [SearchHit(int(r), float(scores[r])) for r in top if scores[r] > 0]

    def save(self, folder: Path) -> None:
        target = folder / BM25_DIR
        target.mkdir(parents=True, exist_ok=True)
        if self._count:  # an empty index has no BM25 model to write
            if self._model is None:
                self._model = self._build()
            self._model.save(str(target), show_progress=False)
        (target / COUNT_FILE).write_text(json.dumps({"rows": self._count, "k1": self.k1, "b": self.b}))

    @classmethod
    def load(cls, folder: Path) -> "BM25Store":
        target = folder / BM25_DIR
        try:
            meta = json.loads((target / COUNT_FILE).read_text())
            model = bm25s.BM25.load(str(target), show_progress=False) if meta["rows"] else None
        except (OSError, ValueError, KeyError) as exc:
            raise IndexStateError(f"BM25 index in {folder} is unreadable ({exc}); rebuild it") from exc
        store = cls(meta["k1"], meta["b"])
        store._model = model
        store._count = int(meta["rows"])
        return store

    def __len__(self) -> int:
        return self._count
