"""Build or update the index from files: skip unchanged files, drop deleted ones, reuse vectors."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from tqdm import tqdm

from rag.card import CARD_VERSION, build_card
from rag.chunking import chunk_document
from rag.embedders.base import Embedder
from rag.errors import IngestError, RagError
from rag.index_store import DocumentEntry, IndexStore, Manifest
from rag.ingest import SourceFile, discover, read_bytes, read_document
from rag.ingest import content_hash as hash_bytes
from rag.schema import Chunk
from rag.settings import Settings
from rag.stores import BM25Store, FaissStore
from rag.tokenizer import tokenize

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]


@dataclass
class IndexReport:
    """What an index run did, for the CLI and the UI to show."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary_lines(self) -> list[str]:
        lines = [f"{self.documents} documents, {self.chunks} passages in the index ({self.seconds:.1f} s)"]
        for label, names in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            if names:
                lines.append(f"{label}: {', '.join(names)}")
        if self.unchanged:
            lines.append(f"unchanged (skipped): {len(self.unchanged)} file(s)")
        lines.extend(f"skipped {key}: {reason}" for key, reason in self.failed.items())
        lines.extend(self.notes)
        return lines


def update_index(
    paths: list[Path],
    settings: Settings,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    remove: list[str] | None = None,
    progress: Progress | None = None,
) -> IndexReport:
    """Index `paths` (files or folders) into `settings.index_dir`; the previous version stays live on failure."""
    started = time.perf_counter()
    store = IndexStore(settings.index_dir)
    report = IndexReport()
    with store.write_lock():
        previous = None if rebuild else _load_previous(store, embedder, report)
        chunking = f"{settings.chunk_max_chars}/{settings.chunk_min_chars}"
        manifest = Manifest(embedder=embedder.name, dim=embedder.dim, chunking=chunking)
        same_embedder = previous is not None and (previous.manifest.embedder, previous.manifest.dim) == (
            embedder.name,
            embedder.dim,
        )
        if previous is not None and not same_embedder:
            report.notes.append(
                f"embedder changed ({previous.manifest.embedder} → {embedder.name}): re-embedding every passage"
            )
        reread_all = previous is not None and previous.manifest.chunking != chunking
        old_docs = previous.manifest.documents if previous else {}
        old_chunks = {c.chunk_id: (i, c) for i, c in enumerate(previous.chunks)} if previous else {}

        files, problems = discover(paths)
        for problem in problems:
            key, _, reason = problem.partition(": ")
            report.failed[key] = reason
        seen = {f.key for f in files}
        roots = [p.resolve() for p in paths]

        doc_chunks: dict[str, list[Chunk]] = {}
        for source in files:
            _ingest_one(source, old_docs, old_chunks, manifest, doc_chunks, report, settings, reread_all)

        # Keep documents outside the scanned roots; drop the ones inside that vanished or were removed.
        for key, entry in old_docs.items():
            if key in seen or key in doc_chunks:
                continue
            explicitly_removed = remove is not None and key in remove
            vanished = _under_roots(key, roots) and not Path(key).exists()
            if explicitly_removed or vanished:
                report.removed.append(entry.name)
                continue
            manifest.documents[key] = entry
            doc_chunks[key] = [old_chunks[cid][1] for cid in entry.chunk_ids if cid in old_chunks]

        if previous is not None and same_embedder and not report.changed:
            report.documents, report.chunks = len(previous.manifest.documents), len(previous.chunks)
            report.seconds = time.perf_counter() - started
            return report

        chunks = [c for key in manifest.documents for c in doc_chunks[key]]
        old_vectors = previous.dense.vectors if previous is not None and same_embedder else None
        vectors = _vectors_for(chunks, embedder, old_vectors, old_chunks, settings, report, progress)
        dense = FaissStore(embedder.dim, settings.exact_search_max)
        dense.add(vectors)
        sparse = BM25Store()
        sparse.add([tokenize(c.index_text) for c in chunks])
        store.write(manifest, chunks, dense, sparse)
        report.documents, report.chunks = len(manifest.documents), len(chunks)
    report.seconds = time.perf_counter() - started
    return report


def _load_previous(store: IndexStore, embedder: Embedder, report: IndexReport):
    if not store.exists():
        return None
    try:
        return store.load()
    except RagError as exc:
        report.notes.append(f"previous index unusable ({exc}); rebuilding from scratch")
        return None


def _ingest_one(
    source: SourceFile,
    old_docs: dict[str, DocumentEntry],
    old_chunks: dict[str, tuple[int, Chunk]],
    manifest: Manifest,
    doc_chunks: dict[str, list[Chunk]],
    report: IndexReport,
    settings: Settings,
    reread: bool,
) -> None:
    try:
        data = read_bytes(source.path)
        digest = hash_bytes(data)
        old = old_docs.get(source.key)
        unchanged = (old is not None and old.content_hash == digest and not reread
                     and (old.card or {}).get("version") == CARD_VERSION)
        if unchanged and all(c in old_chunks for c in old.chunk_ids):
            manifest.documents[source.key] = old
            doc_chunks[source.key] = [old_chunks[c][1] for c in old.chunk_ids]
            report.unchanged.append(old.name)
            return
        document = read_document(source.path, data)
    except IngestError as exc:
        report.failed[source.key] = str(exc)
        old = old_docs.get(source.key)
        if old is not None:  # a file that became unreadable keeps its previous version
            manifest.documents[source.key] = old
            doc_chunks[source.key] = [old_chunks[c][1] for c in old.chunk_ids if c in old_chunks]
            report.failed[source.key] += " (kept the previously indexed version)"
        return
    card = build_card(document)
    chunks = chunk_document(document, settings.chunk_max_chars, settings.chunk_min_chars, context=card.context_line())
    manifest.documents[source.key] = DocumentEntry(
        name=document.name,
        content_hash=document.content_hash,
        chunk_ids=[c.chunk_id for c in chunks],
        paragraphs=len(document.paragraphs),
        indexed_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
        card=card.to_dict(),
    )
    doc_chunks[source.key] = chunks
    (report.updated if source.key in old_docs else report.added).append(document.name)


def _vectors_for(
    chunks: list[Chunk],
    embedder: Embedder,
    old_vectors: np.ndarray | None,
    old_chunks: dict[str, tuple[int, Chunk]],
    settings: Settings,
    report: IndexReport,
    progress: Progress | None,
) -> np.ndarray:
    """Reuse the stored vector of every chunk id the previous version had; embed only new chunks."""
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    todo: list[int] = []
    for i, chunk in enumerate(chunks):
        hit = old_chunks.get(chunk.chunk_id)
        if hit is not None and old_vectors is not None:
            vectors[i] = old_vectors[hit[0]]
            report.reused += 1
        else:
            todo.append(i)
    batch = settings.embedder_batch_size
    with tqdm(total=len(todo), desc="embedding passages", unit="passage", disable=not todo, leave=False) as bar:
        for start in range(0, len(todo), batch):
            rows = todo[start : start + batch]
            vectors[rows] = embedder.embed_documents([chunks[i].index_text for i in rows])
            bar.update(len(rows))
            report.embedded += len(rows)
            if progress:
                progress(report.embedded / len(todo), f"embedding {report.embedded}/{len(todo)} passages")
    return vectors


def _under_roots(key: str, roots: list[Path]) -> bool:
    path = Path(key).resolve()
    return any(path == root or root in path.parents for root in roots)
