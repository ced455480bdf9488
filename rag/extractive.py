"""An answer without an LLM: the sentences of the top passages that best match the question."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from rag.schema import Passage
from rag.tokenizer import tokenize

_CLAUSE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
MIN_SENTENCE_CHARS = 8


@dataclass(frozen=True)
class Extract:
    marker: int
    sentence: str
    score: float


def best_sentences(question: str, passages: list[Passage], max_sentences: int = 2, min_coverage: float = 0.34) -> list[Extract]:
    """Score sentences by the IDF-weighted share of question words they contain (IDF over the passages).

    Sentences below `min_coverage` are not returned: with none left, the caller refuses.
    """
    q_tokens = set(tokenize(question))
    if not q_tokens or not passages:
        return []
    sentences: list[tuple[int, str, set[str]]] = []
    for marker, passage in enumerate(passages, start=1):
        for match in _CLAUSE.finditer(passage.text):
            sentence = match.group().strip()
            if len(sentence) >= MIN_SENTENCE_CHARS:
                context = passage.chunk.origin.section_path
                sentences.append((marker, sentence, set(tokenize(sentence)) | set(tokenize(context))))
    df = Counter(t for _, _, toks in sentences for t in toks)
    n = len(sentences)
    idf = {t: math.log(1 + (n + 1) / (df.get(t, 0) + 0.5)) for t in q_tokens}
    total = sum(idf.values())
    scored = []
    for marker, sentence, toks in sentences:
        coverage = sum(idf[t] for t in q_tokens & toks) / total
        has_number_bonus = 0.05 if re.search(r"\d", sentence) and re.search(r"多少|几|多大|比例|增长", question) else 0.0
        scored.append(Extract(marker, sentence, coverage + has_number_bonus))
    scored.sort(key=lambda e: -e.score)
    top = [e for e in scored if e.score >= min_coverage][:max_sentences]
    # keep only sentences close to the best one, so weak matches do not pad the answer
    return [e for e in top if e.score >= 0.75 * top[0].score] if top else []


def format_extract(extracts: list[Extract]) -> str:
    parts = []
    for e in extracts:
        sentence = e.sentence.rstrip("；;，,")
        if not sentence.endswith(("。", "！", "？", "!", "?")):
            sentence += "。"
        parts.append(f"{sentence}[{e.marker}]")
    return "".join(parts)
