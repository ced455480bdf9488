"""Hybrid retrieval: BM25 over jieba words and dense vectors, fused by weighted reciprocal rank."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from rag.constraints import check_passage, idf_weights, normalize, parse_constraints, set_known_places, topic_coverage
from rag.dedup import collapse
from rag.embedders.base import Embedder
from rag.errors import IndexStateError, QueryError
from rag.filters import SearchFilter, allowed_rows
from rag.passage_store import IndexSnapshot
from rag.schema import Passage
from rag.time_scope import parse_time_scope, scope_factors
from rag.tokenizer import has_searchable_content, tokenize

Mode = Literal["hybrid", "bm25", "dense"]
MAX_QUERY_CHARS = 2000
CANDIDATE_DEPTH = 100
CONSTRAINT_DEPTH = 60  # candidates checked against the question's place/year constraints
UNSATISFIED_FACTOR = 0.1
COVERAGE_DEPTH = 20  # leading candidates re-weighed by how much of the question they name


@dataclass(frozen=True)
class FusionWeights:
    """Defaults chosen by `python -m eval --compare` on the dev set and CMRC 2018 (see README)."""

    bm25: float = 1.0
    dense: float = 0.3
    rrf_k: int = 10
    year_scope: bool = True
    constraints: bool = True  # passages of another place/year than the question's go below the rest
    dedup: bool = True  # near-identical passages of several documents shown once (rag.dedup)
    titles: bool = True  # a document the question names by title is searched as a second route
    coverage: float = 0.5  # 0..1: how much the share of the question's topic words named re-weighs the leaders


class HybridRetriever:
    """Searches one index snapshot of any backend (rag.passage_store); thread-safe for concurrent readers."""

    def __init__(self, index: IndexSnapshot, embedder: Embedder, weights: FusionWeights = FusionWeights(),
                 filters: SearchFilter | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.weights = weights
        self.filters = filters  # used when a search passes none (`ask --doc …` reaches retrieval through Answerer)
        set_known_places(index.place_codes())

    def search(self, query: str, k: int = 5, mode: Mode = "hybrid", filters: SearchFilter | None = None) -> list[Passage]:
        """Top-k passages; raises QueryError for an empty or punctuation-only question.

        `filters` restrict the candidates of both retrievers before ranking (rag.filters)."""
        query = check_query(query)
        if not self.index.chunks:
            raise IndexStateError("the index is empty: add documents first (python -m rag index PATH, or upload in the web chat)")
        filters = filters if filters is not None else self.filters
        allow = allowed_rows(filters, self.index.manifest.documents, self.index.doc_rows, len(self.index.chunks))
        depth = max(CANDIDATE_DEPTH, 2 * k)  # independent of k, so asking for more never reorders the top
        ranked: dict[str, list[tuple[int, float]]] = {}
        weights = {"bm25": self.weights.bm25, "dense": self.weights.dense} if mode == "hybrid" else {mode: 1.0}
        named = self._named_rows(query, allow) if self.weights.titles else None
        tokens = tokenize(query)
        vector = self.embedder.embed_query(query) if mode in ("hybrid", "dense") else None
        for route, mask in (("", allow), ("title:", named)):
            if route and mask is None:
                continue
            if mode in ("hybrid", "bm25"):
                ranked[route + "bm25"] = [(h.row, h.score) for h in self.index.sparse.search(tokens, depth, mask)]
            if vector is not None:
                ranked[route + "dense"] = [(h.row, h.score) for h in self.index.dense.search(vector, depth, mask)]
        for name in list(ranked):
            if name.startswith("title:"):
                weights[name] = weights[name.removeprefix("title:")]
        return self._fuse(ranked, weights, k, query)

    def _named_rows(self, query: str, allow: np.ndarray | None) -> np.ndarray | None:
        """Rows of the documents the question names by title ("劳动合同法规定…"): searched as a second
        route, so that law's passages compete first without hiding the rest of the library."""
        keys = self.index.titles().named(query)
        rows = [self.index.doc_rows[key] for key in keys if key in self.index.doc_rows]
        if not rows or len(keys) == len(self.index.manifest.documents):
            return None
        mask = np.zeros(len(self.index.chunks), dtype=bool)
        for start, end in rows:
            mask[start:end] = True
        return mask if allow is None else mask & allow

    def _fuse(
        self, ranked: dict[str, list[tuple[int, float]]], weights: dict[str, float], k: int, query: str
    ) -> list[Passage]:
        fused: dict[int, float] = {}
        scores: dict[int, dict[str, float]] = {}
        ranks: dict[int, dict[str, int]] = {}
        for name, hits in ranked.items():
            for rank, (row, score) in enumerate(hits, start=1):
                fused[row] = fused.get(row, 0.0) + weights.get(name, 0.0) / (self.weights.rrf_k + rank)
                scores.setdefault(row, {})[name] = score
                ranks.setdefault(row, {})[name] = rank
        if self.weights.year_scope:
            rows = list(fused)
            factors = scope_factors(parse_time_scope(query), [self.index.chunks[r] for r in rows])
            for row, factor in zip(rows, factors):
                fused[row] *= factor
        if self.weights.constraints:
            self._demote_unsatisfied(fused, query)
        if self.weights.coverage:
            self._weigh_coverage(fused, query)
        # Ties (equal fused score) fall back to the better single-retriever rank, then to document order.
        order = sorted(fused, key=lambda r: (-fused[r], min(ranks[r].values()), r))
        cache: dict[int, object] = {}

        def chunk(row: int):
            if row not in cache:
                cache[row] = self.index.chunks[row]
            return cache[row]

        shown = collapse(order, chunk, k, self._recency) if self.weights.dedup else [(r, []) for r in order[:k]]
        return [
            Passage(
                chunk=chunk(row),
                score=fused[row],
                rank=i,
                component_scores=scores[row],
                component_ranks=ranks[row],
                also_in=others,
            )
            for i, (row, others) in enumerate(shown, start=1)
        ]

    def _recency(self, doc: str) -> tuple:
        """Newer documents first among identical passages: the card's year, then its date."""
        card = self.index.card(doc)
        return (card.year or 0, card.date or "") if card is not None else (0, "")


    def _weigh_coverage(self, fused: dict[int, float], query: str) -> None:
        """Among the leading candidates, the one that names more of what is asked goes first: fused
        ranks of two passages of one article differ by noise, "主题为…" answers "主题是什么" and the
        article's lead paragraph does not."""
        c = parse_constraints(query)
        if not c.terms:
            return
        words = [t.word for t in c.terms]
        idf = idf_weights(words, self.index.sparse.document_frequencies(words), max(len(self.index.chunks), 1))
        w = self.weights.coverage
        for row in sorted(fused, key=lambda r: -fused[r])[:COVERAGE_DEPTH]:
            share, _ = topic_coverage(c, normalize(self.index.chunks[row].check_text), idf)
            fused[row] *= 1.0 - w + w * share

    def _demote_unsatisfied(self, fused: dict[int, float], query: str) -> None:
        """A passage whose place, organisation or year contradicts the question (a district figure for a
        city question, 2023 results for a 2022 question) ranks below every passage that satisfies it."""
        constraints = parse_constraints(query)
        if not (constraints.admin or constraints.places or constraints.orgs or constraints.has_time):
            return
        top = sorted(fused, key=lambda r: -fused[r])[:CONSTRAINT_DEPTH]
        for row in top:
            chunk = self.index.chunks[row]
            if not check_passage(constraints, chunk, self.index.card(chunk.origin.doc)).ok:
                fused[row] *= UNSATISFIED_FACTOR


def check_query(query: str) -> str:
    query = (query or "").strip()
    if not has_searchable_content(query):
        raise QueryError("the question is empty or only punctuation; please type a question")
    return query[:MAX_QUERY_CHARS]
