"""The on-disk index: immutable segments plus versioned manifests behind a CURRENT pointer.

Layout of `index_dir`:  CURRENT (name of the live version) · v-<time>-<rand>/manifest.json (which
documents are live, in which segment and rows, and how many rows of each segment have vectors) ·
segments/<name>/ (see rag.segments) · .lock. A write adds segment folders and then a new manifest
version, switched with `os.replace`, so a crash mid-write leaves the previous version live and a
reader never sees a half-written segment. Adding a document writes one small segment; removing one
writes only a manifest: unchanged passages are never re-tokenised or rewritten.
"""
from __future__ import annotations

import contextlib
import functools
import fcntl
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from rag.card import LAW_KIND, NATIONAL, DocumentCard
from rag.titles import TitleIndex
from rag.errors import IndexStateError
from rag.schema import Chunk
from rag.segments import SEGMENTS_DIR, VEC_DIR, Segment, embedder_slug, fsync_dir
from rag.stores import SegmentedBM25, VectorStore, make_vector_store
from rag.stores.base import SearchHit

FORMAT_VERSION = 3  # 3: segments + manifest versions; 2: one folder per version, bm25s
TOKENIZER_ID = "jieba-bigram-v2"
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
RECENT_CHUNKS = 4096
KEEP_VERSIONS = 2  # the live one and its predecessor (a reader may still be loading it)


@dataclass
class DocumentEntry:
    name: str
    content_hash: str
    chunk_ids: list[str]
    paragraphs: int
    indexed_at: str
    card: dict | None = None  # rag.card.DocumentCard.to_dict()
    segment: str = ""  # the segment holding this document's passages
    first_row: int = 0  # its first row there; rows first_row … first_row+len(chunk_ids)-1


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
    # segment name → {"rows": n, "vectors": {embedder slug: rows 0..m-1 that have vectors}}
    segments: dict[str, dict] = field(default_factory=dict)
    # embedder slugs an upgrade replaced: their vector folders are deleted once no kept version serves them
    retired: list[str] = field(default_factory=list)
    # True once an upgrade (RAG_EMBEDDER_UPGRADE) switched the vectors: the library keeps that model even where
    # the setting is later unset, rather than fall back to static vectors and delete the upgrade's
    upgraded: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        data = json.loads(text)
        docs = {k: DocumentEntry(**v) for k, v in data.pop("documents", {}).items()}
        return cls(documents=docs, **data)

    @property
    def slug(self) -> str:
        return embedder_slug(self.embedder, self.dim)

    def retiring(self, new_slug: str) -> list[str]:
        """`retired` once the index moves from this manifest's model to `new_slug`'s."""
        return sorted((set(self.retired) | {self.slug}) - {new_slug})

    def embedded(self, segment: str) -> int:
        return int(self.segments.get(segment, {}).get("vectors", {}).get(self.slug, 0))

    def passages(self) -> int:
        return sum(len(d.chunk_ids) for d in self.documents.values())

    def embedded_passages(self) -> int:
        """Live passages that already have vectors (dense retrieval sees these)."""
        return sum(max(0, min(len(d.chunk_ids), self.embedded(d.segment) - d.first_row))
                   for d in self.documents.values())


class ChunkView:
    """The live passages in global row order, parsed one at a time from the segments' memory-mapped text."""

    def __init__(self, segments: list[Segment], live_locals: list[np.ndarray]) -> None:
        self._segments = segments
        self._locals = live_locals
        self._starts = np.cumsum([0] + [len(rows) for rows in live_locals])
        self._cached = functools.lru_cache(maxsize=RECENT_CHUNKS)(self._load)

    def locate(self, row: int) -> tuple[int, int]:
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        part = int(np.searchsorted(self._starts, row, side="right") - 1)
        return part, int(self._locals[part][row - self._starts[part]])

    def __getitem__(self, row: int) -> Chunk:
        """Parsed on demand; the last few thousand are kept (thread-safe LRU), as one search reads the same
        candidates in several steps (year scope, constraints, duplicates)."""
        return self._cached(int(row))

    def _load(self, row: int) -> Chunk:
        part, local = self.locate(row)
        return self._segments[part].chunk(local)

    def __len__(self) -> int:
        return int(self._starts[-1])

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Chunk]:
        for segment, rows in zip(self._segments, self._locals):
            for local in rows:
                yield segment.chunk(int(local))


class SegmentedDense:
    """Dense search over the rows that have vectors, one vector store per segment, merged by score."""

    def __init__(self, parts: list[tuple[VectorStore, np.ndarray]]) -> None:
        self.parts = parts  # (store over rows 0..m-1 of a segment, their global rows or -1 if not live)
        self._count = sum(int((g >= 0).sum()) for _, g in parts)

    def search(self, query: np.ndarray, k: int, allow: np.ndarray | None = None) -> list[SearchHit]:
        hits: list[SearchHit] = []
        for store, global_rows in self.parts:
            live = global_rows >= 0
            ok = live if allow is None else live & allow[np.where(live, global_rows, 0)]
            if not ok.any():
                continue
            local_allow = None if ok.all() else ok
            hits.extend(SearchHit(int(global_rows[h.row]), h.score) for h in store.search(query, k, local_allow))
        hits.sort(key=lambda h: (-h.score, h.row))
        return hits[:k]

    def __len__(self) -> int:
        return self._count


