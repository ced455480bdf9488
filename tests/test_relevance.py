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
