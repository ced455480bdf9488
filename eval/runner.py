"""Run a question set through the same pipeline as the chat and collect one result dict per question."""
from __future__ import annotations

import re
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


def eval_settings(settings, index_dir: Path):
    """Settings for an index of the evaluation's own: a folder, or for RAG_STORE=milvus a milvus-lite file
    in that folder (a server keeps its URI and gets a collection named after the folder)."""
    update: dict[str, object] = {"index_dir": index_dir}
    if settings.store == "milvus":
        suffix = re.sub(r"[^A-Za-z0-9_]", "_", f"{index_dir.parent.name}_{index_dir.name}")
        update["milvus_collection"] = f"{settings.milvus_collection}_{suffix}"[:200]
        if settings.milvus_embedded:
            update["milvus_uri"] = str(index_dir / "milvus.db")
    return settings.model_copy(update=update)


def build_eval_service(settings, docs: list[Path], index_dir: Path) -> RagService:
    """A service over its own index, so an evaluation never touches the chat's index."""
    service = RagService(eval_settings(settings, index_dir))
    service.index(docs)
    target = service.upgrade_due()
    if target:  # the state the chat reaches once it has upgraded an archive (RAG_EMBEDDER_UPGRADE)
        print(f"archive of {service.store.coverage()[1]} passages: adding {target} vectors "
              "(once per cached index; RAG_EMBEDDER_UPGRADE= keeps the static ones)", flush=True)
        service.upgrade_now()
    return service
