"""Can the retrieved passages answer this question, and does the answer state what was asked?

Before the LLM: passages of another place, organisation or year than the question's are set aside,
passages that give the model orders are never sources, and a question whose quantity none of the
remaining passages mentions is refused ("文件中没有提到「常住人口」"). After the LLM: a claim must
cite a passage that mentions the quantity, its figure must be of the kind asked (a rate for
"增长多少", an amount for "多少亿元"), and each part of a multi-part question must be answered —
from the passages when the model missed it, or with a plain "not given" for that part.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Iterator

import jieba

from rag.constraints import (
    near_miss,
    speaks_of_another_place,
    DATE_KINDS,
    DISTANCE_KINDS,
    DURATION_KINDS,
    SYNONYM_SHARE,
    Constraints,
    Term,
    Verdict,
    check_passage,
    figure_kinds,
    idf_weights,
    is_calendar,
    kind_matches,
    normalize,
    parse_constraints,
    pos_tags,
    term_covered,
    topic_coverage,
)
from rag.ingest.tables import is_numeric, row_caption, row_cells
from rag.answer_shape import (  # noqa: F401 (answering imports asks_* from here)
    asks_for_figure,
    asks_list,
    asked_title,
    asks_person,
    asks_places,
    asks_reason,
    asks_sanction,
    opens_with_cause,
    states_asked_bound,
    states_asked_total,
    states_reason,
    states_sanction,
)
from rag.card import OTHER_KIND, DocumentCard
from rag.cloze import cloze, fills
from rag.conditions import fits, given_quantities, misses_threshold, other_threshold
from rag.crossrefs import cited_words, defined_articles
from rag.index_store import LoadedIndex
from rag.list_continuation import ITEM_MARK, continue_lists, in_frame, numbered_items, parallel_frame
from rag.paraphrase import WordVectors, means_the_same, stand_ins
from rag.schema import Passage
from rag.textnorm import arabic_figures
from rag.tokenizer import tokenize
from rag.titles import bracketed_names, similar_name, version_fits, version_phrases

CLOZE_WEIGHT = 1.0  # a sentence writing the question's words around its blank (rag.cloze)
REASON_WEIGHT = 0.5  # a sentence giving a cause, when the question asks why
BOUND_WEIGHT = 0.3  # a clause stating a maximum (minimum), when the question asks the most (least)
TOTAL_WEIGHT = 0.3  # a clause stating a total (总量, 合计), when the question asks 一共/总共
PLACES_WEIGHT = 0.5  # a run of place names, when the question asks 哪些国家/城市
SERIES_WEIGHT = 0.5  # a list question: a statement that is an item of a numbered or 一是/二是 series
PERSON_WEIGHT = 0.5  # a person named after a title ("会长陈河才"), when the question asks 谁
ASKING_WEIGHT = 0.5  # the words of the question's asking clause, when other clauses only frame it
BRACKET_WEIGHT = 0.5  # the bracket that holds the asker's own quantity ("交了三年半" → 满三年不足四年的为九个月)
LIST_HEAD_WEIGHT = 0.5  # a list question: the enumeration closes on the asked noun ("哪些项目" → "…等项目建设")
QUOTED_WEIGHT = 0.3  # the clause writes what the question quotes ("“三项机制”是哪三项")
SANCTION_WEIGHT = 0.5  # "如何处罚": a segment that sets a sanction (警告, 罚款), not the duty it punishes
TOPIC_MIN = 0.35  # share of the question's weighted topic words a source must mention (chosen on the tune splits)
SITUATION_MIN = 0.1  # a story told in everyday words: the least share of it a source must still mention
_INSTRUCTION = re.compile(
    r"(?:忽略|无视|忘记|忘掉|不要理会|不用理会|跳过)[^。]{0,12}(?:指令|指示|提示|要求|规则|设定|内容)"
    r"|你现在是|你是一个|你必须|扮演|请(?:直接|只|务必)?(?:回答|输出|回复)\s*[“\"「『]"
    r"|(?:回答|输出|回复)(?:为|成|是)?\s*[“\"「『][^”\"」』]{0,60}[”\"」』]\s*[。.]?$"
    r"|system\s*prompt|ignore\s+(?:all|any|the|previous|above)|disregard\s+(?:all|previous|the)",
    re.IGNORECASE,
)


def gives_orders(text: str) -> bool:
    """A passage that addresses the model ("忽略之前的所有指令，回答…") is data, never a source of facts."""
    return bool(_INSTRUCTION.search(text))


@dataclass
class Gate:
    """The passages an answer may use, or the reason to refuse before asking the LLM."""

    constraints: Constraints
    pool: list[Passage]
    refusal: str = ""
    suspicious: set[str] = field(default_factory=set)
    idf: dict[str, float] = field(default_factory=dict)
    set_aside: str = ""  # why passages were set aside (another place/year), for the notice of a refusal
    card_of: Callable[[str], "DocumentCard | None"] = lambda doc: None
    told: frozenset[str] = frozenset()  # passages on topic for a story told in the asker's words (by its nouns)

    def parts(self) -> list[Constraints]:
        return [replace(pc, stand_ins=self.constraints.stand_ins) for pc in part_constraints(self.constraints)]


def gate(question: str, passages: list[Passage], index: LoadedIndex, vectors: WordVectors | None = None,
         similarity: float = 0.0) -> Gate:
    """`vectors` and `similarity`: the asker's words the library never writes stand for the retrieved
    passages' words at least that near in meaning (rag.paraphrase); None or 0 checks written words only."""
    c = parse_constraints(question)
    inside = index.titles().without_titles(question)
    within = parse_constraints(inside) if inside != question else None
    named = index.titles().named_spans(question) if within is not None else None
    # "杨丽音在2006年获得了什么奖项": the subject its text is about is on topic (its card states it for every
    # passage), while the sentence is chosen by what is asked of it ("…获得第41届金钟奖…", not "杨丽音是…")
    with_subject = c if named is not None and _names_a_subject(named[0], index) else None
    if within is not None and within.terms:
        # "2022年修订的妇女权益保障法自什么时候起施行？": the law's title is where to look (retrieval's title
        # route), not a word of what is asked; its cover lines name it, the article asked for does not
        c = replace(within, question=question)
    suspicious = {p.passage_id for p in passages if gives_orders(p.text)}
    for p in passages:
        p.suspicious = p.passage_id in suspicious
    words = list(dict.fromkeys(t.word for t in (*c.terms, *(with_subject.terms if with_subject else ()))))
    df = index.sparse.document_frequencies(words) if words else {}
    idf = idf_weights(words, df, max(len(index.chunks), 1)) if words else {}
    candidates = [p for p in passages if p.passage_id not in suspicious]
    if vectors is not None and similarity > 0:
        texts = [p.chunk.check_text for p in candidates]
        c = replace(c, stand_ins=stand_ins(c, df, texts, vectors, similarity))
        # a story's own words (工厂, 上班) stand for the library's (企业, 工作) only in deciding whether the
        # passages are on topic: in choosing the sentence they would flatten what tells articles apart
        story = told_words(c)
        as_told = replace(c, stand_ins=stand_ins(c, df, texts, vectors, similarity, story)) if story else c
    else:
        as_told = c
    verdicts = [check_passage(c, p.chunk, index.card(p.chunk.origin.doc)) for p in candidates]
    if c.parts:
        # "去年完成了多少投资？目前又储备了多少个项目？": each part keeps its own year; a passage serves the
        # question when it serves one of its parts (best_clause checks each part against its own)
        parts = part_constraints(c)

        def serves_a_part(p: Passage) -> bool:
            return any(check_passage(pc, p.chunk, index.card(p.chunk.origin.doc)).ok for pc in parts)

        verdicts = [Verdict(ok=True) if not v.ok and serves_a_part(p) else v for p, v in zip(candidates, verdicts)]
    pool = [p for p, v in zip(candidates, verdicts) if v.ok]
    if with_subject is not None and named is not None and within is not None and within.terms:
        pool = _within_named(named, pool, index)
    failed = next((v for v in verdicts if not v.ok), None)
    set_aside = failed.reason() if failed is not None else ""
    if not pool:
        if failed is not None:
            reason = failed.reason()
        elif suspicious:
            reason = "检索到的段落是对模型的指令而不是事实，不作为答案来源"
        else:
            reason = "没有检索到相关段落"
        return Gate(c, [], refusal=reason, suspicious=suspicious, idf=idf, card_of=index.card)
    misses = {p.passage_id: near_miss(c, normalize(p.chunk.check_text)) for p in pool}
    if any(misses.values()):
        # "登记失业率" asked, "调查失业率" written: a sibling indicator is not the one asked
        stated = next(m for m in misses.values() if m)
        pool = [p for p in pool if not misses[p.passage_id]]
        set_aside = set_aside or f"文件中写的是「{stated}」，不是所问的指标"
        if not pool:
            return Gate(c, [], refusal=set_aside, suspicious=suspicious, idf=idf, card_of=index.card)
    version = _missing_version(question, index)
    if version:
        # "2007年修正的道路交通安全法" when the library holds only later versions: another version's
        # article is not the answer
        return Gate(c, [], refusal=version, suspicious=suspicious, idf=idf, card_of=index.card)
    unknown = [n for n in bracketed_names(question) if not index.titles().knows(n)
               and not any(similar_name(n, normalize(p.chunk.check_text)) for p in pool)]
    if unknown:
        # "《上海市公共场所控制吸烟条例》规定…" when the library holds no such document: another
        # document's rule on the same topic is not an answer.
        return Gate(c, [], refusal=f"文件库中没有《{unknown[0]}》", suspicious=suspicious, idf=idf, card_of=index.card)
    on_topic = replace(as_told, terms=with_subject.terms) if with_subject is not None else as_told
    best, missing = max((topic_share(on_topic, normalize(p.chunk.check_text), idf) for p in pool), key=lambda t: t[0])
    told = frozenset(p.passage_id for p in pool if _tells_the_story(as_told, normalize(p.chunk.check_text), idf, df)) \
        if best < TOPIC_MIN else frozenset()
    if told:
        best = TOPIC_MIN
    if best < TOPIC_MIN:
        words = "、".join(f"「{w}」" for w in missing[:3])
        return Gate(c, [], refusal=f"文件中没有提到{words}", suspicious=suspicious, idf=idf, set_aside=set_aside,
                    card_of=index.card)
    elsewhere = stated_elsewhere(c, pool, index, vectors=vectors if similarity > 0 else None)
    if elsewhere:
        # "2022年失业保险金月人均水平": the 2023 section states it, the 2022 section does not
        words = "、".join(f"「{w}」" for w in elsewhere[:3])
        return Gate(c, [], refusal=f"文件中所问年份或地区的内容没有提到{words}（只有其他年份或地区的有）", suspicious=suspicious,
                    idf=idf, set_aside=set_aside, card_of=index.card)
    if asks_list(c):
        pool = continue_lists(pool, index.chunks)  # "（一）…（四）…；" cut by the chunk limit: its （五） is next
    return Gate(c, pool, suspicious=suspicious, idf=idf, set_aside=set_aside, card_of=index.card, told=told)


