"""Document card: what a document is (title, place, years, issuer, kind), read once at ingestion.

A bulletin names its prefecture in the title and then writes 全州/全市; a work report says "一年来"
under a heading that carries the year. Questions name the place and year, paragraphs do not, so the
card carries them: it is shown with every source, prefixed to every passage's index text and used to
check that an answer is about the place and year asked. Rules only (jieba POS tags, patterns,
frequency of place names), so it works offline and the same on every machine.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jieba
import jieba.posseg as posseg

from rag.places import gazetteer
from rag.schema import Document

jieba.setLogLevel(logging.WARNING)

NATIONAL = "全国"
CARD_VERSION = 11  # 11: an untitled text opening on a definition is titled by its subject; 10: no congress a
# report is read to, a government office is its body; 9: a body named after its place in the title is the
# issuer; 8: a masthead (…文件) is no title, a centred unstyled DOCX opening is; 7: a date line covers no year

OTHER_KIND = "其他"  # no kind its title or file name names (an encyclopedic text titled by its subject)
LAW_KIND = "法律法规"  # laws and regulations: local rules (rag.index_store) and versions in force (rag.retrieval)
# Kinds by what their titles say, most specific first.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("政府工作报告", re.compile(r"政\s*府\s*工\s*作\s*报\s*告")),
    ("统计公报", re.compile(r"统计公报|发展统计|公报")),
    ("预算/决算", re.compile(r"预算|决算")),
    ("年度报告", re.compile(r"年度报告|年报")),
    (LAW_KIND, re.compile(r"^(?!第[一二三四五六七八九十百零\d]+[章节编条])\S*(?:法|法典|法典\S{0,8}编|条例|规定|办法|细则|解释|规则|决定)(?:\s*[（(][^）)]*[）)])?$")),
    ("规划", re.compile(r"规划|纲要")),
    ("通知", re.compile(r"通知|通告|公告|意见")),
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_ANY_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_MASTHEAD = re.compile(r"[\u4e00-\u9fff]{2,24}文件")  # 版头 of an official document: the office, then 文件
_DATE_LINE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})")
_PLACE_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|省|市|州|盟|地区|区|县|旗|(?<=..)镇|(?<=..)乡|街道)$")
_NATIONAL_BODY = re.compile(r"国务院|全国人民代表大会|中共中央|最高人民法院|最高人民检察院|^中华人民共和国|"
                            r"(?:^|[^\u4e00-\u9fff])(?:[\u4e00-\u9fff]{2,12}部|国家[\u4e00-\u9fff]{2,10}(?:局|委员会|总局))$")
_ORG_LEAD = re.compile(r"^((?:[\u4e00-\u9fff]{2,6}?(?:省|自治区|市|自治州|州|地区|盟|区|县|旗))+)"
                       r"(?:人民政府|人民代表大会|人大|政府|财政局|统计局|[\u4e00-\u9fff]{1,8}(?:局|厅|委员会|办公室))")
# Scope words that refer to the document's own place ("全区" in a district's report).
SCOPE_WORD = re.compile(r"^(?:全|本|我|该)(?:省|市|州|区|县|旗|镇|乡)$")  # 全国 is a constraint: the nation


@dataclass(frozen=True)
class DocumentCard:
    title: str
    place: str = ""  # most specific place the document is about ("长清区"), 全国 for national, "" unknown
    place_full: str = ""  # the place as the title/cover writes it, parents first ("济南市长清区")
    year: int | None = None  # the document's own year (title or date): resolves 去年/今年
    years: tuple[int, ...] = ()  # years the document covers (a 2024 work report reviews 2023)
    issuer: str = ""
    kind: str = OTHER_KIND
    date: str = ""
    place_code: str = ""  # administrative-division code of `place` ("" for 全国 or unknown)
    version: int = CARD_VERSION

    @property
    def present_year(self) -> int | None:
        """The year a reader of the document lives in, which 今年/去年 count from: a work report's own year,
        but the year after the one an annual bulletin, annual report or final account covers (the 2024
        决算 is read in 2025, and "去年的接待费" is 2024's)."""
        year = self.year
        if year and str(year) in self.title and (self.kind in ("统计公报", "年度报告") or "决算" in self.title):
            year += 1
        dated = int(self.date[:4]) if self.date[:4].isdigit() else None
        # the budget report of January 2024 (its title starts with 2023年预算执行情况) is read in 2024
        return max(y for y in (year, dated) if y) if (year or dated) else None

    def context_line(self) -> str:
        """The line prefixed to each passage's index text: place, year and title, no repeats."""
        parts = []
        if self.place_full and self.place_full != NATIONAL and self.place_full not in self.title:
            parts.append(self.place_full)
        if self.year and str(self.year) not in self.title:
            parts.append(f"{self.year}年")
        parts.append(self.title)
        return " ".join(p for p in parts if p)

    def summary(self) -> str:
        """One line for people: 济南市长清区 · 2023–2024年 · 政府工作报告 · 长清区人民政府."""
        years = ""
        if self.years:
            lo, hi = min(self.years), max(self.years)
            years = f"{lo}年" if lo == hi else f"{lo}–{hi}年"
        return " · ".join(p for p in (self.place_full or self.place, years, self.kind, self.issuer) if p)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["years"] = list(self.years)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "DocumentCard | None":
        if not data:
            return None
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["years"] = tuple(known.get("years") or ())
        return cls(**known)


@dataclass
class _Evidence:
    """Texts the card is read from, most telling first."""

    title: str
    head: list[str] = field(default_factory=list)  # cover lines, meta source, first paragraphs
    headings: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    file_stem: str = ""
    front: list[str] = field(default_factory=list)  # cover lines, stated source, first headings


def build_card(doc: Document) -> DocumentCard:
    evidence = _gather(doc)
    title = evidence.title
    if _MASTHEAD.fullmatch(title):
        # "泉州市人民政府办公室文件" heads every document of that office: the title is the line that names a kind
        title = _title_from([*evidence.front[1:], *evidence.head]) or title
    kind = _kind(title) or _kind(evidence.file_stem) or ("新闻" if doc.meta.date and doc.name.lower().endswith((".html", ".htm")) else OTHER_KIND)
    head_text = "\n".join([title, *evidence.head])
    place_full, place, place_code = _place(title, evidence)
    issuer = _issuer(evidence, place_full, kind)
    if not place and any(_NATIONAL_BODY.search(t) for t in (title, issuer, *evidence.head[:6])):
        place = place_full = NATIONAL
    date = doc.meta.date or _first_date(head_text)
    year = _title_year(title) or _title_year(evidence.file_stem) or (int(date[:4]) if date[:4].isdigit() else None)
    years = _covered_years(year, kind, evidence)
    return DocumentCard(title=title, place=place, place_full=place_full or place, year=year, years=years,
                        issuer=issuer, kind=kind, date=date, place_code=place_code)


# --- evidence -----------------------------------------------------------------------------------

def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # "政 府 工 作 报 告": spaces between single CJK characters are layout, not words
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text)
    return re.sub(r"\s+", " ", text).strip(" #——-—")


