"""Search backends over chunk rows: a dense vector store and a sparse BM25 store, same small protocol."""
from rag.stores.base import SearchHit, Store
from rag.stores.bm25_store import BM25Store
from rag.stores.faiss_store import FaissStore

__all__ = ["SearchHit", "Store", "BM25Store", "FaissStore"]
