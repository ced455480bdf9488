"""CMRC 2018 (or any SQuAD-style file) as a retrieval benchmark: each context is a document.

A question's hit is a retrieved passage from its own context. The baseline is plain BM25 over
whole contexts with jieba words (`jieba.lcut`), the usual quick Chinese baseline.
"""
from __future__ import annotations

import hashlib
import json
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval.metrics import contains
from eval.runner import eval_settings
from rag.answering import Answerer
from rag.errors import QueryError
from rag.service import RagService
from rag.settings import Settings

CREDIT = (
    "CMRC 2018 (Cui et al., EMNLP 2019), licensed CC BY-SA 4.0 — "
    "https://github.com/ymcui/cmrc2018"
)


@dataclass(frozen=True)
class SquadQuestion:
    qid: str
    question: str
    context_id: str
    answers: tuple[str, ...]


@dataclass
class HitStats:
    name: str
    ranks: list[int | None] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def hit(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / max(len(self.ranks), 1)

    @property
    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r) / max(len(self.ranks), 1)

    def latency(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else 0.0


def load_squad(path: Path) -> tuple[dict[str, str], list[SquadQuestion]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    contexts: dict[str, str] = {}
    questions: list[SquadQuestion] = []
    for article_no, article in enumerate(data["data"]):
        for para_no, paragraph in enumerate(article["paragraphs"]):
            cid = str(paragraph.get("id") or f"{article_no}_{para_no}")
            contexts[cid] = paragraph["context"]
            for qa in paragraph["qas"]:
                answers = tuple(a["text"] for a in qa.get("answers", []) if a.get("text"))
                questions.append(SquadQuestion(str(qa.get("id", len(questions))), qa["question"], cid, answers))
    return contexts, questions


def prepare_corpus(path: Path, contexts: dict[str, str], cache_dir: Path) -> tuple[Path, Path]:
    """Write each context as a .txt file once; the index lives beside them and is reused next time."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    root = cache_dir / f"squad-{digest}"
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for cid, text in contexts.items():
        target = docs / f"{_file_stem(cid)}.txt"
        if not target.exists():
            target.write_text(text.strip() + "\n", encoding="utf-8")
    return docs, root / "index"


def _file_stem(cid: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in cid)


def plain_bm25_baseline(contexts: dict[str, str], questions: list[SquadQuestion], depth: int = 5) -> HitStats:
    import bm25s
    import jieba

    ids = list(contexts)

    def words(text: str) -> list[str]:
        return [w for w in jieba.lcut(unicodedata.normalize("NFKC", text).lower()) if w.strip()]

    model = bm25s.BM25()
    model.index([words(contexts[c]) for c in ids], show_progress=False)
    stats = HitStats("plain BM25 (jieba.lcut, whole contexts)")
    for q in questions:
        started = time.perf_counter()
        tokens = [t for t in words(q.question) if t in model.vocab_dict]
        scores = model.get_scores(tokens) if tokens else np.zeros(len(ids))
        order = np.argsort(-scores, kind="stable")[:depth]
        stats.latencies_ms.append((time.perf_counter() - started) * 1000)
        ranked = [ids[i] for i in order]
        stats.ranks.append(ranked.index(q.context_id) + 1 if q.context_id in ranked else None)
    return stats


def pipeline_hits(service: RagService, questions: list[SquadQuestion], mode: str, depth: int = 5) -> HitStats:
    stats = HitStats(f"this pipeline ({mode})")
    for q in tqdm(questions, desc=f"CMRC {mode}", unit="q"):
        started = time.perf_counter()
        try:
            passages = service.search(q.question, depth * 3, mode=mode)
        except QueryError:  # an empty question in the data set counts as a miss
            passages = []
        stats.latencies_ms.append((time.perf_counter() - started) * 1000)
        ranked: list[str] = []
        for p in passages:  # several passages may come from one long context: rank contexts
            cid = p.chunk.origin.doc.removesuffix(".txt")
            if cid not in ranked:
                ranked.append(cid)
        gold = _file_stem(q.context_id)
        stats.ranks.append(ranked.index(gold) + 1 if gold in ranked[:depth] else None)
    return stats


def answer_containment(service: RagService, questions: list[SquadQuestion], k: int) -> tuple[float, float, int]:
    """(share of answers that contain a gold span and are not refusals, share refused, n)."""
    answerer = Answerer(service)
    hits = refused = 0
    for q in tqdm(questions, desc="CMRC answers", unit="q"):
        try:
            answer = answerer.ask(q.question, k=k)
        except QueryError:
            continue
        refused += answer.refused
        hits += any(contains(answer.text, gold) for gold in q.answers) and not answer.refused
    n = max(len(questions), 1)
    return hits / n, refused / n, len(questions)


def spread_sample(questions: list[SquadQuestion], n: int) -> list[SquadQuestion]:
    """n questions spread evenly over the file (so over many contexts), the same every run."""
    if n >= len(questions):
        return list(questions)
    step = len(questions) / n
    return [questions[int(i * step)] for i in range(n)]


def held_out_corpus(docs: Path, held: set[str], root: Path) -> Path:
    """The corpus without the contexts of the held-out questions: those questions become unanswerable."""
    digest = hashlib.sha256("|".join(sorted(held)).encode()).hexdigest()[:10]
    target = root / f"heldout-{digest}" / "docs"
    target.mkdir(parents=True, exist_ok=True)
    for path in docs.glob("*.txt"):
        if path.stem not in held and not (target / path.name).exists():
            (target / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def format_hits(rows: list[HitStats]) -> str:
    lines = ["| system | hit@1 | hit@3 | hit@5 | MRR | p50 ms | p95 ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    for s in rows:
        lines.append(f"| {s.name} | {s.hit(1):.3f} | {s.hit(3):.3f} | {s.hit(5):.3f} | {s.mrr:.3f} | "
                     f"{s.latency(50):.1f} | {s.latency(95):.1f} |")
    return "\n".join(lines)


def run_cmrc(path: Path, settings: Settings, *, retrieval_only: bool, k: int, limit: int | None,
             compare: bool, answers_n: int = 200) -> tuple[str, HitStats]:
    contexts, questions = load_squad(path)
    if limit:
        questions = questions[:limit]
    docs, index_dir = prepare_corpus(path, contexts, settings.cache_dir / "eval")
    service = RagService(eval_settings(settings, index_dir))
    service.index([docs])
    baseline = plain_bm25_baseline(contexts, questions)
    modes = ["bm25", "dense", "hybrid"] if compare else ["hybrid"]
    rows = [baseline] + [pipeline_hits(service, questions, m) for m in modes]
    ours = rows[-1]
    sections = [f"{len(contexts)} contexts, {len(questions)} questions from {path.name}", "", format_hits(rows), ""]
    sections.append(f"hit@1 vs plain BM25: {ours.hit(1):.3f} vs {baseline.hit(1):.3f} ({ours.hit(1) - baseline.hit(1):+.3f})")
    if not retrieval_only:
        chosen = spread_sample(questions, answers_n)
        share, refused, n = answer_containment(service, chosen, k)
        sections.append(f"answers, context indexed: {share:.3f} right (gold span in a non-refused answer), "
                        f"{refused:.3f} refused, over {n} questions")
        held = {_file_stem(q.context_id) for q in chosen}
        held_docs = held_out_corpus(docs, held, docs.parent)
        held_service = RagService(eval_settings(settings, held_docs.parent / "index"))
        held_service.index([held_docs])
        _, refused_held, n_held = answer_containment(held_service, chosen, k)
        sections.append(f"answers, own context held out ({len(held)} contexts removed): {refused_held:.3f} refused "
                        f"over {n_held} questions")
    sections += ["", f"Data: {path.name} — {CREDIT}"]
    return "\n".join(sections), ours
