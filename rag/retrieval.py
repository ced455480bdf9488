"""Hybrid retrieval: BM25 over jieba words and dense vectors, fused by weighted reciprocal rank."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from rag.answer_shape import asks_for_figure, asks_list, asks_sanction, lists_asked, states_figure, states_sanction
from rag.card import LAW_KIND
from rag.constraints import check_passage, idf_weights, normalize, parse_constraints, set_known_places, topic_coverage
from rag.crossrefs import Citations
from rag.dedup import collapse
from rag.embedders.base import Embedder
from rag.errors import IndexStateError, QueryError
from rag.everyday_words import formal_expansion
from rag.filters import SearchFilter, allowed_rows
from rag.ingest.tables import CELL_SEPARATOR
from rag.passage_store import IndexSnapshot
from rag.places import gazetteer
from rag.schema import Passage
from rag.time_scope import parse_time_scope, scope_factors
from rag.textnorm import law_clock_times
from rag.titles import version_fits, version_phrases
from rag.tokenizer import has_searchable_content, tokenize, word_tokens

Mode = Literal["hybrid", "bm25", "dense"]
MAX_QUERY_CHARS = 2000
CANDIDATE_DEPTH = 100
CONSTRAINT_DEPTH = 60  # candidates checked against the question's place/year constraints
UNSATISFIED_FACTOR = 0.1
SUPERSEDED_FACTOR = 0.5  # an older version of a law, for a question that names no year or version
_YEAR_WRITTEN = re.compile(r"(?:19|20)\d{2}\s*年")
COVERAGE_DEPTH = 20  # leading candidates re-weighed by how much of the question they name
LOCAL_RULE_FACTOR = 0.3
CITED_DEPTH = 20  # leading candidates whose article lends score to the passages citing it
SHAPE_FACTOR = 0.5  # a leading passage without the asked shape (a figure, a list, a sanction), relative to one with it
PART_DOCS = 3  # the whole question's leading documents a part is searched in
CITING_BELOW = 0.99  # a citing passage is lifted to just below the article it cites, not above  # a place's own rule, for a question that names no place (national law first)


_LIST_ASK = re.compile(r"哪些|哪几|有几|各是|分别|列出")


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
    phrases: float = 0.1  # 0..1: how much the share of the question's 3-character phrases re-weighs the leaders
    parts: bool = True  # each part of a multi-part question is ranked on its own, the lists taken in turn
    shape: bool = True  # a question asking a figure, a list or a sanction prefers passages stating one (rag.answer_shape)
    versions: bool = True  # a law's older versions rank below the one in force unless the question names a year
    everyday: bool = True  # BM25 also searches what statutes write for the question's everyday words (rag.everyday_words)
    places: bool = True  # a question naming a place is also ranked among that place's documents alone
    tables: int = 3  # rows of one table ranked before the rest (0: no limit); a list question takes them all


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
        query = law_clock_times(check_query(query))  # "晚上十点" is written 二十二时 in the articles
        if not self.index.chunks:
            raise IndexStateError("the index is empty: add documents first (python -m rag index PATH, or upload in the web chat)")
        filters = filters if filters is not None else self.filters
        allow = allowed_rows(filters, self.index.manifest.documents, self.index.doc_rows, len(self.index.chunks))
        depth = max(CANDIDATE_DEPTH, 2 * k)  # independent of k, so asking for more never reorders the top
        order, fused, scores, ranks = self._rank(query, mode, depth, allow)
        if self.weights.tables and not _LIST_ASK.search(query):
            order = self._spread_tables(order)
        parts = parse_constraints(query).parts if self.weights.parts else ()
        if parts:
            order = self._with_parts(order, fused, scores, ranks, parts, mode, depth, allow)
        return self._passages(order, fused, scores, ranks, k)

    def _rank(self, query: str, mode: Mode, depth: int, allow: np.ndarray | None):
        """Every candidate of one question, best first, with its fused score and each retriever's."""
        weights = {"bm25": self.weights.bm25, "dense": self.weights.dense} if mode == "hybrid" else {mode: 1.0}
        named = self._named(query, allow) if self.weights.titles else None
        ranked = self._ranked(query, mode, depth, allow)
        local = self._place_rows(query, allow) if self.weights.places and named is None else None
        if local is not None:
            # "在南阳，把电动车停在楼道里充电…" : among a whole archive the words rank other cities' rules
            # first (demoted afterwards, but the place's own article was never among the candidates); its
            # documents' passages are ranked among themselves, the rest keep their ranks in the library
            ranked = {name: [(r, sc) for r, sc in hits if not local[r]] for name, hits in ranked.items()}
            ranked.update({f"place:{name}": hits for name, hits in self._ranked(query, mode, depth, local).items()})
        if named is not None:
            # inside the named documents, passages are ranked by what the question asks beyond the
            # title (twice: in place of the whole question's ranks, which their cover lines win) ...
            inside = self._ranked(named.query, mode, depth, named.rows)
            if inside.get("bm25") or mode == "dense":
                ranked = {name: [(r, sc) for r, sc in hits if not named.rows[r]] for name, hits in ranked.items()}
            # ... unless no word beyond the title is written there ("尤金袋鼠的体重大约是多少", the text says
            # 重约): then the whole question's ranks stay, or the rest of the library outranks the named text
            ranked.update({f"title:{name}": hits for name, hits in inside.items()})
        for name in list(ranked):
            if name.startswith("title:"):
                weights[name] = 2 * weights[name.removeprefix("title:")]
            elif name.startswith("place:"):
                weights[name] = weights[name.removeprefix("place:")]
        fused, scores, ranks = self._score(ranked, weights, named.asked if named else query)
        if named is not None and named.other_versions:
            for row in fused:
                if self._doc_of(row) in named.other_versions:
                    fused[row] *= UNSATISFIED_FACTOR
        elif self.weights.versions and self._superseded and not _YEAR_WRITTEN.search(query):
            # "行政复议法" with no version asked is the one in force: the 2023 text before the 2017 one
            for row in fused:
                if self._doc_of(row) in self._superseded:
                    fused[row] *= SUPERSEDED_FACTOR
        if self.weights.citations:
            self._lend_to_citing(fused, ranks)
        if self.weights.shape:  # after the lending: a citing penalty clause states the figure its article lacks
            self._weigh_shape(fused, query)
        return self._order(fused, ranks), fused, scores, ranks

    @cached_property
    def _superseded(self) -> frozenset[str]:
        """Laws and regulations a newer version in the library replaces (same title and place, older year)."""
        newest: dict[tuple[str, str], int] = {}
        versions: list[tuple[tuple[str, str], int, str]] = []
        for entry in self.index.manifest.documents.values():
            card = entry.card or {}
            if card.get("kind") != LAW_KIND or not card.get("title") or not card.get("year"):
                continue
            key = (str(card["title"]), str(card.get("place") or ""))
            versions.append((key, int(card["year"]), entry.name))
            newest[key] = max(newest.get(key, 0), int(card["year"]))
        return frozenset(name for key, year, name in versions if year < newest[key])

    @cached_property
    def _place_spans(self) -> dict[str, list[tuple[int, int]]]:
        """The rows of each place's documents, by the adcode on their cards."""
        spans: dict[str, list[tuple[int, int]]] = {}
        for key, entry in self.index.manifest.documents.items():
            code = (entry.card or {}).get("place_code") or ""
            if code and key in self.index.doc_rows:
                spans.setdefault(code, []).append(self.index.doc_rows[key])
        return spans

    def _place_rows(self, query: str, allow: np.ndarray | None) -> np.ndarray | None:
        """The rows of the documents about the places the question names (or places within them), when
        they are some but not all of the library; None otherwise."""
        asked = parse_constraints(query).admin
        if not asked:
            return None
        g = gazetteer()
        chosen = []
        for code, spans in self._place_spans.items():
            place = g.by_code.get(code)
            if place is not None and any(place.code == p.code or g.is_within(place, p) for p in asked):
                chosen.extend(spans)
        if not chosen or len(chosen) == len(self.index.doc_rows):
            return None
        mask = np.zeros(len(self.index.chunks), dtype=bool)
        for start, end in chosen:
            mask[start:end] = True
        if allow is not None:
            mask &= allow
        return mask if mask.any() else None

    def _with_parts(self, order: list[int], fused: dict[int, float], scores: dict[int, dict[str, float]],
                    ranks: dict[int, dict[str, int]], parts: tuple[str, ...], mode: Mode, depth: int,
                    allow: np.ndarray | None) -> list[int]:
        """"每年能休几天年假？应休未休的天数怎么补偿？" asks two things that two articles answer; the words
        of one part drown the other. Each part is ranked on its own and the lists are taken in turn (the
        whole question's first), so every part's best passage reaches the top. A part is searched in the
        documents of the whole question's leaders: "单位不申请的，家属多久内可以申请" leaves to the first
        part the law it is about."""
        lists = [order]
        mask = np.zeros(len(self.index.chunks), dtype=bool)
        spans = dict.fromkeys(self._doc_span(row) or (row, row + 1) for row in order[:PART_DOCS * 4])
        for start, end in list(spans)[:PART_DOCS]:  # the leading documents, not passages: 3 of one law are 1
            mask[start:end] = True
        mask = mask if allow is None else mask & allow
        for part in parts:
            if not has_searchable_content(part):
                continue
            part_order, part_fused, part_scores, part_ranks = self._rank(part, mode, depth, mask)
            for row in part_order:
                if row not in fused:
                    fused[row], scores[row], ranks[row] = part_fused[row], part_scores.get(row, {}), part_ranks[row]
            lists.append(part_order)
        merged: dict[int, None] = {}
        for i in range(max(len(lst) for lst in lists)):
            for lst in lists:
                if i < len(lst):
                    merged.setdefault(lst[i], None)
        return list(merged)

    def _ranked(self, text: str, mode: Mode, depth: int, mask: np.ndarray | None) -> dict[str, list[tuple[int, float]]]:
        """Each retriever's hits for one text among the rows of `mask` (None: all)."""
        ranked: dict[str, list[tuple[int, float]]] = {}
        if mode in ("hybrid", "bm25"):
            tokens = tokenize(text)
            if self.weights.everyday:  # "驾照被扣分" also searches 驾驶证: articles write the formal word
                known = set(tokens)
                tokens += [t for t in dict.fromkeys(word_tokens(" ".join(formal_expansion(text)))) if t not in known]
            ranked["bm25"] = [(h.row, h.score) for h in self.index.sparse.search(tokens, depth, mask)]
        if mode in ("hybrid", "dense"):
            vector = self._query_vector(text)
            ranked["dense"] = [(h.row, h.score) for h in self.index.dense.search(vector, depth, mask)]
        return ranked

    def _query_vector(self, text: str) -> np.ndarray:
        """One embedding per text: the place, title and part routes search again with the same words."""
        memo = self.__dict__.setdefault("_vectors", {})
        vector = memo.get(text)
        if vector is None:  # readers share the memo: never read back what another thread may clear
            vector = self.embedder.embed_query(text)
            if len(memo) >= 64:
                memo.clear()
            memo[text] = vector
        return vector

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
        scope = parse_time_scope(query)
        if self.weights.year_scope and not scope.empty:  # most questions name no year: no chunk is read for it
            rows = list(fused)
            factors = scope_factors(scope, [self.index.chunks[r] for r in rows], self._present_year)
            for row, factor in zip(rows, factors):
                fused[row] *= factor
        if self.weights.constraints:
            self._demote_unsatisfied(fused, query)
        if self.weights.national:
            self._prefer_national(fused, query)
        if self.weights.coverage:
            self._weigh_coverage(fused, query)
        if self.weights.phrases:
            self._weigh_phrases(fused, query)
        return fused, scores, ranks

    def _present_year(self, doc: str) -> int | None:
        card = self.index.card(doc)
        return card.present_year if card is not None else None

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
                row=row,
            )
            for i, (row, others) in enumerate(shown, start=1)
        ]

    def _spread_tables(self, order: list[int]) -> list[int]:
        """Rows of one table after its first few go after the other candidates: a 23-row task table
        repeats the document's title in its caption and would fill the top k of any question on the
        document ("这份实施意见的有效期到什么时候"), while the row asked for is among its leaders."""
        seen: dict[tuple[str, str, str], int] = {}
        first, later = [], []
        for row in order:
            chunk = self.index.chunks[row]
            caption, sep, _ = chunk.text.partition(CELL_SEPARATOR)
            if not sep:
                first.append(row)
                continue
            key = (chunk.origin.doc, chunk.origin.section_path, caption)
            seen[key] = seen.get(key, 0) + 1
            (first if seen[key] <= self.weights.tables else later).append(row)
        return first + later

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

    def _weigh_phrases(self, fused: dict[int, float], query: str) -> None:
        """Among the leading candidates, the one that writes more of the question's phrases in its order
        goes first: "累积记分满12分的，应当参加为期七天的学习" answers "累积记分满12分，需要参加多少天的学习",
        "累积记分每增加12分，学习时间增加七天" shares its words, not its phrases. Relative to the best leader,
        so a paraphrase that shares no phrase with any passage reorders nothing. Only among articles of
        rules, whose sibling clauses share their words and differ in set phrases; in a report's prose
        the same share is noise between near-equal paragraphs."""
        grams = _trigrams(query)
        if not grams:
            return
        top = [r for r in sorted(fused, key=lambda r: -fused[r])[:COVERAGE_DEPTH] if self._in_article(r)]
        shares = {row: len(grams & _trigrams(self.index.chunks[row].text)) for row in top}
        best = max(shares.values(), default=0)
        if not best:
            return
        w = self.weights.phrases
        for row, share in shares.items():
            fused[row] *= 1.0 - w + w * share / best

    def _weigh_shape(self, fused: dict[int, float], query: str) -> None:
        """Among the leading candidates, a passage of the shape asked goes first: "需要多少业主同意" is
        answered by the article stating 2/3, not by the one listing what the owners decide; "会怎么处罚"
        by the penalty clause; "有哪些" by the article that lists them. Only an article of a rule is
        expected to list in one passage: a report spreads its items over paragraphs ("我们有产业优势。…
        我们有交通优势。")."""
        c = parse_constraints(query)
        rules_only = False
        if asks_sanction(c):
            has_shape = states_sanction
        elif asks_list(c):
            has_shape, rules_only = (lambda text: lists_asked(c, text)), True
        elif asks_for_figure(c):
            has_shape = lambda text: states_figure(c, text)  # noqa: E731
        else:
            return
        for row in sorted(fused, key=lambda r: -fused[r])[:COVERAGE_DEPTH]:
            chunk = self.index.chunks[row]
            if rules_only and not self._in_article(row):
                continue
            if not has_shape(chunk.text):
                fused[row] *= SHAPE_FACTOR

    def _in_article(self, row: int) -> bool:
        """Is the passage part of a numbered article ("第十一条 …" or a paragraph after one)?"""
        citations = self._citations(row)
        return citations is not None and row in citations.article_of

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

    def _doc_span(self, row: int) -> tuple[int, int] | None:
        """The rows (start, end) of the document holding `row`."""
        if not hasattr(self, "_doc_starts"):
            spans = sorted(self.index.doc_rows.values())
            self._doc_starts = [start for start, _ in spans]
            self._doc_spans = spans
            self._citation_maps: dict[tuple[int, int], Citations] = {}
        i = bisect.bisect_right(self._doc_starts, row) - 1
        if i < 0 or not (self._doc_spans[i][0] <= row < self._doc_spans[i][1]):
            return None
        return self._doc_spans[i]

    @cached_property
    def _span_names(self) -> dict[tuple[int, int], str]:
        documents = self.index.manifest.documents
        return {span: documents[key].name for key, span in self.index.doc_rows.items() if key in documents}

    def _doc_of(self, row: int) -> str | None:
        """The display name of the document holding `row`, without reading the passage."""
        span = self._doc_span(row)
        return self._span_names.get(span) if span is not None else None

    def _citations(self, row: int) -> Citations | None:
        """The citation map of the document holding `row` (built once per document and snapshot)."""
        span = self._doc_span(row)
        if span is None:
            return None
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
            if self.index.is_local_rule(self._doc_of(row) or ""):
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


def _trigrams(text: str) -> set[str]:
    """The 3-character runs of the text's Chinese (its phrases, in order)."""
    out = set()
    for run in re.findall(r"[\u4e00-\u9fff]{3,}", normalize(text)):
        out.update(run[i:i + 3] for i in range(len(run) - 2))
    return out


def check_query(query: str) -> str:
    query = (query or "").strip()
    if not has_searchable_content(query):
        raise QueryError("the question is empty or only punctuation; please type a question")
    return query[:MAX_QUERY_CHARS]
