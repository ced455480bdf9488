"""Scoring: compare per-question pipeline results with gold questions.

Pure functions over plain data (questions + result dicts as written by the runner). This is the only
module that reads gold answers and evidence, so the pipeline can never be tuned on them by accident.
Strings are compared after `normalize`, so "３０.２４" matches "30.24" and "30.24 亿元" matches "30.24亿元".
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from eval.questions import Question
from rag.textnorm import arabic_figures

DEFAULT_KS: tuple[int, ...] = (1, 3, 5)
# Known types first in this order in breakdowns; unknown types follow alphabetically.
TYPE_ORDER: tuple[str, ...] = ("fact", "list", "paraphrase", "multi", "unanswerable")

_WHITESPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[。！？!?\n]+")


# ---------------------------------------------------------------- string helpers


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # 1,238.58 and 1238.58 are the same figure


def normalize(s: str) -> str:
    """NFKC + drop all whitespace: full-width digits and stray spaces must not decide a match."""
    return _THOUSANDS.sub("", _WHITESPACE.sub("", unicodedata.normalize("NFKC", s)))


def contains(text: str, needle: str) -> bool:
    """True when `needle` occurs in `text`, both normalised."""
    return normalize(needle) in normalize(text)


def split_sentences(answer: str) -> list[str]:
    """Answer sentences, split on 。！？!? and newlines; blank pieces dropped (denominator of flagged share)."""
    return [s.strip() for s in _SENTENCE_END.split(answer) if s.strip()]


# ---------------------------------------------------------------- per-question measures


def _forms(text: str) -> list[str]:
    """A passage as matched against evidence: its text, and for a table row its flattened cells
    (values in order) and its header line followed by its values — the two ways a PDF extractor
    flattens a table. Separators ignored."""
    from rag.ingest.tables import row_cells

    out = [normalize(text)]
    cells = row_cells(text)
    if cells is not None:
        values = "".join(v for _, v in cells)
        headers = "".join(h.split("·")[-1] for h, _ in cells if h)
        out += [normalize(values), normalize(headers + values)]
    return out


def evidence_rank(passage_texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """Smallest k whose top-k passages together hold every evidence string (1-based); None if never.

    Each evidence string may sit in a different passage: a multi-passage answer needs all of them retrieved.
    """
    if not evidence:
        return None
    normalised = [_forms(t) for t in passage_texts]
    worst = 0
    for ev in evidence:
        needle = normalize(ev)
        first = next((i for i, texts in enumerate(normalised) if any(needle in t for t in texts)), None)
        if first is None:
            return None
        worst = max(worst, first + 1)
    return worst


def _figures(s: str) -> str:
    """The normalised text with Chinese figures in digits (百分之二十 → 20%, 二年 → 2年)."""
    return arabic_figures(normalize(s))


def missing_facts(answer: str, facts: Sequence[str]) -> list[str]:
    """Key facts the answer does not contain, in gold order. A figure counts however it is written: a law's
    百分之二十 quoted from an interpretation that writes 20% states the same fact."""
    norm_answer, figure_answer = normalize(answer), _figures(answer)

    def as_figure(fact: str) -> bool:  # 十二个月 → 12个月 must not hold 2个月
        return re.search(r"(?<![\d.])" + re.escape(_figures(fact)), figure_answer) is not None

    return [f for f in facts if normalize(f) not in norm_answer and not as_figure(f)]


def answer_is_correct(answer: str, facts: Sequence[str], refused: bool) -> bool:
    """An answer is right when it is not a refusal and contains every key fact."""
    return not refused and not missing_facts(answer, facts)


def cites_evidence(citation_text: str, evidence: Sequence[str]) -> bool:
    """A citation is precise when its passage holds at least one of the question's evidence strings."""
    forms = _forms(citation_text)
    return any(normalize(ev) in form for ev in evidence for form in forms)


