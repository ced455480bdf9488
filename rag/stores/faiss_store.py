"""Dense vectors in FAISS: exact inner product up to `exact_max` rows, HNSW above that."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from rag.errors import IndexStateError
from rag.stores.base import SearchHit

INDEX_FILE = "faiss.index"
VECTORS_FILE = "vectors.npy"
HNSW_NEIGHBOURS = 32
HNSW_EF_SEARCH = 128
# One query vector gains little from OpenMP threads, and on a busy 2-core machine their spin-waiting
# costs a lot: 235k vectors in 12 flat segments took p50 372 ms with 2 threads, 87 ms with 1.
faiss.omp_set_num_threads(1)


class FaissStore:
    """Keeps the raw vectors too (vectors.npy) so an update can reuse them without re-embedding."""

    def __init__(self, dim: int, exact_max: int = 100_000) -> None:
        self.dim = dim
        self.exact_max = exact_max
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._index: faiss.Index | None = None

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"expected vectors of shape (n, {self.dim}), got {vectors.shape}")
        self._vectors = np.concatenate([self._vectors, vectors]) if len(self._vectors) else vectors
        self._index = None  # rebuilt lazily: the exact/approximate choice depends on the final size

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors

    @property
    def kind(self) -> str:
        return "flat-ip" if len(self._vectors) <= self.exact_max else "hnsw-ip"

    def _build(self) -> faiss.Index:
        if self.kind == "flat-ip":
            index = faiss.IndexFlatIP(self.dim)
        else:
            index = faiss.IndexHNSWFlat(self.dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = HNSW_EF_SEARCH
        if len(self._vectors):
            index.add(self._vectors)
        return index

    def search(self, query: np.ndarray, k: int, allow: np.ndarray | None = None) -> list[SearchHit]:
        """`allow` (a bool per row) restricts the search inside FAISS, so a filter never empties the top k."""
        if not len(self._vectors) or k <= 0:
            return []
        if self._index is None:
            self._index = self._build()
        q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
        if allow is None:
            scores, rows = self._index.search(q, min(k, len(self._vectors)))
        else:
            allow = np.asarray(allow, dtype=bool)[: len(self._vectors)]
            if not allow.any():
                return []
            bits = np.packbits(allow, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(allow), faiss.swig_ptr(bits))
            params = (faiss.SearchParametersHNSW(sel=selector, efSearch=HNSW_EF_SEARCH) if self.kind == "hnsw-ip"
                      else faiss.SearchParameters(sel=selector))
            scores, rows = self._index.search(q, min(k, int(allow.sum())), params=params)
        return [SearchHit(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def save(self, folder: Path) -> None:
        if self._index is None:
            self._index = self._build()
        np.save(folder / VECTORS_FILE, self._vectors)
        faiss.write_index(self._index, str(folder / INDEX_FILE))

    @classmethod
    def load(cls, folder: Path, dim: int, exact_max: int = 100_000) -> "FaissStore":
        try:
            index = faiss.read_index(str(folder / INDEX_FILE))
            vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
        except (RuntimeError, OSError, ValueError) as exc:
            raise IndexStateError(f"vector index in {folder} is unreadable ({exc}); rebuild it") from exc
        if index.d != dim or vectors.shape[1:] != (dim,) or index.ntotal != len(vectors):
            raise IndexStateError(
                f"vector index in {folder} does not match its manifest (dim {index.d} vs {dim}, "
                f"{index.ntotal} vectors vs {len(vectors)}); rebuild it"
            )
        store = cls(dim, exact_max)
        store._vectors = np.asarray(vectors, dtype=np.float32)
        store._index = index
        return store

    def __len__(self) -> int:
        return len(self._vectors)
