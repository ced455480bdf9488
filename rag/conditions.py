"""Numeric conditions: "我累计工作了12年" against "已满10年不满20年的，年休假10天".

Laws and rules state a figure per bracket of a quantity (years worked, contract length, age, amount).
A question that gives its own quantity is answered by the bracket that contains it, whatever words the
brackets share. Quantities are compared within a family (年 and 个月 are one: 1年 = 12个月).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from rag.textnorm import arabic_figures

# unit → (family, scale to the family's base unit)
_UNITS = {
    "年": ("time", 12.0), "周年": ("time", 12.0), "个月": ("time", 1.0), "月": ("time", 1.0),
    "日": ("day", 1.0), "天": ("day", 1.0), "个工作日": ("workday", 1.0), "工作日": ("workday", 1.0),
    "周岁": ("age", 1.0), "岁": ("age", 1.0), "小时": ("hour", 1.0),
    "元": ("money", 1.0), "万元": ("money", 1e4), "亿元": ("money", 1e8),
    "公里": ("km", 1.0), "人": ("people", 1.0), "名": ("people", 1.0),
}
_UNIT = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_NUM = r"\d+(?:\.\d+)?"
_BETWEEN = re.compile(rf"(?:已满|满|超过|达到)?({_NUM})({_UNIT})(?:以上|及以上)?(?:不满|未满|不足|以下|至|到|[-－～~]|(?<=以上))({_NUM})({_UNIT})?(?:以下)?")
_BELOW = re.compile(rf"(?:不满|未满|不足|少于|低于|未达到)({_NUM})({_UNIT})")
_ABOVE = re.compile(rf"(?:已满|满|超过|达到)({_NUM})({_UNIT})(?:以上|及以上)?|({_NUM})({_UNIT})(?:以上|及以上)")
_GIVEN = re.compile(rf"(?<![\d.])({_NUM})({_UNIT})(半)?")


@dataclass(frozen=True)
class Bracket:
    family: str
    low: float  # inclusive
    high: float  # exclusive

    def holds(self, family: str, value: float) -> bool:
        return family == self.family and self.low <= value < self.high


def _value(number: str, unit: str) -> tuple[str, float]:
    family, scale = _UNITS[unit]
    return family, float(number) * scale


def _text(text: str) -> str:
    return arabic_figures(unicodedata.normalize("NFKC", text))


def brackets(text: str) -> list[Bracket]:
    """The brackets a statement's condition sets ("一年以上不满三年的" → 12 ≤ months < 36)."""
    text = _text(text)
    out: list[Bracket] = []
    for m in _BETWEEN.finditer(text):
        family, low = _value(m.group(1), m.group(2))
        high_family, high = _value(m.group(3), m.group(4) or m.group(2))
        if high_family == family and high > low:
            out.append(Bracket(family, low, high))
    rest = _BETWEEN.sub("", text)
    for m in _BELOW.finditer(rest):
        family, high = _value(m.group(1), m.group(2))
        out.append(Bracket(family, 0.0, high))
    rest = _BELOW.sub("", rest)
    for m in _ABOVE.finditer(rest):
        family, low = _value(m.group(1) or m.group(3), m.group(2) or m.group(4))
        out.append(Bracket(family, low, math.inf))
    return out


def given_quantities(question: str) -> list[tuple[str, float]]:
    """The quantities a question states about its case ("签了两年期的劳动合同" → 24 months); calendar
    years (2023年) are dates, not durations."""
    out = []
    for m in _GIVEN.finditer(_text(question)):
        if m.group(2) == "年" and len(m.group(1)) == 4 and 1900 <= float(m.group(1)) <= 2100:
            continue
        family, value = _value(m.group(1), m.group(2))
        if m.group(3):  # "三年半": half a unit more
            value += _value("0.5", m.group(2))[1]
        out.append((family, value))
    return out


def fits(quantities: list[tuple[str, float]], text: str) -> bool | None:
    """True when a bracket of `text` holds one of the question's quantities, False when the brackets of
    that quantity's family all exclude it, None when nothing is comparable."""
    verdict = None
    for bracket in brackets(text):
        for family, value in quantities:
            if family != bracket.family:
                continue
            if bracket.holds(family, value):
                return True
            verdict = False
    return verdict


# "单价50万元以上": a threshold on a named quantity (the two characters before the number name it)
_THRESHOLD = re.compile(rf"([\u4e00-\u9fff]{{2}})({_NUM})({_UNIT})(?:[(（]含[)）])?(以上|以下)")


_ANY_THRESHOLD = re.compile(rf"({_NUM})({_UNIT})(?:[(（]含[)）])?及?(以上|以下)")


_OVER = re.compile(rf"(?:超过|高于|大于|多于)({_NUM})({_UNIT})(?!以上|及以上|以下)")
_UNDER = re.compile(rf"(?:低于|少于|不足|不到)({_NUM})({_UNIT})(?!以上|及以上|以下)")


def _bounds(text: str) -> str:
    """"超过30万元" is the bound "30万元以上" (and "低于5人" "5人以下"): a bound is one however it is written."""
    text = _text(text)
    return _UNDER.sub(r"\1\2以下", _OVER.sub(r"\1\2以上", text))


def misses_threshold(question: str, text: str) -> bool:
    """The question counts a set above or below a bound ("60岁及以上的老人", "年纳税100万元以上的企业") and the
    text writes no such bound: its figure counts everyone (年末户籍人口112.64万人), not the set asked."""
    asked = [(_value(m.group(1), m.group(2)), m.group(3)) for m in _ANY_THRESHOLD.finditer(_bounds(question))]
    if not asked:
        return False
    stated = {(_value(m.group(1), m.group(2)), m.group(3)) for m in _ANY_THRESHOLD.finditer(_bounds(text))}
    return not all(bound in stated for bound in asked)


def other_threshold(question: str, text: str) -> bool:
    """Does the text state the same quantity's threshold at another value ("单价100万元（含）以上设备2台"
    for "单价50万元以上的设备有几台")? Then its figure counts another set than the one asked."""
    asked = [(m.group(1), _value(m.group(2), m.group(3)), m.group(4)) for m in _THRESHOLD.finditer(_text(question))]
    if not asked:
        return False
    for m in _THRESHOLD.finditer(_text(text)):
        stated = (m.group(1), _value(m.group(2), m.group(3)), m.group(4))
        for noun, (family, value), side in asked:
            if stated[0] == noun and stated[2] == side and stated[1][0] == family and stated[1][1] != value:
                return True
    return False