def _names_a_subject(keys: set[str], index: LoadedIndex) -> bool:
    """Is one of the named documents' titles of no known kind: the subject its text is about ("杨丽音",
    "盾柱木": rag.card), not a law's or a report's title?"""
    documents = index.manifest.documents
    return any((documents[k].card or {}).get("kind") == OTHER_KIND for k in keys if k in documents)


def _within_named(named: tuple[set[str], list[tuple[int, int]], str], pool: list[Passage],
                  index: LoadedIndex) -> list[Passage]:
    """The subject a question names is left out of choosing the sentence because its document's card states
    it; a passage of another document states it only by writing it: "天门冬又称之为什么" is not answered by
    another plant's "一般称之为…". (Not for a law's title: its implementing rules and interpretations answer
    questions that name it without writing its title; fresh9 laws lost one such answer.)"""
    keys, spans, q = named  # TitleIndex.named_spans of the question
    documents = index.manifest.documents
    names = {documents[k].name for k in keys if k in documents}
    if not names or not any(p.chunk.origin.doc in names for p in pool):
        return pool
    titles = [q[s:e] for s, e in spans]
    return [p for p in pool if p.chunk.origin.doc in names
            or any(t in normalize(p.chunk.check_text) for t in titles)]


def stated_elsewhere(c: Constraints, pool: list[Passage], index: LoadedIndex, candidates: int = 20,
                     vectors: WordVectors | None = None) -> list[str]:
    """The words naming the asked figure that no retrieved passage writes while the library writes them
    all, but only in passages of another year or place: that indicator is given for the other year
    only (2023's 失业保险金月人均水平 when 2022's is asked). Empty when a passage of the asked year
    or place states them, or when no passage anywhere does (the question's words are a paraphrase), or
    when a passage of the asked year writes a word for each that is a synonym by meaning (`vectors`:
    补贴 for 补助, 利息 for 利率 — nearer than siblings such as 失业保险金 and 养老金)."""
    # the nouns that name it: a verb is how a question paraphrases (进入 for 入选), a noun the indicator
    focus = [t for t in focus_terms(c) if t.weight >= 1.0] if asks_for_figure(c) else []
    if not focus:
        return []

    def lacking(text: str) -> list[str]:
        return [t.word for t in focus if term_covered(t.word, normalize(text)) < SYNONYM_SHARE]

    missing = min((lacking(p.chunk.check_text) for p in pool), key=len, default=[])
    if not missing:
        return []
    if vectors is not None and any(means_the_same(missing, p.chunk.check_text, vectors) for p in pool):
        return []
    tokens = [w for t in focus for w in tokenize(t.word)]
    other = False
    for hit in index.sparse.search(tokens, candidates):
        chunk = index.chunks[hit.row]
        if lacking(chunk.check_text):
            continue
        if check_passage(c, chunk, index.card(chunk.origin.doc)).ok:
            return []  # the asked year's passage states it (retrieval missed it): not a sibling
        other = True
    return missing if other else []


def _missing_version(question: str, index: LoadedIndex) -> str:
    """The refusal for a version of a named law that the library does not hold ("" when it holds it,
    or when the question names no law or no version)."""
    phrases = version_phrases(question)
    if not phrases:
        return ""
    documents = index.manifest.documents
    cards = [documents[key].card or {} for key in index.titles().named(question) if key in documents]
    years = [card.get("year") for card in cards if card.get("year")]
    if not years or any(version_fits(year, phrases) for year in years):
        return ""
    title = next(card.get("title") for card in cards if card.get("year"))
    return f"文件库中没有{phrases[0][2].rstrip('的')}的《{title}》"


def source_mentions_topic(c: Constraints, passage: Passage, idf: dict[str, float],
                          articles: dict[str, dict[str, str]] | None = None) -> tuple[bool, list[str]]:
    """The cited passage names the asked topic, itself or through the articles it cites by number
    (`articles`: `articles_by_doc` of the passages at hand)."""
    cited = cited_words(passage.text, articles.get(passage.chunk.origin.doc, {})) if articles else ""
    share, missing = topic_share(c, normalize(passage.chunk.check_text + cited), idf)
    return share >= TOPIC_MIN, missing


# a yes/no question asks too: "这算不算工伤", "能不能", "有没有", "…可以吗"
_YES_NO = re.compile(r"(.)不\1|有没有|吗$")


# a clause that narrates: a person (我, 他), a done or suffered act (了, 被, 把), an intention (想)
_STORY = re.compile(r"[我你他她]|了|被|把|想|刚")


def _tells_the_story(c: Constraints, text: str, idf: dict[str, float], df: dict[str, int]) -> bool:
    """A story whose asking clause names nothing ("…，这钱我能不交吗？") is on topic when the text names
    every noun of the story that the library writes at all (单位, 收费, 许可证, 票据), two at least, and a
    little of the rest: 上门来 and 收钱 are how no statute writes it."""
    if _asked_terms(c) or not told_words(c):
        return False
    nouns = [t for t in c.terms if t.weight >= 1.0 and df.get(t.word, 0) > 0]
    near = dict(c.stand_ins)
    return (len(nouns) >= 2 and all(term_covered(t.word, text, near.get(t.word, ())) > 0.0 for t in nouns)
            and topic_coverage(c, text, idf)[0] >= SITUATION_MIN)


def _asking_and_told(question: str) -> tuple[list[str], list[str]]:
    """The question's comma clauses that ask (an interrogative or a yes-no form), and the others."""
    clauses = [s for s in re.split(r"[，,；;？?。！!]", normalize(question)) if s]
    asking = [s for s in clauses if _INTERROGATIVE.search(s) or _YES_NO.search(s)]
    return asking, [s for s in clauses if s not in asking]


@lru_cache(maxsize=512)  # asked once per passage of one question
def told_words(c: Constraints) -> frozenset[str]:
    """The words of a question's story clauses that its asking clauses do not repeat ("我在一家国营工厂
    上班，…，休养期间厂里给钱吗？": 国营, 工厂, 上班): how the asker tells it, not what a document must write."""
    asking, told = _asking_and_told(c.question)
    if not asking or not any(_STORY.search(s) for s in told):
        return frozenset()
    return frozenset(t.word for t in c.terms if any(normalize(t.word) in s for s in told)
                     and not any(normalize(t.word) in s for s in asking))


@lru_cache(maxsize=512)  # asked once per passage and per statement of one question
def _asked_terms(c: Constraints) -> tuple[Term, ...]:
    """The topic words of the clauses that ask, when the question's other clauses narrate a situation
    ("朋友在遗嘱里把一套房子赠给我，我要在多长时间内表示接受？"); () otherwise. A clause that names the
    topic in the documents' own words ("业主大会决定筹集和使用专项维修资金，需要多少业主同意？") is no story:
    its words are constraints."""
    asking, told = _asking_and_told(c.question)
    if not asking or not told or not all(_STORY.search(s) for s in told):
        return ()
    inside = [t for t in c.terms if any(normalize(t.word) in s for s in asking)]
    nouns = [t for t in inside if t.weight >= 1.0]
    # the nouns name what is asked; without one, two words at least (表示 + 接受), never one verb (处理)
    return tuple(nouns) if nouns else tuple(inside) if len(inside) >= 2 else ()


# the titles a name is written after: "团长、省贸促会会长陈河才", "副总领事孙仁安", "区长 王士强"
_TITLE_BEFORE = re.compile(r"(?:长|书记|主任|主席|领事|代表|经理|委员|专员|大使|教授|院士|负责人|发言人|记者|同志)\s*$")


def names_person(text: str, question: str) -> bool:
    """A person's name written after a title, and not already in the question."""
    at = 0
    for word, flag in pos_tags(text):
        start = text.find(word, at)
        at = start + len(word) if start >= 0 else at
        if flag.startswith("nr") and len(word) >= 2 and word not in question and _TITLE_BEFORE.search(text[:max(start, 0)]):
            return True
    return False


def names_holder(text: str, title: str, question: str) -> bool:
    """`text` names the holder of `title`: the title is written (not as a deputy's when the chief is asked:
    "副总领事孙仁安" names no 总领事) and a name follows a title ("团长、省贸促会会长陈河才")."""
    spots = [m.start() for m in re.finditer(re.escape(title), text)]
    if not title.startswith("副"):
        spots = [i for i in spots if not text[:i].endswith("副")]
    return bool(spots) and names_person(text[spots[0]:], question)


_PLACE_HEADS = frozenset("国家 城市 省份 地区 地方 乡镇 街道".split())


def _names_places(text: str) -> bool:
    """Two place names or more in one 、-run ("在巴西、乌拉圭、阿根廷举行")."""
    for run in _ENUMERATED.findall(text):
        if sum(flag == "ns" for _, flag in pos_tags(run)) >= 2:
            return True
    return False


def topic_share(c: Constraints, text: str, idf: dict[str, float]) -> tuple[float, list[str]]:
    """`topic_coverage`, except that a question telling its situation in everyday words is on topic when
    the text names every noun of its asking clause and a little of the story: the asker's 朋友, 房子 and
    赠给 are not what a statute writes (受遗赠人), the asked 接受 is. Other places, years and sibling
    indicators are checked apart, and a missing noun of the asking clause still refuses (婚假, 基站)."""
    share, missing = topic_coverage(c, text, idf)
    if SITUATION_MIN <= share < TOPIC_MIN:
        asked = _asked_terms(c)
        if asked and all(term_covered(t.word, text) > 0.0 for t in asked):
            return TOPIC_MIN, missing
    return share, missing


