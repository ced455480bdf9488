"""Where passages live: one typed protocol, one class per backend, chosen by `RAG_STORE=local|milvus`.

Why: retrieval (fusion, year scope, constraint demotion, filters), the answer checks and the UI read
one snapshot shape (`IndexSnapshot`) and write through one store (`PassageStore`), so a backend is a
class, not a branch in the pipeline, and every backend ranks through the same code.
`local` is today's segment files + FAISS + BM25 postings (one machine, the default); `milvus` keeps
passages, vectors, BM25 weights and the document list in Milvus (rag.stores.milvus_store), so several
processes and app servers share one index.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterator, Protocol, runtime_checkable

import numpy as np

from rag.card import DocumentCard
from rag.embedders.base import Embedder
from rag.index_store import DocumentEntry, IndexStore, Manifest, SegmentCache
from rag.indexing import EmbedProgress, IndexReport, Progress, embed_pending, update_index, upgrade_vectors
from rag.schema import Chunk
from rag.settings import Settings
from rag.titles import TitleIndex
from rag.stores.base import SearchHit


@runtime_checkable
class DenseIndex(Protocol):
    """Dense search over the snapshot's rows; `allow` is a bool per row (rag.filters.allowed_rows)."""

    def search(self, query: np.ndarray, k: int, allow: np.ndarray | None = None) -> list[SearchHit]: ...

    def __len__(self) -> int: ...


@runtime_checkable
class SparseIndex(Protocol):
    """BM25 over `rag.tokenizer.tokenize` tokens, with the document frequencies the answer checks weigh words by."""

    def search(self, query_tokens: list[str], k: int, allow: np.ndarray | None = None) -> list[SearchHit]: ...

    def document_frequencies(self, tokens: list[str]) -> dict[str, int]: ...

    def __len__(self) -> int: ...


class Passages(Protocol):
    """The live passages by row (0..n-1, documents in indexing order), fetched by id on demand."""

    def __getitem__(self, row: int) -> Chunk: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Chunk]: ...


@runtime_checkable
class IndexSnapshot(Protocol):
    """A consistent read-only view of one index version: what retrieval and the answer checks read."""

    manifest: Manifest  # the document list (with cards) and the embedder the vectors belong to
    chunks: Passages
    dense: DenseIndex
    sparse: SparseIndex
    doc_rows: dict[str, tuple[int, int]]  # document key → its rows [start, end)

    @property
    def version(self) -> str: ...

    def card(self, doc: str) -> DocumentCard | None: ...

    def titles(self) -> TitleIndex: ...

    def is_local_rule(self, doc: str) -> bool: ...

    def place_codes(self) -> set[str]: ...

    def dense_coverage(self) -> tuple[int, int]: ...


@runtime_checkable
class PassageStore(Protocol):
    """A backend: writes documents (upsert passages with dense vectors, BM25 weights and metadata; delete
    by document) and hands out snapshots to search (dense, sparse, fetch by row, filters by document)."""

    kind: str
    location: str  # for messages: the index folder or the Milvus URI and collection

    def exists(self) -> bool: ...

    def version(self) -> str | None:
        """Changes with every committed write, so a reader knows when to take a new snapshot."""
        ...

    def documents(self) -> dict[str, DocumentEntry]: ...

    def coverage(self) -> tuple[int, int]:
        """(live passages with vectors, live passages)."""
        ...

    def stats(self) -> dict[str, object]: ...

    def built_with(self) -> str | None:
        """The name of the embedder the stored vectors belong to (None: no index yet)."""
        ...

    def upgraded(self) -> bool:
        """True when `upgrade_vectors` put the vectors in use there (an archive the user chose to upgrade)."""
        ...

    def snapshot(self, embedder: Embedder) -> IndexSnapshot: ...

    def update(self, paths: list[Path], embedder: Embedder, *, rebuild: bool = False,
               remove: list[str] | None = None, progress: Progress | None = None, embed: bool = True,
               embed_progress: EmbedProgress | None = None) -> IndexReport: ...

    def embed_pending(self, embedder: Embedder, *, progress: Progress | None = None,
                      state: EmbedProgress | None = None, stop: threading.Event | None = None) -> EmbedProgress: ...

    def upgrade_vectors(self, embedder: Embedder, *, progress: Progress | None = None,
                        state: EmbedProgress | None = None, stop: threading.Event | None = None) -> bool:
        """Give every passage `embedder`'s vectors and switch to them: True once switched; False (stopped,
        or a backend that cannot) leaves the index as it was, the old vectors in use."""
        ...


