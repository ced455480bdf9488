"""What a question constrains — place, organisation, year, the quantity asked, its parts — and whether
a passage (with its headings and its document's card) satisfies each constraint.

This replaces "every distinctive word must occur in the cited paragraph": 全区, 截至 or a segmentation
artefact of jieba constrain nothing, while the place a bulletin names only in its title does. Words
are classified by jieba's part-of-speech tags, not by lists: places (ns and administrative names),
organisations (nt), times (years, 去年/今年), and the nouns/verbs that name the quantity. A failed
place or year constraint means the documents are about something else; a quantity whose words the
passage does not mention means the figure would come from another indicator.
"""
from __future__ import annotations

import itertools
import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
import jieba.posseg as posseg

from rag.card import LAW_KIND, NATIONAL, SCOPE_WORD, DocumentCard
from rag.places import Place, gazetteer
from rag.schema import Chunk
from rag.synonyms import synonyms
from rag.textnorm import arabic_figures
from rag.titles import version_phrases
from rag.tokenizer import QUESTION_SCAFFOLD, STOPWORDS, ensure_jieba

_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年|年度)")
_COMPARED_YEAR = re.compile(r"(?:比|较|与|同比|相比|对比)\s*((?:19|20)\d{2})\s*年")
_QUESTION_COMPARED = re.compile(r"(?:比|较)\s*((?:19|20)\d{2})\s*年|(?:和|与|同)\s*((?:19|20)\d{2})\s*年(?:度)?\s*(?:相比|比|对比)")
_RELATIVE = {"前年": -2, "去年": -1, "上年": -1, "上一年": -1, "今年": 0, "本年": 0, "当年": 0, "明年": 1, "下一年": 1}
# "我上周刚提了一辆新车", "昨天发现…", "最晚要在…": a time counted from the asker's day (or the deadline asked)
# tells the asker's story; no document is about it
_ASKERS_NOW = re.compile(r"^(?:(?:上|下|这|本|昨|前|今|明|后|大前|大后)(?:个)?(?:周|星期|礼拜|天|日|月|晚|早上|上午|下午)"
                         r"|最近|近来|近日|日前|刚才|刚刚|现在|目前|当下|如今|最晚|最早|最迟|前些天|前几天)$")
# the reader's words count from the year the reader lives in (DocumentCard.present_year); the document's
# own words (本年收入合计, 上年结转) from the year it is about; "比上年增长" names a baseline, no year asked
_READER_WORDS = frozenset({"前年", "去年", "今年", "明年"})
_BASELINE = re.compile(r"(?:比|较|同|与|和|对比|相比)\s*$")


