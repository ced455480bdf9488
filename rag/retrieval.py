"""Hybrid retrieval: BM25 over jieba words and dense vectors, fused by weighted reciprocal rank."""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rag.constraints import check_passage, idf_weights, normalize, parse_constraints, set_known_places, topic_coverage
from rag.crossrefs import Citations
from rag.dedup import collapse
from rag.embedders.base import Embedder
from rag.errors import IndexStateError, QueryError
from rag.filters import SearchFilter, allowed_rows
from rag.passage_store import IndexSnapshot
from rag.schema import Passage
from rag.time_scope import parse_time_scope, scope_factors
from rag.titles import version_fits, version_phrases
from rag.tokenizer import has_searchable_content, tokenize

Mode = Literal["hybrid", "bm25", "dense"]
MAX_QUERY_CHARS = 2000
CANDIDATE_DEPTH = 100
CONSTRAINT_DEPTH = 60  # candidates checked against the question's place/year constraints
UNSATISFIED_FACTOR = 0.1
COVERAGE_DEPTH = 20  # leading candidates re-weighed by how much of the question they name
LOCAL_RULE_FACTOR = 0.3
CITED_DEPTH = 20  # leading candidates whose article lends score to the passages citing it
CITING_BELOW = 0.99  # a citing passage is lifted to just below the article it cites, not above  # a place's own rule, for a question that names no place (national law first)


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
    national: bool = True  # a question naming no place prefers national rules to a place's own rules
    citations: float = 0.5  # share of an article's score lent to the passages of its law that cite it
    coverage: float = 0.5  # 0..1: how much the share of the question's topic words named re-weighs the leaders


