"""An answer without an LLM: the sentences of the top passages that best match the question."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rag.cloze import cloze, fills
from rag.schema import Passage
from rag.textnorm import normalize_for_match
from rag.tokenizer import question_words

_CLAUSE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
MIN_SENTENCE_CHARS = 8
CLOZE_BONUS = 0.3  # a clause that writes the question's words around its blank (rag.cloze)
_ASKS_NUMBER = re.compile(r"多少|几|多大|多高|多长|比例|增长|百分")


@dataclass(frozen=True)
class Extract:
    marker: int
    sentence: str
    score: float


def best_sentences(question: str, passages: list[Passage], max_sentences: int = 2, min_coverage: float = 0.5) -> list[Extract]:
    """Score clauses by the IDF-weighted share of the question's distinctive words they contain
    (with their passage's headings); IDF is computed over the candidate clauses themselves.

    Clauses below `min_coverage` are not returned: with none left, the caller refuses.
    """
    words = question_words(question)
    if not passages:
        return []
    clauses: list[tuple[int, str, str]] = []
    for marker, passage in enumerate(passages, start=1):
        heading = normalize_for_match(passage.chunk.origin.section_path)
        for match in _CLAUSE.finditer(passage.text):
            clause = match.group().strip()
            if clause.endswith(("：", ":")) and passage.text.rstrip().endswith(clause):
                continue  # "…的单位包括：" closes its passage: what it introduces is not here to quote
            if len(clause) >= MIN_SENTENCE_CHARS:
                clauses.append((marker, clause, heading + normalize_for_match(clause)))
    if not clauses or not words:
        return []
    n = len(clauses)
    idf = {w: math.log(1 + (n + 1) / (sum(w in text for _, _, text in clauses) + 0.5)) for w in words}
    total = sum(idf.values())
    wants_number = bool(_ASKS_NUMBER.search(question))
    blank = cloze(question)
    scored = []
    for marker, clause, text in clauses:
        coverage = sum(idf[w] for w in words if w in text) / total
        if wants_number and re.search(r"\d", clause):
            coverage += 0.05  # a "多少" question is answered by a clause with a figure
        coverage += CLOZE_BONUS * fills(clause, blank)  # "大力推动什么转型" → "…大力推动绿色转型…"
        scored.append(Extract(marker, clause, coverage))
    scored.sort(key=lambda e: -e.score)
    top = [e for e in scored if e.score >= min_coverage][:max_sentences]
    # keep only clauses close to the best one, so weak matches do not pad the answer
    return [e for e in top if e.score >= 0.75 * top[0].score] if top else []


def format_extract(extracts: list[Extract]) -> str:
    parts = []
    for e in extracts:
        sentence = e.sentence.rstrip("；;，,")
        if not sentence.endswith(("。", "！", "？", "!", "?")):
            sentence += "。"
        parts.append(f"{sentence}[{e.marker}]")
    return "".join(parts)