def latency_stats(timings: Iterable[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """p50/p95 (numpy linear percentile) per timing stage, over the results that report that stage.

    Stages keep the order the pipeline reports them in, with `total` last.
    """
    by_stage: dict[str, list[float]] = {}
    for t in timings:
        for stage, ms in t.items():
            if ms is not None:
                by_stage.setdefault(stage, []).append(float(ms))
    if "total" in by_stage:
        by_stage["total"] = by_stage.pop("total")
    return {
        stage: {
            "p50": float(np.percentile(values, 50)),
            "p95": float(np.percentile(values, 95)),
            "n": len(values),
        }
        for stage, values in by_stage.items()
    }


# ---------------------------------------------------------------- records


@dataclass
class QuestionScore:
    """What scoring found for one question; kept so reports can list the failures, not only averages."""

    id: str
    type: str
    answerable: bool
    has_evidence: bool
    evidence_rank: int | None
    refused: bool | None  # None: retrieval-only run
    answer_correct: bool | None  # None: unanswerable question, no key facts, or retrieval-only run
    missing_facts: list[str] = field(default_factory=list)
    n_citations: int = 0
    n_citations_precise: int = 0
    n_sentences: int = 0
    n_flagged: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)
    missing_result: bool = False  # the results had no line for this question: scored as a failure


@dataclass
class Metrics:
    """Aggregates over one group of questions (all, or one type); a figure is None when nothing measures it."""

    n_questions: int
    n_answerable: int
    n_unanswerable: int
    n_with_evidence: int
    recall: dict[int, float | None]
    mrr: float | None
    answer_accuracy: float | None
    refusal_accuracy: float | None
    wrong_refusal_rate: float | None
    citation_precision: float | None
    n_citations: int
    flagged_share: float | None
    n_answer_sentences: int
    latency_ms: dict[str, dict[str, float]]

    def figures(self) -> dict[str, float | None]:
        """Every rate, in display order: recall@k…, mrr, answer/refusal figures, citations, flagged share."""
        out: dict[str, float | None] = {f"recall@{k}": v for k, v in self.recall.items()}
        out.update(
            mrr=self.mrr,
            answer_accuracy=self.answer_accuracy,
            refusal_accuracy=self.refusal_accuracy,
            wrong_refusal_rate=self.wrong_refusal_rate,
            citation_precision=self.citation_precision,
            flagged_share=self.flagged_share,
        )
        return out

    def headline(self) -> dict[str, float | None]:
        """The figures worth a chart: retrieval, answers, refusals, citations (higher is better for all)."""
        figs = self.figures()
        keys = [k for k in figs if k.startswith("recall@")]
        keys += ["mrr", "answer_accuracy", "refusal_accuracy", "citation_precision"]
        return {k: figs[k] for k in keys}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recall"] = {f"recall@{k}": v for k, v in self.recall.items()}
        return data


@dataclass
class Summary:
    """Scores of one run: overall, per question type, and per question."""

    ks: tuple[int, ...]
    retrieval_only: bool  # every result had refused=None: answer metrics are None, not 0
    n_missing: int  # questions with no result line (scored as failures)
    overall: Metrics
    by_type: dict[str, Metrics]
    questions: list[QuestionScore]

    def headline(self) -> dict[str, float | None]:
        return self.overall.headline()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ks": list(self.ks),
            "retrieval_only": self.retrieval_only,
            "n_missing": self.n_missing,
            "overall": self.overall.to_dict(),
            "by_type": {t: m.to_dict() for t, m in self.by_type.items()},
            "questions": [asdict(q) for q in self.questions],
        }


# ---------------------------------------------------------------- scoring


def _ratio(num: float, den: int) -> float | None:
    return num / den if den else None


def _citation_text(citation: Mapping[str, Any], passages: Sequence[Mapping[str, Any]]) -> str:
    """The cited passage's text: the citation's own copy, else looked up among the retrieved passages."""
    text = citation.get("text")
    if isinstance(text, str):
        return text
    pid = citation.get("passage_id")
    for p in passages:
        if p.get("passage_id") == pid:
            return p.get("text") or ""
    return ""


