"""The on-disk index: versioned folders plus a CURRENT pointer that is switched atomically.

Layout of `index_dir`:  CURRENT (name of the live version) · v-<time>-<rand>/ (manifest.json,
chunks.jsonl, vectors.npy, faiss.index, bm25/) · .lock. A build writes a new version folder and
then replaces CURRENT with `os.replace`, so a crash mid-build leaves the previous version live.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from rag.card import DocumentCard
from rag.errors import IndexStateError
from rag.schema import Chunk
from rag.stores import BM25Store, FaissStore

FORMAT_VERSION = 2  # 2: document cards in the manifest, card line in each passage's index text
TOKENIZER_ID = "jieba-bigram-v2"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
CURRENT = "CURRENT"
KEEP_VERSIONS = 2  # the live one and its predecessor (a reader may still be loading it)


@dataclass
class DocumentEntry:
    name: str
    content_hash: str
    chunk_ids: list[str]
    paragraphs: int
    indexed_at: str
    card: dict | None = None  # rag.card.DocumentCard.to_dict()


@dataclass
class Manifest:
    embedder: str
    dim: int
    documents: dict[str, DocumentEntry] = field(default_factory=dict)
    format: int = FORMAT_VERSION
    tokenizer: str = TOKENIZER_ID
    chunking: str = ""
    created: str = ""
    vector_index: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        data = json.loads(text)
        docs = {k: DocumentEntry(**v) for k, v in data.pop("documents", {}).items()}
        return cls(documents=docs, **data)


@dataclass
class LoadedIndex:
    """A consistent, read-only snapshot of one index version."""

    folder: Path
    manifest: Manifest
    chunks: list[Chunk]
    dense: FaissStore
    sparse: BM25Store

    @property
    def version(self) -> str:
        return self.folder.name

    def card(self, doc: str) -> "DocumentCard | None":
        """The document card of a document by its display name (as in `Origin.doc`)."""
        if not hasattr(self, "_cards"):
            self._cards = {e.name: DocumentCard.from_dict(e.card) for e in self.manifest.documents.values()}
        return self._cards.get(doc)

    def place_names(self) -> set[str]:
        """Every place the documents are about, with its parents ("济南市", "长清区")."""
        from rag.card import split_place

        names: set[str] = set()
        for entry in self.manifest.documents.values():
            card = DocumentCard.from_dict(entry.card)
            if card is not None and card.place_full and card.place_full != "全国":
                names.update(split_place(card.place_full))
        return names


class IndexStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def current_folder(self) -> Path | None:
        pointer = self.root / CURRENT
        if not pointer.is_file():
            return None
        name = pointer.read_text().strip()
        folder = self.root / name
        return folder if name and folder.is_dir() else None

    def exists(self) -> bool:
        return self.current_folder() is not None

    def read_manifest(self) -> Manifest | None:
        folder = self.current_folder()
        if folder is None:
            return None
        try:
            return Manifest.from_json((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise IndexStateError(f"index manifest in {folder} is corrupt ({exc}); rebuild with: python -m rag index --rebuild") from exc

    def load(self, embedder_name: str | None = None, dim: int | None = None, exact_max: int = 100_000) -> LoadedIndex:
        """Load the live version; refuse an index built by another embedder rather than return garbage."""
        folder = self.current_folder()
        if folder is None:
            raise IndexStateError(f"no index in {self.root}; build it with: python -m rag index")
        manifest = self.read_manifest()
        assert manifest is not None
        if manifest.format != FORMAT_VERSION or manifest.tokenizer != TOKENIZER_ID:
            raise IndexStateError(
                f"index in {folder} has format {manifest.format}/{manifest.tokenizer}; this version reads "
                f"{FORMAT_VERSION}/{TOKENIZER_ID}. Rebuild with: python -m rag index --rebuild"
            )
        if embedder_name is not None and (manifest.embedder != embedder_name or (dim is not None and manifest.dim != dim)):
            raise IndexStateError(
                f"the index was built with embedder '{manifest.embedder}' ({manifest.dim}-d) but the configured "
                f"embedder is '{embedder_name}' ({dim}-d). Rebuild it with: python -m rag index --rebuild"
            )
        try:
            with open(folder / CHUNKS, encoding="utf-8") as fh:
                chunks = [Chunk.from_dict(json.loads(line)) for line in fh if line.strip()]
        except (OSError, ValueError, KeyError) as exc:
            raise IndexStateError(f"chunk file in {folder} is corrupt ({exc}); rebuild with: python -m rag index --rebuild") from exc
        dense = FaissStore.load(folder, manifest.dim, exact_max)
        sparse = BM25Store.load(folder)
        expected = sum(len(d.chunk_ids) for d in manifest.documents.values())
        if not (len(chunks) == len(dense) == len(sparse) == expected):
            raise IndexStateError(
                f"index in {folder} is inconsistent ({len(chunks)} chunks, {len(dense)} vectors, "
                f"{len(sparse)} BM25 rows, manifest {expected}); rebuild with: python -m rag index --rebuild"
            )
        return LoadedIndex(folder=folder, manifest=manifest, chunks=chunks, dense=dense, sparse=sparse)

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer at a time, across threads and processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def write(self, manifest: Manifest, chunks: list[Chunk], dense: FaissStore, sparse: BM25Store) -> Path:
        """Write a complete new version, then switch CURRENT to it atomically. Call under `write_lock`."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        staging = self.root / f".tmp-{name}"
        staging.mkdir()
        try:
            manifest.created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            manifest.vector_index = dense.kind
            with open(staging / CHUNKS, "w", encoding="utf-8") as fh:
                for chunk in chunks:
                    fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
            dense.save(staging)
            sparse.save(staging)
            (staging / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
            _fsync_tree(staging)
            final = self.root / name
            os.replace(staging, final)
            pointer_tmp = self.root / f".{CURRENT}.{name}"
            pointer_tmp.write_text(name)
            _fsync_file(pointer_tmp)
            os.replace(pointer_tmp, self.root / CURRENT)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._prune(keep=name)
        return final

    def _prune(self, keep: str) -> None:
        versions = sorted(p for p in self.root.glob("v-*") if p.is_dir())
        stale = [p for p in versions if p.name != keep][: max(len(versions) - KEEP_VERSIONS, 0)]
        for folder in stale:
            shutil.rmtree(folder, ignore_errors=True)
        for leftover in self.root.glob(".tmp-v-*"):
            if leftover.is_dir() and time.time() - leftover.stat().st_mtime > 3600:
                shutil.rmtree(leftover, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            _fsync_file(path)
