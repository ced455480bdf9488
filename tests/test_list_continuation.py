"""A numbered list cut by the chunk limit is read with the passages that finish it, and a list question
quotes every item — on real articles of the laws corpus (道路交通安全违法行为记分管理办法, 住房公积金管理条例)."""
from __future__ import annotations

from rag.answerability import Clause, list_clause
from rag.list_continuation import continued, first_item_number, last_item_number, numbered_items
from rag.schema import Chunk, Origin, Passage

# 道路交通安全违法行为记分管理办法 第八条, as the chunker cut it (300 characters) and the passage after it
POINTS_HEAD = ("第八条 机动车驾驶人有下列交通违法行为之一，一次记12分：\n（一）饮酒后驾驶机动车的；\n"
               "（二）造成致人轻伤以上或者死亡的交通事故后逃逸，尚不构成犯罪的；\n"
               "（三）使用伪造、变造的机动车号牌、行驶证、驾驶证、校车标牌或者使用其他机动车号牌、行驶证的；\n"
               "（四）驾驶校车、公路客运汽车、旅游客运汽车载人超过核定人数百分之二十以上，或者驾驶其他载客汽车载人超过核定人数百分之百以上的；")
POINTS_TAIL = ("（五）驾驶校车、中型以上载客载货汽车、危险物品运输车辆在高速公路、城市快速路上行驶超过规定时速百分之二十以上，"
               "或者驾驶其他机动车在高速公路、城市快速路上行驶超过规定时速百分之五十以上的；\n"
               "（六）驾驶机动车在高速公路、城市快速路上倒车、逆行、穿越中央分隔带掉头的；\n"
               "（七）代替实际机动车驾驶人接受交通违法行为处罚和记分牟取经济利益的。")
NEXT_ARTICLE = "第九条 机动车驾驶人有下列交通违法行为之一，一次记9分：\n（一）驾驶7座以上载客汽车载人超过核定人数百分之五十以上未达到百分之百的；"
# 住房公积金管理条例 第二十四条, whole in one passage
HOUSING_FUND = ("第二十四条 职工有下列情形之一的，可以提取职工住房公积金账户内的存储余额：(一)购买、建造、翻建、大修自住住房的；"
                "(二)离休、退休的；(三)完全丧失劳动能力，并与单位终止劳动关系的；(四)出境定居的；(五)偿还购房贷款本息的；"
                "(六)房租超出家庭工资收入的规定比例的。")


def _chunk(text: str, doc: str = "道路交通安全违法行为记分管理办法(2021-12-17).md") -> Chunk:
    return Chunk(chunk_id=str(hash(text)), text=text, origin=Origin(doc=doc, section=(), page=None))


def _passage(chunks: list[Chunk], row: int) -> Passage:
    return Passage(chunk=chunks[row], score=1.0, rank=1, row=row)


def test_items_are_numbered_in_chinese_and_arabic_numerals():
    assert last_item_number(POINTS_HEAD) == 4
    assert first_item_number(POINTS_TAIL) == 5
    assert first_item_number("（十二）其他情形。") == 12 and first_item_number("二十一、附则") == 21
    assert first_item_number(NEXT_ARTICLE) is None  # an article opens it, not an item
    assert first_item_number("（十十）不是编号。") is None and first_item_number("（九十九）其他。") == 99
    assert numbered_items(HOUSING_FUND) == 6


def test_a_list_cut_by_the_chunk_limit_is_read_with_the_passage_that_finishes_it():
    chunks = [_chunk(POINTS_HEAD), _chunk(POINTS_TAIL), _chunk(NEXT_ARTICLE)]
    whole = continued(_passage(chunks, 0), chunks)
    assert whole.text.startswith("第八条") and "（七）代替实际机动车驾驶人" in whole.text
    assert "第九条" not in whole.text  # the list ended with （七）…。: the next article is another list
    assert whole.passage_id == chunks[0].chunk_id  # still cited as the passage retrieval found


def test_a_finished_list_another_document_or_a_gap_in_numbering_is_not_continued():
    chunks = [_chunk(POINTS_HEAD), _chunk(POINTS_TAIL, doc="另一部规章.md")]
    assert continued(_passage(chunks, 0), chunks).text == POINTS_HEAD
    chunks = [_chunk(POINTS_HEAD), _chunk(POINTS_TAIL.replace("（五）", "（六）", 1))]
    assert continued(_passage(chunks, 0), chunks).text == POINTS_HEAD
    chunks = [_chunk(POINTS_TAIL), _chunk(NEXT_ARTICLE)]
    assert continued(_passage(chunks, 0), chunks).text == POINTS_TAIL
    lone = Passage(chunk=_chunk(POINTS_HEAD), score=1.0)  # not from an index: nothing to read after it
    assert continued(lone, chunks).text == POINTS_HEAD