def relative_years(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """(the reader's offsets, the document's own offsets) of the relative years a question writes."""
    reader: set[int] = set()
    own: set[int] = set()
    for word, offset in _RELATIVE.items():
        for m in re.finditer(word, text):
            if word in _READER_WORDS:
                reader.add(offset)
            elif not _BASELINE.search(text[: m.start()]) and not (word == "上年" and text[m.start() - 1: m.start()] == "一"):
                own.add(offset)
    return frozenset(reader), frozenset(own)
_NATIONAL_WORDS = frozenset({"全国", "中国", "我国", "中华人民共和国"})  # not 国家: "哪些国家" asks for countries
_ORG_SUFFIX = re.compile(r"(?:部|局|厅|委|委员会|办公室|办|院|署|会|所|中心|集团|公司|银行|大学|学校|医院)$")
# POS tags whose words can name the quantity asked ("一般公共预算收入", "试用期", "签约").
_TOPIC_FLAGS = ("n", "nz", "vn", "an", "j", "l", "i", "eng", "nr", "v", "a")
_EACH = re.compile(r"([^，,。？?；;和与及、\s]{2,20}?)(?:和|与|及|、)([^，,。？?；;和与及、\s]{2,20}?)(?:分别|各自|各)(.{1,20}?)[？?。]?$")
# "年初结转和结余与年末结转和结余分别是多少": names that contain 和 are joined by 与/及
_EACH_WIDE = re.compile(r"([^，,。？?；;与及、\s]{2,20}?)(?:与|及|以及)([^，,。？?；;与及、\s]{2,20}?)(?:分别|各自|各)(.{1,20}?)[？?。]?$")
_BODY_AFTER_PLACE = r"((?:[\u4e00-\u9fff]{2,8}?)(?:局|厅|委员会|办公室|管委会))"
_RUN_BEFORE = re.compile(r"(?:[^，,。？?；;、和与及\s\d]{2,20}、)+$")
_PART_SPLIT = re.compile(r"[？?；;]+|(?:，|,)?(?:以及|另外|同时|还有|并且)")


# a part that asks the same of each subject the part before named: "…各是多少？分别增长多少？"
_FOR_EACH = re.compile(r"^(?:分别|各自|各)")
_MEMBERS = re.compile(r"^其中")


def _each_subjects(part: str, each: re.Match) -> tuple[str, list[str]]:
    """The context a "甲和乙各…" part is asked in, and its subjects, each made whole: 契税's 执行数 of
    "契税的预算数和执行数", the 人均可支配收入 of both in "城镇居民和农村居民人均可支配收入"."""
    shared = part[: each.start()]  # "淮安2024年…行政诉讼中，": the context both parts are asked in
    subjects = [each.group(1), each.group(2)]
    owner = re.match(r"(.{2,12}?的)(.+)$", subjects[0])
    if owner and "的" not in subjects[1] and len(subjects[1]) <= 6:
        subjects[1] = owner.group(1) + subjects[1]  # "契税的预算数和执行数": 契税's 执行数 as well
    elif not INDICATOR_HEAD.search(subjects[0]):
        # "城镇居民和农村居民人均可支配收入": the first names only who; the second's quantity is asked of both
        # (the second's words after as many characters as the first has, or as its last word has: 长清区城镇,
        # cut where a word ends)
        second = subjects[1]
        ends = set(itertools.accumulate(len(p.word) for p in _pos_cut(second)))
        last = [p.word for p in _pos_cut(subjects[0])][-1:]

        def cut(n: int) -> bool:  # 农村居民 is one word of jieba's, and 居民 one too
            return n in ends or any(in_dictionary(second[n : n + k]) for k in (2, 3, 4))

        size = next((n for n in (len(subjects[0]), *map(len, last)) if 0 < n < len(second) and cut(n)), 0)
        tail = second[size:]
        if size and len(tail) >= 2 and (tail.startswith("的") or INDICATOR_HEAD.search(tail)):
            subjects[0] += tail
    run = _RUN_BEFORE.search(shared)
    if run:  # "货物进出口总额、出口额和进口额各是多少": the items before the 、 are subjects too
        subjects = [item for item in run.group().split("、") if item] + subjects
        shared = shared[: run.start()]
    return shared, subjects


# "2022年和2023年…分别是多少", "…总量2022年、2023年各是多少": the same quantity asked of each year
_YEAR_RUN = re.compile(r"(?:19|20)\d{2}\s*年度?(?:\s*(?:和|与|及|、|以及)\s*(?:19|20)\d{2}\s*年度?)+")
_EACH_WORD = re.compile(r"分别|各自|各")


def _each_year(part: str) -> list[str]:
    """One part per year of a "2022年和2023年…各（分别）…" part, each asking the year alone."""
    run = _YEAR_RUN.search(part)
    if run is None or not _EACH_WORD.search(part, run.end()):
        return []
    rest = _EACH_WORD.sub("", part[run.end():], count=1)
    return [part[: run.start()] + year + " " + rest.strip() for year in re.findall(r"(?:19|20)\d{2}\s*年度?", run.group())]


def _each_parts(parts: tuple[str, ...]) -> tuple[str, ...]:
    """One part per subject of a "甲和乙各（分别）…" part ("一般公共服务支出和住房保障支出各占多少比例？"),
    and of a part after it that asks the same of each ("…各是多少？分别增长多少？")."""
    out: list[str] = []
    named: tuple[str, list[str]] | None = None
    for part in parts:
        years = _each_year(part)
        if years:
            out += years
            named = None
            continue
        # "其中出口和进口各多少" asks the members of the total before, which one sentence states together
        # ("其中，出口额…；进口额…"): one part, or 出口 alone would take the 进出口总额 again
        each = None if _MEMBERS.match(part) and out else (_EACH_WIDE.search(part) or _EACH.search(part))
        if each:
            named = _each_subjects(part, each)
            out += [named[0] + subject + each.group(3) for subject in named[1]]
        elif named is not None and _FOR_EACH.match(part):
            rest = _FOR_EACH.sub("", part)
            out += [named[0] + subject + rest for subject in named[1]]
        else:
            out.append(part)
            named = None
    return tuple(out)


@dataclass(frozen=True)
class Term:
    word: str
    weight: float  # verbs count half: "签约" matters, but less than the noun it governs


@dataclass(frozen=True)
class Constraints:
    question: str
    admin: tuple[Place, ...] = ()  # administrative places named (from the gazetteer)
    admin_written: tuple[str, ...] = ()  # as the question writes them: 长清, 山东省
    places: tuple[str, ...] = ()  # other place words: 全国, 中国
    orgs: tuple[str, ...] = ()
    years: frozenset[int] = frozenset()
    relative: frozenset[int] = frozenset()  # the reader's 去年/今年: from the year the document is read in
    own_relative: frozenset[int] = frozenset()  # the document's 本年/上年: from the year it is about
    terms: tuple[Term, ...] = ()
    expects: frozenset[str] = frozenset()  # "percent", "money", or a classifier such as "个"
    parts: tuple[str, ...] = ()
    whole: str = ""  # for one part of a multi-part question: the whole question (its figures are given too)
    # the asker's own words the library never writes, each with the library's words nearest in meaning
    # (供暖 → 供热): set by the gate from the retrieved passages (rag.paraphrase)
    stand_ins: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def has_time(self) -> bool:
        return bool(self.years or self.relative or self.own_relative)

    @property
    def place_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.admin) + self.places