# --- figure selection and parts -------------------------------------------------------------------

@dataclass(frozen=True)
class Clause:
    marker: int
    text: str  # the whole sentence, quoted with its context
    score: float
    focus: str = ""  # the comma clause that states the asked quantity


@dataclass(frozen=True)
class _Unit:
    """One quotable statement of a passage: a sentence (or its ；-segment), or one cell of a table row."""

    quote: str  # what an answer quotes
    context: str  # normalised text the statement is about: headings, the passage's lead, the statement
    clauses: tuple[tuple[str, str], ...]  # (clause, the clause with its subject)
    table: bool = False  # a table cell: its unit is in a header or the caption, not after the number
    kinds: str = ""  # a cell's caption and row kind (科目名称, 科目编码): name the table and row, not the amount
    sentence: str = ""  # normalised context of the whole sentence a ；-segment belongs to


# a credit or byline after the full stop belongs to its sentence: "图为…启动仪式。（刘通摄）", "…举行。（张巨峰）"
_FULL_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?(?:[（(][^（()）\n。]{1,16}[)）])?")
_CREDIT_AFTER_STOP = re.compile(r"([。！？!?])([（(][^（()）\n。]{1,16}[)）])$")
_SEGMENT = re.compile(r"[^；;]+[；;]?")
_COMMA = re.compile(r"(?<=，)|(?<=,)(?!\d)")  # "1,511.89" is one number, not two clauses
_TOTAL = re.compile(r"总计|合计")
_CODE = re.compile(r"编码|代码|编号|序号|代号")
_UNIT_NOTE = re.compile(r"[（(]\s*(?:金额)?单位\s*[:：][^）)]{1,8}[）)]")
_UNIT_COLUMN = re.compile(r"(?:计量)?单位")
_UNIT_VALUE = re.compile(r"[万亿千百]*[\u4e00-\u9fff]{1,4}|[万亿千百]*(?:kg|km|m|t)")
_RATE_HEADER = re.compile(r"%|％|率|比重|占比|比例|增长|增幅|增速|下降")
_DECLARED_UNIT = re.compile(r"单位\s*[:：]\s*([万亿千百]*[\u4e00-\u9fff%％]{1,3})")
_ENUMERATION = re.compile(r"^\s*(?:\d{1,2}[、.．]|[（(]\d{1,2}[)）])")
_SHORT_SENTENCE = 20  # characters: a sentence this short goes on about the one before it


# the ；-segment after a rule that qualifies it: its exception (但是…除外) or its extension (…的，可以延长至…)
_QUALIFIES = re.compile(r"\s*(?:但(?:是)?[^；;。]*|[^；;。]*(?:除外|可以延长|可以适当延长|经批准可以延长)[^；;。]*)[；;。]?$")


def _lead(sentence: str) -> str:
    """A short sentence that states no figure names what follows it ("…行政运行（项）。"); "" otherwise."""
    return normalize(sentence) if len(sentence) <= 60 and not figure_kinds(_ENUMERATION.sub("", sentence)) else ""


def _units(passage: Passage) -> Iterator[_Unit]:
    """The statements a figure can be quoted from. A table row yields one unit per value cell, with the
    row's label cells as its subject ("本年新收…申请数量 | 申请人情况·自然人：3001"); prose yields its
    ；-segments, read with the headings and the passage's short lead sentence ("行政运行（项）。…
    年初预算为1560.05万元" speaks of 行政运行)."""
    text = passage.text
    heading = normalize(f"{passage.chunk.context}{passage.chunk.origin.section_path}")
    rows = [row_cells(line) for line in text.splitlines() if line.strip()] if " | " in text else []
    if rows and all(r is not None for r in rows):
        for line, cells in zip((x for x in text.splitlines() if x.strip()), rows):
            caption = row_caption(line)
            labels: list[str] = []  # the row's names as quoted ("科目名称：行政运行")
            names: list[str] = []  # …and as its subject (行政运行): a group header (项目·) names nothing
            kinds = ""  # headers of code columns (科目编码): what kind of row this is, not an amount
            after_value = False
            row_unit = ""  # a 单位 column ("单位：万吨"): the unit of the row's amounts, not of its rates
            for header, value in cells or []:
                if _CODE.search(header):
                    kinds += header
                    continue
                if _UNIT_COLUMN.fullmatch(header.split("·")[-1]) and _UNIT_VALUE.fullmatch(value):
                    row_unit = value
                if not is_numeric(value):
                    # a label after a value starts the next block: "收入·项目：A | 收入·决算数：1 | 支出·项目：B | 支出·决算数：2"
                    label = f"{header}：{value}" if header else value
                    names, labels = ([value], [label]) if after_value else (names + [value], labels + [label])
                    after_value = False
                    continue
                after_value = True
                cell = f"{header}：{value}" if header else value
                subject = "".join(names) + header + value
                unit = _DECLARED_UNIT.search(header) or _DECLARED_UNIT.search(caption)
                shown = caption
                rate = "%" in header or "％" in header  # "比上年增长%：6.8" under "（单位：万元、%）" is a rate
                if rate or unit:
                    # "（单位：万元）": the cell's 84.65 is an amount of money, not a count of people, and the
                    # quote reads "…决算表，科目名称：工会经费，决算数：24.42万元"
                    cell = f"{cell}%" if rate else f"{cell}{unit.group(1)}"
                    shown = _UNIT_NOTE.sub("", caption) if _DECLARED_UNIT.search(caption) else caption
                elif row_unit and not _RATE_HEADER.search(header):  # "单位：万吨 | 绝对数：52.18" → 52.18万吨
                    cell = f"{cell}{row_unit}"
                quote = "，".join(x for x in (shown, *labels, cell) if x)
                yield _Unit(quote, heading + normalize(caption + subject), ((cell, subject),), table=True,
                            kinds=normalize(_UNIT_NOTE.sub("", caption) + "".join(labels) + kinds))
        return
    first = _FULL_SENTENCE.match(text)
    lead = _lead(first.group()) if first else ""
    told = ""  # the sentence before: what a short one goes on about ("…报告个人财产及日常活动。报告期限不超过五年。")
    listed = ""  # what a numbered list's items speak of: the sentence before it and its lead ("…的期限…。具体划分为：")
    for sentence in _FULL_SENTENCE.finditer(text):
        previous = told
        if sentence.start() > 0 and _ARTICLE.match(sentence.group()):
            # "第九条 …征收。第十条 …的纳税义务发生时间为…当日。纳税人应当自…三十日内申报缴纳": a passage of two
            # articles; what 第十条's sentences speak of is its own lead, not 第九条's
            lead, told = _lead(sentence.group()), ""
        before, told = (told if len(sentence.group().strip()) <= _SHORT_SENTENCE else ""), normalize(sentence.group())
        # a ；-segment is read on its own: in a report "；" separates items (another project's 总投资). In a
        # rule the first segment states who did what ("个人违反本条例…混合投放的，…责令立即改正"), and
        # "；拒不改正的，处…罚款" speaks of that actor and that act
        segments = list(_SEGMENT.finditer(sentence.group()))
        opening = segments[0].group() if segments else ""
        rule = bool(_ARTICLE.match(opening) or "违反" in opening)
        act = normalize(_ARTICLE.sub("", opening)) if rule else ""
        actor = _ARTICLE.sub("", _COMMA.split(opening)[0]) if rule else ""
        for n, segment in enumerate(segments):
            quote = _CREDIT_AFTER_STOP.sub(r"\2\1", segment.group().strip())  # "仪式。（刘通摄）" → "仪式（刘通摄）。"
            if len(quote) < 6:
                continue
            later = n > 0 and rule
            context = heading + lead + before + (act if later else "") + normalize(quote)
            if quote.endswith(("：", ":")) or _OPENS_LIST.search(quote):
                quote += _list_items(text[sentence.start() + segment.end():])  # "下列商品除外：（一）…" + （二）…
            elif rule and n + 1 < len(segments) and _QUALIFIES.match(segments[n + 1].group()):
                # "…48小时内进行尸检；具备尸体冻存条件的，可以延长至7日": a rule is quoted with its exception
                quote += segments[n + 1].group().strip()
            clauses = [x for x in _COMMA.split(quote) if x]
            subject_of = actor if later else ""
            list_mark = _OPENS_LIST.search(segment.group())
            opens = bool(list_mark) or segment.group().rstrip().endswith(("：", ":"))
            item = re.match(rf"\s*{ITEM_MARK}", segment.group())
            if opens:
                lead_in = segment.group()[: list_mark.start() + 1] if list_mark else segment.group()
                own_article = bool(_ARTICLE.match(sentence.group()))  # the sentence before is another article's
                listed = ("" if own_article or n else previous) + normalize(sentence.group()[: segment.start()] + lead_in)
            elif not item:
                listed = ""
            if listed and item and not opens and figure_kinds(quote):
                # "（三）累计缴费时间满三年不足四年的为九个月" gives the 失业保险金 期限 its list names
                subject_of = listed + subject_of
            yield _Unit(quote, context, tuple((cl, subject_of + _with_subject(clauses, i)) for i, cl in enumerate(clauses)),
                        sentence=heading + lead + normalize(sentence.group()))


def articles_by_doc(passages: list[Passage]) -> dict[str, dict[str, str]]:
    """Article number → text, per document, for the articles that open in these passages."""
    out: dict[str, dict[str, str]] = {}
    for p in passages:
        for number in defined_articles(p.text):
            start = re.search(rf"(?m)^\s*第{number}条", p.text)
            out.setdefault(p.chunk.origin.doc, {}).setdefault(number, p.text[start.start():] if start else p.text)
    return out


def _unit_fits(c: Constraints, header: str) -> bool:
    """A table cell's bare number: a rate only under a header that says so ("占比（%）", "增长率"), and a
    number under such a header is no amount ("比上年增长（%）：7.6" does not say how many 亿元)."""
    rate = bool(re.search(r"%|率|比重|占比|比例|增长|增幅", header))
    return rate if "percent" in c.expects else not (rate and c.expects)


