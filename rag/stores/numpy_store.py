"""Exact inner-product search in plain numpy: the vectors are held once (FAISS' flat index copies them),
which halves the memory of a large corpus; chosen with RAG_VECTOR_STORE=numpy."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.errors import IndexStateError
from rag.stores.base import SearchHit

VECTORS_FILE = "vectors.npy"


class NumpyStore:
    kind = "numpy-ip"

    def __init__(self, dim: int, exact_max: int = 0) -> None:
        self.dim = dim
        self._vectors = np.zeros((0, dim), dtype=np.float32)

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"expected vectors of shape (n, {self.dim}), got {vectors.shape}")
        self._vectors = np.concatenate([self._vectors, vectors]) if len(self._vectors) else vectors

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors

    def search(self, query: np.ndarray, k: int, allow: np.ndarray | None = None) -> list[SearchHit]:
        if not len(self._vectors) or k <= 0:
            return []
        scores = self._vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
        candidates = np.arange(len(scores)) if allow is None else np.flatnonzero(np.asarray(allow)[: len(scores)])
        if not len(candidates):
            return []
        k = min(k, len(candidates))
        top = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        top = top[np.lexsort((top, -scores[top]))]
        return [SearchHit(int(r), float(scores[r])) for r in top]

    def save(self, folder: Path) -> None:
        np.save(folder / VECTORS_FILE, self._vectors)

    @classmethod
    def load(cls, folder: Path, dim: int, exact_max: int = 0) -> "NumpyStore":
        try:
            vectors = np.load(folder / VECTORS_FILE)
        except (OSError, ValueError) as exc:
            raise IndexStateError(f"vectors in {folder} are unreadable ({exc}); rebuild the index") from exc
        if vectors.ndim != 2 or vectors.shape[1] != dim:
            raise IndexStateError(f"vectors in {folder} have shape {vectors.shape}, expected (n, {dim}); rebuild it")
        store = cls(dim)
        store._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        return store

    def __len__(self) -> int:
        return len(self._vectors)