class DocumentLookups:
    """Card and place look-ups over `self.manifest`, shared by every backend's snapshot."""

    manifest: Manifest

    def card(self, doc: str) -> "DocumentCard | None":
        """The document card of a document by its display name (as in `Origin.doc`)."""
        if not hasattr(self, "_cards"):
            self._cards = {e.name: DocumentCard.from_dict(e.card) for e in self.manifest.documents.values()}
        return self._cards.get(doc)

    def is_local_rule(self, doc: str) -> bool:
        """A law or regulation of one place: its title names an administrative place ("上海市…条例").
        The title, not the card's place: a national rule's text may name a county it happens to cite."""
        if not hasattr(self, "_local_rules"):
            self._local_rules: dict[str, bool] = {}
        if doc not in self._local_rules:
            card = self.card(doc)
            local = False
            if card is not None and card.kind == LAW_KIND and card.place and card.place != NATIONAL:
                from rag.places import gazetteer

                local = bool(gazetteer().find(card.title))
            self._local_rules[doc] = local
        return self._local_rules[doc]

    def titles(self) -> TitleIndex:
        """Title variants of every document, so a question that names a law finds that law first."""
        if not hasattr(self, "_titles"):
            self._titles = TitleIndex((key, (e.card or {}).get("title") or "") for key, e in self.manifest.documents.items())
        return self._titles

    def place_codes(self) -> set[str]:
        """Adcodes of the places the documents are about, with their parents."""
        from rag.places import gazetteer

        g = gazetteer()
        codes: set[str] = set()
        for entry in self.manifest.documents.values():
            code = (entry.card or {}).get("place_code") or ""
            place = g.by_code.get(code)
            if place is not None:
                codes.add(code)
                codes.update(p.code for p in g.parents(place))
        return codes