def test_a_list_question_quotes_the_numbered_list_whole_not_the_comma_clause_of_one_item():
    clause = Clause(marker=1, text=HOUSING_FUND, score=1.0,
                    focus="可以提取职工住房公积金账户内的存储余额：(一)购买、建造、翻建、大修自住住房的；(二)离休、退休的；(三)完全丧失劳动能力")
    quoted = list_clause(clause, HOUSING_FUND)
    assert "(五)偿还购房贷款本息的" in quoted.text and "(三)完全丧失劳动能力，并与单位终止劳动关系的" in quoted.text
    # a 甲、乙、丙 run is still quoted by the clause that holds it
    report = Clause(marker=1, text="当天下午，省贸促会分别与巴西华人协会、圣保罗商会、南共体市场工商协会签署合作协议，并正式设立驻巴西代表处。",
                    score=1.0, focus="省贸促会分别与巴西华人协会、圣保罗商会、南共体市场工商协会签署合作协议，")
    assert list_clause(report, report.text).text == report.focus


def test_a_colon_that_ends_a_passage_is_read_with_the_table_rows_it_introduces():
    """上海市普陀区财政局2024年度部门决算: "…编制范围的单位包括：" ends one passage, each unit is a table row."""
    doc, section = "shanghai-putuo-finance-2024-final-accounts.pdf", ("第一部分 上海市普陀区财政局概况", "二、部门决算单位构成")

    def part(text: str, kind: str = "text", at: tuple[str, ...] = section) -> Chunk:
        return Chunk(chunk_id=str(hash(text)), text=text, origin=Origin(doc=doc, section=at, page=2, kind=kind))

    chunks = [part("从预算单位构成看，上海市普陀区财政局部门决算包括：上海市普陀区财政局本级决算、下属行政事业单位决算。"
                   "纳入上海市普陀区财政局2024年度部门决算编制范围的单位包括："),
              part("序号：1 | 单位名称：上海市普陀区财政局（本级）", "table"),
              part("序号：2 | 单位名称：上海市普陀区财政局财政所 | 备注：预算不单列，并入本级", "table"),
              part("序号：3 | 单位名称：上海市普陀区国库收付中心 | 备注：预算不单列，并入本级", "table"),
              part("收入支出决算总表（单位：万元） | 收入·项目：年初结转和结余 | 收入·决算数：49.14", "table",
                   ("上海市普陀区财政局2024年度部门决算表",))]
    whole = continued(_passage(chunks, 0), chunks)
    assert "上海市普陀区国库收付中心" in whole.text and "决算总表" not in whole.text  # another section's table


def test_a_list_question_prefers_a_numbered_or_ordinal_series():
    """淮安市人民政府2024年政府信息公开工作年度报告: "存在哪些主要问题" is answered by the 一是…；二是… series,
    not by a sentence that names more of the question's words with a stray 、."""
    from rag.answerability import best_clause, clause_sentence, list_clause
    from rag.constraints import parse_constraints

    card = "淮安市 2024年 淮安市人民政府2024年政府信息公开工作年度报告"  # the document card's line every passage inherits

    def report(text: str) -> Chunk:
        return Chunk(chunk_id=str(hash(text)), text=text, origin=Origin(doc="huaian.pdf", section=(), page=3), context=card)

    problems = Passage(chunk=report("（一）存在的主要问题。一是政策解读质量仍需提升，个别单位政策解读内容简单、形式单一；"
                                    "二是政务公开队伍建设还需进一步加强，个别单位存在人员配备不足、兼职多、流动性过快的问题。"),
                       score=1.0, rank=1)
    checks = Passage(chunk=report("（五）政府信息公开监督保障情况。根据省政务公开年度和季度监测指标，全年组织4次政府信息公开"
                                  "栏目全覆盖检查，并出具各县区、各部门政务公开评估分报告。"), score=1.0, rank=2)
    idf = {"政府": 0.51, "信息": 0.72, "公开": 0.87, "存在": 1.55}  # as over the indexed report: 存在 is rare
    clause = best_clause(parse_constraints("淮安市2024年政府信息公开工作存在哪些主要问题？"), [checks, problems], idf)
    assert clause is not None and clause.marker == 2
    quoted = clause_sentence(list_clause(clause, problems.text))
    assert "一是政策解读质量仍需提升" in quoted and "二是政务公开队伍建设" in quoted
