"""One index segment: the passages of the documents written in one go, never rewritten afterwards.

Why segments: adding a document must cost O(that document). A segment holds its passages
(chunks.jsonl plus byte offsets, so a passage is parsed only when it is shown), their BM25 postings
and their vectors; a new document is a new small segment, a removed one is a manifest change (its
rows stop being live). Vectors arrive later than text: they are written in blocks of BLOCK_ROWS rows,
each block atomically, under vec/<embedder>/, so an interrupted embedding run resumes at the first
missing block and a changed embedder gets its own folder instead of mixing vectors.

Layout of segments/<name>/: chunks.jsonl · offsets.npy · docs.json · postings-*.npy ·
vec/<embedder-slug>/b000000.npy … · vec/<embedder-slug>/seed.npy + seed_mask.npy (vectors reused
from a previous version of the same passages).
"""
from __future__ import annotations

import json
import mmap
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.errors import IndexStateError
from rag.schema import Chunk
from rag.stores.postings import TermStore

SEGMENTS_DIR = "segments"
CHUNKS = "chunks.jsonl"
OFFSETS = "offsets.npy"
DOCS = "docs.json"
VEC_DIR = "vec"
BLOCK_ROWS = 512


def embedder_slug(name: str, dim: int) -> str:
    return f"{re.sub(r'[^A-Za-z0-9]+', '_', name).strip('_')[:60]}-{dim}"


@dataclass(frozen=True)
class SegmentDoc:
    key: str
    first_row: int
    rows: int


def write_segment(root: Path, name: str, docs: Sequence[tuple[str, Sequence[Chunk]]],
                  token_lists: Sequence[Sequence[str]], seeds: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
                  raw_lines: Sequence[bytes] | None = None, postings: TermStore | None = None) -> Path:
    """Write a complete segment folder, fsynced, then move it into place; nothing is visible half-written.

    `raw_lines`/`postings` let a merge copy passages and postings without re-serialising or re-tokenising."""
    segments = root / SEGMENTS_DIR
    segments.mkdir(parents=True, exist_ok=True)
    staging = segments / f".tmp-{name}"
    staging.mkdir()
    try:
        offsets = [0]
        doc_list = []
        with open(staging / CHUNKS, "wb") as fh:
            row = 0
            lines = iter(raw_lines) if raw_lines is not None else None
            for key, chunks in docs:
                doc_list.append([key, row, len(chunks)])
                for chunk in chunks:
                    line = next(lines) if lines is not None else (
                        json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
                    fh.write(line)
                    offsets.append(offsets[-1] + len(line))
                    row += 1
        np.save(staging / OFFSETS, np.asarray(offsets, dtype=np.int64))
        (staging / DOCS).write_text(json.dumps(doc_list, ensure_ascii=False), encoding="utf-8")
        (postings if postings is not None else TermStore.build(token_lists)).save(staging)
        for slug, (vectors, mask) in (seeds or {}).items():
            if mask.any():
                (staging / VEC_DIR / slug).mkdir(parents=True)
                np.save(staging / VEC_DIR / slug / "seed.npy", vectors)
                np.save(staging / VEC_DIR / slug / "seed_mask.npy", mask)
        fsync_tree(staging)
        final = segments / name
        os.replace(staging, final)
        fsync_dir(segments)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


class Segment:
    """Read access to one segment folder; the text is memory-mapped and parsed row by row on demand."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = folder.name
        try:
            self.offsets = np.load(folder / OFFSETS)
            self.docs = [SegmentDoc(k, int(s), int(n)) for k, s, n in
                         json.loads((folder / DOCS).read_text(encoding="utf-8"))]
            self._fh = open(folder / CHUNKS, "rb")
            size = os.fstat(self._fh.fileno()).st_size
            self._text = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except (OSError, ValueError) as exc:
            raise IndexStateError(f"index segment {folder} is unreadable ({exc}); rebuild with: "
                                  "python -m rag index --rebuild") from exc
        self.terms = TermStore.load(folder)
        if len(self.terms) != self.rows or int(self.offsets[-1]) != len(self._text):
            raise IndexStateError(f"index segment {folder} is inconsistent ({self.rows} passages, "
                                  f"{len(self.terms)} BM25 rows); rebuild with: python -m rag index --rebuild")

    @property
    def rows(self) -> int:
        return len(self.offsets) - 1

    def raw_line(self, row: int) -> bytes:
        return bytes(self._text[int(self.offsets[row]):int(self.offsets[row + 1])])

    def chunk(self, row: int) -> Chunk:
        return Chunk.from_dict(json.loads(self.raw_line(row)))

    # --- vectors -------------------------------------------------------------------------------
    def vec_dir(self, slug: str) -> Path:
        return self.folder / VEC_DIR / slug

    def embedded_rows(self, slug: str) -> int:
        """Rows 0..n-1 whose vectors are on disk (blocks are written in order; a gap ends the count)."""
        done = 0
        while done < self.rows and (self.vec_dir(slug) / _block_name(done // BLOCK_ROWS)).is_file():
            done = min(done + BLOCK_ROWS, self.rows)
        return done

    def seeds(self, slug: str) -> tuple[np.ndarray, np.ndarray] | None:
        folder = self.vec_dir(slug)
        if not (folder / "seed_mask.npy").is_file():
            return None
        return np.load(folder / "seed.npy"), np.load(folder / "seed_mask.npy")

    def write_block(self, slug: str, block: int, vectors: np.ndarray) -> None:
        folder = self.vec_dir(slug)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".tmp-{_block_name(block)}"
        with open(tmp, "wb") as fh:
            np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / _block_name(block))

    def vector_rows(self, slug: str, start: int, end: int, dim: int) -> np.ndarray:
        """Vectors of rows start..end-1 (all must be embedded), reading only the blocks that hold them."""
        if end <= start:
            return np.zeros((0, dim), dtype=np.float32)
        first, last = start // BLOCK_ROWS, (end - 1) // BLOCK_ROWS
        try:
            parts = [np.load(self.vec_dir(slug) / _block_name(b)) for b in range(first, last + 1)]
        except (OSError, ValueError) as exc:
            raise IndexStateError(f"vectors of segment {self.folder} are unreadable ({exc}); rebuild the index") from exc
        offset = first * BLOCK_ROWS
        return np.concatenate(parts)[start - offset:end - offset]

    def vectors(self, slug: str, rows: int, dim: int) -> np.ndarray:
        """The first `rows` vectors, read from their blocks."""
        if rows <= 0:
            return np.zeros((0, dim), dtype=np.float32)
        blocks = []
        try:
            for block in range((rows + BLOCK_ROWS - 1) // BLOCK_ROWS):
                blocks.append(np.load(self.vec_dir(slug) / _block_name(block)))
        except (OSError, ValueError) as exc:
            raise IndexStateError(f"vectors of segment {self.folder} are unreadable ({exc}); rebuild the index") from exc
        vectors = np.concatenate(blocks)[:rows]
        if vectors.shape != (rows, dim):
            raise IndexStateError(f"vectors of segment {self.folder} have shape {vectors.shape}, expected "
                                  f"({rows}, {dim}); rebuild with: python -m rag index --rebuild")
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def close(self) -> None:
        if isinstance(self._text, mmap.mmap):
            self._text.close()
        self._fh.close()


def _block_name(block: int) -> str:
    return f"b{block:06d}.npy"


def fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
