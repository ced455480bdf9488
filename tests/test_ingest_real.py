"""Real documents (../shared/corpus/real): tables with headers, PDF layout cleanup, cover metadata,
HTML main content; plus the table-row passage format and bad input."""
from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

from rag.chunking import chunk_document
from rag.errors import IngestError
from rag.ingest import read_document
from rag.ingest.tables import format_row, grid_rows, row_caption, row_cells, row_values
from rag.textnorm import collapse_spaced_chars, separate_footnote_markers, strip_thousands_separators

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="shared/corpus/real not present")


def _doc(name: str):
    return read_document(REAL / name)


def _texts(doc, kind: str | None = None) -> list[str]:
    return [p.text for p in doc.paragraphs if kind is None or p.origin.kind == kind]


# --- the row format -------------------------------------------------------------------------------


def test_format_row_and_read_back():
    text = format_row("表3 2023年主要产品产量", ["产品名称", "单位", "产量", "比上年增长", "备注"],
                      ["水泥", "万吨", "456.78", "3.2%", ""])
    assert text == "表3 2023年主要产品产量 | 产品名称：水泥 | 单位：万吨 | 产量：456.78 | 比上年增长：3.2%"
    assert row_values(text) == ["水泥", "万吨", "456.78", "3.2%"]
    assert row_cells(text)[0] == ("产品名称", "水泥")
    assert row_caption(text) == "表3 2023年主要产品产量"
    assert row_values("本年收入合计2946.25万元。") is None
    # a header holding a colon inside brackets stays one header
    text = format_row("", ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "96171.6"])
    assert row_cells(text) == [("信息内容", "行政事业性收费"), ("本年收费金额（单位：万元）", "96171.6")]


def test_grid_rows_merged_headers_and_continuation():
    grid = [
        ["项目", "项目", "本年收入", "本年收入"],
        ["科目编码", "科目名称", "合计", "财政拨款"],
        ["201", "一般公共服务支出", "2,112.86", "2,106.66"],
    ]
    first = grid_rows(grid, "收入决算表")
    assert first.rows == ["收入决算表 | 项目·科目编码：201 | 项目·科目名称：一般公共服务支出 | "
                          "本年收入·合计：2,112.86 | 本年收入·财政拨款：2,106.66"]
    more = grid_rows([["221", "住房保障支出", "445.69", "445.69"]], "", continues=first)
    assert more.rows[0].startswith("收入决算表 | 项目·科目编码：221")


def test_text_cleanup_helpers():
    assert collapse_spaced_chars("第 二 产 业 增 加 值") == "第二产业增加值"
    assert collapse_spaced_chars("万人下乡 千村提升") == "万人下乡 千村提升"
    assert separate_footnote_markers("生产总值[2]1234.56亿元") == "生产总值1234.56亿元[2]"
    assert strip_thousands_separators("2,940.05万元") == "2940.05万元"


def test_table_rows_are_never_merged_or_split():
    from rag.schema import Document, Origin, Paragraph

    row = format_row("表1", ["项目", "金额"], ["x" * 400, "1.00"])
    paras = (Paragraph("短句。", Origin("d")), Paragraph(row, Origin("d", kind="table")),
             Paragraph("又一个短句。", Origin("d")))
    chunks = chunk_document(Document(name="d", content_hash="h", paragraphs=paras))
    assert [c.text for c in chunks if c.origin.kind == "table"] == [row]
    assert all("|" not in c.text for c in chunks if c.origin.kind == "text")


# --- real files ------------------------------------------------------------------------------------


@needs_real
def test_putuo_pdf_tables_cover_and_prose():
    doc = _doc("shanghai-putuo-finance-2024-final-accounts.pdf")
    assert doc.meta.title == "上海市普陀区财政局2024年度部门决算"
    rows = _texts(doc, "table")
    joined = ["".join(row_values(r)) for r in rows]
    assert any("30102津贴补贴1,238.58" in j for j in joined)  # side-by-side halves, header repeated
    assert any("年初结转和结余49.14年末结转和结余55.34" in j for j in joined)
    assert any("收入支出决算总表" in r and "年初结转和结余" in r for r in rows)
    prose = _texts(doc, "text")
    assert any("收入支出总计2995.39万元" in t for t in prose)
    assert any("更换了老旧照明设施，导致相关支出略有增加" in t for t in prose)
    assert not any(t in ("目录", "上海市普陀区财政局") for t in prose)  # no cover, no table of contents
    assert not any(re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff] [\u4e00-\u9fff]", t) for t in prose)
    assert not any("无数据" in r for r in rows)  # an empty form gives no rows; its note stays prose