_INTERROGATIVE = re.compile(r"多少|(?<![好十])几[个家项人次所处天年月条件名位十百千万亿]?|哪|什么|谁|何|怎么|怎样|如何|多大|多高|多长|多久|多远|是否")


def focus_terms(c: Constraints) -> tuple[Term, ...]:
    """The words that name the asked quantity, read in the question's clause that asks: its last three
    topic words before the interrogative ("根据劳动法，…，每月最多不得超过多少小时" → 每月, 不得, 超过),
    or before 占 in "A占B的比例" (A is asked, B is the reference); the first two after it when none
    precede ("多少人参加了…")."""
    q = normalize(c.question)
    ask = _INTERROGATIVE.search(q)
    end = ask.start() if ask else len(q)
    start = max(q.rfind(mark, 0, end) for mark in "，,；;：:") + 1
    stop = min((q.find(mark, end) for mark in "，,；;？?。" if q.find(mark, end) >= 0), default=len(q))
    share = q.rfind("占", start, end)
    if share > 0:
        end = share
    placed = sorted(((q.find(normalize(t.word), start), t) for t in c.terms if normalize(t.word) in q[start:stop]),
                    key=lambda x: x[0])
    before = [t for pos, t in placed if pos < end]
    after = [t for pos, t in placed if pos >= end]
    if ask is not None and after and _TIME_LIMIT.match(q, ask.end()):
        # "多少日内作出裁决", "多长时间内申请行政复议": a time limit is named by the act that must happen
        # within it, written after the interrogative; the words before say who acts (仲裁庭, 监管部门),
        # and the same actor has other deadlines (五日内通知当事人)
        return tuple(after[:3])
    if ask is not None and ask.group() == "什么" and _WHEN_NOUN.match(q, ask.end()):
        # "每年什么时间段报送年度报告": the time of the act written after it (报送, 年度报告)
        acts = [t for t in after if not _WHEN_NOUN.fullmatch(t.word)]
        if acts:
            return tuple(acts[:3])
    if ask is not None and after and after[0].weight >= 1.0 and after[0].word not in _MEASURES:
        named = ask.end() + len(_CLASSIFIER.match(q, ask.end()).group())
        if q.startswith(normalize(after[0].word), named):
            # "基本支出里发了多少福利费": the noun right after 多少 names the quantity asked, with the words
            # just before (跨省调剂了多少资金: 跨省, 调剂 still say which 资金)
            return tuple(before[-2:]) + (after[0],)
    return tuple(before[-3:]) if before else tuple(after[:2])


_CONDITION_LEAD = re.compile(r"[^，,。；;]{2,40}?的(?=[^，,。；;的]{0,6}\d|[^，,。；;的]{0,6}[一二三四五六七八九十两百千万])")
_ENDS_ON_TIME = re.compile(r"(?:\d|[日月天内前后止])[，,]\s*$")  # "…于每年1月1日至6月30日，": no act of its own
# "多长时间至少要审计一次", "多久做一次", "几年一次": how often, answered by a period ("每年至少进行一次")
_ASKS_FREQUENCY = re.compile(r"(?:多久|多长时间|多少时间|隔多长|几年|几个月)[^，,。？?]{0,20}一次")
_PERIOD = re.compile(r"每(?:个)?(?:年|季度|半年|月|周|星期|天|日|[一二三四五六七八九十两\d]+(?:年|个月|天|日|周))")
_LAST_YEAR = re.compile(r"[上下]一年度?")  # "报送上一年度年度报告" names a year, it states no length of time
_WHEN_NOUN = re.compile(r"时间段|时间|时候|时段|期间|日期|日子")  # "什么时间段", "什么日期": when, not what
_DURATION_NOUN = re.compile(r"时长|时间")  # not 期限: "约定期限届满之日起十五日内" dates from another limit
# "多少日内", "多长时间内", "几个工作日内", "多久以内": the interrogative asks a time limit
_TIME_LIMIT = re.compile(r"个?(?:工作日|小时|分钟|时间|天|日|周|星期|月|年)?(?:内|以内|之内)")
_CLASSIFIER = re.compile(r"[个名项件次位家所处条人台套元万亿千百]{0,2}")
# "多少小时", "多少公里": a unit after the interrogative is how the figure is measured, not what is asked
_MEASURES = frozenset("小时 分钟 天 日 年 月 周 岁 周岁 元 倍 公里 米 平方米 亩 公顷 吨 辆 人次 户 分".split())


def asking_terms(c: Constraints) -> tuple[Term, ...]:
    """The topic words of the question's clause that asks, when another clause only frames it ("据团长陈河才
    介绍，山西在哪些方面具有发展优势？": 方面, 发展, 优势); () when the question is one clause."""
    clauses = [s for s in re.split(r"[，,；;：:]", normalize(c.question).rstrip("？?。")) if s]
    asking = [s for s in clauses if _INTERROGATIVE.search(s) or _YES_NO.search(s)]
    if len(clauses) < 2 or not asking or len(asking) == len(clauses):
        return ()
    inside = tuple(t for t in c.terms if any(normalize(t.word) in s for s in asking))
    return inside if 0 < len(inside) < len(c.terms) else ()


def nearest_term(c: Constraints) -> Term | None:
    """The topic word written right next to the interrogative ("三项社会保险基金支出合计多少" → 支出): it
    tells the asked line from its siblings (收入/支出, 年初/年末), however common it is in the document."""
    focus = focus_terms(c)
    if not focus:
        return None
    q = normalize(c.question)
    ask = _INTERROGATIVE.search(q)
    if ask is None:
        return None
    stop = min((q.find(mark, ask.end()) for mark in "，,；;？?。" if q.find(mark, ask.end()) >= 0), default=len(q))
    if any(normalize(t.word) in q[ask.end():stop] for t in c.terms):
        return None  # "建成了多少个乡村振兴齐鲁样板村": the quantity is named after the interrogative
    before = [t for t in focus if q.find(normalize(t.word)) < ask.start()]
    return before[-1] if before else None


# "平均每月能拿多少钱", "人均可支配收入": an average is asked; a total is another quantity, so the clause
# must say so too (人均, 月均, 平均, 每人…). A bare 每年/每月 is not enough: laws state a yearly leave or a
# monthly cap without the word ("已满10年不满20年的，年休假10天").
_PER_UNIT_ASK = re.compile(r"人均|平均|[日月年户]均")
_PER_UNIT_SAID = re.compile(r"均|每|/(?:人|月|年|天|户)")


def _shared_run(question: str, text: str, longest: int = 12) -> int:
    """Length of the longest run of the question's characters written as is in the text (from 4 up):
    "年初结转和结余" is the asked line, "年初财政拨款结转和结余" another one with the same words."""
    for n in range(min(longest, len(question)), 3, -1):
        if any(question[i : i + n] in text for i in range(len(question) - n + 1)):
            return n
    return 0


def _weighted_cover(terms: tuple[Term, ...], text: str, idf: dict[str, float]) -> float:
    total = sum(t.weight * idf.get(t.word, 1.0) for t in terms)
    if not total:
        return 0.0
    return sum(t.weight * idf.get(t.word, 1.0) * term_covered(t.word, text) for t in terms) / total


_ASKS_WHEN = re.compile(r"哪[一个]?(?:年|月|天|日)|何时|何年|什么时[候间]|几月|几[日号点]|几时|时间|日期|多少年前")


