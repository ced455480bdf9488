"""Heading detection and section paths on the demo report's structure."""
from __future__ import annotations


from rag.ingest import read_document
from rag.ingest.headings import lead_heading, numbered_heading

from conftest import DEMO


def test_numbered_headings_and_their_levels():
    assert numbered_heading("一、2023年工作回顾").level == 1
    assert numbered_heading("（一）聚力突破重点项目，积蓄发展后劲。全面贯彻落实").title == "（一）聚力突破重点项目，积蓄发展后劲"
    assert numbered_heading("一是高标准谋划策划项目。把产业项目").title == "一是高标准谋划策划项目"
    assert numbered_heading("一年来，我们坚持谋篇布局") is None


def test_short_lead_sentence_titles_its_paragraph():
    assert lead_heading("产业谋划更加清晰。大力破解产业不聚焦、协同不密切问题").title == "产业谋划更加清晰"
    assert lead_heading("刚刚过去的2023年，是全面贯彻落实党的二十大精神的开局之年。") is None


def test_demo_paragraphs_carry_their_section_path_and_page():
    doc = read_document(DEMO)
    revenue = next(p for p in doc.paragraphs if "30.24亿元" in p.text)
    assert revenue.origin.section == ("一、2023年工作回顾",)
    assert revenue.origin.page == 1
    roads = next(p for p in doc.paragraphs if "新建中川街等6条市政道路" in p.text)
    assert roads.origin.section[:2] == ("三、2024年重点工作安排", "（五）聚力突破城市建设，彰显城市形象")
    assert roads.origin.section[2] == "一是提升城市建设水平"
    assert roads.origin.page == 20


def test_heading_only_lines_are_not_paragraphs_and_duplicates_at_the_end_are_gone():
    doc = read_document(DEMO)
    texts = [p.text for p in doc.paragraphs]
    assert "一、2023年工作回顾" not in texts
    assert sum("片区定位更加明确" in t for t in texts) == 1  # the re-extracted fragment at the end is dropped
    assert sum("累计建设5G基站2375个" in t for t in texts) == 1
    assert texts[-1].endswith("作出新的更大贡献！")
