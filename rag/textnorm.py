"""Chinese-aware text normalisation shared by ingestion, retrieval and citation checks."""
from __future__ import annotations

import re
import unicodedata

# CJK ideographs, CJK punctuation, full-width forms: the characters that take no spaces between them.
_CJK = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u32ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u201c\u201d\u2018\u2019\u2014\u2026\u00b7"
_ASCII_WORD = r"0-9A-Za-z%.+\-/·°"
_SPACE_CJK_ASCII = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0\u3000]+(?=[{_ASCII_WORD}])")
_SPACE_ASCII_CJK = re.compile(rf"(?<=[{_ASCII_WORD}])[ \t\u00a0\u3000]+(?=[{_CJK}])")
_SPACE_CJK_CJK_PUNCT = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+(?=[，。、；：！？）】》”’])|(?<=[（【《“‘])[ \t\u00a0]+(?=[{_CJK}])")
_MULTI_SPACE = re.compile(r"[ \t\u00a0]{2,}")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_FULLWIDTH_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0e\u3000]")

SENTENCE_END = "。！？；!?;"


def is_cjk(char: str) -> bool:
    return bool(_CJK_CHAR.match(char))


def fold_fullwidth_alnum(text: str) -> str:
    """Full-width digits/letters (３０．２４％) → ASCII, keeping Chinese punctuation as typeset."""
    return _FULLWIDTH_ALNUM.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def tidy_spaces(text: str) -> str:
    """Drop the spaces PDF extraction puts around numbers in Chinese text: 完成 30.24 亿元 → 完成30.24亿元.

    Spaces between two ASCII words ("Qwen 2.5") and between two Chinese phrases ("万人下乡 千村提升")
    are kept: only a space with Chinese on one side and a number/Latin word on the other goes.
    """
    text = fold_fullwidth_alnum(text)
    text = _SPACE_CJK_ASCII.sub("", text)
    text = _SPACE_ASCII_CJK.sub("", text)
    text = _SPACE_CJK_CJK_PUNCT.sub("", text)
    text = _MULTI_SPACE.sub(" ", text)
    return text.strip()


def normalize_for_match(text: str) -> str:
    """NFKC, lower case, no whitespace: the form in which strings are compared (evidence, numbers)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?(?:%|[万亿](?![分]))?")


def extract_numbers(text: str) -> list[str]:
    """Numbers as written, with % or a magnitude (30.24亿, 29.2%, 5.5万, 2375): what a cited passage
    must contain verbatim. The magnitude matters: "30亿" is not supported by a passage saying "30P"."""
    text = unicodedata.normalize("NFKC", text)
    return [m.group().replace(",", "") for m in _NUMBER.finditer(text)]


_SENTENCE_SPLIT = re.compile(r"(?<=[。！？!?；;])|\n+")


def split_sentences(text: str) -> list[str]:
    """Split at Chinese/ASCII sentence ends, keeping the punctuation with its sentence."""
    parts = [p.strip() for p in _SENTENCE_SPLIT.split(text)]
    return [p for p in parts if p]


_CJK_CLASS = rf"[{_CJK}]"
# A space between two Chinese characters goes when either neighbour stands alone ("第 二 产 业", "结 果维持"):
# justified PDF lines spread the characters of a word. Between two words ("万人下乡 千村提升") it stays.
_SPACED_CHARS = re.compile(
    rf"(?<=(?<!{_CJK_CLASS}){_CJK_CLASS})[ \u00a0\u3000]+(?={_CJK_CLASS})"
    rf"|(?<={_CJK_CLASS})[ \u00a0\u3000]+(?={_CJK_CLASS}(?!{_CJK_CLASS}))"
)


def collapse_spaced_chars(text: str) -> str:
    """`第 二 产 业 增 加 值` → `第二产业增加值`; spaces between multi-character words are kept."""
    previous = None
    while previous != text:  # overlapping runs: repeat until stable (at most a few passes)
        previous, text = text, _SPACED_CHARS.sub("", text)
    return text


_FOOTNOTE_BEFORE_NUMBER = re.compile(r"(\[\d{1,2}\]|[\u00b9\u00b2\u00b3\u2070-\u2079]+)(\d+(?:,\d{3})*(?:\.\d+)?(?:%|[万亿千百]?[元人个件项家户吨]?))")


def separate_footnote_markers(text: str) -> str:
    """`生产总值[2]1234.56亿元` → `生产总值1234.56亿元[2]`: the figure is whole again, the marker is kept."""
    return _FOOTNOTE_BEFORE_NUMBER.sub(lambda m: m.group(2) + m.group(1), text)


_THOUSANDS = re.compile(r"(?<![\d.])(\d{1,3})((?:,\d{3})+)(?=\.\d|(?!\d))")


def strip_thousands_separators(text: str) -> str:
    """`2,940.05` → `2940.05` (tables write separators, prose does not): for matching, not display."""
    return _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(",", ""), text)