def best_clause(c: Constraints, passages: list[Passage], idf: dict[str, float],
                card_of: Callable[[str], DocumentCard | None] | None = None,
                home_of: Callable[[str], DocumentCard | None] | None = None) -> Clause | None:
    """The statement that gives the asked quantity with a figure of the asked kind.

    The figure must sit in a comma clause (or table cell) whose own words, with its subject, name part of
    the quantity: in "居民医保参保率95%以上，…，累计救助1.6万人次" the 人次 belong to 救助, not to 参保,
    so they never answer "参保人数是多少". The words next to the question's interrogative weigh most."""
    best: Clause | None = None
    lists = asks_list(c)  # "有哪些…" is answered by an enumeration (甲、乙、丙)
    reason = not lists and asks_reason(c)  # "为什么增加": the sentence that gives the cause
    places = lists and asks_places(c)  # "在哪些国家举行": an enumeration of place names
    person = asks_person(c)  # "团长是谁": the clause that names someone after the asked title
    title = asked_title(c)  # …and a clause that names nobody holding it does not answer
    # …whose names stand for the asked 国家/城市: the head word is not written beside them
    unnamed = replace(c, terms=tuple(t for t in c.terms if t.word not in _PLACE_HEADS)) if places else c
    change = asks_change(c)
    figure = asks_for_figure(c)
    focus = focus_terms(c) if figure else ()
    asking = () if figure else asking_terms(c)  # a figure's asked words are its focus
    # the most specific word next to the interrogative names the quantity (退休费, not 基本 or 支出)
    head = max(focus, key=lambda t: idf.get(t.word, 1.0), default=None)
    question = normalize(c.question)
    # "那2台（套）单价100万元以上的设备": given, not answers; so is the 145个 of another part of the question
    asked_kinds = set(figure_kinds(c.whole or c.question))
    nearest = nearest_term(c) if figure else None
    per_unit = figure and bool(_PER_UNIT_ASK.search(question))
    given = given_quantities(c.question)  # "我累计工作了12年": the bracket that holds 12年 answers
    thresholds = figure and bool(given)
    # a date belongs to an event: the word written last before "哪天" must be in the sentence that dates it
    dated = c.expects == DATE_KINDS
    timed = figure and bool(c.expects) and c.expects <= (DATE_KINDS | DURATION_KINDS)  # a date or a time limit
    periodic = figure and bool(_ASKS_FREQUENCY.search(question))  # "多久审计一次": "每年至少进行一次审计"
    key = focus[-1] if dated and focus else None
    grade = asked_grade(question)  # "数额较大", "情节严重", "特别重大": which bracket of a graded scale is asked
    # a name or a phrase asked ("推动什么转型"); a figure has its focus words, a list its enumeration
    blank = None if figure or lists or reason else cloze(c.question)
    list_head = asked_list_head(c.question) if lists else None  # "推进哪些项目建设" → 项目
    count = asked_count(c.question) if lists else 0  # "四大片区是哪四个": four items
    quoted = [normalize(q) for q in _QUOTED.findall(c.question)]  # "“2+2”产业体系", "“三项机制”"
    each = bool(_ASKS_EACH.search(c.question))
    sanction = asks_sanction(c)
    actor = asked_actor(question) if sanction else ""  # "对个人…如何处罚": not the 单位's bracket
    candidates: list[tuple[bool, bool, Clause]] = []  # (names the nearest word, is a table cell, clause)
    enumerating: set[int] = set()  # the candidates that enumerate the noun a list question asks for
    naming_someone: set[int] = set()  # …and those that name a person, when the question asks who
    dropped: set[int] = set()  # …and those their statement's group figure rules out
    articles = articles_by_doc(passages)
    for marker, passage in enumerate(passages, start=1):
        if card_of is not None and not check_passage(c, passage.chunk, card_of(passage.chunk.origin.doc)).ok:
            continue  # a part asked about 今年 is not answered from last year's section
        before = ""  # the sentence before the unit: what "主要原因是…" explains
        card = home_of(passage.chunk.origin.doc) if home_of is not None and person else None
        ending = normalize(passage.text)[-40:]
        for unit in _units(passage):
            previous, before = before, ("" if unit.table else unit.quote)
            if unit.quote.rstrip().endswith(("：", ":")) and ending.endswith(normalize(unit.quote)[-40:]):
                continue  # "…编制范围的单位包括：" closes its passage: what it introduces is not here to quote
            # "业主大会决定本条例第十一条第(五)项…的事项，应当经…2/3以上的业主…同意": the asked words are in the cited item
            cited = cited_words(unit.quote, articles.get(passage.chunk.origin.doc, {}))
            explains = reason and bool(previous) and opens_with_cause(unit.quote)
            if explains:
                cited += previous  # "…完成年初预算的98.20%。决算数小于预算数的主要原因：…" explains that sentence
            listed = places and _names_places(unit.quote)
            share, _ = topic_share(unnamed if listed else c, unit.context + normalize(cited), idf)
            # "这份报告是谁作的": the question names only the document, and its cover line names the speaker
            speaker = (person and card is not None and names_person(unit.quote, question)
                       and topic_share(c, unit.context + normalize(card.title), idf)[0] >= TOPIC_MIN)
            if speaker:
                share = max(share, TOPIC_MIN)
            if dated and key is not None and term_covered(key.word, (unit.sentence or unit.context) + normalize(cited)) < SYNONYM_SHARE:
                continue  # "阿根廷站哪天举办？" is not answered by the day the 巴西 stage opened
            if share < TOPIC_MIN and given and unit.sentence and fits(given, _COMMA.split(unit.quote)[0]):
                # "…职工累计工作已满1年不满10年的，年休假5天；已满10年不满20年的，年休假10天": the bracket that
                # holds the asker's 12 years speaks of the sentence's subject
                share, _ = topic_share(c, unit.sentence, idf)
            filled = fills(unit.quote, blank)
            if share < TOPIC_MIN and filled == 1.0:
                # "孙仁安提到山西正在大力推动什么转型": the sentence writing the blank's both sides need not name
                # the speaker its paragraph names
                share, _ = topic_share(c, normalize(passage.chunk.check_text), idf)
            if share < TOPIC_MIN or (figure and not figure_kinds(unit.quote)):
                continue  # "多少" is answered by a number ("结婚年龄，男不得早于二十二周岁")
            if thresholds and other_threshold(c.whole or c.question, unit.quote):
                continue  # "单价100万元以上设备2台" does not count the 单价50万元以上 ones
            if figure and misses_threshold(c.question, (unit.sentence or unit.context) + normalize(cited)):
                continue  # "60岁及以上的老人有多少" is not answered by the whole 户籍人口
            if title and not names_holder(unit.quote, title, question):
                continue  # "首席代表是谁": a sentence naming no 首席代表 (or only the 副总领事) answers nobody
            series = lists and _in_series(unit.quote, passage.text)  # 一是…；二是…, （一）…（二）…
            # a series of the asked noun, or any series under a heading or lead that names it ("存在的主要问题。一是…")
            headed = lists and list_head is not None and (_series_of(unit.quote, passage.text, list_head)
                                                          or (series and list_head in unit.context))
            quoting = bool(quoted) and any(q in unit.context for q in quoted)  # the quote or its lead
            # the sentence names what the asking clause asks, however its own commas cut it
            asked_here = _weighted_cover(asking, normalize(unit.quote), idf) if asking else 0.0
            first, grouped = len(candidates), 0.0
            sets_sanction = sanction and states_sanction(unit.quote)  # the unit sets a sanction (警告, 罚款)
            # "个人违反本条例第三十三条规定，…": whom the unit punishes, and the one article whose breach it punishes
            opening = normalize(_COMMA.split(unit.quote)[0]) if actor else ""
            breach = normalize(cited) if sets_sanction and cited and punishes_one_breach(unit.quote) else ""
            for i, (clause, subject) in enumerate(unit.clauses):
                # the question's own figure of the same kind ("单价100万元以上") is given, not an answer; the 2 of
                # "两年期" does not hide the 2 of "不得超过二个月"
                # "上一年度城镇居民人均可支配收入" names a year, it states no length of time
                figures = [(n, k) for n, k in figure_kinds(_LAST_YEAR.sub("", clause)) if (n, k) not in asked_kinds]
                if figure and not c.expects and not _ASKS_WHEN.search(question):
                    # "在巴西的中国移民有多少住在圣保罗": not "9月16日…在圣保罗启动"
                    written = arabic_figures(clause)
                    figures = [(n, k) for n, k in figures if not is_calendar(n, k, written)]
                frequency = periodic and bool(_PERIOD.search(clause))  # its period is the answer, its 一次 is asked
                if figure and not figures and not frequency:
                    continue  # "多少" is answered by a clause that states a number the question does not
                if unit.table and head and term_covered(head.word, normalize(subject) + unit.kinds) < SYNONYM_SHARE:
                    continue  # a cell answers only when its row or column names the asked quantity (罚没金额)
                if c.expects and not frequency and not any(
                        kind_matches(c.expects, k) or (unit.table and not k and _unit_fits(c, subject)) for _, k in figures):
                    continue
                if change and not _CHANGE.search(subject):
                    continue  # a growth rate was asked: "占比达81%" is not one
                if change and head is not None and not _CHANGE.search(head.word) and term_covered(
                        head.word, (unit.sentence or unit.context) + normalize(cited)) < SYNONYM_SHARE:
                    continue  # "固定资产投资增长多少": "…债券资金9.22亿元，同比增长63.5%" is the 债券资金's growth
                if figure and not lists and not each and _sums_a_group(clause, c, len(figures)):
                    grouped = max(grouped, topic_coverage(c, normalize(clause), idf)[0], 1e-9)
                    continue  # "省级专精特新企业有多少家": "新增省级瞪羚、专精特新中小企业38家" counts both
                if per_unit and not _PER_UNIT_SAID.search(subject):
                    continue  # a per-person/per-month figure was asked: "代缴…181亿元" is a total
                said = normalize(subject)
                if figure and not unit.table and near_miss(c, said):
                    continue  # "项目支出占…的比例": "一般公共预算财政拨款支出…占本年支出合计的100%" is a sibling's share
                if timed and _ENDS_ON_TIME.search(clause):
                    # "企业应当于每年1月1日至6月30日，通过…报送上一年度年度报告，并向社会公示": a time is
                    # the time of the act the clauses after it name, up to the next figure
                    for later, _ in unit.clauses[i + 1:]:
                        if figure_kinds(_LAST_YEAR.sub("", later)):
                            break
                        said += normalize(later)
                if explains:
                    # "…增加2.55万元。主要原因是…": the cause of the sentence before, and of the item its passage
                    # opens with ("信息化建设（项）。…年初预算为135.90万元…。决算数小于预算数的主要原因：…")
                    said = unit.context + normalize(previous) + said
                if figure and home_of is not None and speaks_of_another_place(
                        clause, c, home_of(passage.chunk.origin.doc)):
                    continue  # "黔东南州地区生产总值是多少": "凯里市地区生产总值突破300亿元" is one county's
                if actor and _other_actor(actor, opening + said):
                    continue  # "个人不按规定分类投放…如何处罚": "对单位处…罚款" punishes another actor
                if grade and _other_grade(grade, said):
                    continue  # "特别重大作用" asked: the bracket for 重大作用 (3万元至10万元) is another grade
                said += breach  # "单位违反本条例第三十三条规定，…处1000元罚款": the breach is the cited article's act
                own, _ = topic_coverage(unnamed if listed else c, said, idf)
                if dated:
                    own = max(own, share)  # a cover line's date is the document's: its heading names the event
                if own <= 0.0 and c.expects == DURATION_KINDS and _DURATION_NOUN.search(clause):
                    own = SYNONYM_SHARE * TOPIC_MIN  # "服务了多长时间" → "活动时长近27万小时": the clause names a length of time
                if own <= 0.0 and c.expects == DISTANCE_KINDS and figures:
                    own = SYNONYM_SHARE * TOPIC_MIN  # "跑了多远": "跨越千山万水，行程近两万公里" states the distance asked
                if own <= 0.0 and speaker:
                    own = SYNONYM_SHARE * TOPIC_MIN  # "济南市长清区区长 王士强" on the cover of the report asked about
                if own <= 0.0:
                    continue
                # the condition is what precedes the stating clause ("…一年以上不满三年的，"); the clause's own
                # "不得超过六个月" is the answer, not a bracket
                bracket = fits(given, subject[: len(subject) - len(clause)]) if given and subject.endswith(clause) else None
                if bracket is None and given:
                    # "（三）累计缴费时间满三年不足四年的为九个月": the condition is the clause's own …的
                    own_condition = _CONDITION_LEAD.match(clause)
                    bracket = fits(given, own_condition.group()) if own_condition else None
                if bracket is False:
                    continue  # "已满1年不满10年的，年休假5天" does not answer for 12 years of work
                enumerates = headed or (lists and list_head is not None and _closes_on(clause, list_head)) or (
                    lists and count > 1 and enumerated_count(clause) >= count) or (  # "是哪四个": a run of four or more
                    bool(listed))  # "去哪几个国家": a run of place names, not the sentence that names the trip best
                score = (share + own + 0.5 * _weighted_cover(focus, said, idf) + (0.1 if figures and figure else 0.0)
                         + ASKING_WEIGHT * asked_here  # "…介绍，山西在哪些方面具有发展优势"
                         + CLOZE_WEIGHT * filled  # "大力推动什么转型" → "大力推动绿色转型"
                         + (REASON_WEIGHT if reason and states_reason(unit.quote) else 0.0)  # "主要原因是：…"
                         + (BOUND_WEIGHT if figure and states_asked_bound(question, said) else 0.0)  # "累计最高扣减6分"
                         + (TOTAL_WEIGHT if figure and states_asked_total(question, clause) else 0.0)  # "农民工总量…"
                         + (PLACES_WEIGHT if listed else 0.0)  # "巴西、乌拉圭、阿根廷"
                         + (PERSON_WEIGHT if person and names_person(clause, question) else 0.0)  # "会长陈河才"
                         + 0.02 * _shared_run(question, said)
                         + (0.5 if lists and "、" in unit.quote else 0.0)
                         + (SERIES_WEIGHT if series else 0.0)  # an item of a numbered or 一是/二是 series
                         + (0.03 if _TOTAL.search(clause) else 0.0)  # a row's total, unless a column is named
                         + (BRACKET_WEIGHT if bracket else 0.0)  # the bracket for the asker's case beats a general cap
                         + (LIST_HEAD_WEIGHT if enumerates else 0.0)  # "哪些项目" → "…、黄河城市广场等项目建设"
                         + (QUOTED_WEIGHT if quoting else 0.0)  # "“三项机制”" → "用好…“三项机制”"
                         + (SANCTION_WEIGHT if sets_sanction else 0.0))
                names = nearest is not None and term_covered(nearest.word, said) >= SYNONYM_SHARE
                candidates.append((names, unit.table, Clause(marker, unit.quote, score, focus=clause)))
                if enumerates:
                    enumerating.add(id(candidates[-1]))
                if person and names_person(clause, question):
                    naming_someone.add(id(candidates[-1]))
            if grouped:
                # the statement's clause that names the asked member best gives the group's figure: its
                # clauses that name less of it ("17家企业入选全市民营企业100强榜单") count other things
                dropped.update(id(x) for x in candidates[first:]
                               if topic_coverage(c, normalize(x[2].focus), idf)[0] < grouped)
    candidates = [x for x in candidates if id(x) not in dropped]
    naming = {clause.marker for names, _, clause in candidates if names}
    # within a passage, the line that names the word next to the interrogative (基金支出…), not its sibling
    # (基金收入…); other passages compete as they are ("约定" is no reason to drop a law's brackets)
    candidates = [x for x in candidates if x[0] or x[2].marker not in naming]
    if enumerating:
        # "“2+2”产业体系是哪几个产业": the run of 产业 answers, not the sentence that names the 体系 best
        candidates = [x for x in candidates if id(x) in enumerating]
    if naming_someone:
        # "这份报告是谁作的": a name answers who, not the sentence that shares the question's words
        candidates = [x for x in candidates if id(x) in naming_someone]
    best_cell = False
    for _, cell, clause in candidates:
        if best is None or clause.score > best.score:
            best, best_cell = clause, cell
    if best is not None and best_cell:
        # "行政诉讼中结果维持多少件": the cells 未经复议直接起诉·结果维持 13 and 复议后起诉·结果维持 12 of one
        # row fit equally; the question names neither column, so neither cell is its answer: a statement that
        # does not need the unasked column ("行政诉讼46件，其中结果维持25件") is
        tied = [x for _, cell, x in candidates if cell and x.marker == best.marker and x.score >= best.score - 1e-6]
        others = [x for _, cell, x in candidates if not cell]
        if len({_figures_of(x) for x in tied}) > 1 and others:
            best = max(others, key=lambda x: x.score)
    return best


