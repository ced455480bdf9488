"""The words around a question's blank, on an excerpt of shared/corpus/real/ (山西品牌丝路行南美站)."""
from __future__ import annotations

from rag.cloze import cloze, fills

SPEECH = ("中国驻圣保罗总领馆副总领事孙仁安在致辞中说，圣保罗是巴西乃至南美最大的经济、贸易、商业、金融、物流和交通中心，"
          "是巴西经济的“火车头”，也是发展对华关系的排头兵。")
GREEN = "山西作为传统文化大省和资源大省，大力推动绿色转型，积极融入“一带一路”，全面加强与世界各国的经济往来和合作共赢。"


def test_the_sentence_writing_both_sides_of_the_blank_fills_it():
    blank = cloze("孙仁安致辞时提到山西正在大力推动什么转型？")
    assert blank is not None and blank.left.endswith("大力推动") and blank.right == "转型"
    assert fills(GREEN, blank) == 1.0
    assert fills(SPEECH, blank) == 0.0  # names the speaker, not the blank


def test_a_blank_at_the_end_is_filled_by_what_follows_its_left_side():
    # five characters or more written as asked ("展对华关系的") hold the gap as surely as two sides
    blank = cloze("孙仁安还说圣保罗是发展对华关系的什么？")
    assert fills(SPEECH, blank) == 1.0 and fills(GREEN, blank) == 0.0
    # a shorter lead only hints at it
    short = cloze("山西要加强与各国的什么？")  # only "各国的" is written as asked
    assert short is not None and fills(GREEN, short) == 0.5


def test_a_question_without_an_interrogative_or_context_has_no_blank():
    assert cloze("请介绍一下长清区") is None
    assert cloze("是谁？") is None
