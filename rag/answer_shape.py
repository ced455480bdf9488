"""The shape of what a question asks for, and whether a passage has it: a figure ("多久", "多少人"),
an enumeration ("有哪些") or a sanction ("会怎么处罚").

In a library of laws, the article that names the question's words often is not the one that answers:
"业主大会决定筹集专项维修资金，需要多少业主同意？" names the words of the article listing what the
业主大会 decides (no figure), while the answer is the article that gives the majority (2/3). A
question asking a number is answered by a passage stating one; a question asking 哪些 by a list;
"怎么处罚" by the penalty clause, not by the duty it enforces.
"""
from __future__ import annotations

import re

from rag.constraints import DURATION_KINDS, Constraints, figure_kinds, kind_matches, normalize, term_covered
from rag.textnorm import arabic_figures

_ASKS_LIST = re.compile(r"哪些|哪几|哪[两二三四五]|包括什么|有什么")
_ASKS_FIGURE = re.compile(r"多少|(?<![哪好十])几[个家项人次所处天年月条件名位号分岁周倍颗枚辆台套户元块米吨亩层级本张份起场届期]"
                          r"|多大|多高|多长|多久|多远|多重|比例|增长了?(?:多少|几)"
                          r"|哪一?天|哪一?年|何时|什么时[候间段]|哪个时[段间]|几点|日期")  # a date is a figure too
# "怎么处罚", "如何处罚", "会被罚多少": the legal consequence; a passage states one with the sanctions of
# 行政处罚法 第九条 and 刑法 (罚款, 警告, 拘留, 吊销…)
# "会被判什么刑", "判几年", "要坐牢吗": the sentence a criminal article sets
_ASKS_SANCTION = re.compile(r"(?:怎么|如何|怎样|什么|哪些)(?:处罚|惩罚|处分)|罚(?:多少|几)|承担(?:什么|哪些)(?:法律)?责任"
                            r"|判(?:什么|啥|几|多少|多久|多长)|判(?:处)?刑|(?:什么|哪些)刑|坐牢|刑事责任")
_SANCTION = re.compile(r"罚款|罚金|警告|通报批评|没收|暂扣|吊销|责令停产|责令停业|责令关闭|拘留|拘役|有期徒刑|处分")
# numbered items at a line start ("（一）", "(二)", "1.", "一、") or a run of three 、-separated names
_NUMBERED = re.compile(r"(?m)^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．]|[一二三四五六七八九十]+、)")
# "下列商品除外：", "有下列情形之一的", "下列公共场所、工作场所的室外区域": what the list lists is the phrase's
# last word (商品, 情形, 场所)
_INTRO = re.compile(r"下列([\u4e00-\u9fff、]{2,12}?)(?:之一|的|：|:|，|,|除外|\n)")
_RUN = re.compile(r"[^，,。；;：:、“”\s]{1,20}(?:、[^，,。；;：:、“”\s]{1,20}){2,}")


# "为什么没花完年初预算", "什么原因": a reason is asked; a passage gives one with a causal word ("主要原因是…",
# "因…调减", "由于…", "…导致支出增加"); 因此/因而 open a consequence, not a cause
_ASKS_REASON = re.compile(r"为什么|为何|什么原因|原因是什么|哪些原因|原因何在|何故|怎么会|因为什么|出于什么"
                          r"|目的是什么|目的何在|为了什么|用意是什么")
# a purpose answers why an act is done: "举办…活动，是我省…融入“一带一路”建设…的具体举措"
_REASON = re.compile(r"原因|由于|因为|(?<!原)因(?![此而])|导致|致使|所致|是为了|旨在|目的是|目的在于|的(?:具体|重要|有力|务实)?举措"
                     r"|(?:^|[。；;])\s*主要是")  # "下降2.5%。主要是严控一般性基础设施投入…"


def asks_reason(c: Constraints) -> bool:
    """"为什么比上年增加？": the answer is the sentence that gives the cause."""
    return bool(_ASKS_REASON.search(c.question))


def states_reason(text: str) -> bool:
    return bool(_REASON.search(text))


# "…增加2.55万元。主要原因是…", "决算数小于预算数的主要原因：…", "这是由于…": a sentence that opens with its
# cause speaks of the sentence before
_CAUSE_OPENS = re.compile(r"\s*[^，,。；;]{0,12}?(?:主要|其)?原因(?:主要)?(?:是|为|在于|[:：])|\s*(?:这|此)(?:主要)?(?:是|系)(?:由于|因为)"
                          r"|\s*主要(?:是由于|是因为|由于|因为|是(?=[^，,。]{2,}))|\s*(?:由于|因为)")


def opens_with_cause(text: str) -> bool:
    return bool(_CAUSE_OPENS.match(text))


# "最多能扣减几分", "最长可以约定多久": a bound is asked, and a rule states it as one ("累计最高扣减6分",
# "不得超过二年"); the clause that states a single step ("一次扣减1分") answers another question
_ASKS_MAX = re.compile(r"最多|最高|最长|最大|至多|上限|封顶")
_ASKS_MIN = re.compile(r"最少|最低|最短|至少|下限|起码")
_AFTER_FIGURE = r"(?<=[\d十百千万亿元日天月年分岁人次倍])"
_SAYS_MAX = re.compile(r"最多|最高|最长|最大|至多|上限|封顶|不得超过|不超过|不应超过|不能超过|以内|" + _AFTER_FIGURE + "以下")
_SAYS_MIN = re.compile(r"最少|最低|最短|至少|下限|不少于|不得少于|不低于|不得低于|" + _AFTER_FIGURE + "以上")


