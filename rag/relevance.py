"""Is there anything relevant at all? Decides early refusals before any LLM call.

Coverage is the weighted share of the question's distinctive words that the retrieved passages mention,
weighed as the topic check weighs them (`idf_weights`: rare in the library and specific in Chinese at
large; 每月 or 级别 name no particular topic) and found as it finds them: the word, a synonym, the
statute's word for an everyday one (房东 → 出租人), or its stand-in by meaning (级别 → 正处级).
Off-topic questions ("量子计算机的工作原理") score 0.
"""
from __future__ import annotations

from rag.constraints import STAND_IN_SHARE, idf_weights, in_dictionary, term_covered
from rag.synonyms import synonyms
from rag.everyday_words import formal_words
from rag.index_store import LoadedIndex
from rag.schema import Passage
from rag.textnorm import normalize_for_match
from rag.tokenizer import question_words

MIN_COVERAGE = 0.3


def question_coverage(question: str, passages: list[Passage], index: LoadedIndex,
                      stand_ins: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> float:
    """`stand_ins`: the gate's words near in meaning to the asker's own (rag.paraphrase)."""
    # a two-character piece jieba's dictionary does not know is a mis-cut ("据人社部" → 据人/社部), not a word
    words = tuple(w for w in question_words(question) if len(w) > 2 or in_dictionary(w))
    if not words:
        return 1.0  # nothing distinctive to look for ("这是什么？"): let the model decide
    if not passages:
        return 0.0
    df = index.sparse.document_frequencies(list(words))
    weights = idf_weights(list(words), df, max(len(index.chunks), 1))
    context = "".join(normalize_for_match(p.chunk.check_text) for p in passages)
    near = dict(stand_ins)

    def found(word: str) -> float:
        if any(f in context for f in formal_words(word)):
            return 1.0  # an everyday word is found when the passage writes the statute's word for it
        if word in context or any(s in context for s in synonyms(word)):
            return term_covered(word, context)
        # an everyday word the library never writes is found through its stand-in by meaning (拆违章建筑 ←
        # 两违, 暖气 ← 供热); a name (not in jieba's dictionary) has none: rag.paraphrase.own_words gives
        # names no stand-in (CMRC held out 71.5% refused with every stand-in counted here, 79.0% with none)
        if any(s in context for s in near.get(word, ())):
            return STAND_IN_SHARE
        return 0.0

    return sum(weights[w] * found(w) for w in words) / (sum(weights.values()) or 1.0)
