"""Near-duplicate passages across documents, shown once ("同见于：…").

Laws and their amended versions, or a regulation and the notice that reprints it, repeat articles
word for word: five copies of one article would fill the top 5. Two passages of different documents
are duplicates when their normalised text (NFKC, no spaces or punctuation, no leading article number
such as 第十二条, which amendments renumber) is identical, or when their character-trigram sets
overlap by at least NEAR_DUPLICATE (Jaccard). The group is shown once, at the rank of its best
member; if an identical copy comes from a more recent document, that copy is shown instead (the
current version of a law), and the others are listed in `Passage.also_in`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from rag.schema import Chunk

NEAR_DUPLICATE = 0.8
SCAN_FACTOR, SCAN_MIN = 4, 30  # candidates looked at: duplicates ranked further down are not listed
MIN_CHARS = 12  # very short passages ("第一章 总则") repeat everywhere and are not worth collapsing
_ARTICLE = re.compile(r"^第[零一二三四五六七八九十百千0-9]+条")
_DROP = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    text = _ARTICLE.sub("", text)
    return _DROP.sub("", text)


def trigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 3] for i in range(max(len(text) - 2, 1)))


@dataclass
class Group:
    rows: list[int]  # best first
    key: str
    grams: frozenset[str]
    docs: list[str] = field(default_factory=list)


def collapse(order: list[int], chunk: Callable[[int], Chunk], k: int,
             recency: Callable[[str], tuple] | None = None) -> list[tuple[int, list[str]]]:
    """The first k groups of `order` (rows, best first) as (row to show, other documents' names)."""
    groups: list[Group] = []
    for row in order[: max(SCAN_FACTOR * k, SCAN_MIN)]:
        c = chunk(row)
        key = normalise(c.text)
        grams = trigrams(key)
        home = None
        if len(key) >= MIN_CHARS:
            for group in groups:
                if c.origin.doc in group.docs or len(group.key) < MIN_CHARS:
                    continue
                if key == group.key or _jaccard(grams, group.grams) >= NEAR_DUPLICATE:
                    home = group
                    break
        if home is not None:
            home.rows.append(row)
            home.docs.append(c.origin.doc)
            continue
        if len(groups) >= k:
            continue  # still scan: a later copy of a shown passage is listed, not shown
        groups.append(Group([row], key, grams, [c.origin.doc]))
    out = []
    for group in groups:
        shown = group.rows[0]
        if recency is not None and len(group.rows) > 1:
            identical = [r for r in group.rows if normalise(chunk(r).text) == group.key]
            shown = max(identical, key=lambda r: (recency(chunk(r).origin.doc), -group.rows.index(r)))
        shown_doc = chunk(shown).origin.doc
        others = list(dict.fromkeys(d for d in group.docs if d != shown_doc))
        out.append((shown, others))
    return out


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if len(small) < NEAR_DUPLICATE * len(large):
        return 0.0  # cannot reach the threshold
    inter = len(small & large)
    return inter / (len(a) + len(b) - inter)
