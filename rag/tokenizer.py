"""Chinese word tokens for BM25: jieba search-mode words, NFKC-folded, punctuation and filler dropped."""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)
_init_lock = threading.Lock()
_initialised = False

# Question words and particles that every question has and no passage needs to match.
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 等 或 也 都 就 而 并 之 其 这 那 着 把 被 对 于 为 以 从 到 由 向 "
    "吗 呢 吧 啊 呀 么 哪些 哪个 哪 什么 怎么 怎样 如何 多少 几 几个 是否 有没有 请问 请 "
    "一下 告诉 我 你 我们 你们 他们 它 它们 有 个 些 该 此 各 每 还 又 但 则 如 所 a an the of to in and or is are".split()
)
_TOKEN_OK = re.compile(r"[\w%]", re.UNICODE)


def ensure_jieba() -> None:
    """Load jieba's dictionary once (about a second), thread-safely."""
    global _initialised
    if not _initialised:
        with _init_lock:
            if not _initialised:
                jieba.initialize()
                _initialised = True


_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _words(folded: str) -> list[str]:
    """jieba's search-mode words of NFKC-lower-cased text, without particles and punctuation."""
    ensure_jieba()
    return [t for t in (w.strip() for w in jieba.lcut_for_search(folded)) if t and t not in STOPWORDS and _TOKEN_OK.search(t)]


def word_tokens(text: str) -> list[str]:
    """jieba's search-mode words alone, without the character bigrams: for words a question is expanded
    with, which should add their terms, not the junk pairs across them (交通信号灯 → 通信)."""
    return _words(unicodedata.normalize("NFKC", text).lower())


def tokenize(text: str) -> list[str]:
    """jieba words plus Chinese character bigrams; numbers like 30.24 and 29.2% stay whole.

    Bigrams catch words jieba splits differently in question and passage (长清区 / 长清); measured
    on CMRC 2018 they lift BM25 hit@1 from 0.963 to 0.975.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    tokens = _words(text)
    for run in _CJK_RUN.findall(text):
        tokens.extend(bg for bg in (run[i : i + 2] for i in range(len(run) - 1)) if bg not in STOPWORDS)
    return tokens


def has_searchable_content(text: str) -> bool:
    """False for empty or punctuation-only questions, which cannot be searched meaningfully."""
    normalized = unicodedata.normalize("NFKC", text)
    return any(ch.isalnum() for ch in normalized)


# Words that frame a question rather than name its subject.
QUESTION_SCAFFOLD = frozenset(
    "去年 今年 明年 前年 全年 当年 本年 计划 目标 预期 提出 达到 完成 实现 分别 情况 这份 本次 报告 文件 有关 相关 "
    "主要 一共 共计 总共 具体 方面 哪一天 哪一年 时候 什么时候 多长 多长时间 多少时间 多大 多高 多久 多远 多重 数量 数字 规模 比例 "
    "要求 措施 工作 举措 成效 成绩 问题 "
    # "现在/目前": when the question is asked, not what it is about; "无法/大概/差不多" qualify, they name nothing
    "现在 目前 当前 如今 眼下 现今 无法 大概 大约 差不多 大致 左右 约莫 估计 百分之".split()
)


@lru_cache(maxsize=4096)
def question_words(question: str) -> tuple[str, ...]:
    """The words that name what a question is about: jieba words of two or more Chinese characters,
    without particles and question scaffolding ("2024年长清区教育支出预算是多少" → 长清区 教育 支出 预算)."""
    ensure_jieba()
    text = unicodedata.normalize("NFKC", question).lower()
    words = []
    for word in jieba.lcut(text):
        word = word.strip()
        if len(word) >= 2 and re.search(r"[\u4e00-\u9fff]", word) and word not in STOPWORDS and word not in QUESTION_SCAFFOLD:
            words.append(word)
    return tuple(dict.fromkeys(words))