def score_question(question: Question, result: Mapping[str, Any] | None, retrieval_only: bool) -> QuestionScore:
    """Score one result against its gold question; `result=None` (no line) scores as an empty failure."""
    missing_result = result is None
    result = result or {}
    passages = result.get("passages") or []
    answer = result.get("answer") or ""
    refused: bool | None = None if retrieval_only else bool(result.get("refused"))
    has_evidence = question.answerable and bool(question.evidence)

    rank = evidence_rank([p.get("text") or "" for p in passages], question.evidence) if has_evidence else None

    answer_correct: bool | None = None
    missing: list[str] = []
    if not retrieval_only and question.answerable and question.answers:
        missing = missing_facts(answer, question.answers)
        answer_correct = answer_is_correct(answer, question.answers, bool(refused))

    citations = result.get("citations") or []
    n_precise = 0
    if has_evidence:
        n_precise = sum(cites_evidence(_citation_text(c, passages), question.evidence) for c in citations)

    n_sentences = n_flagged = 0
    if not retrieval_only and not refused:
        n_sentences = len(split_sentences(answer))
        n_flagged = len(result.get("flagged_sentences") or [])

    return QuestionScore(
        id=question.id,
        type=question.type,
        answerable=question.answerable,
        has_evidence=has_evidence,
        evidence_rank=rank,
        refused=refused,
        answer_correct=answer_correct,
        missing_facts=missing,
        n_citations=len(citations) if has_evidence else 0,
        n_citations_precise=n_precise,
        n_sentences=n_sentences,
        n_flagged=n_flagged,
        timings_ms={k: float(v) for k, v in (result.get("timings_ms") or {}).items() if v is not None},
        missing_result=missing_result,
    )


def aggregate(scores: Sequence[QuestionScore], ks: Sequence[int], retrieval_only: bool) -> Metrics:
    """Average a group of question scores; denominators are the questions each figure applies to."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    with_evidence = [s for s in answerable if s.has_evidence]
    ranks = [s.evidence_rank for s in with_evidence]
    judged = [s for s in answerable if s.answer_correct is not None]

    if retrieval_only:
        answer_acc = refusal_acc = wrong_refusal = flagged = None
        n_sentences = 0
    else:
        answer_acc = _ratio(sum(bool(s.answer_correct) for s in judged), len(judged))
        refusal_acc = _ratio(sum(bool(s.refused) for s in unanswerable), len(unanswerable))
        wrong_refusal = _ratio(sum(bool(s.refused) for s in answerable), len(answerable))
        n_sentences = sum(s.n_sentences for s in scores)
        flagged = _ratio(sum(s.n_flagged for s in scores), n_sentences)

    n_citations = sum(s.n_citations for s in with_evidence)
    return Metrics(
        n_questions=len(scores),
        n_answerable=len(answerable),
        n_unanswerable=len(unanswerable),
        n_with_evidence=len(with_evidence),
        recall={k: _ratio(sum(r is not None and r <= k for r in ranks), len(ranks)) for k in ks},
        mrr=_ratio(sum(1.0 / r for r in ranks if r is not None), len(ranks)),
        answer_accuracy=answer_acc,
        refusal_accuracy=refusal_acc,
        wrong_refusal_rate=wrong_refusal,
        citation_precision=_ratio(sum(s.n_citations_precise for s in with_evidence), n_citations),
        n_citations=n_citations,
        flagged_share=flagged,
        n_answer_sentences=n_sentences,
        latency_ms=latency_stats(s.timings_ms for s in scores if not s.missing_result),
    )


def _type_key(t: str) -> tuple[int, str]:
    return (TYPE_ORDER.index(t), "") if t in TYPE_ORDER else (len(TYPE_ORDER), t)


def summarize(
    questions: Sequence[Question],
    results: Iterable[Mapping[str, Any]],
    ks: Sequence[int] = DEFAULT_KS,
) -> Summary:
    """Score results (matched to questions by `id`) overall and per question type.

    Retrieval-only runs (every `refused` is None) get None, not 0, for answer metrics. A question without a
    result line counts as a failure and is reported in `n_missing`; a result for an unknown id is an error,
    since it means the results and question set do not belong together.
    """
    ks = tuple(ks)
    known = {q.id for q in questions}
    by_id: dict[str, Mapping[str, Any]] = {}
    for r in results:
        rid = r.get("id")
        if rid not in known:
            raise ValueError(f"result for unknown question id {rid!r}")
        if rid in by_id:
            raise ValueError(f"more than one result for question id {rid!r}")
        by_id[rid] = r
    retrieval_only = all(r.get("refused") is None for r in by_id.values())

    scores = [score_question(q, by_id.get(q.id), retrieval_only) for q in questions]
    types = sorted({s.type for s in scores}, key=_type_key)
    return Summary(
        ks=ks,
        retrieval_only=retrieval_only,
        n_missing=sum(s.missing_result for s in scores),
        overall=aggregate(scores, ks, retrieval_only),
        by_type={t: aggregate([s for s in scores if s.type == t], ks, retrieval_only) for t in types},
        questions=scores,
    )
