"""BM25 term postings of one index segment, built once from token lists and never re-tokenised.

Why not one bm25s model for the whole corpus: bm25s stores precomputed scores, which depend on the
corpus-wide document frequency and average length, so adding one document means rebuilding (and
re-tokenising) everything. Here a segment stores only raw term frequencies and passage lengths;
`SegmentedBM25` sums the corpus statistics over the live rows of all segments at query time. Terms are
stable 64-bit hashes (blake2b), so segments written at different times share one term space without a
shared vocabulary file that every write would have to rewrite. Scores equal bm25s' "lucene" variant
(tests/test_stores.py compares them).
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.errors import IndexStateError
from rag.stores.base import SearchHit

FILES = ("terms", "indptr", "rows", "tfs", "lengths")
PREFIX = "postings-"


def term_id(token: str) -> int:
    """Stable across processes and runs (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def term_ids(tokens: Sequence[str]) -> np.ndarray:
    return np.fromiter((term_id(t) for t in tokens), dtype=np.int64, count=len(tokens))


class TermStore:
    """Postings sorted by term hash: rows[indptr[i]:indptr[i+1]] contain terms[i], tfs alongside."""

    def __init__(self, terms: np.ndarray, indptr: np.ndarray, rows: np.ndarray, tfs: np.ndarray,
                 lengths: np.ndarray) -> None:
        self.terms, self.indptr, self.rows, self.tfs, self.lengths = terms, indptr, rows, tfs, lengths

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]]) -> "TermStore":
        """One pass of dict look-ups per token; counting and sorting are vectorised."""
        vocab: dict[str, int] = {}
        ids: list[int] = []
        lengths = np.zeros(len(token_lists), dtype=np.int32)
        for row, tokens in enumerate(token_lists):
            tokens = tokens or [""]  # as bm25s: an empty passage still has length 1
            lengths[row] = len(tokens)
            ids.extend([vocab.setdefault(t, len(vocab)) for t in tokens])
        if not ids:
            return cls.empty()
        width = np.int64(max(len(vocab), 1))
        local = np.asarray(ids, dtype=np.int64)
        row_of = np.repeat(np.arange(len(token_lists), dtype=np.int64), lengths)
        keys, counts = np.unique(row_of * width + local, return_counts=True)
        rows, local_ids = keys // width, keys % width
        hashes = term_ids(list(vocab))[local_ids]
        order = np.lexsort((rows, hashes))
        hashes, rows, counts = hashes[order], rows[order], counts[order]
        terms, starts = np.unique(hashes, return_index=True)
        indptr = np.append(starts, len(hashes)).astype(np.int64)
        return cls(terms, indptr, rows.astype(np.int32), np.minimum(counts, 65535).astype(np.uint16), lengths)

    @classmethod
    def empty(cls) -> "TermStore":
        return cls(np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint16),
                   np.zeros(0, np.int32))

    def postings(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        i = int(np.searchsorted(self.terms, tid))
        if i >= len(self.terms) or self.terms[i] != tid:
            return _NO_ROWS, _NO_TFS
        start, end = int(self.indptr[i]), int(self.indptr[i + 1])
        return np.asarray(self.rows[start:end]), np.asarray(self.tfs[start:end])

    def select(self, keep: np.ndarray) -> "TermStore":
        """The postings of the rows where `keep` is true, renumbered 0..n-1 (for segment merges)."""
        new_row = np.full(len(self.lengths), -1, dtype=np.int64)
        new_row[keep] = np.arange(int(keep.sum()))
        mapped = new_row[np.asarray(self.rows)]
        ok = mapped >= 0
        counts = np.diff(np.asarray(self.indptr))
        term_of = np.repeat(np.asarray(self.terms), counts)[ok]
        terms, starts = np.unique(term_of, return_index=True)
        return TermStore(terms, np.append(starts, len(term_of)).astype(np.int64), mapped[ok].astype(np.int32),
                         np.asarray(self.tfs)[ok], np.asarray(self.lengths)[keep])

    @classmethod
    def concat(cls, stores: Sequence["TermStore"]) -> "TermStore":
        if not stores:
            return cls.empty()
        offsets = np.cumsum([0] + [len(s) for s in stores])
        term_of = np.concatenate([np.repeat(np.asarray(s.terms), np.diff(np.asarray(s.indptr))) for s in stores])
        rows = np.concatenate([np.asarray(s.rows, dtype=np.int64) + o for s, o in zip(stores, offsets)])
        tfs = np.concatenate([np.asarray(s.tfs) for s in stores])
        order = np.lexsort((rows, term_of))
        term_of, rows, tfs = term_of[order], rows[order], tfs[order]
        terms, starts = np.unique(term_of, return_index=True)
        return cls(terms, np.append(starts, len(term_of)).astype(np.int64), rows.astype(np.int32), tfs,
                   np.concatenate([np.asarray(s.lengths) for s in stores]))

    def save(self, folder: Path) -> None:
        for name in FILES:
            np.save(folder / f"{PREFIX}{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, folder: Path) -> "TermStore":
        """Memory-mapped: a query touches only the postings of its own terms."""
        try:
            # plain ndarray views of the maps: slicing a np.memmap costs ~5x more per call
            arrays = [np.asarray(np.load(folder / f"{PREFIX}{name}.npy", mmap_mode="r")) for name in FILES]
        except (OSError, ValueError) as exc:
            raise IndexStateError(f"BM25 postings in {folder} are unreadable ({exc}); rebuild the index") from exc
        store = cls(*arrays)
        if len(store.indptr) != len(store.terms) + 1 or len(store.rows) != len(store.tfs):
            raise IndexStateError(f"BM25 postings in {folder} are inconsistent; rebuild the index")
        return store

    def __len__(self) -> int:
        return len(self.lengths)


CACHE_MIN_ROWS = 2_000  # a term in fewer passages is gathered faster than it is looked up
CACHE_MAX_POSTINGS = 8_000_000  # ~100 MB of rows and weights
_NOTHING = np.zeros(0, dtype=bool)  # `allow` that gathers no segment: frequencies only
_NO_ROWS = np.zeros(0, dtype=np.int32)
_NO_TFS = np.zeros(0, dtype=np.uint16)


class SegmentedBM25:
    """BM25 over the live rows of several segments, numbered globally in segment order.

    `parts` pairs each segment's TermStore with its local→global row map (-1 for a row that is no
    longer live: a removed or replaced document)."""

    def __init__(self, parts: Sequence[tuple[TermStore, np.ndarray]], k1: float = 1.2, b: float = 0.5) -> None:
        self.parts = list(parts)
        self.k1, self.b = k1, b
        self._count = int(sum(int((g >= 0).sum()) for _, g in self.parts))
        lengths = np.zeros(self._count, dtype=np.float32)
        self._spans: list[tuple[int, int, bool]] = []  # per part: its live global rows lo..hi-1, all rows live
        for store, global_rows in self.parts:
            live = global_rows >= 0
            lengths[global_rows[live]] = np.asarray(store.lengths)[live]
            rows = global_rows[live]
            self._spans.append((int(rows.min()) if len(rows) else 0, int(rows.max()) + 1 if len(rows) else 0,
                                bool(live.all())))
        avg = float(lengths.mean()) if self._count else 1.0
        self._norm = (k1 * ((1 - b) + b * lengths / max(avg, 1e-9))).astype(np.float32)
        # A frequent term's postings (规定, 应当, 罚款) are gathered across every segment by most questions:
        # kept, scored, for the next question (this snapshot never changes; a new version gets a new cache).
        self._cache: OrderedDict[int, tuple[np.ndarray, np.ndarray, int]] = OrderedDict()
        self._cached_postings = 0
        self._lock = threading.Lock()

    def _live_postings(self, tids: np.ndarray, allow: np.ndarray | None = None
                       ) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """For each term: (global rows, term frequencies, live document frequency) over all segments.

        With `allow`, segments holding no allowed row are not gathered, only counted for the frequency,
        so a search inside a few documents costs what those documents cost."""
        found: list[tuple[list, list]] = [([], []) for _ in tids]
        df = np.zeros(len(tids), dtype=np.int64)
        for (store, global_rows), (lo, hi, all_live) in zip(self.parts, self._spans):
            if not len(store.terms):
                continue
            at = np.searchsorted(store.terms, tids)  # one vectorised look-up per segment
            hit = np.flatnonzero((at < len(store.terms)) & (store.terms[np.minimum(at, len(store.terms) - 1)] == tids))
            skip = allow is not None and not allow[lo:hi].any()
            for i in hit:
                start, end = int(store.indptr[at[i]]), int(store.indptr[at[i] + 1])
                if skip and all_live:
                    df[i] += end - start
                    continue
                g = global_rows[store.rows[start:end]]
                ok = g >= 0
                df[i] += int(ok.sum())
                if not skip:
                    found[i][0].append(g[ok])
                    found[i][1].append(store.tfs[start:end][ok])
        return [(np.concatenate(r), np.concatenate(t).astype(np.float32), int(n)) if r else
                (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), int(n)) for (r, t), n in zip(found, df)]

    def _weighted(self, tids: np.ndarray, allow: np.ndarray | None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each term's (rows, BM25 contribution per occurrence count); frequent terms from the cache."""
        out = {tid: (rows, weights) for tid, (rows, weights, _) in self._cached(tids).items()}
        todo = np.asarray([t for t in tids.tolist() if t not in out], dtype=np.int64)
        for tid, (rows, tfs, df) in zip(todo.tolist(), self._live_postings(todo, allow) if len(todo) else []):
            idf = np.log(1 + (self._count - df + 0.5) / (df + 0.5))
            weights = (idf * tfs / (self._norm[rows] + tfs)).astype(np.float32)
            out[tid] = (rows, weights)
            if allow is None and len(rows) >= CACHE_MIN_ROWS:
                with self._lock:
                    self._cache[tid] = (rows, weights, df)
                    self._cached_postings += len(rows)
                    while self._cached_postings > CACHE_MAX_POSTINGS and self._cache:
                        _, (old, _, _) = self._cache.popitem(last=False)
                        self._cached_postings -= len(old)
        return [out[t] for t in tids.tolist()]

    def _cached(self, tids: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray, int]]:
        """The cached (rows, weights, frequency) of these terms, marked as just used."""
        with self._lock:
            hits = {tid: self._cache[tid] for tid in tids.tolist() if tid in self._cache}
            for tid in hits:
                self._cache.move_to_end(tid)
        return hits

    def scores(self, query_tokens: list[str], allow: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every live row (rows outside `allow` may be left at 0); a repeated query token
        counts once per repetition (as bm25s)."""
        scores = np.zeros(self._count, dtype=np.float32)
        if not self._count or not query_tokens:
            return scores
        tids, repeats = np.unique(term_ids(query_tokens), return_counts=True)
        for (rows, weights), times in zip(self._weighted(tids, allow), repeats):
            if len(rows):
                scores[rows] += times * weights
        return scores

    def search(self, query_tokens: list[str], k: int, allow: np.ndarray | None = None) -> list[SearchHit]:
        """Top k live rows with a positive score; `allow` (a bool per global row) filters before ranking."""
        scores = self.scores(query_tokens, allow)
        if allow is not None:
            scores = np.where(allow, scores, 0)
        positive = np.flatnonzero(scores > 0)
        if not len(positive) or k <= 0:
            return []
        k = min(k, len(positive))
        top = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        top = top[np.lexsort((top, -scores[top]))]
        return [SearchHit(int(r), float(scores[r])) for r in top]

    def document_frequencies(self, tokens: list[str]) -> dict[str, int]:
        """How many live rows contain each token (0 if unknown)."""
        if not tokens:
            return {}
        tids = term_ids(tokens)
        known = {tid: df for tid, (_, _, df) in self._cached(tids).items()}
        rest = np.asarray([t for t in tids.tolist() if t not in known], dtype=np.int64)
        if len(rest):
            known.update((t, df) for t, (_, _, df) in zip(rest.tolist(), self._live_postings(rest, _NOTHING)))
        return {token: known[t] for token, t in zip(tokens, tids.tolist())}

    def __len__(self) -> int:
        return self._count
