"""Does the cited evidence talk about what the question asks? A lexical check on rare question words.

An answer can quote a real figure from the wrong place ("山东省的增长目标是7%" backed by a passage about
the district). If a distinctive word of the question (a place, a budget line, an indicator) occurs
nowhere in the cited passages, their headings or their document's title block, the claim is not
grounded. Words the corpus never uses cannot be judged this way and are ignored (paraphrases), as are
the scaffolding words every question has.
"""
from __future__ import annotations

from rag.index_store import LoadedIndex
from rag.schema import Passage
from rag.textnorm import normalize_for_match
from rag.tokenizer import question_words

MAX_DF_SHARE = 0.25  # a word in more than a quarter of all passages is not distinctive


def ungrounded_words(question: str, evidence: list[Passage], index: LoadedIndex) -> list[str]:
    """Distinctive question words missing from the evidence (empty list: grounded)."""
    words = question_words(question)
    if not words or not evidence:
        return []
    df = index.sparse.document_frequencies(list(words))
    total = max(len(index.chunks), 1)
    context = "".join(normalize_for_match(p.chunk.index_text) for p in evidence)
    context += "".join(normalize_for_match(index.title_block(p.chunk.origin.doc)) for p in evidence)
    return [w for w in words if 0 < df[w] <= MAX_DF_SHARE * total and w not in context]
