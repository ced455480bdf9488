"""Chinese administrative places: every province, city and county with its parents.

The names come from the administrative-division table that the `cpca` package (MIT) ships; only its
data file is read (its Python module needs pkg_resources, which current setuptools no longer has).
jieba alone tags 历城区 as a common noun and 城镇 as a place; a gazetteer knows which names are
places, that 长清区 lies in 济南市 in 山东省, and that 长清 and 黔东南 are their short forms.
"""
from __future__ import annotations

import csv
import importlib.util
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_SUFFIX = re.compile(r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|自治旗|省|市|地区|盟|区|县|旗)$")
# Table entries that are levels, not places, and district names that are ordinary words.
_GENERIC = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "城区", "郊区", "矿区", "新区",
                      "东区", "西区", "南区", "北区", "中区"})


@dataclass(frozen=True)
class Place:
    name: str  # official name: 长清区, 黔东南苗族侗族自治州
    code: str  # adcode: 370113000000
    level: int  # 1 province, 2 city/prefecture, 3 county/district

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0" * 10

    @property
    def city_code(self) -> str:
        return self.code[:4] + "0" * 8


def _data_dir() -> Path | None:
    spec = importlib.util.find_spec("cpca")  # locates the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "resources"


class Gazetteer:
    """Name → places, parents by adcode, and a longest-match scanner over text."""

    def __init__(self, rows: list[tuple[str, str]], nations: list[str]) -> None:
        self.by_code: dict[str, Place] = {}
        self.by_name: dict[str, list[Place]] = {}
        ethnic = re.compile("(?:" + "|".join(sorted((re.escape(n) for n in nations), key=len, reverse=True)) + ")+" if nations else r"(?!)")
        for code, name in rows:
            code = code.ljust(12, "0")
            level = 1 if code[2:] == "0" * 10 else 2 if code[4:] == "0" * 8 else 3
            place = Place(name, code, level)
            self.by_code[code] = place
            if name in _GENERIC or len(name) < 2:
                continue
            for alias in {name, *self._short_forms(name, ethnic)}:
                self.by_name.setdefault(alias, []).append(place)
        for places in self.by_name.values():
            places.sort(key=lambda p: (p.level, p.code))
        names = sorted(self.by_name, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(n) for n in names))

    @staticmethod
    def _short_forms(name: str, ethnic: re.Pattern[str]) -> list[str]:
        forms = []
        stripped = _SUFFIX.sub("", name)
        stripped = ethnic.sub("", stripped) if stripped != name else stripped
        if len(stripped) >= 2 and stripped != name:
            forms.append(stripped)
            if name.endswith(("自治州", "自治县")):  # 黔东南苗族侗族自治州 is written 黔东南州
                forms.append(stripped + name[-1])
        return forms

    def parents(self, place: Place) -> list[Place]:
        """Province first, then city, excluding the place itself (and the table's 市辖区/县 pseudo-levels)."""
        chain = []
        for code in (place.province_code, place.city_code):
            parent = self.by_code.get(code)
            if parent is not None and parent.code != place.code and parent not in chain and parent.name not in ("市辖区", "县"):
                chain.append(parent)
        return chain

    def full_name(self, place: Place) -> str:
        return "".join(p.name for p in self.parents(place)) + place.name

    def find(self, text: str, tokenizer=None, known: set[str] | None = None) -> list[tuple[str, Place]]:
        """(alias as written, place) for each place named in the text, longest names first.

        A short form (长清, 黔东南) counts only where the word segmentation has a word starting and
        ending there and the dictionary does not know it as an ordinary word: "新增城镇" holds 增城 and
        "和平发展" holds 和平, neither of which is a place there. With `known` (codes of the places the
        indexed documents are about, and their parents), a county's short form counts only for a known
        county: 长安 in "长安新能源客车" is a brand, not 西安's 长安区."""
        found = []
        bounds: set[int] | None = None
        for match in self._pattern.finditer(text):
            alias = match.group()
            candidates = self.by_name[alias]
            if alias not in {p.name for p in candidates}:
                suffix = text[match.end() : match.end() + 1]
                if suffix and suffix in "省市区县州旗盟" and not _is_common_word(alias, tokenizer):
                    # a renamed division (章丘市 → 章丘区, 县 → 区): the name with another suffix
                    found.append((alias + suffix, self._resolve(candidates, text)))
                    continue
                if bounds is None:
                    bounds = _boundaries(text, tokenizer)
                if match.start() not in bounds or match.end() not in bounds or _is_common_word(alias, tokenizer):
                    continue
            place = self._resolve(candidates, text)
            if known is not None and place.level == 3 and place.code not in known and alias != place.name:
                continue
            found.append((alias, place))
        return found

    def _resolve(self, candidates: list[Place], text: str) -> Place:
        """Several places share a name (two 普陀区): prefer the one whose province or city the text names."""
        if len(candidates) == 1:
            return candidates[0]
        for place in candidates:
            for parent in self.parents(place):
                short = _SUFFIX.sub("", parent.name)
                if parent.name in text or (len(short) >= 2 and short in text):
                    return place
        return candidates[0]

    def is_within(self, inner: Place, outer: Place) -> bool:
        return outer in self.parents(inner)


_lock = threading.Lock()


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    with _lock:
        folder = _data_dir()
        rows: list[tuple[str, str]] = []
        nations: list[str] = []
        if folder is not None and (folder / "adcodes.csv").is_file():
            with open(folder / "adcodes.csv", encoding="utf-8") as fh:
                rows = [(r["adcode"], r["name"]) for r in csv.DictReader(fh) if r.get("name")]
            nation_file = folder / "56_nations.csv"
            if nation_file.is_file():
                nations = [line.strip() for line in nation_file.read_text(encoding="utf-8").splitlines() if line.strip()]
                nations += [n.removesuffix("族") for n in nations if len(n) > 2]
        return Gazetteer(rows, nations)


def _tok(tokenizer):
    import jieba

    return tokenizer or jieba.dt


def _boundaries(text: str, tokenizer=None) -> set[int]:
    bounds = {0, len(text)}
    for _, start, end in _tok(tokenizer).tokenize(text):
        bounds.update((start, end))
    return bounds


@lru_cache(maxsize=8192)
def _is_common_word(alias: str, tokenizer=None) -> bool:
    """和平, 开发: jieba's own dictionary knows them as something other than a place name (the
    caller's tokenizer may have the place names added, so the stock dictionary is asked)."""
    import jieba
    import jieba.posseg as posseg

    jieba.initialize()
    if not jieba.dt.FREQ.get(alias):
        return False
    # names (ns, or nr/nrt: jieba takes 章丘, 普陀 for personal names) are not ordinary words
    return not ({p.flag for p in posseg.cut(alias)} & {"ns", "nr", "nrt", "nt"})