def normalize(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


_KNOWN: set[str] = set()  # adcodes of the indexed documents' places and their parents
_TOKENIZER: jieba.Tokenizer | None = None
_POS: posseg.POSTokenizer | None = None
_TOKENIZER_LOCK = threading.Lock()


def pos_tags(text: str) -> list[tuple[str, str]]:
    """(word, POS flag) pairs, cut with the dictionary that knows every place name."""
    return [(p.word, p.flag) for p in _pos_cut(text)]


def _pos_cut(text: str):
    """POS tagging with a private dictionary that knows every administrative place name and its short
    form, so "2023年长清有多少家…" is not cut into 年长/清 (the BM25 tokenizer's dictionary is left alone)."""
    global _TOKENIZER, _POS
    if _POS is None:
        with _TOKENIZER_LOCK:
            if _POS is None:
                ensure_jieba()
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for alias in gazetteer().by_name:
                    tokenizer.add_word(alias, freq=max(tokenizer.FREQ.get(alias, 0), 2000), tag="ns")
                _TOKENIZER, _POS = tokenizer, posseg.POSTokenizer(tokenizer)
    return _POS.cut(text)


def set_known_places(codes: set[str]) -> None:
    """The places the indexed documents are about: a county's short form in a question counts only for
    these (parsing is cached, so the cache is cleared when they change)."""
    if codes != _KNOWN:
        _KNOWN.clear()
        _KNOWN.update(codes)
        parse_constraints.cache_clear()
        places_named.cache_clear()


@lru_cache(maxsize=4096)  # asked for every figure clause of every candidate passage
def places_named(text: str) -> tuple[Place, ...]:
    """The administrative places a text names ("凯里市地区生产总值突破300亿元" → 凯里市)."""
    _pos_cut("")
    return tuple(place for _, place in gazetteer().find(normalize(text), tokenizer=_TOKENIZER, known=_KNOWN or None))


_SCOPE_IN_TEXT = re.compile(r"(?:全|本|我)(?:省|市|州|区|县|旗)")


def speaks_of_another_place(text: str, c: Constraints, card: DocumentCard | None) -> bool:
    """The text names a place that is neither asked nor the document's own (nor a parent of either): a
    prefecture bulletin's "凯里市地区生产总值突破300亿元" is one county's figure, not the prefecture's. And a
    "全市…" of a city's report speaks of the city, not of the province asked ("浙江省全省…是多少")."""
    g = gazetteer()
    home = g.by_code.get(card.place_code) if card is not None and card.place_code else None
    if home is not None and c.admin and _SCOPE_IN_TEXT.search(normalize(text)) and not any(
            a.code == home.code or g.is_within(a, home) for a in c.admin):
        return True
    own = [*c.admin, *([home] if home is not None else [])]
    for place in places_named(text):
        if not any(place.code == p.code or g.is_within(p, place) for p in own):
            return True
    return False


def in_dictionary(word: str) -> bool:
    """jieba's dictionary knows the word (an HMM fragment of a mis-cut phrase it does not)."""
    _pos_cut("")
    assert _TOKENIZER is not None
    return bool(_TOKENIZER.FREQ.get(word))


def _names_joined(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A surname jieba leaves alone, and the given name after it, are one name: 蒋/巨峰 → 蒋巨峰, 李/忠臣 →
    李忠臣, 庞/维勒 → 庞维勒 (else the question asks about 巨峰 or 忠臣, which any text may write)."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(pairs):
        word, flag = pairs[i]
        if (flag == "nr" and len(word) == 1 and i + 1 < len(pairs) and pairs[i + 1][1] in ("nr", "nrt", "n")
                and len(pairs[i + 1][0]) <= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", pairs[i + 1][0])):
            out.append((word + pairs[i + 1][0], "nr"))
            i += 2
            continue
        out.append((word, flag))
        i += 1
    return out


@lru_cache(maxsize=2048)
def parse_constraints(question: str) -> Constraints:
    """Read the constraints of one question (cached: the same question is parsed by several checks)."""
    ensure_jieba()
    text = unicodedata.normalize("NFKC", question)
    for *_, written in version_phrases(text):
        # "2022年修订的妇女权益保障法": which version of a law is asked (checked against the library in the
        # gate), not a year the passage must speak of, and 修订 is no word of the quantity
        text = text.replace(written, " ", 1)
    # "2023年老旧小区" is cut 2023/年老/旧小区 unless the year stands apart
    text = re.sub(r"((?:19|20)\d{2}\s*年度?)", r"\1 ", text)
    compared = {int(m.group(1) or m.group(2)) for m in _QUESTION_COMPARED.finditer(text)}  # "比2023年有所增加": a baseline, not the year asked
    years = frozenset(int(y) for y in _YEAR.findall(text)) - compared
    relative, own_relative = relative_years(text)
    _pos_cut("")
    found = gazetteer().find(text, tokenizer=_TOKENIZER, known=_KNOWN or None)
    written: dict[Place, str] = {}
    for alias, place in found:
        written.setdefault(place, alias)
    admin = tuple(written)
    aliases = set(written.values())
    places: list[str] = []
    orgs: list[str] = []
    terms: list[Term] = []
    place_set = aliases | {p.name for p in admin}
    # "江岸区卫生健康局": the body a place name opens is an organisation, however jieba cuts it (卫生/健康/局)
    bodies = [m for alias in sorted(aliases, key=len, reverse=True)
              for m in re.finditer(re.escape(alias) + _BODY_AFTER_PLACE, text)]
    bodies = [m for m in bodies if not any(m.group(1).startswith(alias) for alias in aliases)]
    for m in bodies:
        orgs_named = m.group(1)
        if orgs_named not in place_set:
            place_set = place_set | {orgs_named}
    body_spans = [(m.start(1), m.end(1)) for m in bodies]
    pairs = _names_joined([(p.word.strip(), p.flag) for p in _pos_cut(text)])
    at = 0
    for i, (word, flag) in enumerate(pairs):
        start = text.find(word, at) if word else -1
        at = start + len(word) if start >= 0 else at
        if start >= 0 and any(a <= start < b for a, b in body_spans):
            continue  # a word of the organisation's name, not of what is asked
        if word == "年度" and re.search(r"\d\s*$", text[:max(start, 0)]):
            continue  # "2023年度": the year, not a word of the quantity
        if not word or word in place_set or SCOPE_WORD.match(word):
            continue
        if flag == "v" and i + 1 < len(pairs) and (pairs[i + 1][0][:1].isdigit() or pairs[i + 1][1] == "t"):
            continue  # a verb that only introduces a date or figure (截至2023年, 到2025年) names nothing
        if word in _NATIONAL_WORDS:
            places.append(word)
            continue
        if flag == "nt" or (flag in ("n", "nz", "j") and len(word) >= 3 and _ORG_SUFFIX.search(word)):
            orgs.append(word)
            continue
        if len(word) < 2 or word in STOPWORDS or word in QUESTION_SCAFFOLD or not re.search(r"[\u4e00-\u9fffA-Za-z]", word):
            continue
        if re.fullmatch(r"百分之(?:几|多少)?|多少钱|几成|[干做]什么|为什么|怎么样|怎么办", word) or (
                re.fullmatch(r"合计|总计|共计|一共|总共|累计", word) and re.match(r"(?:是|为|有|约)?(?:多少|几)", text[text.find(word) + len(word):])):

            continue  # the interrogative itself ("增长了百分之几"), not a word of the quantity
        word = re.sub(r"^(?:哪些|哪个|哪几个|哪几|哪|什么|多少|几个|几)", "", word)
        if word.startswith("大") and "多" + word in text:
            word = word[1:]  # "多大面积": jieba cuts 多/大面积, and the area asked is 面积
        if len(word) < 2:
            continue
        if len(word) == 2 and not in_dictionary(word) and flag != "nr":
            # an HMM fragment of a mis-cut phrase ("多少场文旅" → 场文), not a word of the question; a name
            # jieba's model recognises (魏玩, 夏尔) is what the question is about
            continue
        if flag.startswith(_TOPIC_FLAGS) and not flag.startswith(("nrt", "nt")):
            terms.append(Term(word, 0.5 if flag in ("v", "a", "l", "i") else 1.0))  # set phrases (有所增加) describe, like verbs
        elif flag == "r" and len(word) == 2 and word.startswith("每") and word[1] not in "个种次":
            terms.append(Term(word, 0.5))  # 每月, 每户, 每日: the quantity is per month, per household
        elif flag == "t" and word not in _RELATIVE and not _ASKERS_NOW.match(word):
            terms.append(Term(word, 0.5))  # 春节, 年初(预算), 夜间: what the question is about; 去年/今年 are years
    parts = tuple(p.strip(" ，,。") for p in _PART_SPLIT.split(text) if len(re.findall(r"[\u4e00-\u9fff]", p)) >= 2)
    parts = _each_parts(parts or (text,))
    return Constraints(
        question=question,
        admin=admin,
        admin_written=tuple(written[p] for p in admin),
        places=tuple(dict.fromkeys(places)),
        orgs=tuple(dict.fromkeys([*orgs, *(m.group(1) for m in bodies)])),
        years=years,
        relative=relative,
        own_relative=own_relative,
        terms=tuple({t.word: t for t in terms}.values()),
        expects=expected_kinds(text),
        parts=parts if len(parts) > 1 else (),
    )


# --- expected figure kind ---------------------------------------------------------------------------

_PERCENT_ASK = re.compile(r"(?:增长|增速|增幅|下降|降低|提高|提升|减少|回落|上涨)(?:了)?(?:百分之|多少|几)(?![\u4e00-\u9fff]*?(?:元|人|个|家|项|吨|亩|台|套|件|户|所|辆))"
                          r"|增速|增幅|百分之多少|百分比|比重|占比|(?<![效])率(?:是|为|达到)?(?:多少|几)"
                          r"|多大(?:的)?比例|比例(?:是|为|有)?多(?:少|大)")
_UNIT_ASK = re.compile(r"(?<!哪)(?:多少|(?<![好十])几)\s*([万亿千百]*(?:元|美元|钱|块钱|人次|人|个|家|项|吨标准煤|吨|亩|台套|台|套|件|户|所|辆|座|处|平方公里|公里|千米|立方米|平方米|厘米|毫米|米|毫升|公升|公斤|千克|毫克|克|分贝|秒|公顷|千瓦时|千瓦|兆瓦|标箱|天|日|年|月|次|条|张|名|位|批|场|栋|间|床|艘|架|款|支|只|头|株|棵|篇|部|本|份|起|宗|例|门|眼|盏|根|块|层|届|期|轮|列|队))")
_MONEY_WORDS = re.compile(r"金额|资金|收入|支出|投资|总额|产值|生产总值|经费|预算|决算|拨款|税收|利润|营业额|销售额")


_ASKED_NOUN = re.compile(r"([\u4e00-\u9fff]{1,8}?)(率|比重|占比|比例|人数|额|资金|收入|支出|投资|经费|价值|总值|增加值)"
                         r"(?:一共|总共|合计|共计|共|累计|分别|各)?(?:是|为|有|达到|达|约)?(?:多少|几)")


_NOUN_AFTER_ASK = re.compile(r"(?:多少|几)([\u4e00-\u9fff]{0,6}?)(率|比重|占比|比例|人数|收入|支出|投资|经费|资金|金额|总额)(?![\u4e00-\u9fff]*(?:多少|几))")


_CONTACT_ASK = re.compile(r"(?:电话|热线|号码|联系方式)[^，,。？?]{0,6}(?:多少|是什么|是哪|哪个|几)|(?:哪个|什么|多少)(?:电话|热线|号码)")
# 0517-83605210, (010)12345678, 12345, 400-810-8888, 13800138000: a telephone number is one figure
_PHONE = re.compile(r"(?<![\d.])(?:[（(]?0\d{2,3}[)）]?[-－—]?\d{7,8}|400[-－]?\d{3}[-－]?\d{4}|1[3-9]\d{9}|(?:(?<=热线)|(?<=拨打)|(?<=电话)|(?<=电话：))123\d{2})(?![\d.%])")


DATE_KINDS = frozenset({"日", "月", "年"})
_DATE_ASK = re.compile(r"哪一?天|哪一?日|何时|什么时[候间]|几月几[日号]|哪年哪月|日期是")
# "多长时间", "多久": a length of time (二年, 六十日, 七个工作日, 27万小时), never a count or an amount
_DURATION_ASK = re.compile(r"多长时间|多久|多少时间|多长的?期限|多长的时间")
DURATION_KINDS = frozenset({"年", "月", "个", "日", "天", "工作日", "周", "星期", "小时", "时", "分", "秒"})
# "这趟跑了多远": a distance (近两万公里, 800米), never a count, an amount or a date
_DISTANCE_ASK = re.compile(r"多远|(?:距离|路程|里程)(?:是|有|为)?多少|多长的?(?:距离|路程)")
DISTANCE_KINDS = frozenset({"公里", "千米", "米", "里", "海里"})


def expected_kinds(question: str) -> frozenset[str]:
    """The kind of figure the question asks for: a rate (%), an amount of money, or a count with its
    classifier — from the unit after 多少 ("多少亿元"), a change asked as 增长多少, or the asked noun
    ("参保率是多少" asks a rate, "参保人数是多少" a count of people). Empty when the question does not say."""
    kinds: set[str] = set()
    if _CONTACT_ASK.search(question):
        return frozenset({"phone"})  # "可以打哪个电话咨询？": a telephone number, not a count
    if _DATE_ASK.search(question):
        return DATE_KINDS  # "哪一天作的？": a date (or its month or year), not a count or an amount
    if _DURATION_ASK.search(question):
        return DURATION_KINDS
    if _DISTANCE_ASK.search(question):
        return DISTANCE_KINDS
    unit = _UNIT_ASK.search(question)
    noun = _ASKED_NOUN.search(question) or _NOUN_AFTER_ASK.search(question)
    if "百分点" in question or "百分之" in question:
        kinds.add("percent")
    elif unit:
        u = unit.group(1)
        kinds.add("money" if u.endswith(("元", "钱")) else re.sub(r"^[万亿千百]+", "", u) or u)
    elif _PERCENT_ASK.search(question):
        kinds.add("percent")
    elif noun:
        head = noun.group(2)
        kinds.add("percent" if head in ("率", "比重", "占比", "比例") else "人" if head == "人数" else "money")
    if _TIMES_ASK.search(question):
        kinds.add("percent")  # "是农村人的几倍": 2.6倍, or a ratio written "之比为2.66"
    if "percent" in kinds and (_RATIO_ASK.search(question) or _TIMES_ASK.search(question)):
        kinds.add(RATIO)  # "岗位空缺与求职人数的比率" is written "约1.46", a number without a unit
    return frozenset(kinds)


RATIO = "ratio"
_RATIO_ASK = re.compile(r"比率|倍率|之比|比值")
_TIMES_ASK = re.compile(r"(?:几|多少)倍")


_FIGURE = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(?:余|多|来)?\s*(%|‰|个百分点|倍|成|[万亿千百]*(?:元|美元)|[万亿千百]*[\u4e00-\u9fff]{0,2})")


_FRACTION = re.compile(r"(?<![\d/.])\d{1,3}/\d{1,3}(?![\d/])")


def figure_kinds(text: str) -> list[tuple[str, str]]:
    """(number, kind) for each figure: "30.24亿元" → money, "29.2%" → percent, "10个" → 个."""
    out = []
    text = arabic_figures(unicodedata.normalize("NFKC", text))
    # 三分之二 (2/3): a share, asked as "多大比例"; taken out first so its digits are not two counts
    out += [(m.group(0), "percent") for m in _FRACTION.finditer(text)]
    text = _FRACTION.sub("", text)
    out += [(m.group(0), "phone") for m in _PHONE.finditer(text)]
    text = _PHONE.sub("", text)
    for m in _FIGURE.finditer(text):
        number, unit = m.groups()
        if unit in ("%", "‰", "个百分点", "倍", "成"):
            kind = "percent"
        elif unit.endswith("元") or unit.endswith(("万元", "亿元")):
            kind = "money"
        else:
            stripped = re.sub(r"^[万亿千百]+", "", unit)
            kind = stripped[:1] if stripped else ""
            if stripped.startswith(("人次", "台套", "公里", "千米", "平方")):
                kind = stripped[:2]
            elif re.match(r"个?工作日", text[m.start(2):]):
                kind = "工作日"  # "压减至1个工作日": a time limit in days, not a count of 个
            elif kind == "日" and re.search(r"\d月$", text[: m.start()]):
                kind = "日期"  # the 14日 of 12月14日 is a day of the month, not a number of days
        out.append((number.replace(",", ""), kind))
    return out


def extract_numbers_of_kind(c: "Constraints", text: str) -> list[str]:
    """The figures in an answer sentence of the kind the question asks (numbers of the question excluded)."""
    asked = {n for n, _ in figure_kinds(c.question)}
    return [n for n, kind in figure_kinds(text) if kind_matches(c.expects, kind) and n not in asked]


# "最长不超过多少天" is answered by "二十日", "压缩到几天" by "1个工作日", "几个工作日" by "5个工作日"
_SAME_UNIT = {"天": ("日",), "日": ("天",), "工作日": ("日", "天", "个")}


# counters of things and places are written interchangeably: "新建了几座公园" is answered by "新建城市公园8处",
# but 个 counts anything (三个月, 3000余套 are no answer to "多少个项目"); people, events and money keep
# their own kinds
_THING_COUNTERS = frozenset("座 处 所 家 栋 幢 间 条 项 台 套 件 只 艘 架 辆 块 片".split())


def is_calendar(number: str, kind: str, text: str) -> bool:
    """A date's parts (2019年, 9月16日) say when, not how many: a bare "有多少" is never answered by them."""
    if kind == "日期":
        return True
    if kind == "年":
        return bool(re.fullmatch(r"(?:19|20)\d{2}", number))
    return kind == "月" and bool(re.search(rf"(?<![\d.]){re.escape(number)}\s*月\s*\d", text))


def kind_matches(expected: frozenset[str], kind: str) -> bool:
    if not expected:
        return True
    if not kind and RATIO in expected:
        return True  # a ratio is a bare number
    kinds = {kind, *_SAME_UNIT.get(kind, ())} if kind else set()
    if kind in _THING_COUNTERS and expected & _THING_COUNTERS:
        return True
    # 人 and 人次 are different measures: "多少人有社保卡" is not answered by "访问量超过14.88亿人次"
    return any((k.startswith(e) or e.startswith(k)) and {k, e} != {"人", "人次"} for e in expected for k in kinds)


# --- checks against passages -----------------------------------------------------------------------

@dataclass
class Verdict:
    ok: bool
    failed_places: list[str] = field(default_factory=list)
    failed_orgs: list[str] = field(default_factory=list)
    failed_years: list[int] = field(default_factory=list)

    def reason(self) -> str:
        bits = []
        if self.failed_places:
            bits.append(f"文件中没有关于{'、'.join(self.failed_places)}的内容")
        if self.failed_orgs:
            bits.append(f"文件中没有{'、'.join(self.failed_orgs)}的资料")
        if self.failed_years:
            bits.append(f"文件中没有{'、'.join(f'{y}年' for y in self.failed_years)}的数据")
        return "；".join(bits)


def passage_years(chunk: Chunk, card: DocumentCard | None) -> set[int]:
    """Years a passage speaks of: its headings and its own text (not "比2022年" comparisons); a passage
    that names no year inherits its document's years (a bulletin's 全年… paragraphs)."""
    heading = unicodedata.normalize("NFKC", chunk.origin.section_path)
    text = unicodedata.normalize("NFKC", chunk.text)
    compared = {int(y) for y in _COMPARED_YEAR.findall(text)}
    own = {int(y) for y in _YEAR.findall(text)} - compared
    # the deepest heading that names a year scopes it: "报告（2023年执行和2024年草案） > 二、2024年预算草案"
    # speaks of 2024 only
    scoped = next((found for part in reversed(re.split(r"\s*>\s*", heading)) if (found := _YEAR.findall(part))), [])
    years = {int(y) for y in scoped} | own
    if not years and card is not None:
        years = set(card.years) or ({card.year} if card.year else set())
    return years


def target_years(c: Constraints, card: DocumentCard | None) -> set[int]:
    """The years asked. 去年/今年 are resolved against the year the report is read in (`present_year`); in a
    rule they are part of what the rule says ("每年1月1日至6月30日报送上一年度年度报告"): a law holds every year."""
    targets = set(c.years)
    if card is not None and card.kind != LAW_KIND:
        if c.relative and card.present_year:
            targets |= {card.present_year + off for off in c.relative}
        if c.own_relative and card.year:
            targets |= {card.year + off for off in c.own_relative}
    return targets


def _names_itself(place: Place, written: str, text: str, g, card_place: Place | None) -> bool:
    """Does the text speak of this place itself, not merely qualify the document's own place with it?
    In 普陀区's accounts "上海市普陀区财政局" says nothing about 上海市 as a whole; in 长清区's report
    "甘肃广河县" does speak of 甘肃 (the question asks which county of it)."""
    for form in dict.fromkeys((normalize(written), normalize(place.name))):
        start = text.find(form)
        while start >= 0:
            after = g.find(text[start + len(form) : start + len(form) + 16])
            follows = text[start + len(form) : start + len(form) + 16]
            child = after[0][1] if after and follows.startswith(after[0][0]) else None
            qualified = (child is not None and g.is_within(child, place) and card_place is not None
                         and (child.code == card_place.code or g.is_within(card_place, child)))
            if not qualified:
                return True
            start = text.find(form, start + 1)
    return False


def _subsequence(short: str, long: str) -> bool:
    """"人社部" inside "人力资源和社会保障部": abbreviations keep their characters in order."""
    it = iter(long)
    return all(ch in it for ch in short)


def check_passage(c: Constraints, chunk: Chunk, card: DocumentCard | None) -> Verdict:
    """Place, organisation and year constraints against one passage, its headings and its card.

    A place holds when the passage or its headings name it, when it is the card's place, or when it is
    a parent of the card's place named together with it ("济南市长清区"); a city question is not
    answered by a district's report, nor a district question by the city's."""
    verdict = Verdict(ok=True)
    own = normalize(f"{chunk.origin.section_path}\n{chunk.text}")
    g = gazetteer()
    card_code = card.place_code if card else ""
    names_card_place = any(p.code == card_code for p in c.admin)
    card_place = g.by_code.get(card_code) if card_code else None
    for place, written in zip(c.admin, c.admin_written):
        if _names_itself(place, written, own, g, card_place):
            continue  # as the question writes it: 山东省 is not satisfied by 山东交通学院
        if card_code and place.code == card_code:
            continue
        if card_place is not None and names_card_place and g.is_within(card_place, place):
            continue
        verdict.failed_places.append(place.name)
    for word in c.places:  # 全国, 中国, 我国
        if normalize(word) in own or (card is not None and card.place == NATIONAL):
            continue
        verdict.failed_places.append(word)
    for org in c.orgs:
        # An organisation is checked against the body that issued the document (a bureau's accounts
        # answer for that bureau, 人社部 ≈ 人力资源和社会保障部); a document without a known issuer
        # (an encyclopaedia article, a news story) only fails it by never naming it.
        if normalize(org) in own or card is None or not card.issuer:
            continue
        if _subsequence(org, card.issuer + card.title):
            continue
        verdict.failed_orgs.append(org)
    if c.has_time:
        targets = target_years(c, card)
        have = passage_years(chunk, card)
        if targets and not (targets & have):
            verdict.failed_years.extend(sorted(targets))
    verdict.ok = not (verdict.failed_places or verdict.failed_orgs or verdict.failed_years)
    return verdict


SYNONYM_SHARE = 0.8  # a thesaurus synonym (开支 → 支出) counts, a little less than the word itself
STAND_IN_SHARE = 0.6  # a word near in meaning to one the library never writes (供暖 → 供热), less again


# a document's number: 陕政办发〔2023〕17号, 国办发〔2021〕5号, 泉政办发[2024]6号
DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔［\[(（]\s*(?:19|20)\d{2}\s*[〕］\])）]\s*\d{1,4}\s*号")
_NUMBER_WORDS = frozenset({"文号", "发文字号", "发文号", "文件编号", "文件号"})


def abbreviates(word: str, haystack: str, longest: int = 8) -> bool:
    """Is the word the short form of a word the text writes (年报 of 年度报告, 人代会 of 人民代表大会, 医保
    of 医疗保险)? A Chinese abbreviation keeps the characters of its full form in order, from its first."""
    start = haystack.find(word[0])
    while start >= 0:
        # a full form is twice as long at least: 进出口 is no full form of 进口
        for end in range(start + 2 * len(word), min(start + longest, len(haystack)) + 1):
            full = haystack[start:end]
            # the last character starts the full form's last part (年度·报告, 医疗·保险, 人民代表·大会)
            if full.rfind(word[-1]) >= len(full) // 2 and _subsequence(word, full) and in_dictionary(full):
                return True
        start = haystack.find(word[0], start + 1)
    return False


def term_covered(term: str, haystack: str, stand_ins: tuple[str, ...] = ()) -> float:
    """1 when the word occurs; a little less when a synonym does (people ask in everyday words what a
    report states formally); otherwise the share of its character bigrams that occur (jieba may cut
    question and passage differently: 可支配收入 / 支配收入), counted only from half up; otherwise, for
    a word the library never writes, less again when a word near in meaning does (`stand_ins`)."""
    word = normalize(term)
    if word in haystack:
        return 1.0
    if word in _NUMBER_WORDS and DOCUMENT_NUMBER.search(haystack):
        return 1.0  # "文号是什么": 陕政办发〔2023〕17号 is one, though no document writes the word
    if any(s in haystack for s in synonyms(word)):
        return SYNONYM_SHARE
    if 2 <= len(word) <= 4 and abbreviates(word, haystack):
        return SYNONYM_SHARE
    if len(word) >= 3:
        grams = [word[i : i + 2] for i in range(len(word) - 1)]
        share = sum(g in haystack for g in grams) / len(grams)
        if share >= 0.5:
            return share
    return STAND_IN_SHARE if any(s in haystack for s in stand_ins) else 0.0


def topic_coverage(c: Constraints, haystack: str, idf: dict[str, float] | None = None) -> tuple[float, list[str]]:
    """IDF-weighted share of the question's topic words that the text mentions, and the missing words."""
    if not c.terms:
        return 1.0, []
    total = covered = 0.0
    missing = []
    near = dict(c.stand_ins)
    for term in c.terms:
        weight = term.weight * (idf.get(term.word, 1.0) if idf else 1.0)
        share = term_covered(term.word, haystack, near.get(term.word, ()))
        total += weight
        covered += weight * share
        if share == 0.0:
            missing.append(term.word)
    return (covered / total if total else 1.0), missing


INDICATOR_HEAD = re.compile(r"(?:..*(?:率|额|量|数|值|价|金|费|收入|支出|面积|指数)|.*标准)$")  # a statistic's head noun
# the head of a four-character name whose siblings share it: 医疗保险 / 养老保险, 住房补贴 / 交通补贴
_SIBLING_HEAD = re.compile(r"保险|补贴|补助|津贴")


def _word_tag(word: str) -> str:
    _pos_cut("")
    assert _POS is not None
    return _POS.word_tag_tab.get(word, "")


def near_miss(c: Constraints, haystack: str) -> str:
    """A sibling of the asked indicator instead of it: the question writes 登记失业率, the text only
    调查失业率 — the head (失业率) is there, its qualifier (登记) is not, and another word qualifies it.
    Returns "调查失业率" (what the text states instead), or "" when there is no such contrast."""
    q = normalize(c.question)
    deputy = _deputy_miss(q, haystack)
    if deputy:
        return deputy
    words = [t.word for t in c.terms]
    pairs = list(zip(words, words[1:]))
    # one word that is itself qualifier + head: 养老保险费 = 养老 + 保险费 (its sibling: 失业保险费)
    pairs += [(w[:2], w[2:]) for w in words if len(w) >= 5 and INDICATOR_HEAD.search(w[2:])]
    pairs += [(w[:2], w[2:]) for w in words if len(w) == 4 and _SIBLING_HEAD.fullmatch(w[2:])]
    for qualifier, head in pairs:
        # "医疗保险人数" or "医疗保险的人数"
        heads_siblings = INDICATOR_HEAD.search(head) or _SIBLING_HEAD.fullmatch(head)
        if not heads_siblings or (qualifier + head not in q and qualifier + "的" + head not in q):
            continue
        if _VERB_WITH_COMPLEMENT.search(qualifier) and _word_tag(qualifier).startswith("v"):
            continue  # "不拿出收费的许可证": a verb with its complement takes an object, it qualifies nothing
        # the qualifier counts where it is written as a word: the 调查 inside "调查队" says nothing about which
        # 失业率 "城镇登记失业率为3.12%" is; "信息化建设（项）…调减相关经费" does speak of 建设经费
        if qualifier + head in haystack or any(s in haystack for s in synonyms(qualifier)):
            continue
        if qualifier in haystack and (head not in haystack or "|" in haystack or qualifier in _words_of(haystack)):
            continue  # (a table row names its item, 稻谷, in one cell and the indicator, 产量, in the caption)
        # a four-character qualifier is two words: 医疗保险 = 医疗 + 保险, its sibling 养老保险 shares 保险
        lead, tail = (qualifier[:2], qualifier[2:]) if len(qualifier) >= 4 else (qualifier, "")
        if tail + head not in haystack and head.startswith("总") and len(head) >= 3:
            head = head[1:]  # "旅游总收入" asked, "一般公共预算收入" written: 总 is how a total is named
        for m in re.finditer(re.escape(tail + head), haystack):
            other = haystack[max(0, m.start() - 2) : m.start()]
            if other in words or other + tail + head in q:
                continue  # "农村低保对象…的保障标准": the text's 低保标准 is the asker's own 低保, no sibling
            # jieba tags 养老 nr; a standard's qualifier is often a verb (财政补助标准 for 个人缴费标准)
            # …or a verb where the asked qualifier is one too (登记失业率 for 调查失业率)
            if len(other) == 2 and other != lead and (_word_tag(other).startswith(("n", "vn"))
                                                      or (head.endswith("标准") and _word_tag(other) == "v")
                                                      or (_word_tag(other) == "v" and _word_tag(lead).startswith("v"))):
                return other + tail + head
    return ""


_VERB_WITH_COMPLEMENT = re.compile(r"^[\u4e00-\u9fff][出来去到回进起开完]$")


@lru_cache(maxsize=256)
def _words_of(text: str) -> frozenset[str]:
    _pos_cut("")
    assert _TOKENIZER is not None
    return frozenset(_TOKENIZER.lcut(text))


_DEPUTY = re.compile(r"副([\u4e00-\u9fff]{2,4}?)(?=[是叫为的，,？?（(]|$)")


def _deputy_miss(question: str, haystack: str) -> str:
    """"代表团的副团长是谁" when the text names only the 团长: a deputy is another person than the chief."""
    for m in _DEPUTY.finditer(question):
        title = m.group(1)
        if title in haystack and "副" + title not in haystack:
            return title
    return ""


def idf_weights(words: list[str], df: dict[str, int], total: int) -> dict[str, float]:
    """Corpus IDF times how specific the word is in general Chinese: 人员 or 老百姓 (frequent in jieba's
    dictionary) name no particular indicator, 常住人口 or 基站 do. Paraphrases use general words, so
    missing one costs little; a missing specific word is what an unanswerable question lacks."""
    _pos_cut("")
    assert _TOKENIZER is not None
    out = {}
    for w in words:
        idf = math.log(1 + (total - df.get(w, 0) + 0.5) / (df.get(w, 0) + 0.5))
        general = _TOKENIZER.FREQ.get(w) or 0
        out[w] = idf / (1.0 + math.log10(1.0 + general / 100.0))
    return out
