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


def test_general_words_do_not_make_a_stated_answer_irrelevant(demo_service):
    """每月, 每人 name no particular topic: a passage that states the asked figure in the library's words
    (月人均水平) is relevant, while jieba's mis-cut pieces of a question (据人/社部) weigh nothing."""
    from rag.schema import Chunk, Origin, Passage

    index = demo_service.retriever().index

    def passage(text: str) -> Passage:
        return Passage(chunk=Chunk(chunk_id=str(hash(text)), text=text, origin=Origin(doc="d", page=1)), score=1.0)

    pay = passage("全年向失业人员发放失业保险金729亿元，同比增加136亿元。失业保险金月人均水平1814元。")
    assert question_coverage("2023年失业保险金每人每月平均能领多少？", [pay], index) >= MIN_COVERAGE
    employed = passage("年末全国就业人员74041万人，其中城镇就业人员47032万人。")
    assert question_coverage("据人社部统计公报，2023年末全国就业人员有多少？", [employed], index) >= MIN_COVERAGE