@needs_real
def test_huaian_pdf_page_numbers_wrapped_words_and_continued_table():
    doc = _doc("huaian-2024-gov-info-disclosure-annual-report.pdf")
    assert doc.meta.title.startswith("淮安市人民政府")
    prose = _texts(doc, "text")
    assert not any(re.fullmatch(r"[-—–]\s*\d+\s*[-—–]", t) for t in prose)
    assert any("市政府网站主动公开各类政府信息5500余条" in t for t in prose)  # wrapped inside words, joined
    assert any("全市共受理政府信息公开申请3119件" in t for t in prose)  # paragraph across the page break
    rows = _texts(doc, "table")
    assert any(row_cells(r)[-1] == ("本年收费金额（单位：万元）", "96171.6") for r in rows)
    continued = [r for r in rows if "2.没有现成信息需要另行制作" in r]  # first row on page 5
    assert continued and "自然人：11" in continued[0]


@needs_real
def test_mohrss_docx_rejoins_lines_and_keeps_years_apart():
    doc = _doc("mohrss-2022-2023-hr-social-security-bulletin.docx")
    assert doc.meta.title == "2023年度人力资源和社会保障事业发展统计公报"
    assert "中华人民共和国人力资源和社会保障部" in doc.meta.cover_lines
    texts = _texts(doc)
    assert any("城镇失业人员再就业514万人，就业困难人员" in t for t in texts)
    assert not any(t.startswith("中华人民共和国人力资源和社会保障部") for t in texts)
    fact = next(p for p in doc.paragraphs if "2022年全国农民工总量29562万人" in p.text)
    assert fact.origin.section[0].startswith("2022年度")
    fact = next(p for p in doc.paragraphs if "年末全国就业人员74041万人" in p.text)
    assert fact.origin.section[0].startswith("2023年度")


@needs_real
def test_shanxi_html_main_content_and_meta():
    doc = _doc("shanxi-gov-2019-brand-silk-road-news.html")
    assert (doc.meta.title, doc.meta.date, doc.meta.source) == (
        "山西品牌丝路行（南美站）正式启动", "2019-09-18 06:23", "山西日报")
    texts = _texts(doc)
    assert any("活动在巴西圣保罗正式启动" in t for t in texts)
    assert not any("扫一扫" in t or "政府工作报告" == t or "打印" in t for t in texts)
    assert len(texts) < 15  # the article, not the ~400 footer links


# --- bad input -------------------------------------------------------------------------------------


def test_html_invisible_text_and_fragments(tmp_path: Path):
    html = ("<div><style>.x{display:none}</style><p class='x'>隐藏的段落，不应被索引。</p>"
            "<p style='display: none'>也是隐藏的，不要。</p><p hidden>隐藏属性，不要。</p>"
            "<template><p>模板里的段落，不要。</p></template><!-- 注释里的文字，不要。 -->"
            "<p>可见的正文段落，地区生产总值增长7%。</p></div>")
    path = tmp_path / "fragment.html"
    path.write_text(html, encoding="utf-8")
    assert _texts(read_document(path)) == ["可见的正文段落，地区生产总值增长7%。"]


def test_html_without_article_is_skipped_with_reason(tmp_path: Path):
    links = "".join(f"<li><a href='/{i}'>链接{i}</a></li>" for i in range(50))
    path = tmp_path / "nav.html"
    path.write_text(f"<html><body><nav><ul>{links}</ul></nav><ul>{links}</ul></body></html>", encoding="utf-8")
    with pytest.raises(IngestError, match="no article"):
        read_document(path)


def test_docx_merged_cells_once_with_headers(tmp_path: Path):
    document = docx.Document()
    document.add_paragraph("表1 主要指标")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 1).merge(table.cell(0, 2)).text = "2024年"
    table.cell(0, 0).merge(table.cell(1, 0)).text = "指标"
    table.cell(1, 1).text = "数值"
    table.cell(1, 2).text = "增长"
    table.cell(2, 0).text = "地区生产总值"
    table.cell(2, 1).text = "1234.5"
    table.cell(2, 2).text = "6.1%"
    path = tmp_path / "merged.docx"
    document.save(path)
    rows = _texts(read_document(path), "table")
    assert rows == ["表1主要指标 | 指标：地区生产总值 | 2024年·数值：1234.5 | 2024年·增长：6.1%"]
