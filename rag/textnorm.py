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


_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?(?:%|‰|[万亿](?![分]))?")


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


_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "零〇一二两三四五六七八九十百千"
# A Chinese numeral counts as a figure only before a unit or classifier (三十日, 二十二周岁, 五十元, 三百万元),
# after 百分之, or in 三分之二: "一般", "统一" and the ordinal "第一章" stay words.
_CN_UNIT_AFTER = r"[万亿]?(?:个月|个工作日|周岁|小时|分钟|公里|平方米|立方米|厘米|毫米|毫升|公升|公斤|千克|毫克|克|公顷|分贝|秒|年|月|日|天|岁|元|条|个|人|次|倍|项|件|家|名|台|辆|米|亩|吨|周|层|票|部|所|座|处|张|份|户|起|例|宗|批|类|级|款)"
_CN_FIGURE = re.compile(rf"(?<![第{_CN_NUM}])([{_CN_NUM}]+)(?={_CN_UNIT_AFTER})")
_CN_PERCENT = re.compile(rf"百分之([{_CN_NUM}]+)")
_CN_FRACTION = re.compile(rf"([{_CN_NUM}]+)分之([{_CN_NUM}]+)")


def cn_numeral_value(text: str) -> int | None:
    """二十二 → 22, 三百 → 300, 一百零五 → 105, 二〇二三 → 2023; None if it is not a numeral."""
    if not text or any(ch not in _CN_DIGIT and ch not in _CN_UNIT for ch in text):
        return None
    if not any(ch in _CN_UNIT for ch in text):
        return int("".join(str(_CN_DIGIT[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNIT[ch]
            digit = None
    return total + (digit or 0)


def arabic_figures(text: str) -> str:
    """Laws and bulletins write figures in Chinese (七日, 二十二周岁, 百分之十, 三分之二, 三百万元): the same
    text with those figures in Arabic digits, for checking figures, never for display."""
    def number(match: re.Match[str], template: str = "{}") -> str:
        value = cn_numeral_value(match.group(1))
        return match.group(0) if value is None else template.format(value)

    text = _CN_PERCENT.sub(lambda m: number(m, "{}%"), text)
    text = _CN_FRACTION.sub(
        lambda m: f"{cn_numeral_value(m.group(2))}/{cn_numeral_value(m.group(1))}"
        if cn_numeral_value(m.group(1)) and cn_numeral_value(m.group(2)) is not None else m.group(0), text)
    return _CN_FIGURE.sub(number, text)


_CN_FIGURE_UNIT = re.compile(rf"(?<![第{_CN_NUM}])([{_CN_NUM}]+)({_CN_UNIT_AFTER})")  # _CN_FIGURE, unit kept


def figures_as_written(answer: str, sources: list[str]) -> str:
    """An answer's "1小时" written "一小时" when that is how its cited source writes the figure.

    Small models turn a law's 五年/百分之十 into 5年/10%; the figure is the same (the number check
    accepts it), but a quote as written is what a reader can find in the source, and what a
    key-fact comparison against the document's wording expects."""
    joined = "\n".join(sources)
    pairs: dict[str, str] = {}
    for m in _CN_FIGURE_UNIT.finditer(joined):
        value = cn_numeral_value(m.group(1))
        if value is not None:
            pairs.setdefault(f"{value}{m.group(2)}", m.group(0))
    for m in _CN_PERCENT.finditer(joined):
        value = cn_numeral_value(m.group(1))
        if value is not None:
            pairs.setdefault(f"{value}%", m.group(0))
    for arabic, written in pairs.items():
        if arabic in joined:  # the source writes it both ways: keep the answer's
            continue
        answer = re.sub(rf"(?<![\d.]){re.escape(arabic)}", written, answer)
    return answer


_CLOCK = re.compile(rf"(凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜里|夜间|半夜)([{_CN_NUM}\d]{{1,3}})(?:点|时)(半)?")
_AFTERNOON = ("下午", "傍晚", "晚上", "夜里", "夜间", "半夜")


def cn_numeral(value: int) -> str:
    """22 → 二十二, 8 → 八, 10 → 十 (0-99: hours of a clock)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(value, 10)
    if not tens:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def law_clock_times(text: str) -> str:
    """People say "晚上十点", laws write "二十二时": each spoken time of day is followed by the 24-hour form
    ("晚上十点（二十二时）"), so the words of the article match; the text is otherwise unchanged."""
    def hour(match: re.Match[str]) -> str:
        written = match.group(2)
        value = int(written) if written.isdigit() else cn_numeral_value(written)
        if value is None or value > 24:
            return match.group(0)
        if match.group(1) in _AFTERNOON and value < 12 and not (match.group(1) == "半夜" and value <= 3):
            value += 12
        elif value == 12 and match.group(1) in ("晚上", "夜里", "夜间", "半夜"):
            value = 24  # 午夜: laws write 二十四时
        return f"{match.group(0)}（{cn_numeral(value)}时{'三十分' if match.group(3) else ''}）"

    return _CLOCK.sub(hour, text)
