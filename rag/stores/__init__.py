"""Search backends: dense vector stores (FAISS, numpy) and sparse keyword stores (segment postings, bm25s).

`make_vector_store` picks the dense backend named in settings (RAG_VECTOR_STORE). The Milvus store
(milvus_store, RAG_STORE=milvus) holds a whole index and is imported only when chosen (rag.passage_store)."""
from __future__ import annotations

from typing import Callable

from rag.stores.base import SearchHit, Store, TextStore, VectorStore
from rag.stores.bm25_store import BM25Store
from rag.stores.faiss_store import FaissStore
from rag.stores.numpy_store import NumpyStore
from rag.stores.postings import SegmentedBM25, TermStore

VECTOR_STORES: dict[str, Callable[[int, int], VectorStore]] = {"faiss": FaissStore, "numpy": NumpyStore}


def make_vector_store(name: str, dim: int, exact_max: int = 100_000) -> VectorStore:
    try:
        return VECTOR_STORES[name](dim, exact_max)
    except KeyError:
        raise ValueError(f"unknown vector store '{name}'; choose one of {', '.join(VECTOR_STORES)}") from None


__all__ = ["SearchHit", "Store", "TextStore", "VectorStore", "BM25Store", "FaissStore", "NumpyStore",
           "SegmentedBM25", "TermStore", "make_vector_store", "VECTOR_STORES"]
