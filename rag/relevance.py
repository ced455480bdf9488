"""Is there anything relevant at all? Decides early refusals before any LLM call.

Coverage is the IDF-weighted share of the question's distinctive words that occur anywhere in the
retrieved passages. Off-topic questions ("量子计算机的工作原理") score 0; on CMRC 2018 (all
answerable) 0.5% of questions fall below 0.3, on the project's question set none do.
"""
from __future__ import annotations

import math

from rag.everyday_words import formal_words
from rag.index_store import LoadedIndex
from rag.schema import Passage
from rag.textnorm import normalize_for_match
from rag.tokenizer import question_words

MIN_COVERAGE = 0.3


def question_coverage(question: str, passages: list[Passage], index: LoadedIndex) -> float:
    words = question_words(question)
    if not words:
        return 1.0  # nothing distinctive to look for ("这是什么？"): let the model decide
    if not passages:
        return 0.0
    total = max(len(index.chunks), 1)
    df = index.sparse.document_frequencies(list(words))
    idf = {w: math.log(1 + (total - df[w] + 0.5) / (df[w] + 0.5)) for w in words}
    context = "".join(normalize_for_match(p.chunk.check_text) for p in passages)
    # an everyday word is found when the passage writes the statute's word for it (房东 → 出租人)
    found = [w for w in words if w in context or any(f in context for f in formal_words(w))]
    return sum(idf[w] for w in found) / (sum(idf.values()) or 1.0)
