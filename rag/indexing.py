"""Build or update the index from files: skip unchanged files, drop deleted ones, reuse vectors.

Two phases, so text is searchable long before vectors are done:
1. text: new or changed files are read, chunked and tokenised once, and written as new segments
   (rag.segments) every `settings.segment_rows` passages; each flush commits a manifest version, so
   BM25 finds them at once and an interrupted run keeps what it flushed.
2. vectors (`embed_pending`): the rows of every segment that lack vectors for the current embedder
   are embedded block by block; each block is written atomically and the manifest's count of
   embedded rows is committed every few seconds. Dense retrieval uses the rows counted there, so a
   Ctrl+C loses at most the block being computed and the next run resumes after the last one.
Unchanged documents cost nothing: their passages are never re-read, re-tokenised or rewritten.
"""
from __future__ import annotations

import copy
import dataclasses
from abc import ABC, abstractmethod
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

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
from rag.segments import BLOCK_ROWS, embedder_slug, write_segment
from rag.settings import Settings
from rag.stores.postings import TermStore
from rag.tokenizer import tokenize

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
COMMIT_EVERY_S = 10.0  # how often the embedding phase publishes its progress to readers
MERGE_BELOW_ROWS = 20_000  # segments smaller than this are merged once there are MERGE_AT of them
MERGE_AT = 8


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
    pending: int = 0  # passages still without vectors when the run returned
    seconds: float = 0.0
    searchable_s: float = 0.0  # when the new text became searchable (BM25), from the start of the run
    characters: int = 0
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage: read, clean, chunk, …
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary_lines(self) -> list[str]:
        lines = [f"{self.documents} documents, {self.chunks} passages in the index ({self.seconds:.1f} s)"]
        for label, names in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            if names:
                shown = names if len(names) <= 20 else names[:20] + [f"… {len(names) - 20} more"]
                lines.append(f"{label}: {', '.join(shown)}")
        if self.unchanged:
            lines.append(f"unchanged (skipped): {len(self.unchanged)} file(s)")
        if self.pending:
            lines.append(f"{self.pending} passages still need vectors (keyword search already finds them; "
                         "run `python -m rag index` again to finish)")
        lines.extend(f"skipped {key}: {reason}" for key, reason in self.failed.items())
        lines.extend(self.notes)
        return lines

    def _time(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - since
        return now


@dataclass
class EmbedProgress:
    """Live progress of the vector phase, for a progress bar (CLI) or the 文件管理 tab."""

    done: int = 0
    total: int = 0
    started: float = 0.0
    running: bool = False
    error: str = ""
    upgrade: str = ""  # the embedder whose vectors are being added beside the ones in use (rag.service)

    @property
    def seconds_left(self) -> float | None:
        elapsed = time.perf_counter() - self.started
        if not self.running or self.done <= 0 or elapsed <= 0:
            return None
        return (self.total - self.done) / (self.done / elapsed)

    def to_dict(self) -> dict[str, object]:
        left = self.seconds_left
        return {"done": self.done, "total": self.total, "running": self.running,
                "seconds_left": None if left is None else round(left, 1), "error": self.error,
                "upgrade": self.upgrade}


def update_index(
    paths: list[Path],
    settings: Settings,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    remove: list[str] | None = None,
    progress: Progress | None = None,
    embed: bool = True,
    embed_progress: EmbedProgress | None = None,
) -> IndexReport:
    """Index `paths` (files or folders) into `settings.index_dir`; the previous version stays live on failure.

    With `embed=False` the run returns once the text is searchable; `embed_pending` adds the vectors."""
    started = time.perf_counter()
    store = IndexStore(settings.index_dir)
    report = IndexReport()
    with store.write_lock():
        previous = None if rebuild else _previous_manifest(store, report)
        chunking = f"{settings.chunk_max_chars}/{settings.chunk_min_chars}"
        manifest = Manifest(embedder=embedder.name, dim=embedder.dim, chunking=chunking)
        same_embedder = previous is not None and (previous.embedder, previous.dim) == (embedder.name, embedder.dim)
        if previous is not None and not same_embedder:
            report.notes.append(
                f"embedder changed ({previous.embedder} → {embedder.name}): re-embedding every passage"
            )
        reread_all = previous is not None and previous.chunking != chunking
        old_docs = dict(previous.documents) if previous else {}
        if previous is not None:
            manifest.documents = dict(previous.documents)  # live until replaced or removed below
            manifest.segments = copy.deepcopy(previous.segments)
            # the vectors of a model no longer in use go once no kept version serves them (IndexStore._prune)
            manifest.retired = previous.retiring(manifest.slug)
            manifest.upgraded = previous.upgraded and same_embedder

        writer = _SegmentWriter(store, manifest, old_docs if same_embedder else {}, settings.segment_rows, report,
                                started)
        for key in ingest_paths(paths, old_docs, writer, report, settings, reread_all, remove):
            manifest.documents.pop(key, None)
        _drop_unused_segments(manifest)
        if report.changed or previous is None or not same_embedder or reread_all:
            store.commit(manifest, settings.vector_store)
        if writer.written or report.removed:
            report.searchable_s = time.perf_counter() - started
        report.documents, report.chunks = len(manifest.documents), manifest.passages()
    if embed:
        embed_pending(settings, embedder, report=report, progress=progress, state=embed_progress)
        report.reused = max(report.chunks - report.embedded, 0)
    else:
        report.pending = _pending_rows(store.read_manifest())
    report.seconds = time.perf_counter() - started
    return report


class DocumentSink(Protocol):
    """Where `ingest_paths` hands chunked documents: a local segment writer or a Milvus batch writer."""

    written: set[str]  # keys written so far (never removed as vanished)

    def add(self, key: str, entry: DocumentEntry, chunks: list[Chunk]) -> None: ...

    def flush(self) -> None: ...


def ingest_paths(paths: list[Path], old_docs: dict[str, DocumentEntry], sink: DocumentSink, report: IndexReport,
                 settings: Settings, reread: bool, remove: list[str] | None) -> list[str]:
    """Read and chunk new or changed files into `sink`; return the keys of documents to drop (named in
    `remove`, or deleted from a scanned folder). One scan for every store backend, so they index alike."""
    files, problems = discover(paths)
    for problem in problems:
        key, _, reason = problem.partition(": ")
        report.failed[key] = reason
    seen = {f.key for f in files}
    roots = [p.resolve() for p in paths]
    for source in files:
        _ingest_one(source, old_docs, sink, report, settings, reread)
    sink.flush()
    gone = []
    for key, entry in old_docs.items():
        if key in seen or key in sink.written:
            continue
        explicitly_removed = remove is not None and key in remove
        vanished = _under_roots(key, roots) and not Path(key).exists()
        if explicitly_removed or vanished:
            report.removed.append(entry.name)
            gone.append(key)
    return gone


def _previous_manifest(store: IndexStore, report: IndexReport) -> Manifest | None:
    if not store.exists():
        return None
    try:
        store.load()  # checks format, segments and row counts; a broken index is rebuilt from scratch
        return store.read_manifest()
    except RagError as exc:
        report.notes.append(f"previous index unusable ({exc}); rebuilding from scratch")
        return None


class BatchWriter(ABC):
    """Collects newly chunked documents with their BM25 tokens and calls `flush` every `flush_rows`
    passages; each store's writer (segments here, Milvus in rag.stores.milvus_store) says how to write."""

    def __init__(self, flush_rows: int, report: IndexReport) -> None:
        self.flush_rows, self.report = flush_rows, report
        self.docs: list[tuple[str, DocumentEntry, list[Chunk], list[list[str]]]] = []
        self.rows = 0
        self.written: set[str] = set()

    def add(self, key: str, entry: DocumentEntry, chunks: list[Chunk]) -> None:
        since = time.perf_counter()
        tokens = [tokenize(c.index_text) for c in chunks]
        self.report._time("tokenise", since)
        self.docs.append((key, entry, chunks, tokens))
        self.rows += len(chunks)
        if self.rows >= self.flush_rows:
            self.flush()

    @abstractmethod
    def flush(self) -> None:
        """Write the collected documents (a segment, or rows of a Milvus collection)."""


class _SegmentWriter(BatchWriter):
    """Writes the collected documents as a segment."""

    def __init__(self, store: IndexStore, manifest: Manifest, reusable: dict[str, DocumentEntry], flush_rows: int,
                 report: IndexReport, started: float) -> None:
        super().__init__(flush_rows, report)
        self.store, self.manifest, self.reusable, self.started = store, manifest, reusable, started

    def flush(self) -> None:
        if not self.docs:
            return
        since = time.perf_counter()
        name = f"s-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        seeds = self._seeds()
        write_segment(self.store.root, name, [(key, chunks) for key, _, chunks, _ in self.docs],
                      [t for *_, tokens in self.docs for t in tokens], seeds=seeds)
        row = 0
        for key, entry, chunks, _ in self.docs:
            entry.segment, entry.first_row = name, row
            row += len(chunks)
            self.manifest.documents[key] = entry
            self.written.add(key)
        self.manifest.segments[name] = {"rows": row, "vectors": {}}
        _drop_unused_segments(self.manifest)
        self.store.commit(self.manifest)
        self.report.searchable_s = time.perf_counter() - self.started
        self.report._time("write", since)
        self.docs, self.rows = [], 0

    def _seeds(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Vectors of passages whose id (hence text and card line) the previous version already had."""
        slug = self.manifest.slug
        vectors = np.zeros((self.rows, self.manifest.dim), dtype=np.float32)
        mask = np.zeros(self.rows, dtype=bool)
        row = 0
        for key, _, chunks, _ in self.docs:
            old = self.reusable.get(key)
            if old is not None and old.segment in self.manifest.segments:
                embedded = self.manifest.embedded(old.segment) - old.first_row
                known = {cid: i for i, cid in enumerate(old.chunk_ids[: max(embedded, 0)])}
                hits = [(row + i, known[c.chunk_id]) for i, c in enumerate(chunks) if c.chunk_id in known]
                if hits:
                    old_vectors = self.store.segment(old.segment).vector_rows(
                        slug, old.first_row, old.first_row + len(known), self.manifest.dim)
                    for new_row, old_row in hits:
                        vectors[new_row], mask[new_row] = old_vectors[old_row], True
            row += len(chunks)
        return {slug: (vectors, mask)}


def _ingest_one(source: SourceFile, old_docs: dict[str, DocumentEntry], writer: DocumentSink,
                report: IndexReport, settings: Settings, reread: bool) -> None:
    since = time.perf_counter()
    try:
        data = read_bytes(source.path)
        digest = hash_bytes(data)
        old = old_docs.get(source.key)
        unchanged = (old is not None and old.content_hash == digest and not reread
                     and (old.card or {}).get("version") == CARD_VERSION)
        since = report._time("read", since)
        if unchanged:
            report.unchanged.append(old.name)
            return
        document = read_document(source.path, data)
        since = report._time("clean", since)
    except IngestError as exc:
        report._time("read", since)
        report.failed[source.key] = str(exc)
        if source.key in old_docs:  # a file that became unreadable keeps its previous version
            report.failed[source.key] += " (kept the previously indexed version)"
        return
    card = build_card(document)
    chunks = chunk_document(document, settings.chunk_max_chars, settings.chunk_min_chars, context=card.context_line())
    report.characters += sum(len(p.text) for p in document.paragraphs)
    report._time("chunk", since)
    entry = DocumentEntry(
        name=document.name,
        content_hash=document.content_hash,
        chunk_ids=[c.chunk_id for c in chunks],
        paragraphs=len(document.paragraphs),
        indexed_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
        card=card.to_dict(),
    )
    (report.updated if source.key in old_docs else report.added).append(document.name)
    writer.add(source.key, entry, chunks)


def _drop_unused_segments(manifest: Manifest) -> None:
    used = {d.segment for d in manifest.documents.values()}
    for name in [n for n in manifest.segments if n not in used]:
        del manifest.segments[name]


def _pending_rows(manifest: Manifest | None) -> int:
    if manifest is None:
        return 0
    return sum(max(int(info["rows"]) - manifest.embedded(name), 0) for name, info in manifest.segments.items())


def embed_pending(
    settings: Settings,
    embedder: Embedder,
    *,
    report: IndexReport | None = None,
    progress: Progress | None = None,
    state: EmbedProgress | None = None,
    stop: threading.Event | None = None,
) -> EmbedProgress:
    """Compute the missing vectors of every segment, resuming after the last block on disk.

    Holds the write lock only to publish progress, so documents can be added meanwhile."""
    store = IndexStore(settings.index_dir)
    state = state or EmbedProgress()
    report = report or IndexReport()
    manifest = store.read_manifest()
    if manifest is None or (manifest.embedder, manifest.dim) != (embedder.name, embedder.dim):
        return state
    slug = manifest.slug
    todo = [(name, int(info["rows"]), manifest.embedded(name)) for name, info in manifest.segments.items()]
    # Newest segments first: a document just added gets its vectors in seconds even while a large
    # backlog (a whole corpus) is still being embedded.
    todo = [(n, rows, done) for n, rows, done in reversed(todo) if done < rows]
    state.done, state.total, state.started, state.running, state.error = 0, sum(r - d for _, r, d in todo), \
        time.perf_counter(), True, ""
    last_commit = time.perf_counter()
    since = time.perf_counter()
    try:
        with tqdm(total=state.total, desc="embedding passages", unit="passage", disable=not state.total,
                  leave=False) as bar:
            for name, rows, done in todo:
                try:
                    segment = store.segment(name)
                except RagError:
                    continue  # merged away or removed by another writer meanwhile
                on_disk = segment.embedded_rows(slug)
                if on_disk > done:  # blocks written by an interrupted run
                    state.done += on_disk - done
                    bar.update(on_disk - done)
                    done = on_disk
                seeds = segment.seeds(slug)
                for block in range(done // BLOCK_ROWS, (rows + BLOCK_ROWS - 1) // BLOCK_ROWS):
                    if stop is not None and stop.is_set():
                        return state
                    lo, hi = block * BLOCK_ROWS, min((block + 1) * BLOCK_ROWS, rows)
                    vectors = np.zeros((hi - lo, embedder.dim), dtype=np.float32)
                    need = [r for r in range(lo, hi) if seeds is None or not seeds[1][r]]
                    if seeds is not None:
                        have = [r for r in range(lo, hi) if seeds[1][r]]
                        vectors[[r - lo for r in have]] = seeds[0][have]
                    if need:  # one call per block: the embedder sorts by length and batches inside it
                        vectors[[r - lo for r in need]] = embedder.embed_documents(
                            [segment.chunk(r).embed_text for r in need])
                        report.embedded += len(need)
                    segment.write_block(slug, block, vectors)
                    state.done += hi - lo
                    bar.update(hi - lo)
                    if progress:
                        progress(state.done / max(state.total, 1), f"embedding {state.done}/{state.total} passages")
                    if hi == rows or time.perf_counter() - last_commit > COMMIT_EVERY_S:
                        _publish(store, name, slug, hi)
                        last_commit = time.perf_counter()
        _merge_small_segments(store, settings)
    except BaseException as exc:
        state.error = "" if isinstance(exc, KeyboardInterrupt) else str(exc)
        raise
    finally:
        state.running = False
        report._time("embed", since)
    return state


def upgrade_vectors(
    settings: Settings,
    embedder: Embedder,
    *,
    progress: Progress | None = None,
    state: EmbedProgress | None = None,
    stop: threading.Event | None = None,
) -> bool:
    """Compute `embedder`'s vectors for every segment beside the ones in use, then switch the index to
    them in one commit; True when switched. Readers keep the old vectors meanwhile (no gap in dense
    retrieval), blocks on disk make a stopped run resume, and segments added meanwhile are embedded too."""
    store = IndexStore(settings.index_dir)
    state = state or EmbedProgress()
    slug = embedder_slug(embedder.name, embedder.dim)
    state.done, state.total, state.started, state.running, state.error = 0, 0, time.perf_counter(), True, ""
    try:
        while True:
            manifest = store.read_manifest()
            if manifest is None:
                return False
            if manifest.slug == slug:
                return True
            if slug in manifest.retired:  # back to a model an earlier upgrade replaced: keep its new vectors
                with store.write_lock():
                    latest = store.read_manifest()
                    if latest is not None and slug in latest.retired:
                        latest.retired.remove(slug)
                        store.commit(latest)
                continue
            todo = []
            for name, info in manifest.segments.items():
                try:
                    on_disk = store.segment(name).embedded_rows(slug)
                except RagError:
                    continue
                if on_disk < int(info["rows"]):
                    todo.append((name, int(info["rows"]), on_disk))
            if not todo:
                with store.write_lock():  # nothing was added or merged since the check: switch
                    latest = store.read_manifest()
                    if latest is None or latest.segments != manifest.segments or latest.embedder != manifest.embedder:
                        continue
                    for name, info in latest.segments.items():
                        info["vectors"] = {slug: int(info["rows"])}  # the old model's are retired below
                    latest.retired = latest.retiring(slug)
                    latest.embedder, latest.dim = embedder.name, embedder.dim
                    latest.upgraded = True
                    store.commit(latest, settings.vector_store)
                log.info("index switched to %s vectors", embedder.name)
                return True
            state.total = state.done + sum(rows - done for _, rows, done in todo)
            with tqdm(total=state.total, initial=state.done, desc=f"{embedder.name} vectors", unit="passage",
                      leave=False) as bar:
                for name, rows, done in todo:
                    try:
                        segment = store.segment(name)
                    except RagError:
                        continue  # merged away or removed meanwhile
                    for block in range(done // BLOCK_ROWS, (rows + BLOCK_ROWS - 1) // BLOCK_ROWS):
                        if stop is not None and stop.is_set():
                            return False
                        lo, hi = block * BLOCK_ROWS, min((block + 1) * BLOCK_ROWS, rows)
                        segment.write_block(slug, block, embedder.embed_documents(
                            [segment.chunk(r).embed_text for r in range(lo, hi)]))
                        state.done += hi - lo
                        bar.update(hi - lo)
                        if progress:
                            progress(state.done / max(state.total, 1),
                                     f"{embedder.name}: {state.done}/{state.total} passages")
    except BaseException as exc:
        state.error = "" if isinstance(exc, KeyboardInterrupt) else str(exc)
        raise
    finally:
        state.running = False


def _publish(store: IndexStore, name: str, slug: str, rows: int) -> None:
    """Tell readers that rows 0..rows-1 of segment `name` have vectors (a new manifest version)."""
    with store.write_lock():
        manifest = store.read_manifest()
        if manifest is None or name not in manifest.segments or manifest.slug != slug:
            return
        vectors = manifest.segments[name].setdefault("vectors", {})
        if int(vectors.get(slug, 0)) >= rows:
            return
        vectors[slug] = rows
        store.commit(manifest)


def _merge_small_segments(store: IndexStore, settings: Settings) -> None:
    """Many small segments (one per added document) slow every search; once there are MERGE_AT fully
    embedded ones, their live rows are copied into one segment: text lines, postings and vectors are
    copied, nothing is re-tokenised or re-embedded. Costs O(the small segments), not O(corpus)."""
    with store.write_lock():
        manifest = store.read_manifest()
        if manifest is None:
            return
        slug = manifest.slug
        small = [n for n, info in manifest.segments.items()
                 if int(info["rows"]) < MERGE_BELOW_ROWS and manifest.embedded(n) >= int(info["rows"])]
        if len(small) < MERGE_AT:
            return
        docs_by_segment: dict[str, list[tuple[str, DocumentEntry]]] = {}
        for key, entry in manifest.documents.items():
            if entry.segment in small:
                docs_by_segment.setdefault(entry.segment, []).append((key, entry))
        lines, stores, vectors, merged_docs = [], [], [], []
        row = 0
        new_entries: list[tuple[str, DocumentEntry]] = []
        for name in small:
            segment = store.segment(name)
            keep = np.zeros(segment.rows, dtype=bool)
            for key, entry in sorted(docs_by_segment.get(name, []), key=lambda kv: kv[1].first_row):
                n = len(entry.chunk_ids)
                keep[entry.first_row:entry.first_row + n] = True
                lines.extend(segment.raw_line(r) for r in range(entry.first_row, entry.first_row + n))
                vectors.append(segment.vector_rows(slug, entry.first_row, entry.first_row + n, manifest.dim))
                merged_docs.append((key, [None] * n))
                new_entries.append((key, dataclasses.replace(entry, first_row=row)))
                row += n
            stores.append(segment.terms.select(keep))  # ascending rows: the order the lines were taken in
        name = f"s-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        folder = write_segment(store.root, name, merged_docs, [], raw_lines=lines, postings=TermStore.concat(stores))
        merged = store.segment(name)
        all_vectors = np.concatenate(vectors) if vectors else np.zeros((0, manifest.dim), np.float32)
        for block in range((row + BLOCK_ROWS - 1) // BLOCK_ROWS):
            merged.write_block(slug, block, all_vectors[block * BLOCK_ROWS:(block + 1) * BLOCK_ROWS])
        for key, entry in new_entries:
            entry.segment = name
            manifest.documents[key] = entry
        for old in small:
            manifest.segments.pop(old, None)
        manifest.segments[name] = {"rows": row, "vectors": {slug: row}}
        store.commit(manifest)
        log.info("merged %d small segments into %s (%d passages)", len(small), folder.name, row)


def _under_roots(key: str, roots: list[Path]) -> bool:
    path = Path(key).resolve()
    return any(path == root or root in path.parents for root in roots)