def states_asked_bound(question: str, text: str) -> bool | None:
    """Whether the text states a bound of the kind asked (a maximum for "最多…", a minimum for "至少…");
    None when the question asks no bound."""
    if _ASKS_MAX.search(question):
        return bool(_SAYS_MAX.search(text))
    if _ASKS_MIN.search(question):
        return bool(_SAYS_MIN.search(text))
    return None


# "一共有多少人", "总共多少件": the total is asked; "农民工总量29562万人" states it, "外出农民工17190万人" a part
_ASKS_TOTAL = re.compile(r"一共|总共|合计|总计|共计|总量|总数|总额|加起来")
_SAYS_TOTAL = re.compile(r"总量|总数|总计|合计|共计|总额|共有|总规模")


def states_asked_total(question: str, text: str) -> bool:
    return bool(_ASKS_TOTAL.search(question)) and bool(_SAYS_TOTAL.search(text))


# "在哪些国家举行", "哪几个城市": the items asked are places ("巴西、乌拉圭、阿根廷")
_ASKS_PLACES = re.compile(r"(?:哪些|哪几个?|哪[两二三四五六]个)(?:国家|城市|省份|省|地区|地方|县|区|市|乡镇|镇|街道|村|国)")


def asks_places(c: Constraints) -> bool:
    return bool(_ASKS_PLACES.search(c.question))


_ASKS_PERSON = re.compile(r"谁|哪位|叫什么名字|姓名是什么|叫什么")


def asks_person(c: Constraints) -> bool:
    """"团长是谁？", "叫什么名字": the answer names a person."""
    return bool(_ASKS_PERSON.search(c.question))


# a title right before the asking words: "代表团的副团长是谁", "驻巴西代表处的首席代表是谁", "总领事叫什么名字"
_TITLES = ("秘书长|董事长|总经理|团长|会长|区长|市长|省长|县长|镇长|乡长|局长|厅长|部长|处长|科长|院长|校长|行长|社长|所长|站长"
           "|队长|组长|经理|书记|主任|主席|总领事|领事|首席代表|代表|委员|专员|大使|负责人|发言人")
_TITLED_ASK = re.compile(rf"((?:副)?(?:{_TITLES}))(?:[（(][^）)]*[）)])?(?:是谁|叫什么|的姓名|姓什么)")


def asked_title(c: Constraints) -> str:
    """The title whose holder is asked ("副团长" of "代表团的副团长是谁"), or ""."""
    m = _TITLED_ASK.search(c.question)
    return m.group(1) if m else ""


def asks_list(c: Constraints) -> bool:
    """"有哪些…", "哪几家…": the answer is an enumeration."""
    return bool(_ASKS_LIST.search(c.question))


def asks_sanction(c: Constraints) -> bool:
    """"会怎么处罚？": the answer is the sanction a penalty clause sets."""
    return bool(_ASKS_SANCTION.search(c.question))


def states_sanction(text: str) -> bool:
    return bool(_SANCTION.search(text))


def asks_for_figure(c: Constraints) -> bool:
    """Does the question ask for a number ("多少", "几个", "多久", "哪一年")?"""
    if c.expects:
        return True
    # "不简单以留痕多少评判工作，目的是什么": a 多少 the question quotes is no figure asked of a why-question
    return bool(_ASKS_FIGURE.search(c.question)) and (bool(c.parts) or not asks_reason(c))


def states_figure(c: Constraints, text: str) -> bool:
    """Does the text state a figure other than the question's own (七日, 2/3, 百分之十, 三个月)? A rate or a
    length of time must be one: "各占多大比例" is not answered by a table of 万元, "多长时间" not by 两次.
    (An amount or a count may sit bare in a table whose caption gives the unit.)"""
    given = {n for n, _ in figure_kinds(c.question)}
    figures = [(n, k) for n, k in figure_kinds(arabic_figures(text)) if n not in given]
    if not c.parts and (c.expects == {"percent"} or c.expects == DURATION_KINDS):  # a part may ask another kind
        return any(kind_matches(c.expects, k) for _, k in figures)
    return bool(figures)


def enumerates(text: str) -> bool:
    """Does the text list items: numbered lines, or three names in a 、 run?"""
    return len(_NUMBERED.findall(text)) >= 2 or bool(_RUN.search(text))


def lists_asked(c: Constraints, text: str) -> bool:
    """Does the text list what is asked? "有下列情形之一的，视为…" lists 情形, not the 商品 of "哪些商品不
    适用"; a list with no "下列…" head is taken to list what is asked."""
    if not enumerates(text):
        return False
    heads = [phrase[-2:] for phrase in _INTRO.findall(text)]
    question = normalize(c.question)
    return not heads or any(term_covered(head, question) > 0 for head in heads)