@dataclass
class LoadedIndex(DocumentLookups):
    """A consistent, read-only snapshot of one index version."""

    folder: Path
    manifest: Manifest
    chunks: ChunkView
    dense: SegmentedDense
    sparse: SegmentedBM25
    doc_rows: dict[str, tuple[int, int]] = field(default_factory=dict)  # key → global rows [start, end)

    @property
    def version(self) -> str:
        return self.folder.name

    def dense_coverage(self) -> tuple[int, int]:
        """(live passages with vectors, live passages): below 100% while vectors are computed."""
        return len(self.dense), len(self.chunks)


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

    def load(self, embedder_name: str | None = None, dim: int | None = None, exact_max: int = 100_000,
             vector_store: str = "faiss", cache: "SegmentCache | None" = None) -> LoadedIndex:
        """Load the live version; refuse an index built by another embedder rather than return garbage.

        `cache` keeps segments (and their vector stores) between loads, so a reader switching to a
        version that added one document loads only that document's segment."""
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
        cache = cache if cache is not None else SegmentCache()
        segments, live_locals, global_maps = [], [], []
        doc_rows: dict[str, tuple[int, int]] = {}
        by_segment: dict[str, list[tuple[str, DocumentEntry]]] = {}
        for key, entry in manifest.documents.items():
            by_segment.setdefault(entry.segment, []).append((key, entry))
        unknown = set(by_segment) - set(manifest.segments)
        if unknown:
            raise IndexStateError(f"index in {folder} names unknown segments {sorted(unknown)}; rebuild with: "
                                  "python -m rag index --rebuild")
        base = 0
        for name, info in manifest.segments.items():
            segment = cache.segment(self.root / SEGMENTS_DIR / name)
            if segment.rows != int(info.get("rows", -1)):
                raise IndexStateError(f"segment {name} has {segment.rows} passages, the manifest says "
                                      f"{info.get('rows')}; rebuild with: python -m rag index --rebuild")
            live = np.zeros(segment.rows, dtype=bool)
            for key, entry in by_segment.get(name, []):
                end = entry.first_row + len(entry.chunk_ids)
                if end > segment.rows:
                    raise IndexStateError(f"document {entry.name} points past the end of segment {name}; "
                                          "rebuild with: python -m rag index --rebuild")
                live[entry.first_row:end] = True
            locals_ = np.flatnonzero(live)
            global_rows = np.full(segment.rows, -1, dtype=np.int64)
            global_rows[locals_] = base + np.arange(len(locals_))
            for key, entry in by_segment.get(name, []):
                start = int(global_rows[entry.first_row]) if entry.chunk_ids else base
                doc_rows[key] = (start, start + len(entry.chunk_ids))
            base += len(locals_)
            segments.append(segment)
            live_locals.append(locals_)
            global_maps.append(global_rows)
        sparse = SegmentedBM25([(seg.terms, g) for seg, g in zip(segments, global_maps)])
        dense_parts = []
        for seg, g in zip(segments, global_maps):
            m = min(manifest.embedded(seg.name), seg.rows)
            if m:
                store = cache.vectors(seg, manifest.slug, m, manifest.dim, exact_max, vector_store)
                dense_parts.append((store, g[:m]))
        chunks = ChunkView(segments, live_locals)
        cache.keep({seg.name for seg in segments})
        return LoadedIndex(folder=folder, manifest=manifest, chunks=chunks, dense=SegmentedDense(dense_parts),
                           sparse=sparse, doc_rows=doc_rows)

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

    def segment(self, name: str) -> Segment:
        return Segment(self.root / SEGMENTS_DIR / name)

    def commit(self, manifest: Manifest, vector_index: str = "") -> Path:
        """Write a new manifest version (its segments are already on disk), then switch CURRENT to it
        atomically. Call under `write_lock`."""
        self.root.mkdir(parents=True, exist_ok=True)
        missing = [n for n in manifest.segments if not (self.root / SEGMENTS_DIR / n).is_dir()]
        if missing:
            raise IndexStateError(f"cannot commit: segments {missing} are not on disk")
        # names sort in commit order, also within one second: pruning keeps the live version's predecessor
        now = time.time_ns()
        name = f"v-{time.strftime('%Y%m%dT%H%M%S', time.localtime(now // 10**9))}.{now % 10**9:09d}-{uuid.uuid4().hex[:6]}"
        staging = self.root / f".tmp-{name}"
        staging.mkdir()
        try:
            manifest.created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            manifest.vector_index = vector_index or manifest.vector_index
            with open(staging / MANIFEST, "w", encoding="utf-8") as fh:
                fh.write(manifest.to_json())
                fh.flush()
                os.fsync(fh.fileno())
            final = self.root / name
            os.replace(staging, final)
            pointer_tmp = self.root / f".{CURRENT}.{name}"
            with open(pointer_tmp, "w") as fh:
                fh.write(name)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(pointer_tmp, self.root / CURRENT)
            fsync_dir(self.root)
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
        used: set[str] = set()
        serving: set[str] | None = set()  # the models the kept versions search with (None: one unreadable)
        retired: set[str] = set()
        for folder in self.root.glob("v-*"):
            try:
                data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                serving = None  # a version being written: retired vectors are decided at the next commit
                continue
            used.update(data.get("segments", {}))
            if serving is not None and isinstance(data.get("embedder"), str) and isinstance(data.get("dim"), int):
                serving.add(embedder_slug(data["embedder"], data["dim"]))
            else:
                serving = None
            if folder.name == keep:
                retired = set(data.get("retired", []))
        for segment in (self.root / SEGMENTS_DIR).glob("*"):
            if segment.is_dir() and not segment.name.startswith(".") and segment.name not in used:
                shutil.rmtree(segment, ignore_errors=True)
        # the vectors an upgrade or an embedder change replaced (~1 KB a passage), once no kept version serves
        # them; only the live manifest retires, so the vectors of an upgrade still running are never touched
        for slug in retired - serving if serving is not None else ():
            for vectors in (self.root / SEGMENTS_DIR).glob(f"*/{VEC_DIR}/{slug}"):
                shutil.rmtree(vectors, ignore_errors=True)
        for leftover in [*self.root.glob(".tmp-v-*"), *(self.root / SEGMENTS_DIR).glob(".tmp-*")]:
            if leftover.is_dir() and time.time() - leftover.stat().st_mtime > 3600:
                shutil.rmtree(leftover, ignore_errors=True)


class SegmentCache:
    """Opened segments and their vector stores, reused across versions (segments never change;
    a vector store is keyed by how many rows it covers)."""

    def __init__(self) -> None:
        self._segments: dict[Path, Segment] = {}
        self._vectors: dict[tuple[str, str, int, str], VectorStore] = {}

    def segment(self, folder: Path) -> Segment:
        if folder not in self._segments:
            self._segments[folder] = Segment(folder)
        return self._segments[folder]

    def vectors(self, segment: Segment, slug: str, rows: int, dim: int, exact_max: int, kind: str) -> VectorStore:
        key = (segment.name, slug, rows, kind)
        if key not in self._vectors:
            for old in [k for k in self._vectors if k[0] == segment.name and k[1] == slug]:
                del self._vectors[old]  # superseded by a store over more rows
            store = make_vector_store(kind, dim, exact_max)
            store.add(segment.vectors(slug, rows, dim))
            self._vectors[key] = store
        return self._vectors[key]

    def keep(self, names: set[str]) -> None:
        """Forget segments no longer in the live version (merged away or pruned)."""
        for folder in [f for f in self._segments if f.name not in names]:
            self._segments.pop(folder).close()
        for key in [k for k in self._vectors if k[0] not in names]:
            del self._vectors[key]
