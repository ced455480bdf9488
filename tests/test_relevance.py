"""The early relevance gate: is anything retrieved about the question at all (rag.relevance)."""
from __future__ import annotations

from rag.relevance import MIN_COVERAGE, question_coverage


def test_an_off_topic_question_covers_nothing_and_the_asked_one_is_covered(demo_service):
    index = demo_service.retriever().index
    off = "量子计算机的工作原理是什么？"
    assert question_coverage(off, demo_service.search(off, k=5), index) < MIN_COVERAGE
    asked = "2023年长清区一般公共预算收入是多少？"
    assert question_coverage(asked, demo_service.search(asked, k=5), index) >= MIN_COVERAGE
    assert question_coverage(asked, [], index) == 0.0


def test_general_words_and_words_near_in_meaning_do_not_make_a_stated_answer_irrelevant(demo_service):
    """每月, 级别 name no particular topic: a passage that states the asked figure in the library's words
    (月人均水平, 正处级) is relevant; the gate's stand-ins (rag.paraphrase) count as found."""
    from rag.schema import Chunk, Origin, Passage

    index = demo_service.retriever().index

    def passage(text: str) -> Passage:
        return Passage(chunk=Chunk(chunk_id=str(hash(text)), text=text, origin=Origin(doc="d", page=1)), score=1.0)

    pay = passage("全年向失业人员发放失业保险金729亿元，同比增加136亿元。失业保险金月人均水平1814元。")
    assert question_coverage("2023年失业保险金每人每月平均能领多少？", [pay], index) >= MIN_COVERAGE
    rank = passage("第二条上海市普陀区财政局是主管全区财政工作的区政府工作部门，为正处级。")
    question = "普陀区财政局是什么级别的单位？"
    assert question_coverage(question, [rank], index, (("级别", ("正处级",)),)) > question_coverage(question, [rank], index)
