"""Citation markers are parsed, resolved and checked: numbers must occur in the cited passage."""
from __future__ import annotations

from rag.citations import check_answer, parse_markers, split_answer_sentences
from rag.schema import Chunk, Origin, Passage

REVENUE = Passage(Chunk("p1", "完成一般公共预算收入30.24亿元、增长29.2%；规模以上工业增加值增长12.2%。",
                        Origin("report.txt", ("一、2023年工作回顾",), 1)), 1.0, 1)
TARGET = Passage(Chunk("p2", "经济社会发展主要预期目标是：一般公共预算收入增长7.5%。",
                       Origin("report.txt", ("二、2024年总体要求和主要预期目标",), 13)), 0.9, 2)


def test_markers_in_several_styles():
    assert parse_markers("收入30.24亿元[1][2]，见【3】和[1, 4]") == [1, 2, 3, 1, 4]
    assert split_answer_sentences("第一句[1]。第二句。[2]\n第三句") == ["第一句[1]。", "第二句。[2]", "第三句"]


def test_a_correct_cited_sentence_is_supported():
    checked = check_answer("2023年一般公共预算收入完成30.24亿元，增长29.2%。[1]", [REVENUE, TARGET],
                           question="2023年一般公共预算收入是多少？")
    assert [c.marker for c in checked.citations] == [1]
    assert checked.citations[0].supported and not checked.flagged


def test_the_year_may_come_from_the_heading_path():
    checked = check_answer("2023年收入为30.24亿元。[1]", [REVENUE])
    assert checked.citations[0].supported


def test_a_number_missing_from_the_cited_passage_is_flagged():
    checked = check_answer("一般公共预算收入增长7.5%。[1]", [REVENUE, TARGET], repair=False)
    assert not checked.citations[0].supported
    assert checked.flagged[0].flag_reason == "数字 7.5% 在所引资料中找不到"


def test_a_wrong_marker_is_moved_to_the_passage_that_holds_the_figures():
    checked = check_answer("一般公共预算收入增长7.5%。[1]", [REVENUE, TARGET])
    assert [c.marker for c in checked.citations] == [2] and checked.citations[0].supported
    assert checked.sentences[0].repaired and checked.text.endswith("[2]")


def test_a_figure_in_no_passage_stays_flagged():
    checked = check_answer("一般公共预算收入增长8.8%。[1]", [REVENUE, TARGET])
    assert checked.flagged and "8.8%" in checked.flagged[0].flag_reason


def test_markers_pointing_to_no_passage_are_dropped():
    checked = check_answer("收入完成30.24亿元。[9]", [REVENUE, TARGET], repair=False)
    assert checked.citations == [] and "[9]" not in checked.text
    assert "不存在" in checked.flagged[0].flag_reason


def test_an_uncited_figure_is_attached_to_the_passage_that_holds_it():
    checked = check_answer("预期目标是增长7.5%。", [REVENUE, TARGET])
    assert checked.sentences[0].repaired and [c.marker for c in checked.citations] == [2]
    assert checked.text.endswith("[2]")


def test_whole_numbers_only():
    checked = check_answer("增长2%。[1]", [REVENUE])  # "2" occurs inside 29.2 and 12.2 but is not there
    assert not checked.citations[0].supported


def test_a_table_row_supports_figures_in_its_declared_unit():
    """Real row of the Putuo accounts: the caption says 单位：万元, the answer says 13.58万元 and 1238.58万元."""
    from rag.citations import check_answer
    from rag.schema import Chunk, Origin, Passage

    row = ("一般公共预算财政拨款基本支出决算表（单位：万元） | 科目名称：办公设备购置 | 决算数：13.58 | "
           "科目名称：津贴补贴 | 决算数：1,238.58")
    passage = Passage(Chunk("t", row, Origin("putuo.pdf", kind="table")), score=1.0)
    checked = check_answer("办公设备购置决算13.58万元，津贴补贴1238.58万元。[1]", [passage])
    assert checked.sentences[0].supported and not checked.flagged
    assert check_answer("办公设备购置决算13.58亿元。[1]", [passage]).flagged  # the magnitude still counts


def test_a_bare_figure_is_not_the_same_figure_in_ten_thousands():
    # 北京市机动车停车条例: the only 10 in the article is 十万元; "10元" is a figure the article never states
    fine = Passage(Chunk("p3", "违反规定，未按照规定程序调整居住小区停车收费价格的，由住房城乡建设部门责令限期改正，并处十万元罚款。",
                         Origin("北京市机动车停车条例.md", (), None)), 1.0, 1)
    assert not check_answer("居住小区停车位的月租费最高不得超过10元。[1]", [fine], repair=False).citations[0].supported
    assert check_answer("未按规定程序调整收费价格的，并处10万元罚款。[1]", [fine], repair=False).citations[0].supported


def test_an_uncited_sentence_naming_a_person_is_cited_to_the_passage_that_names_them():
    cover = Passage(Chunk("c1", "——2024年1月17日在济南市长清区第十八届\n人民代表大会第三次会议上\n济南市长清区区长 王士强",
                          Origin("report.txt", (), 1)), 1.0, 1)
    opening = Passage(Chunk("c2", "现在，我代表区人民政府向大会报告工作，请予审议，并请各位政协委员和其他列席同志提出意见。",
                            Origin("report.txt", (), 1)), 0.9, 2)
    checked = check_answer("这份长清区政府工作报告是由王士强作的。", [opening, cover], question="这份长清区政府工作报告是谁作的？")
    assert [c.marker for c in checked.citations] == [2] and checked.sentences[0].repaired
    # a name no passage holds stays uncited (and is flagged), whatever words it shares with the question
    invented = check_answer("这份长清区政府工作报告是由张三丰作的。", [opening, cover], question="这份长清区政府工作报告是谁作的？")
    assert not invented.citations and invented.flagged


def test_a_table_label_is_a_reference_not_a_figure():
    """"表2 2023年…": the 2 of 表2 is the table's label; the extracted row writes "表22023年" without the space."""
    row = Passage(Chunk("t", "表2 2023年全州主要农产品产量及其增长速度 | 产品名称：其中：稻谷 | 单位：万吨 | 绝对数：52.18",
                        Origin("bulletin.pdf", (), 3)), 1.0, 1)
    checked = check_answer("表2 2023年全州主要农产品产量及其增长速度，产品名称：其中：稻谷，绝对数：52.18万吨。[1]", [row],
                           question="黔东南州2023年稻谷产量是多少万吨？")
    assert checked.sentences[0].supported
    wrong = check_answer("表2 2023年全州主要农产品产量，稻谷52.81万吨。[1]", [row], question="稻谷产量是多少？")
    assert not wrong.sentences[0].supported  # the figure itself is still checked