class LocalStore:
    """Today's on-disk index (rag.index_store + rag.indexing), unchanged, behind the protocol."""

    kind = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.files = IndexStore(settings.index_dir)
        self.location = str(settings.index_dir)
        self._segments = SegmentCache()  # unchanged segments are not reloaded when a document is added

    def exists(self) -> bool:
        return self.files.exists()

    def version(self) -> str | None:
        folder = self.files.current_folder()
        return folder.name if folder is not None else None

    def documents(self) -> dict[str, DocumentEntry]:
        manifest = self.files.read_manifest()
        return dict(manifest.documents) if manifest else {}

    def coverage(self) -> tuple[int, int]:
        manifest = self.files.read_manifest()
        return (manifest.embedded_passages(), manifest.passages()) if manifest else (0, 0)

    def stats(self) -> dict[str, object]:
        manifest = self.files.read_manifest()
        if manifest is None:
            return {"documents": 0, "passages": 0}
        return {
            "documents": len(manifest.documents),
            "passages": sum(len(d.chunk_ids) for d in manifest.documents.values()),
            "embedder": f"{manifest.embedder} ({manifest.dim}-d)",
            "vector_index": manifest.vector_index,
            "embedded": manifest.embedded_passages(),
            "segments": len(manifest.segments),
            "built": manifest.created,
        }

    def built_with(self) -> str | None:
        manifest = self.files.read_manifest()
        return manifest.embedder if manifest else None

    def upgraded(self) -> bool:
        manifest = self.files.read_manifest()
        return bool(manifest and manifest.upgraded)

    def snapshot(self, embedder: Embedder) -> IndexSnapshot:
        s = self.settings
        return self.files.load(embedder.name, embedder.dim, s.exact_search_max, s.vector_store, cache=self._segments)

    def update(self, paths: list[Path], embedder: Embedder, *, rebuild: bool = False,
               remove: list[str] | None = None, progress: Progress | None = None, embed: bool = True,
               embed_progress: EmbedProgress | None = None) -> IndexReport:
        return update_index(paths, self.settings, embedder, rebuild=rebuild, remove=remove, progress=progress,
                            embed=embed, embed_progress=embed_progress)

    def embed_pending(self, embedder: Embedder, *, progress: Progress | None = None,
                      state: EmbedProgress | None = None, stop: threading.Event | None = None) -> EmbedProgress:
        return embed_pending(self.settings, embedder, progress=progress, state=state, stop=stop)

    def upgrade_vectors(self, embedder: Embedder, *, progress: Progress | None = None,
                        state: EmbedProgress | None = None, stop: threading.Event | None = None) -> bool:
        return upgrade_vectors(self.settings, embedder, progress=progress, state=state, stop=stop)


def _milvus(settings: Settings) -> PassageStore:
    from rag.stores.milvus_store import MilvusStore  # pymilvus is imported only when it is chosen

    return MilvusStore(settings)


STORES: dict[str, Callable[[Settings], PassageStore]] = {"local": LocalStore, "milvus": _milvus}


def make_passage_store(settings: Settings) -> PassageStore:
    """The backend named by RAG_STORE (Settings validates the name)."""
    return STORES[settings.store](settings)


__all__ = ["DenseIndex", "SparseIndex", "Passages", "IndexSnapshot", "PassageStore", "LocalStore", "STORES",
           "make_passage_store"]