def _gather(doc: Document) -> _Evidence:
    paragraphs = [p for p in doc.paragraphs]
    stem = _clean(Path(doc.name).stem)
    headings: list[str] = []
    for p in paragraphs:
        for h in p.origin.section:
            if h not in headings:
                headings.append(h)
    first = [_clean(p.text) for p in paragraphs[:6]]
    front = [_clean(x) for x in (*doc.meta.cover_lines, doc.meta.source) if x] + headings[:3]
    head = front + first
    lines = [*doc.meta.cover_lines, *headings[:2], *(p.text for p in paragraphs[:4])]
    title = _clean(doc.meta.title) or _title_from(lines, any_short_line=False)
    if not title and paragraphs and not paragraphs[0].origin.section and not doc.meta.cover_lines and not _CJK.search(stem):
        # a text that opens on prose, under a file name that says nothing ("TRIAL_106.txt"), is titled by
        # the subject its first sentence defines rather than by whichever later line is short
        title = _subject(paragraphs[0].text)
    title = title or _title_from(lines) or stem
    body = [p.text for p in paragraphs]
    return _Evidence(title=title[:120], head=head, headings=headings, body=body, file_stem=stem, front=front)


# "蓝线裸顶鲷，又称蓝线白𫚭，…", "夜来香（学名：…）是萝藦科…", "MIT OpenCourseWare是由…创始的": an encyclopedic
# text names its subject once, in its first sentence, and every later paragraph is about it
# (a name glossed in brackets and then described, "高英（…），北魏宣武帝…的皇后", is one too)
_SUBJECT = re.compile(r"^《?([\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9·\- ]{1,23}?)》?\s*(?:(?:[（(][^（）()]{0,80}[)）])?\s*"
                      r"(?:[，,]\s*)?(?:又称|又名|简称|俗称|俗名|别名|别称|原名|全称|学名|英文|是|为|系|乃|位于|生于|出生于)"
                      r"|[（(][^（）()]{0,80}[)）]\s*[，,])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOT_SUBJECT = re.compile(r"^(?:在|据|由于|随着|近年来|今年|去年|目前|当前|根据|按照|为了|关于|我们|我|全[省市区县州])|[年月日]$")


def _subject(first_paragraph: str) -> str:
    """The subject a definition opens a text with ("蓝线裸顶鲷"), or ""."""
    sentence = re.split(r"[。！？!?\n]", _clean(first_paragraph), maxsplit=1)[0]
    m = _SUBJECT.match(sentence)
    if not m:
        return ""
    subject = m.group(1).strip()
    return "" if _NOT_SUBJECT.search(subject) or _YEAR.search(subject) else subject


def _title_from(lines: list[str], any_short_line: bool = True) -> str:
    """A short line that names a document kind ("政府工作报告", "…统计公报"), else the first short line."""
    cleaned = [_clean(x) for x in lines if x and x.strip()]
    for line in cleaned:
        if len(line) <= 40 and not line.endswith(("。", "；")) and _kind(line):
            return line
    for line in cleaned if any_short_line else ():
        if 4 <= len(line) <= 40 and not re.search(r"[。；;]", line):
            return line
    return ""


def _kind(text: str) -> str:
    text = _clean(text)
    for name, pattern in _KINDS:
        if pattern.search(text):
            return name
    return ""


# --- place --------------------------------------------------------------------------------------

def _place(title: str, ev: _Evidence) -> tuple[str, str, str]:
    """(full official name, most specific unit, adcode): the most specific administrative place named in
    the title, else the cover/head, else the file name, else the place the body names most often (it
    must clearly dominate). Places come from the administrative-division gazetteer (rag.places)."""
    g = gazetteer()
    for text in (title, *ev.head[:8], *ev.headings[:3], ev.file_stem):
        found = [p for _, p in g.find(_clean(text)) if not _NATIONAL_BODY.match(text)]
        if found:
            best = max(found, key=lambda p: (p.level, -found.index(p)))
            return g.full_name(best), best.name, best.code
    counts: Counter[str] = Counter()
    by_code = {}
    national = 0
    for text in ev.body[:400]:
        national += text.count(NATIONAL)
        for _, place in g.find(text):
            counts[place.code] += 1
            by_code[place.code] = place
    if counts:
        (top, n), *rest = counts.most_common(2) + [("", 0)]
        second = max(rest[0][1] if rest else 0, national)
        if n >= 3 and n >= 2 * second:
            place = by_code[top]
            return g.full_name(place), place.name, place.code
    return "", "", ""


def _issuer(ev: _Evidence, place_full: str, kind: str) -> str:
    """A body named in the title or cover: place names followed by an organisation ("上海市普陀区财政局")."""
    if kind == "政府工作报告" and place_full:
        return f"{place_full}人民政府"
    for text in (ev.title, *ev.front):  # the title, cover, stated source and first headings, not the body
        if re.fullmatch(r"中华人民共和国[\u4e00-\u9fff]{2,20}(?:部|委员会|总局|局|署|院)", text):
            return text
        if _DELIVERED_AT.search(text):  # "——在某县人民代表大会…会议上" names where a report is read, not who wrote it
            continue
        run: list[str] = []
        pairs = list(posseg.cut(_clean(text)))
        for i, pair in enumerate(pairs):
            if pair.flag == "ns" or (pair.flag in ("n", "nt") and _PLACE_SUFFIX.search(pair.word) and len(pair.word) >= 3):
                run.append(pair.word)
            elif (pair.flag == "nt" or re.search(r"(?:部|局|厅|委员会|办公室|政府)$", pair.word)) and len(pair.word) >= 3:
                if run or _ORG_LEAD.match(pair.word) or _NATIONAL_BODY.search(pair.word) or len(pair.word) >= 6:
                    body = "".join(run) + pair.word
                    # the office of a government is its own body (陕西省人民政府 + 办公厅)
                    after = pairs[i + 1].word if i + 1 < len(pairs) else ""
                    return body + after if _OFFICE_OF.fullmatch(after) else body
                run = []
            else:
                run = []
    for text in (ev.title, *ev.front) if kind != LAW_KIND else ():
        # jieba cuts a body's name into pieces (交通运输/厅, 卫生/健康/局): places, then a body, at the start
        match = _PLACE_THEN_BODY.match(_clean(text))
        if match:
            return match.group(1)
    return ""


_DELIVERED_AT = re.compile(r"^[—－-]*\s*(?:\d{4}年\d{1,2}月\d{1,2}日)?在\S*(?:会议|大会)上")
_OFFICE_OF = re.compile(r"办公厅|办公室")
_PLACE_THEN_BODY = re.compile(r"(?:关于)?((?:[\u4e00-\u9fff]{2,8}?(?:省|自治区|市|自治州|州|地区|盟|区|县|旗))+"
                              r"[\u4e00-\u9fff]{2,10}?(?:局|厅|委员会|办公室|管委会))")


# --- years --------------------------------------------------------------------------------------

def _title_year(text: str) -> int | None:
    match = _YEAR.search(_clean(text)) or _ANY_YEAR.search(_clean(text))
    return int(match.group(1)) if match else None


def _first_date(text: str) -> str:
    match = _DATE.search(_clean(text))
    if not match:
        return ""
    y, m, d = match.groups()
    return f"{y}-{int(m):02d}-{int(d):02d}"


def _covered_years(year: int | None, kind: str, ev: _Evidence) -> tuple[int, ...]:
    """The document's year, the years of its headings, and the reviewed year of a work report."""
    years: set[int] = set()
    if year:
        years.add(year)
        if kind == "政府工作报告":
            years.add(year - 1)
    for heading in ev.headings:
        if _DATE_LINE.fullmatch(_clean(heading)):
            continue  # "2024年4月" under a bulletin's title is when it was issued, not a year it covers
        years.update(int(y) for y in _YEAR.findall(_clean(heading)))
    return tuple(sorted(years))