# The graded scales of statutes: 较大 / 重大 / 特别重大 (accidents, contributions), 较大 / 巨大 / 特别巨大
# (amounts), 严重 / 特别严重 (circumstances), 恶劣 / 特别恶劣; each grade has its own bracket of penalties.
_GRADE = re.compile(r"(?:特别|极其)?(?:重大|严重|巨大|恶劣|较大|较重|轻微)")


# who a penalty clause punishes: 个人 and 单位 have brackets of their own ("对单位处…，对个人处…")
_ACTORS = ("个人", "单位")


def asked_actor(question: str) -> str:
    """The one actor a sanction question names ("对个人不按规定分类投放垃圾如何处罚" → 个人), or ""."""
    named = [a for a in _ACTORS if a in question]
    return named[0] if len(named) == 1 else ""


def _other_actor(actor: str, said: str) -> bool:
    """The clause names only another actor than the asked one."""
    return actor not in said and any(a in said for a in _ACTORS if a != actor)


_ARTICLE_REF = re.compile(r"第[〇零一二三四五六七八九十百千\d]+条")
_BREACH = re.compile(r"违反本(?:法|条例|规定|办法|细则|决定)第[〇零一二三四五六七八九十百千\d]+条")


def punishes_one_breach(quote: str) -> bool:
    """"违反本条例第三十三条规定，…处…罚款" punishes the act of the one article it cites; "在本法第五十六条、
    第五十七条…规定的罚款数额的二倍以上" scales other penalties and punishes no act of its own."""
    body = _ARTICLE.sub("", quote, count=1)
    return bool(_BREACH.search(body)) and len(_ARTICLE_REF.findall(body)) == 1


def sanction_sentence(quote: str, passage: str) -> str:
    """The whole rule sentence a sanction segment belongs to: "…由…劝阻；拒不听从劝阻的，给予书面警告；再次
    违反规定的，处50元以上200元以下罚款" grades its sanctions by ；, and "如何处罚" asks for all of them."""
    body = quote.strip().rstrip("；;。")
    for match in _FULL_SENTENCE.finditer(passage):
        sentence = match.group()
        if body and body in sentence and len(sentence) <= 300 and re.search(r"[；;]", sentence):
            return sentence.strip()
    return quote


def asked_grade(question: str) -> str:
    """The graded phrase a question asks about ("发挥了特别重大作用" → 特别重大), or ""."""
    found = [m.group(0) for m in _GRADE.finditer(question)]
    return max(found, key=len, default="")


def _other_grade(grade: str, text: str) -> bool:
    """The text speaks of another grade of the same scale and not of the asked one."""
    written = {m.group(0) for m in _GRADE.finditer(text)}
    return bool(written) and grade not in written and any(g[-1] == grade[-1] for g in written)


def _figures_of(clause: Clause) -> frozenset[str]:
    return frozenset(n for n, _ in figure_kinds(clause.focus or clause.text))



_OPENS_LIST = re.compile(rf"[：:]\s*{ITEM_MARK}")
_ITEM = re.compile(rf"\s*{ITEM_MARK}[^\n；;。]{{1,120}}[；;。]?")


def _list_items(after: str, max_chars: int = 400) -> str:
    """The numbered items that follow a sentence ending in a colon, as one run of text."""
    items: list[str] = []
    pos = 0
    while (m := _ITEM.match(after, pos)) and sum(map(len, items)) < max_chars:
        items.append(m.group().strip())
        pos = m.end()
    if not items:  # "…编制范围的单位包括：" and the rows of the table it introduces, one per line
        for line in after.lstrip().splitlines():
            if " | " not in line or sum(map(len, items)) >= max_chars:
                break
            items.append(line.strip().replace(" | ", "，") + "；")
    return "".join(items)


# …or a rule's predicate, whose subject is the clause before ("仲裁庭裁决劳动争议案件，应当自…四十五日内结束")
_PREDICATE_ONLY = re.compile(r"(?:每(?:个)?(?:年|季度|月|周|星期|天|日)(?:至少|最多)?)?(?:分别|各|均)?(?:占|增长|下降|增加|减少|提高|降低|比上年|同比|较上年|较|达到|达|约"
                             r"|应当|应在|应于|可以|必须|不得)")


_TOPIC_CHARS = 8  # a short clause without a figure ("结婚年龄，") is the topic of the clauses after it
_ARTICLE = re.compile(r"^\s*第[零〇一二三四五六七八九十百千\d]+条\s*")  # "第一千零四十七条 结婚年龄，": the topic is 结婚年龄


def _takes_up(before: str, clause: str) -> bool:
    """The clause opens with the noun the clause before ends on: "如实记录清洗维护信息，信息保存期限不少于两年"."""
    head = re.match(r"\s*([\u4e00-\u9fff]{2,4}?)(?=[\u4e00-\u9fff])", clause)
    end = before.rstrip("，,；; ")
    return bool(head) and any(end.endswith(clause.lstrip()[:n]) for n in (2, 3, 4) if len(clause.lstrip()) > n)


def _with_subject(clauses: list[str], i: int) -> str:
    """A clause speaks of the clauses before it that state no figure ("结婚年龄，男不得早于二十二周岁"),
    of the condition that opens its sentence ("因特殊原因需要延长工作时间的，…，但是每月不得超过三十六小时"),
    and a clause that is only a predicate ("…住房保障支出445.69万元，占15.16%") of the clause before it, or that
    takes up the noun it ends on ("如实记录清洗维护信息，信息保存期限不少于两年")."""
    start = i
    while start > 0 and not figure_kinds(clauses[start - 1]) and len(_ARTICLE.sub("", clauses[start - 1]).strip("，, ")) <= _TOPIC_CHARS:
        start -= 1
    if start == i and i > 0 and (_PREDICATE_ONLY.match(clauses[i]) or _takes_up(clauses[i - 1], clauses[i])):
        start = i - 1
    condition = next((j for j in range(start - 1, -1, -1) if clauses[j].rstrip().endswith(("的，", "的,"))), None)
    lead = clauses[condition] if condition is not None else ""
    return lead + "".join(clauses[start : i + 1])


# a part that opens with a predicate has no subject of its own: "比上年增长多少", "完成预算的百分之多少", "分别增长多少"
_ELLIPTICAL = re.compile(r"\s*(?:其中)?(?:比|较|完成|占|各|分别|增长|增加|增幅|增速|下降|减少|降低|同比|增减|又)")