@dataclass(frozen=True)
class Named:
    """What a question that names documents by title searches inside them."""

    rows: np.ndarray  # the rows of the named documents (the version asked for)
    query: str  # the question without the titles and version phrases: they do not tell articles apart
    asked: str  # the question without its version phrases, for the year and place checks
    other_versions: frozenset[str] = frozenset()  # display names of the versions not asked for


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
        weights = {"bm25": self.weights.bm25, "dense": self.weights.dense} if mode == "hybrid" else {mode: 1.0}
        named = self._named(query, allow) if self.weights.titles else None
        ranked = self._ranked(query, mode, depth, allow)
        if named is not None:
            # inside the named documents, passages are ranked by what the question asks beyond the
            # title (twice: in place of the whole question's ranks, which their cover lines win)
            ranked = {name: [(r, sc) for r, sc in hits if not named.rows[r]] for name, hits in ranked.items()}
            ranked.update({f"title:{name}": hits for name, hits in
                           self._ranked(named.query, mode, depth, named.rows).items()})
        for name in list(ranked):
            if name.startswith("title:"):
                weights[name] = 2 * weights[name.removeprefix("title:")]
        fused, scores, ranks = self._score(ranked, weights, named.asked if named else query)
        if named is not None and named.other_versions:
            for row in fused:
                if self.index.chunks[row].origin.doc in named.other_versions:
                    fused[row] *= UNSATISFIED_FACTOR
        if self.weights.citations:
            self._lend_to_citing(fused, ranks)
        order = self._order(fused, ranks)
        return self._passages(order, fused, scores, ranks, k)

    def _ranked(self, text: str, mode: Mode, depth: int, mask: np.ndarray | None) -> dict[str, list[tuple[int, float]]]:
        """Each retriever's hits for one text among the rows of `mask` (None: all)."""
        ranked: dict[str, list[tuple[int, float]]] = {}
        if mode in ("hybrid", "bm25"):
            ranked["bm25"] = [(h.row, h.score) for h in self.index.sparse.search(tokenize(text), depth, mask)]
        if mode in ("hybrid", "dense"):
            vector = self.embedder.embed_query(text)
            ranked["dense"] = [(h.row, h.score) for h in self.index.dense.search(vector, depth, mask)]
        return ranked

    def _named(self, query: str, allow: np.ndarray | None) -> "Named | None":
        """The documents the question names by title ("劳动合同法规定…"): searched as a second route, so
        that law's passages compete first without hiding the rest of the library. Of several versions
        of it, "2013年版"/"2020年修正前的" keeps the one asked for and demotes the others."""
        titles = self.index.titles()
        keys = titles.named(query)
        if not keys or len(keys) == len(self.index.manifest.documents):
            return None
        documents = self.index.manifest.documents
        phrases = version_phrases(query)
        other_versions: frozenset[str] = frozenset()
        if phrases:
            fitting = {k for k in keys if k in documents and version_fits((documents[k].card or {}).get("year"), phrases)}
            if fitting and fitting != keys:
                other_versions = frozenset(documents[k].name for k in keys - fitting if k in documents)
                keys = fitting
        rows = [self.index.doc_rows[key] for key in keys if key in self.index.doc_rows]
        if not rows:
            return None
        mask = np.zeros(len(self.index.chunks), dtype=bool)
        for start, end in rows:
            mask[start:end] = True
        inside = titles.without_titles(query)
        asked = query
        for *_, written in phrases:
            asked = asked.replace(written, " ")  # a version's year is not a year the passage must name
        return Named(rows=mask if allow is None else mask & allow,
                     query=inside if has_searchable_content(inside) else query,
                     asked=asked if has_searchable_content(asked) else query, other_versions=other_versions)

    def _score(self, ranked: dict[str, list[tuple[int, float]]], weights: dict[str, float], query: str):
        """Weighted RRF of the lists, then the question's year, place and topic re-weighings."""
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
        if self.weights.national:
            self._prefer_national(fused, query)
        if self.weights.coverage:
            self._weigh_coverage(fused, query)
        return fused, scores, ranks

    @staticmethod
    def _order(fused: dict[int, float], ranks: dict[int, dict[str, int]]) -> list[int]:
        # Ties (equal fused score) fall back to the better single-retriever rank, then to document order.
        return sorted(fused, key=lambda r: (-fused[r], min(ranks[r].values()), r))

    def _passages(self, order: list[int], fused: dict[int, float], scores: dict[int, dict[str, float]],
                  ranks: dict[int, dict[str, int]], k: int) -> list[Passage]:
        """The top k of `order`, near-duplicates shown once (rag.dedup)."""
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
                component_scores=scores.get(row, {}),
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

    def _lend_to_citing(self, fused: dict[int, float], ranks: dict[int, dict[str, int]]) -> None:
        """"个人违反本条例第三十三条规定的，…处罚款" answers a question whose words are in 第三十三条: a
        leading article lends a share of its score to the passages of its law that cite it."""
        lent: dict[int, float] = {}
        for row in sorted(fused, key=lambda r: -fused[r])[:CITED_DEPTH]:
            citations = self._citations(row)
            article = citations.article_of.get(row) if citations else None
            for citing in (citations.citing.get(article, []) if article else []):
                # up to just below the cited article: it ranks by the question's words, they by its
                own = fused.get(citing, 0.0)
                raised = min(own + self.weights.citations * fused[row], CITING_BELOW * fused[row])
                lent[citing] = max(lent.get(citing, own), raised)
        for row, score in lent.items():
            fused[row] = score
            ranks.setdefault(row, {})["cited"] = 0

    def _citations(self, row: int) -> Citations | None:
        """The citation map of the document holding `row` (built once per document and snapshot)."""
        if not hasattr(self, "_doc_starts"):
            spans = sorted(self.index.doc_rows.values())
            self._doc_starts = [start for start, _ in spans]
            self._doc_spans = spans
            self._citation_maps: dict[tuple[int, int], Citations] = {}
        i = bisect.bisect_right(self._doc_starts, row) - 1
        if i < 0 or not (self._doc_spans[i][0] <= row < self._doc_spans[i][1]):
            return None
        span = self._doc_spans[i]
        if span not in self._citation_maps:
            self._citation_maps[span] = Citations.build(range(*span), lambda r: self.index.chunks[r].text)
        return self._citation_maps[span]

    def _prefer_national(self, fused: dict[int, float], query: str) -> None:
        """"退休要交满多少年社保？" names no place: it asks the rule that holds everywhere. Among rules
        (laws, regulations), a province's or city's own rule — its title names the place — goes below
        the national one; between two local rules, or in a library of one place's rules, nothing changes."""
        c = parse_constraints(query)
        if c.admin or c.places:
            return
        for row in sorted(fused, key=lambda r: -fused[r])[:CONSTRAINT_DEPTH]:
            if self.index.is_local_rule(self.index.chunks[row].origin.doc):
                fused[row] *= LOCAL_RULE_FACTOR

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
