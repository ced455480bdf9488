"""Run a question set through the same pipeline as the chat and collect one result dict per question."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval.questions import Question
from rag.answering import Answerer
from rag.errors import RagError
from rag.retrieval import Mode
from rag.service import RagService


def run_questions(
    questions: list[Question],
    service: RagService,
    *,
    k: int,
    retrieval_only: bool,
    mode: Mode = "hybrid",
    answerer: Answerer | None = None,
    desc: str = "questions",
) -> list[dict[str, Any]]:
    """Answer (or only retrieve) every question; the gold fields are copied through, never used."""
    if not retrieval_only and answerer is None:
        answerer = Answerer(service)
    results = []
    for question in tqdm(questions, desc=desc, unit="q"):
        base = {"id": question.id, "question": question.question, "type": question.type,
                "unanswerable": question.unanswerable}
        try:
            if retrieval_only:
                started = time.perf_counter()
                passages = service.search(question.question, k, mode=mode)
                elapsed = (time.perf_counter() - started) * 1000
                results.append({**base, "answer": "", "refused": None, "citations": [], "flagged_sentences": [],
                                "passages": [p.to_json() for p in passages],
                                "timings_ms": {"retrieval": round(elapsed, 1), "total": round(elapsed, 1)}})
            else:
                answer = answerer.ask(question.question, k=k, mode=mode)
                data = answer.to_json()
                data.pop("question", None)
                results.append({**base, **data})
        except RagError as exc:  # recorded as a failed question, the run goes on
            results.append({**base, "answer": "", "refused": None if retrieval_only else False, "citations": [],
                            "flagged_sentences": [], "passages": [], "timings_ms": {}, "error": str(exc)})
    return results


def build_eval_service(settings, docs: list[Path], index_dir: Path) -> RagService:
    """A service over its own index folder, so an evaluation never touches the chat's index."""
    eval_settings = settings.model_copy(update={"index_dir": index_dir})
    service = RagService(eval_settings)
    service.index(docs)
    return service