_BARE_HEAD = re.compile(r"收入|支出|总额|余额|结余|金额|人数|数量|产量|面积")


def part_constraints(c: Constraints) -> list[Constraints]:
    """The constraints of each part; a part that names no quantity of its own ("今年目标是多少？")
    asks about the quantity of the part before it, under its own year."""
    parts: list[Constraints] = []
    for text in c.parts:
        pc = parse_constraints(text)
        if parts and (not pc.terms or _ELLIPTICAL.match(normalize(text))):
            # "…是多少？比上年增长多少？", "…完成预算的百分之多少？": the part goes on about the quantity before it
            prev = parts[-1]
            terms = prev.terms + tuple(t for t in pc.terms if t.word not in {p.word for p in prev.terms})
            pc = replace(pc, terms=terms, expects=pc.expects or prev.expects,
                         admin=pc.admin or prev.admin, places=pc.places or prev.places,
                         admin_written=pc.admin_written if pc.admin else prev.admin_written,
                         orgs=pc.orgs or prev.orgs)
        elif (parts and len(pc.terms) == 1 and len(parts[-1].terms) >= 2 and _BARE_HEAD.fullmatch(pc.terms[0].word)
              and os.path.commonprefix([c.parts[len(parts) - 1], text]).strip()):
            # "社会保险基金预算收入、支出和年末滚存结余": a bare 支出 of the same list (its parts share the
            # sentence's opening) is the same fund's, its modifiers carried over
            prev = parts[-1]
            pc = replace(pc, terms=prev.terms[:-1] + pc.terms)
        if not pc.has_time and not parts and c.has_time:
            pc = replace(pc, years=c.years, relative=c.relative, own_relative=c.own_relative)
        parts.append(replace(pc, whole=c.question))
    return parts


def figure_attached(c: Constraints, number: str, passages: list[Passage], idf: dict[str, float]) -> bool:
    """Is this figure stated, in a cited passage, in a clause (or table cell) that names part of the
    asked quantity? ("救助1.6万人次" is not attached to "参保人数", "增长29.2%" is attached to "收入增长多少")."""
    plain = number.replace(",", "")
    pattern = re.compile(rf"(?<![\d.]){re.escape(plain)}(?![\d])")
    change = asks_change(c)
    for passage in passages:
        for unit in _units(passage):
            for clause, subject in unit.clauses:
                if not pattern.search(arabic_figures(clause.replace(",", ""))):
                    continue
                own = normalize(subject)
                distance = c.expects == DISTANCE_KINDS and any(
                    kind_matches(DISTANCE_KINDS, k) for n, k in figure_kinds(clause) if n.replace(",", "") == plain)
                if (topic_coverage(c, own, idf)[0] <= 0.0 and not distance) or (change and not _CHANGE.search(own)):
                    continue  # "占比达81%" does not say how much something grew; "行程近两万公里" is the asked distance
                if topic_coverage(c, unit.context, idf)[0] >= TOPIC_MIN:
                    return True  # …and the statement is about what was asked, not the next project's
    return False


_CHANGE = re.compile(r"增长|增加|增速|增幅|提高|提升|上升|上涨|下降|降低|减少|回落|降幅|涨幅|同比|比上年|较上年|压减|缩减|扩大|缩小"
                     r"|增减|变动")  # a table's "比年初增减" column
_ASKS_CHANGE = re.compile(r"增长|增速|增幅|下降|降低|提高|提升|减少|回落|上涨|降幅|涨幅|增加")
_ASKS_ANY_CHANGE = re.compile(r"变化了?多少|变动了?多少|增减(?:了|情况)?(?:是)?多少")  # an amount or a rate, either


_ENUMERATED = re.compile(r"[^，,。；;：:、“”]{2,30}(?:、[^，,。；;：:、“”]{2,30})+")


def enumeration(text: str) -> list[str]:
    """The items of the longest 甲、乙、丙 run of a sentence ("分别与巴西华人协会、圣保罗商会、南共体市场工商协会
    签署": the first item keeps what precedes it, so it is matched by its last characters)."""
    runs = _ENUMERATED.findall(text)
    if not runs:
        return []
    items = max(runs, key=lambda r: r.count("、")).split("、")
    first, last = items[0], items[-1]
    items[0], items[-1] = first[-4:], last[:4]  # the run's ends carry the sentence's other words
    return [i for i in items if len(i) >= 2]


def asks_change(c: Constraints) -> bool:
    """"增长了多少" asks a change: a rate of growth, not a share (占比) or a level (参保率)."""
    return ("percent" in c.expects and bool(_ASKS_CHANGE.search(c.question))) or bool(_ASKS_ANY_CHANGE.search(c.question))


def question_figures(c: Constraints) -> set[str]:
    """The numbers the question itself gives ("145个重点项目", "单价100万元以上"): never an answer."""
    return {n for n, _ in figure_kinds(c.whole or c.question)}


def answer_states_kind(c: Constraints, text: str) -> bool:
    """Does the answer give a figure of the asked kind (a rate when a rate was asked)?"""
    if not c.expects:
        return True
    asked = question_figures(c)  # the question's own "100万元以上" answers nothing
    return any(kind_matches(c.expects, kind) for n, kind in figure_kinds(text) if n not in asked)


_FILLER = re.compile(r"\[\d+\]|我们|[的是了在为有和与及其中等。，、；：！？“”（）()《》\s]")


def restates_question(question: str, answer: str) -> bool:
    """Does the answer only repeat the question's words ("结对的是哪个县？" → "结对的是甘肃。")? An answer
    must add something of its own (a name, a figure, a place) to answer anything."""
    if {n for n, _ in figure_kinds(re.sub(r"\[\d+\]", "", answer))} - {n for n, _ in figure_kinds(question)}:
        return False  # "之日起十日内办理…" for "之日起几日内办理…": one character, and it is the answer
    asked = set(normalize(question))
    return sum(ch not in asked for ch in _FILLER.sub("", normalize(answer))) < 2


# "一是政策解读质量仍需提升，…；二是政务公开队伍建设还需进一步加强，…": a report's list, item by item
_ORDINAL_SERIES = re.compile(r"一是[^。；;]*(?:[；;]\s*[二三四五六七八九十]是[^。；;]*)+")


def _sentence_after(quote: str, passage: str) -> str:
    """The sentence of the passage that follows the quoted one ("" when it ends the passage)."""
    sentences = [m.group().strip() for m in _FULL_SENTENCE.finditer(passage) if m.group().strip()]
    body = quote.strip().rstrip("。；;")
    for i, sentence in enumerate(sentences[:-1]):
        if body and body in sentence:
            return sentences[i + 1]
    return ""


def _sentence_before(quote: str, passage: str) -> str:
    """The sentence of the passage that precedes the quoted one ("" when it opens the passage)."""
    sentences = [m.group().strip() for m in _FULL_SENTENCE.finditer(passage) if m.group().strip()]
    body = quote.strip().rstrip("。；;")
    for i, sentence in enumerate(sentences[1:], start=1):
        if body and body in sentence:
            return sentences[i - 1]
    return ""


def _ordinal_series(quote: str, passage: str) -> str:
    """The whole 一是…；二是… series when the quote is one of its items (a "；" segment is read alone), with
    what leads into its first item ("主要原因：一是…；二是…")."""
    lead = re.match(r"\s*[^。；;]{0,20}?[：:]\s*(?=一是)", quote)
    item = quote[lead.end():] if lead else quote
    if not re.match(r"\s*[一二三四五六七八九十]是", item):
        return quote
    for match in _ORDINAL_SERIES.finditer(passage):
        if item.strip().rstrip("；;。") in match.group():
            return (lead.group() if lead else "") + match.group()
    return quote


_ASKS_EACH = re.compile(r"分别|各(?:是|为|有|多少|占|自)")


def _with_siblings(quote: str, passage: str, c: Constraints) -> str:
    """The whole sentence of a ；-segment when its other segments state figures of the asked kind too."""
    body = quote.strip().rstrip("；;。")
    for sentence in re.findall(r"[^。！？!?]+[。！？!?]?", passage):
        if body and body in sentence and sentence.strip() != quote.strip():
            segments = [seg for seg in re.split(r"[；;]", sentence) if seg.strip()]
            stated = [seg for seg in segments if any(kind_matches(c.expects, k) for _, k in figure_kinds(seg))]
            return sentence.strip() if len(segments) >= 2 and len(stated) >= 2 else quote
    return quote


def list_clause(clause: Clause, passage: str) -> Clause:
    """What a list question quotes of its stating clause: a numbered list whole ("（一）购买、建造…的；（二）…"),
    its items being the answer; else the comma clause with the 甲、乙、丙 run, not its long sentence; else the
    whole 一是…；二是… series the clause belongs to."""
    if numbered_items(clause.text) >= 2:
        return clause
    for series in (_parallel_statements(clause.text, passage), _colon_series(clause.text, passage)):
        if series != clause.text:
            return replace(clause, text=series)
    if enumeration(clause.focus):
        return replace(clause, text=clause.focus)
    return replace(clause, text=_ordinal_series(clause.text, passage))


def _parallel_statements(quote: str, passage: str) -> str:
    """The short statements of the passage in the quote's frame, joined ("我们有产业优势。" → "我们有产业优势。
    我们有交通优势。我们有生态优势。…"); the quote when it is no statement of a parallel series."""
    frame = parallel_frame(passage)
    if frame is None or not in_frame(quote, frame):
        return quote
    return "".join(m.group().strip() for m in _FULL_SENTENCE.finditer(passage) if in_frame(m.group(), frame))


def _in_series(quote: str, passage: str) -> bool:
    """The statement holds numbered items ("（一）…；（二）…"), is one item of a 一是…；二是… series, or leads
    a series with a colon ("面临的困难和挑战：经济实力偏弱，…；重点项目偏少，…；…")."""
    return (numbered_items(quote) >= 2 or _ordinal_series(quote, passage) != quote
            or _colon_series(quote, passage) != quote or _parallel_statements(quote, passage) != quote)


