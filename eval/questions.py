"""Gold question sets (JSON Lines), validated strictly so a typo fails loudly instead of skewing scores."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UNANSWERABLE_TYPE = "unanswerable"


@dataclass(frozen=True)
class Question:
    """One gold question: `answers` are key facts an answer must contain, `evidence` strings a passage must hold."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    reference: str = ""
    type: str = "fact"
    unanswerable: bool = False
    doc: str = ""  # the document the question is about (sets over several documents)
    trap: str = ""  # for unanswerable questions: other_place, other_year, not_stated, near_miss

    @property
    def answerable(self) -> bool:
        return not self.unanswerable

    @property
    def split(self) -> str:
        """`tune` or `holdout` (about one in three), fixed by the id so every run splits alike.

        Thresholds are chosen on `tune` only; a gap between the two parts is overfitting."""
        return "holdout" if int(hashlib.md5(self.id.encode("utf-8")).hexdigest()[:8], 16) % 3 == 0 else "tune"


def _string_list(value: Any, field_name: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: field '{field_name}' must be a list of strings, got {value!r}")
    return tuple(value)


def parse_question(data: Any, where: str = "question") -> Question:
    """Build a `Question` from one decoded JSON object; `where` names the source in error messages."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(data).__name__}")
    for required in ("id", "question"):
        if required not in data:
            raise ValueError(f"{where}: missing required field '{required}'")
        if not isinstance(data[required], str) or not data[required].strip():
            raise ValueError(f"{where}: field '{required}' must be a non-empty string")
    qtype = data.get("type", "fact")
    if not isinstance(qtype, str) or not qtype.strip():
        raise ValueError(f"{where}: field 'type' must be a non-empty string")
    reference = data.get("reference", "")
    if reference is None:
        reference = ""
    if not isinstance(reference, str):
        raise ValueError(f"{where}: field 'reference' must be a string")
    unanswerable = data.get("unanswerable")
    if unanswerable is None:
        unanswerable = qtype == UNANSWERABLE_TYPE
    elif not isinstance(unanswerable, bool):
        raise ValueError(f"{where}: field 'unanswerable' must be true or false, got {unanswerable!r}")
    return Question(
        id=data["id"],
        question=data["question"],
        answers=_string_list(data.get("answers"), "answers", where),
        evidence=_string_list(data.get("evidence"), "evidence", where),
        reference=reference,
        type=qtype,
        unanswerable=unanswerable,
        doc=str(data.get("doc") or ""),
        trap=str(data.get("trap") or ""),
    )


def load_questions(path: str | Path) -> list[Question]:
    """Read a question set, one JSON object a line (blank lines skipped); errors name file and line."""
    path = Path(path)
    questions: list[Question] = []
    first_line: dict[str, int] = {}
    with path.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {lineno}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: not valid JSON ({exc.msg})") from None
            q = parse_question(data, where)
            if q.id in first_line:
                raise ValueError(f"{where}: duplicate id '{q.id}' (first seen on line {first_line[q.id]})")
            first_line[q.id] = lineno
            questions.append(q)
    return questions
