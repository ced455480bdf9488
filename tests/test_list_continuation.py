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
