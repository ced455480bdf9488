"""Every supported format, and bad input: each failure is a one-line reason, never a crash."""
from __future__ import annotations

from pathlib import Path

import docx
import pytest

from rag.errors import IngestError
from rag.ingest import read_document
from rag.ingest.decoding import decode_text

SAMPLE = "一、总体情况\n2023年全区完成一般公共预算收入30.24亿元，增长29.2%。\n二、下一步安排\n今年计划新建城市公园3处。\n"


def _pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF with one text line per page (Helvetica, ASCII), built by hand."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    font_id = 3
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET" if text else ""
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        content_id = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_txt_in_gbk_and_utf16_reads_like_utf8(tmp_path: Path):
    for encoding in ("utf-8", "gbk", "utf-16", "utf-8-sig"):
        path = tmp_path / f"report-{encoding}.txt"
        path.write_bytes(SAMPLE.encode(encoding))
        doc = read_document(path)
        assert any("30.24亿元" in p.text for p in doc.paragraphs), encoding
        assert doc.paragraphs[0].origin.section == ("一、总体情况",)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"   \n\n  ", "empty file"),
        (bytes(range(256)) * 20, "binary"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary"),
    ],
)
def test_bad_text_files_get_a_one_line_reason(tmp_path: Path, data: bytes, reason: str):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(IngestError, match=reason):
        read_document(path)


def test_unknown_encoding_is_refused_not_garbled():
    # Latin-1 bytes that are valid in no CJK encoding as plausible text
    with pytest.raises(IngestError):
        decode_text(bytes([0x81, 0x20, 0xFE, 0xFF, 0x80, 0x9F] * 50))


def test_markdown_headings_become_the_section_path(tmp_path: Path):
    path = tmp_path / "notice.md"
    path.write_text("# 关于做好供暖工作的通知\n\n## 一、供暖时间\n\n供暖期为**11月15日**至次年3月15日，共121天。\n", encoding="utf-8")
    doc = read_document(path)
    para = doc.paragraphs[0]
    assert para.text == "供暖期为11月15日至次年3月15日，共121天。"
    assert para.origin.section == ("关于做好供暖工作的通知", "一、供暖时间")


def test_html_blocks_and_headings(tmp_path: Path):
    html = ("<html><head><script>var x='忽略';</script></head><body><nav>首页 | 关于</nav>"
            "<h2>二、主要目标</h2><p>地区生产总值增长 7%，一般公共预算收入增长 7.5%。</p></body></html>")
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    doc = read_document(path)
    assert [p.text for p in doc.paragraphs] == ["地区生产总值增长7%，一般公共预算收入增长7.5%。"]
    assert doc.paragraphs[0].origin.section == ("二、主要目标",)


def test_docx_styles_give_headings_and_tables_are_read(tmp_path: Path):
    document = docx.Document()
    document.add_heading("2024年重点工作", level=1)
    document.add_paragraph("新建城市公园3处，新增造林面积1500亩。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "森林覆盖率"
    table.rows[0].cells[1].text = "38.06%"
    path = tmp_path / "plan.docx"
    document.save(path)
    doc = read_document(path)
    assert doc.paragraphs[0].origin.section == ("2024年重点工作",)
    assert any("38.06%" in p.text for p in doc.paragraphs)


def test_pdf_text_keeps_real_page_numbers(tmp_path: Path):
    path = tmp_path / "two-pages.pdf"
    path.write_bytes(_pdf(["Revenue reached 30.24 billion yuan.", "Growth was 29.2 percent."]))
    doc = read_document(path)
    pages = {p.text: p.origin.page for p in doc.paragraphs}
    assert pages == {"Revenue reached 30.24 billion yuan.": 1, "Growth was 29.2 percent.": 2}


def test_pdf_without_text_layer_is_refused(tmp_path: Path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_pdf(["", ""]))
    with pytest.raises(IngestError, match="no text layer"):
        read_document(path)


def test_corrupt_pdf_and_docx_are_refused(tmp_path: Path):
    for name in ("broken.pdf", "broken.docx"):
        path = tmp_path / name
        path.write_bytes(b"this is not really a " + name.encode())
        with pytest.raises(IngestError):
            read_document(path)


def test_a_docx_typed_without_styles_has_its_centred_opening_lines_as_title_and_cover(tmp_path: Path):
    """Many offices centre the title, the issuing body and the date in Normal style: they are the title and
    cover lines, not one run-on paragraph (凤阳县 bulletin of eval/docs/synthetic/set2, in miniature)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from rag.card import build_card

    document = docx.Document()
    for line in ("凤阳县2022年国民经济和社会发展统计公报", "凤阳县统计局　国家统计局凤阳调查队", "（2023年4月20日）"):
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph("2022年，全县上下坚持稳中求进工作总基调，经济运行总体平稳。")
    document.add_paragraph("一、综合")
    document.add_paragraph("初步核算，全年全县地区生产总值292.6亿元，比上年增长4.3%。")
    path = tmp_path / "bulletin.docx"
    document.save(str(path))
    doc = read_document(path)
    assert doc.meta.title == "凤阳县2022年国民经济和社会发展统计公报"
    assert "凤阳县统计局　国家统计局凤阳调查队".replace("　", " ") in " ".join(doc.meta.cover_lines).replace("　", " ")
    assert not any("统计公报" in p.text for p in doc.paragraphs)
    card = build_card(doc)
    assert card.kind == "统计公报" and card.place == "凤阳县" and card.year == 2022 and card.present_year == 2023
