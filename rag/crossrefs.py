"""Articles that cite other articles of their own law: "违反本条例第三十三条规定的，处…罚款".

A law's penalty clause or procedure names the duty it enforces by number only: the words of a question
("不按规定分类投放垃圾如何处罚") are in 第三十三条, the answer is in the passage that cites it. Retrieval
lets a well-ranked article lend part of its score to the passages of its document that cite it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_NUM = "零〇一二三四五六七八九十百千"
_HEADER = re.compile(rf"(?m)^\s*第([{_NUM}]+)条")
_OWN = re.compile(rf"本(?:法|法典|条例|办法|规定|细则|规则|决定|编|章)((?:第[{_NUM}]+条(?:第[{_NUM}]+款)?"
                  rf"(?:第?[（(]?[{_NUM}]+[)）]?项)?(?:[、，,和或及至与]|以及)?)+)")
_ARTICLE = re.compile(rf"第([{_NUM}]+)条")


def defined_articles(text: str) -> list[str]:
    """Numbers of the articles that start in this passage ("第三十三条 …" at a line start)."""
    return _HEADER.findall(text)


def cited_articles(text: str) -> set[str]:
    """Numbers of the articles of its own law the passage cites ("本条例第三十一条第（一）、（二）项")."""
    out: set[str] = set()
    for m in _OWN.finditer(text):
        out.update(_ARTICLE.findall(m.group(1)))
    return out


@dataclass
class Citations:
    """One document's rows: the article each row belongs to, and the rows citing each article."""

    article_of: dict[int, str] = field(default_factory=dict)
    citing: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: range, text_of) -> "Citations":
        out = cls()
        current = ""
        for row in rows:
            text = text_of(row)
            headers = defined_articles(text)
            if headers:
                current = headers[0]  # a passage belongs to the article it opens with
            if current:
                out.article_of[row] = current
            for number in cited_articles(text):
                if number != current:
                    out.citing.setdefault(number, []).append(row)
        return out


_CITED_ITEMS = re.compile(rf"本(?:法|法典|条例|办法|规定|细则|规则|决定)第([{_NUM}]+)条((?:(?:第|、|和|或|及|与|，)?[（(][{_NUM}]+[)）](?:项)?)*)")
_ITEM_NUMBER = re.compile(rf"[（(]([{_NUM}]+)[)）]")


def cited_words(text: str, articles: dict[str, str]) -> str:
    """What the articles a passage cites by number say, for reading the citing passage: the cited items
    ("本条例第十一条第(五)项" → "(五)筹集和使用专项维修资金；") or, with no item named, the cited article's
    first sentence. `articles` maps article numbers of the same law to their text; unknown ones are skipped."""
    out: list[str] = []
    for m in _CITED_ITEMS.finditer(text):
        article = articles.get(m.group(1))
        if not article:
            continue
        items = _ITEM_NUMBER.findall(m.group(2))
        if items:
            for item in items:
                found = re.search(rf"[（(]{item}[)）][^；;。\n]*", article)
                if found:
                    out.append(found.group())
        else:
            body = _HEADER.sub("", article, count=1)
            out.append(re.split(r"[。：:\n]", body.strip(), maxsplit=1)[0])
    return "；".join(dict.fromkeys(out))
