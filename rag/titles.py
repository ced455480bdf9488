"""Documents that a question names by title: "劳动合同法规定…", "《上海市养犬管理条例》…".

In a library of thousands of laws, "劳动合同法规定试用期最长多久？" names its document; the
passages of that document should compete first, whatever other laws say about 试用期. A name in
《》 that matches no document at all (another city's regulation, a law the library lacks) is a
constraint the library cannot satisfy.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_PREFIXES = ("中华人民共和国",)
_VERSION_NOTE = re.compile(r"[（(][^（）()]*[)）]$")  # "（2019修正）", "(2020年版)"
_BRACKETED = re.compile(r"《([^《》]{2,80})》")
MIN_CHARS = 3  # 劳动法, 婚姻法
_PART_OF_CODE = re.compile(r"^(.{2,30}法典)(?:第[一二三四五六七八九十]+编)?[\u4e00-\u9fff]{0,10}(?:编|总则|附则)$")
# "2022年修订的", "2024年11月修订后的", "（2013年版）", "2012年修正前的": which version of a law is meant
_VERSION = re.compile(r"[（(]?((?:19|20)\d{2})\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?\s*"
                      r"(?:修订|修正|修改|通过|制定|颁布|公布|发布)?(版|前|后)?(?:版)?(?:[)）]|的)?")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def title_variants(title: str) -> set[str]:
    """The ways a question writes a document's title: as it is, without the version note, without
    "中华人民共和国"."""
    t = _VERSION_NOTE.sub("", _norm(title).strip("《》"))
    out = {t}
    part = _PART_OF_CODE.match(t)
    if part:  # "民法典婚姻家庭编" is one part of 民法典: a question that cites the code names every part
        out.add(part.group(1))
    for v in list(out):
        for prefix in _PREFIXES:
            if v.startswith(prefix):
                out.add(v[len(prefix):])
    return {v for v in out if len(v) >= MIN_CHARS}


def _continues_word(variant: str, after: str) -> bool:
    """"道路交通安全法律法规" writes the words 法律/法规, not the title 道路交通安全法; "劳动法规定" is the
    title followed by 规定."""
    return variant.endswith("法") and (after.startswith("律") or (after.startswith("规") and not after.startswith("规定")))


def version_phrases(question: str) -> list[tuple[int, str, str]]:
    """(year, relation, as written) for each "YYYY年…修订/修正/版" of the question: relation "<" for
    修订前, ">=" for 修订后, "=" otherwise. A bare year ("2023年") is not a version phrase."""
    out = []
    for m in _VERSION.finditer(unicodedata.normalize("NFKC", question)):
        written = m.group(0)
        if not re.search(r"修订|修正|修改|版", written) and not re.search(r"[的版)）前后]$", written):
            continue  # "2023年通过验收的项目": 通过 starts another phrase, "2007年通过的劳动合同法" names a version
        if not re.search(r"修订|修正|修改|通过|制定|颁布|公布|发布|版", written):
            continue
        relation = {"前": "<", "后": ">="}.get(m.group(2) or "", "=")
        out.append((int(m.group(1)), relation, written))
    return out


def version_fits(year: int | None, phrases: list[tuple[int, str, str]]) -> bool:
    """Is a document of this (version) year the one the phrases ask for?"""
    if year is None:
        return False
    for asked, relation, _ in phrases:
        if (relation == "<" and not year < asked) or (relation == ">=" and not year >= asked) or (
                relation == "=" and year != asked):
            return False
    return True


def bracketed_names(question: str) -> list[str]:
    return [_VERSION_NOTE.sub("", _norm(m)) for m in _BRACKETED.findall(unicodedata.normalize("NFKC", question))]


class TitleIndex:
    """Title variants of every document of one index snapshot (built once per snapshot)."""

    def __init__(self, titles: Iterable[tuple[str, str]]) -> None:
        self._variants: list[tuple[str, str]] = []  # (variant, doc key), longest first
        for key, title in titles:
            if title:
                self._variants.extend((v, key) for v in title_variants(title))
        self._variants.sort(key=lambda vk: -len(vk[0]))

    def named(self, question: str) -> set[str]:
        """Keys of the documents whose title the question writes; a title inside a longer matched one
        ("道路交通安全法" in "道路交通安全法实施条例") does not count."""
        return self.named_spans(question)[0]

    def without_titles(self, question: str) -> str:
        """The question with the titles it names and its version phrases taken out: inside the named
        document, "妇女权益保障法" and "2022年修订的" match its cover lines, not the article asked for."""
        keys, spans, q = self.named_spans(question)
        if not keys:
            return question
        kept = "".join(ch for i, ch in enumerate(q) if not any(s <= i < e for s, e in spans))
        for *_, written in version_phrases(kept):
            kept = kept.replace(_norm(written), " ", 1)
        return kept.strip()

    def named_spans(self, question: str) -> tuple[set[str], list[tuple[int, int]], str]:
        """`named`, with the spans of the titles in the normalised question (returned too)."""
        q = _norm(question).replace("《", "").replace("》", "")
        spans: list[tuple[int, int]] = []
        keys: set[str] = set()
        for variant, key in self._variants:
            start = q.find(variant)
            while start >= 0:
                end = start + len(variant)
                inside = any(s <= start and end <= e and (e - s) > (end - start) for s, e in spans)
                if not inside and not _continues_word(variant, q[end:end + 2]):
                    spans.append((start, end))
                    keys.add(key)
                    break
                start = q.find(variant, start + 1)
        return keys, spans, q

    def knows(self, name: str) -> bool:
        """Does some document's title contain this name, contain a title, or nearly equal one?"""
        name = _norm(name)
        variants = title_variants(name) or {name}
        return any(v in t or t in v or similar_name(v, t) for t, _ in self._variants for v in variants)


def similar_name(name: str, text: str, share: float = 0.7) -> bool:
    """Is the name written in the text, or nearly (most of its character pairs in one 《》 name of the
    text: 《长清区十四五规划》 for 《济南市长清区国民经济和社会发展第十四个五年规划》 is not near enough,
    《全国年节及纪念日放假办法》 for 《全国年节和纪念日放假办法》 is)?"""
    if name in text:
        return True
    grams = {name[i : i + 2] for i in range(len(name) - 1)}
    if not grams:
        return False
    candidates = _BRACKETED.findall(text) or [text]
    return any(len(grams & {c[i : i + 2] for i in range(len(c) - 1)}) / len(grams) >= share for c in candidates)
