"""Does the cited evidence talk about what the question asks? A lexical check on rare question words.

An answer can quote a real figure from the wrong place ("山东省的增长目标是7%" backed by a passage about
the district). If a distinctive word of the question (a place, a budget line, an indicator) occurs
nowhere in the cited passages, their headings or their document's title block, the claim is not
grounded. Words the corpus never uses cannot be judged this way and are ignored (paraphrases), as are
the scaffolding words every question has.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jieba

from rag.index_store import LoadedIndex
from rag.schema import Passage
from rag.tokenizer import STOPWORDS, ensure_jieba
from rag.textnorm import normalize_for_match

# Words that frame a question rather than name its subject.
QUESTION_SCAFFOLD = frozenset(
    "去年 今年 明年 前年 全年 当年 本年 计划 目标 预期 提出 达到 完成 实现 分别 情况 这份 本次 报告 文件 有关 相关 "
    "主要 一共 共计 总共 具体 方面 哪一天 哪一年 时候 什么时候 多长 多大 多高 多久 数量 数字 规模 比例 "
    "要求 措施 工作 举措 成效 成绩 问题".split()
)
MAX_DF_SHARE = 0.25  # a word in more than a quarter of all passages is not distinctive


@lru_cache(maxsize=4096)
def question_words(question: str) -> tuple[str, ...]:
    ensure_jieba()
    text = unicodedata.normalize("NFKC", question).lower()
    words = []
    for word in jieba.lcut(text):
        word = word.strip()
        if len(word) >= 2 and re.search(r"[\u4e00-\u9fff]", word) and word not in STOPWORDS and word not in QUESTION_SCAFFOLD:
            words.append(word)
    return tuple(dict.fromkeys(words))


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
