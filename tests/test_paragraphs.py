"""Rebuilding paragraphs from PDF-extracted text, on real excerpts of the demo report."""
from __future__ import annotations

from rag.ingest.loaders import text_blocks, text_lines
from rag.ingest.paragraphs import Line, em_width, is_page_number, join_lines, rebuild_blocks

# Lines 626–642 of the demo file: a paragraph broken across a page, with the page number "15"
# between "各" and "个环节", blank lines between all lines, as extracted from the PDF.
PAGE_BREAK_EXCERPT = """二是高效率推进重点项目。目前已储备重点项目 195 个，

总投资 1470 亿元。要坚持问题导向，抓细抓小抓实项目建设各

15

个环节，落实好重大项目建设协同推进机制，全力解决项目推

进中的堵点难点问题，确保项目无障碍施工、按节点推进。落

实“要素跟着项目走”保障机制，优先使用批而未供、闲置低

效等存量建设用地，提高土地资源配置效益。探索建立重大项

目“白名单”制度，鼓励金融机构对“白名单”项目保持信贷

支持连续性。围绕新旧动能转换、乡村振兴战略、民营企业发

展、新型基础设施建设等重点领域，争取更多省市级信贷资金

向我区倾斜。

三是高质量开展双招双引。全面梳理分析闲置园区及标准

化厂房资源，聚焦主导产业链，绘制招商地图，加强招商推介，

协同引进过亿元优质项目 30 个以上。
"""


def test_page_number_between_broken_words_vanishes():
    blocks = text_blocks(PAGE_BREAK_EXCERPT)
    first = blocks[0].text
    assert "各个环节" in first
    assert "15" not in first.replace("195", "")
    assert first.startswith("二是高效率推进重点项目。目前已储备重点项目195个，总投资1470亿元。")
    assert first.endswith("向我区倾斜。")


def test_a_new_numbered_item_starts_a_new_paragraph():
    blocks = text_blocks(PAGE_BREAK_EXCERPT)
    assert [b.text[:4] for b in blocks] == ["二是高效", "三是高质"]


def test_lines_are_joined_without_spaces_between_chinese_characters():
    assert join_lines(["抓细抓小抓实项目建设各", "个环节，落实好"]) == "抓细抓小抓实项目建设各个环节，落实好"
    assert join_lines(["the model was", "trained"]) == "the model was trained"


def test_page_numbers_are_recognised_in_common_forms():
    assert all(is_page_number(s) for s in ["15", " 23 ", "- 15 -", "第15页", "第 3 页 共 28 页", "15/28"])
    assert not any(is_page_number(s) for s in ["15个", "2023年", "一、2023 年工作回顾"])


def test_pages_follow_leading_space_lines_and_number_lines(demo_text):
    lines = text_lines(demo_text)
    first = next(ln for ln in lines if ln.text.strip().startswith("政 府"))
    after_15 = next(ln for ln in lines if ln.text.startswith("个环节，落实好"))
    page_16 = next(ln for ln in lines if ln.text.strip().startswith("通办”，市场主体"))
    assert first.page == 1
    assert after_15.page == 15  # the number line "15" opened page 15
    assert page_16.page == 16  # the next line starting with a space opened page 16


def test_short_last_line_ends_a_paragraph_and_indented_first_line_starts_one():
    # An indented first line is ~2 characters narrower than a full line.
    full = "区人大、区政协的监督支持下，我们坚持以习近平新时代中国"
    lines = [
        Line("一年来，我们坚持谋篇布局、把向定航，产业体系重构升"),
        Line("级。"),
        Line("产业谋划更加清晰。大力破解产业不聚焦、协同不密切问"),
        Line(full),
        Line(full),
        Line("澳大健康产业园、范庄文旅等项目加快建设。"),
    ]
    blocks = rebuild_blocks(lines)
    assert blocks[0].text == "一年来，我们坚持谋篇布局、把向定航，产业体系重构升级。"
    assert blocks[1].text.startswith("产业谋划更加清晰。") and blocks[1].text.endswith("加快建设。")


def test_em_width_counts_latin_as_half():
    assert em_width("长清") == 2 and em_width("30.24") == 2.5


def test_verbatim_repeated_lines_are_dropped():
    lines = [Line("重复出现的页眉：长清区政府工作报告全文"), Line("正文第一句话在这里继续写下去。"),
             Line("重复出现的页眉：长清区政府工作报告全文"), Line("正文第二句话。")]
    texts = " ".join(b.text for b in rebuild_blocks(lines))
    assert texts.count("页眉") == 1
