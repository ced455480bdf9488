"""Does any retrieved passage plausibly answer the question? Decides refusals before any LLM call."""
from __future__ import annotations

import math

from rag.index_store import LoadedIndex
from rag.schema import Passage
from rag.tokenizer import tokenize


def question_coverage(question: str, passages: list[Passage], index: LoadedIndex) -> float:
    """Best IDF-weighted share of the question's words found in one passage (with its headings).

    1.0 means every question word occurs in some single passage; rare words weigh most, so a
    passage that only shares "长清" and "2023" with the question scores low.
    """
    words = [t for t in dict.fromkeys(tokenize(question)) if len(t) >= 2 or t.isdigit()]
    if not words or not passages:
        return 0.0
    n = max(len(index.chunks), 1)
    df = index.sparse.document_frequencies(words)
    idf = {w: math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5)) for w in words}
    total = sum(idf.values()) or 1.0
    best = 0.0
    for passage in passages:
        present = set(tokenize(passage.chunk.index_text))
        best = max(best, sum(idf[w] for w in words if w in present) / total)
    return best