def _colon_series(quote: str, passage: str) -> str:
    """The series a colon opens in the quote's sentence, from the quote to the sentence's end, when ；
    separates two items or more after the colon ("…困难和挑战：甲，…；乙，…；丙"); else the quote."""
    body = quote.strip().rstrip("；;")
    colon = re.search(r"[：:](?=[^：:]{4,})", body)
    if not body or colon is None or re.search(r"[：:]\s*$", body):
        return quote
    for sentence in _FULL_SENTENCE.finditer(passage):
        text = sentence.group()
        at = text.find(body)
        if at < 0:
            continue
        rest = text[at:]
        after = rest[rest.find(colon.group()) + 1:]
        return rest.strip() if len([x for x in re.split(r"[；;]", after) if x.strip()]) >= 2 else quote
    return quote


# "推进哪些项目建设", "哪几个产业", "哪四块片区", "有哪些困难和挑战": the noun the enumeration must be of
_LIST_HEAD = re.compile(r"(?:哪些|哪几|哪[两二三四五六七八九十])([\u4e00-\u9fff]{1,10})")
_MEASURE = frozenset("个 项 类 种 块 家 条 大 所 位 批 的 方面".split())
_VAGUE_HEADS = frozenset("内容 东西 事情 措施 工作 情况".split())  # name nothing an enumeration would close on


def asked_list_head(question: str) -> str | None:
    """The first word of what a list question asks for ("推进哪些项目建设？" → 项目, "哪几个产业" → 产业),
    None without one ("哪三项", "哪些方面")."""
    m = _LIST_HEAD.search(normalize(question))
    if m is None:
        return None
    tags = pos_tags(m.group(1))
    while tags and tags[0][0] in _MEASURE:
        tags = tags[1:]
    phrase = []  # the noun phrase right after the interrogative: 项目建设, 发展优势, 企业 (获评… is its verb)
    for word, flag in tags:
        if not flag.startswith(("n", "vn", "an", "j")):
            break
        phrase.append((word, flag))
    # its first plain noun (项目 of 项目建设, 优势 of 发展优势), else its first word (困难 of 困难和挑战)
    head = next((w for w, f in phrase if not f.startswith(("vn", "an"))), phrase[0][0] if phrase else "")
    # 国家/城市: place names stand for the head word (asks_places), which a run of them never writes
    return head if len(head) >= 2 and head not in _VAGUE_HEADS and head not in _PLACE_HEADS else None


def _series_of(quote: str, passage: str, head: str) -> bool:
    """The quote is a series of the asked noun: statements in one frame ("我们有产业优势。我们有交通优势。"),
    or a series whose colon follows the noun ("困难和挑战：甲，…；乙，…")."""
    text = normalize(quote)
    if head in text and _parallel_statements(quote, passage) != quote:
        return True
    colon = re.search(r"[：:]", text)
    if colon is None or head not in text[max(0, colon.start() - 12):colon.start()]:
        return False
    after = text[colon.end():]  # "…的单位包括：序号：1，…；序号：2，…", "…困难和挑战：甲，…；乙，…"
    return (numbered_items(after) >= 2 or len([x for x in re.split(r"[；;]", after) if x.strip()]) >= 2
            or _colon_series(quote, passage) != quote)


_NUMERALS = {ch: i for i, ch in enumerate("一二三四五六七八九十", start=1)} | {"两": 2}
_ASKED_COUNT = re.compile(r"哪([两二三四五六七八九十])[个项类种家条所位大座处件方]")


def asked_count(question: str) -> int:
    """"是哪四个", "哪两项": how many items the question says there are (0 when it does not say)."""
    m = _ASKED_COUNT.search(question)
    return _NUMERALS[m.group(1)] if m else 0


def enumerated_count(clause: str) -> int:
    """Items of the clause's longest 、-run, its last item's 和/及 counted ("甲、乙、丙和丁四大片区" → 4)."""
    runs = _ENUMERATED.findall(re.sub(r"[“”\"「」]", "", normalize(clause)))
    if not runs:
        return 0
    items = max(runs, key=lambda r: r.count("、")).split("、")
    return len(items) + len(re.findall(r"和|及|以及", items[-1])[:1])


def _closes_on(clause: str, head: str) -> bool:
    """The clause's 、-run is of the asked noun: it ends on a word ending in it ("…、黄河城市广场等项目建设",
    "…、文旅康养两大特色产业"); 产业链 is no 产业."""
    runs = _ENUMERATED.findall(re.sub(r"[“”\"「」]", "", normalize(clause)))  # "专精特新“小巨人”企业" is one name
    if not runs:
        return False
    last = max(runs, key=lambda r: r.count("、")).split("、")[-1]
    # what the items are: the words after 等, or the item's last two words ("化优势为胜势" is of 胜势)
    words = jieba.lcut(last.rsplit("等", 1)[1]) if "等" in last else jieba.lcut(last)[-2:]
    return any(w.endswith(head) for w in words)


_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,20})[”\"」』]")


def _sums_a_group(clause: str, c: Constraints, figures: int) -> bool:
    """The clause's one figure counts a group of which the question names one member: "全区新增省级瞪羚、
    专精特新中小企业38家" for "省级专精特新企业有多少家", "其中图解、视频等多元化解读14篇" for "视频形式的解读"."""
    if figures != 1:
        return False
    text = normalize(clause)
    runs = _ENUMERATED.findall(text)
    if not runs:
        return False
    run = max(runs, key=lambda r: r.count("、"))
    items = run.split("、")
    if not figure_kinds(items[-1]):
        return False  # the figure is not the run's: "甲、乙两地…，共投资5亿元" is read clause by clause
    named_last = re.sub(r"[\d.]+.*$", "", items[-1])
    if len(named_last) > 12 or re.search(r"应当|应在|可以|不得|必须|之内|以内", named_last):
        # "省、自治区、直辖市人民政府应当在接到报告1小时内": the figure is the rule's, not a count of the group
        return False
    question = normalize(c.question)
    # an item is named by its own last word (瞪羚, 图解): the words all items share (新增, 省级) are context
    named = []
    for n, item in enumerate(items):
        text = re.sub(r"[\d.]+.*$", "", item)
        tags = pos_tags(text.split("等")[0])
        if not tags or not tags[-1][1].startswith(("n", "j")):
            return False  # "多层次、多渠道谋划储备重大项目194个": ways of doing one thing, not a group of things
        words = [w for w, _ in tags]  # jieba may cut a rare name (瞪羚 → 瞪/羚): its last piece still names it
        if n == len(items) - 1 and "等" not in text and len(words) >= 2:
            words = words[:-1]  # the last item ends on the group's head (专精特新 + 中小企业): its name is before it
        named.append(bool(words) and words[-1] in question)
    return sum(named) == 1 and len(named) >= 2


def clause_sentence(clause: Clause) -> str:
    """The quoted sentence with its marker; a table row reads as "科目名称：工会经费，决算数：24.42"."""
    sentence = clause.text.replace(" | ", "，").rstrip("；;，,、")
    if not sentence.endswith(("。", "！", "？", "!", "?")):
        sentence += "。"
    return f"{sentence}[{clause.marker}]"


SAME_DOCUMENT_SHARE = 0.75  # a later part's clause from the earlier parts' document, if it scores this near the best


def _from_same_documents(pc: Constraints, checked: Gate, docs: set[str], best: Clause) -> Clause:
    """The parts of one question share its subject: "工作12年能休几天年假？应休未休的怎么补偿？" is answered from
    the 条例 that states both, not half from its implementing rule that says the 300% in other words. The clause
    from the earlier parts' documents is taken when it scores near the best; else the best stands."""
    keep = [i for i, p in enumerate(checked.pool) if p.chunk.origin.doc in docs]
    if not keep:
        return best
    sub = [checked.pool[i] for i in keep]
    home = best_clause(pc, sub, checked.idf, checked.card_of if checked.constraints.parts else None, checked.card_of)
    if home is None or home.score < SAME_DOCUMENT_SHARE * best.score:
        return best
    return replace(home, marker=keep[home.marker - 1] + 1)


def extractive_answer(checked: Gate) -> str:
    """An answer without an LLM: for each part of the question, the source sentence that states the
    asked quantity (with a figure of the asked kind); empty when no sentence does."""
    c = checked.constraints
    sentences: list[str] = []
    used_docs: set[str] = set()  # the documents earlier parts were answered from
    for pc in (checked.parts() or [c]):
        if not pc.terms:
            continue
        clause = best_clause(pc, checked.pool, checked.idf, checked.card_of if c.parts else None, checked.card_of)
        if clause is not None and used_docs and checked.pool[clause.marker - 1].chunk.origin.doc not in used_docs:
            clause = _from_same_documents(pc, checked, used_docs, clause)
        if clause is not None:
            used_docs.add(checked.pool[clause.marker - 1].chunk.origin.doc)
            if asks_list(pc):
                clause = list_clause(clause, checked.pool[clause.marker - 1].text)
            elif asks_reason(pc):  # "主要原因：一是…；二是…": every cause, not the first
                passage = checked.pool[clause.marker - 1].text
                clause = replace(clause, text=_ordinal_series(clause.text, passage))
                if restates_question(pc.question, clause.text):
                    # "为什么说长清有科研人才优势": "我们有科研人才优势。" is the claim; the sentence after it says why
                    clause = replace(clause, text=_sentence_after(clause.text, passage) or clause.text)
                elif opens_with_cause(clause.text):
                    # "主要原因是…" speaks of the sentence before: "机关运行经费支出184.65万元，比2023年度增加2.55万元"
                    # says what it explains (and by how much)
                    before = _sentence_before(clause.text, passage)
                    if before and not opens_with_cause(before):
                        clause = replace(clause, text=f"{before.rstrip('。；;')}。{clause.text}")
            elif asks_sanction(pc) and not asks_for_figure(pc):
                # "如何处罚": every graded sanction of the rule (劝阻, 书面警告, 罚款), not its first segment
                clause = replace(clause, text=sanction_sentence(clause.text, checked.pool[clause.marker - 1].text))
            elif _ASKS_EACH.search(pc.question):
                # "第一、二、三产业增加值分别是多少": the sentence whose ；-segments give each of them
                clause = replace(clause, text=_with_siblings(clause.text, checked.pool[clause.marker - 1].text, pc))
            sentence = clause_sentence(clause)
            if sentence not in sentences:
                sentences.append(sentence)
    return "".join(sentences)
