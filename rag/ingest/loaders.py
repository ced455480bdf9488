"""Read one file of a supported format into blocks (paragraph candidates with page and heading level)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rag.errors import IngestError
from rag.ingest.decoding import decode_text
from rag.ingest.paragraphs import (
    Block,
    Line,
    is_page_number,
    is_wrapped,
    join_lines,
    rebuild_blocks,
)
from rag.ingest.headings import numbered_heading
from rag.ingest.html_main import html_document
from rag.ingest.pdf_layout import pdf_document
from rag.ingest.tables import grid_rows
from rag.schema import SourceMeta
from rag.textnorm import tidy_spaces

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm")


def load_blocks(path: Path, data: bytes) -> list[Block]:
    """Dispatch on the file suffix; raise IngestError with a one-line reason when nothing usable is found."""
    return load_document(path, data)[0]


def load_document(path: Path, data: bytes) -> tuple[list[Block], SourceMeta]:
    """Blocks plus what the file says about itself (title, date, source, cover lines)."""
    suffix = path.suffix.lower()
    meta = SourceMeta()
    if suffix == ".txt":
        blocks = text_blocks(decode_text(data))
    elif suffix in (".md", ".markdown"):
        blocks = markdown_blocks(decode_text(data))
        meta = SourceMeta(title=markdown_title(blocks))
    elif suffix == ".pdf":
        blocks, meta = pdf_document(path)
    elif suffix == ".docx":
        blocks, meta = docx_document(path)
    elif suffix in (".html", ".htm"):
        blocks, meta = html_document(decode_text(data))
    else:
        raise IngestError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    blocks = [b for b in blocks if b.text]
    if not blocks:
        raise IngestError("no text found")
    return blocks, meta


# --- plain text ---------------------------------------------------------------------------------

_SINGLE_SPACE_LEAD = re.compile(r"^ (?=\S)")
_INDENT = re.compile(r"^(?:\t|\u3000|  )")


def text_lines(text: str) -> list[Line]:
    """Split text into lines and infer pages.

    Form feeds break pages. In hard-wrapped text without form feeds (PDF-to-text output), a line that
    starts with a single space opens a new page, and so does a page-number line; a number line that
    says N puts the following text on page N (header style) unless that would go backwards (footer style).
    """
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    has_form_feeds = "\f" in text
    probe = [Line(t) for t in raw_lines if t.strip()]
    space_marks_pages = not has_form_feeds and is_wrapped(probe) and any(
        _SINGLE_SPACE_LEAD.match(t) for t in raw_lines[1:]
    )

    lines: list[Line] = []
    page, at_page_start, blank_before = 1, True, False
    for raw in raw_lines:
        if "\f" in raw:
            page, at_page_start = page + raw.count("\f"), True
            raw = raw.replace("\f", "")
        stripped = raw.strip()
        if not stripped:
            blank_before = True
            continue
        if space_marks_pages and is_page_number(stripped):
            number = int(re.sub(r"\D", "", stripped)[:4] or 0)
            if not at_page_start:
                page, at_page_start = max(page + 1, number), True
            continue
        indented = bool(_INDENT.match(raw))
        if space_marks_pages and _SINGLE_SPACE_LEAD.match(raw):
            if not at_page_start and lines:
                page += 1
            indented = False  # the space marks the page, not an indentation
        lines.append(Line(text=raw, page=page, indented=indented and bool(lines), blank_before=blank_before))
        at_page_start, blank_before = False, False
    return lines


def text_blocks(text: str) -> list[Block]:
    return rebuild_blocks(text_lines(text))


# --- Markdown -------------------------------------------------------------------------------------


def markdown_title(blocks: list[Block]) -> str:
    """The level-1 headings before any content: "# 中华人民共和国民法典" + "# 婚姻家庭编" is one title."""
    parts: list[str] = []
    for block in blocks:
        if block.heading_level != 1:
            break
        parts.append(block.text)
    return " ".join(parts)


def markdown_blocks(text: str) -> list[Block]:
    """Headings (#) become section levels; paragraphs and list items become blocks."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    blocks: list[Block] = []
    heading_level: int | None = None
    for token in tokens:
        if token.type == "heading_open":
            heading_level = int(token.tag[1:])
        elif token.type == "inline":
            content = tidy_spaces(join_lines(token.content.split("\n")))
            content = re.sub(r"[*_`]{1,3}([^*_`]+)[*_`]{1,3}", r"\1", content)
            if content:
                blocks.append(Block(text=content, heading_level=heading_level))
            heading_level = None
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(Block(text=token.content.strip()))
    return blocks


# --- PDF --------------------------------------------------------------------------------------------


def pdf_blocks(path: Path) -> list[Block]:
    """Text layer of each page, with the real page number; a scanned PDF is refused with a reason."""
    return pdf_document(path)[0]


# --- Word -------------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


_CAPTION = re.compile(r"^(?:图|表|附表|附图)\s*\d+")
_TERMINAL_END = ("。", "！", "？", "!", "?", "；", ";", "”", "」", "…")


@dataclass
class _DocxPara:
    text: str
    page: int
    level: int | None
    centred: bool
    indented: bool


def docx_blocks(path: Path) -> list[Block]:
    return docx_document(path)[0]


def docx_document(path: Path) -> tuple[list[Block], SourceMeta]:
    """Word paragraphs and tables in body order.

    Heading styles give section levels (Title above all). Documents converted from PDF keep the PDF's
    line breaks as paragraph breaks: a paragraph that stops mid-sentence is joined with the next one.
    The title and the issuer line under it go to the metadata; a later paragraph that repeats the title
    pattern with another year (two reports in one file) opens a new top-level section.
    Tables become one passage per row with their headers (merged cells once).
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise IngestError(f"not a readable Word .docx file ({exc.__class__.__name__})") from exc
    except Exception as exc:  # a zip that is not a Word package raises from the XML layer
        raise IngestError(f"not a readable Word .docx file ({exc.__class__.__name__})") from exc
    items: list[_DocxPara | Block] = []
    page = 1
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            page += len(child.xpath('.//w:br[@w:type="page"]')) + len(child.xpath(".//w:lastRenderedPageBreak"))
            paragraph = docx.text.paragraph.Paragraph(child, document)
            text = tidy_spaces(paragraph.text.replace("\t", " "))
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            fmt = paragraph.paragraph_format
            alignment = str(paragraph.alignment or "")
            items.append(_DocxPara(
                text=text, page=page, level=_docx_heading_level(style),
                centred="CENTER" in alignment.upper(),
                indented=bool(fmt.first_line_indent and fmt.first_line_indent > 0),
            ))
        elif tag == "tbl":
            table = docx.table.Table(child, document)
            grid = [[c.text for c in row.cells] for row in table.rows]
            caption = ""
            if items and isinstance(items[-1], _DocxPara) and _looks_like_caption(items[-1].text):
                caption = items.pop().text
            rows = grid_rows(grid, caption)
            items.extend(Block(text=row, page=page, kind="table") for row in rows.rows)
    return _docx_blocks(items)


def _looks_like_caption(text: str) -> bool:
    return len(text) <= 60 and not text.endswith(_TERMINAL_END) and (bool(_CAPTION.match(text)) or len(text) <= 40)


def _docx_blocks(items: list) -> tuple[list[Block], SourceMeta]:
    title_key = ""
    cover: list[str] = []
    blocks: list[Block] = []
    current: list[_DocxPara] = []

    def flush() -> None:
        if current:
            text = tidy_spaces(join_lines([p.text for p in current]))
            blocks.append(Block(text=text, page=current[0].page))
            current.clear()

    expect_issuer = False
    for item in items:
        if isinstance(item, Block):
            flush()
            blocks.append(item)
            expect_issuer = False
            continue
        text = item.text
        key = re.sub(r"\d+", "#", text.replace(" ", ""))
        # a Word file typed without styles centres its title above the body ("凤阳县2022年…统计公报"), then
        # the issuing body and date ("凤阳县统计局…", "（2023年4月20日）")
        opening = (not title_key and not blocks and not current and item.level is None and item.centred
                   and len(text) <= 60 and not text.endswith(_TERMINAL_END))
        is_title = item.level == 0 or (title_key and key == title_key) or opening
        if is_title:
            flush()
            if not title_key:
                title_key = key
                cover.append(text)
            blocks.append(Block(text=text, page=item.page, heading_level=0))
            expect_issuer = True
            continue
        if text in cover or (expect_issuer and item.centred and len(text) <= 40 and not text.endswith(_TERMINAL_END)):
            if text not in cover:
                cover.append(text)  # the issuing body under the title
            continue
        expect_issuer = False
        if item.level is not None:
            flush()
            blocks.append(Block(text=text, page=item.page, heading_level=item.level))
            continue
        if current and _docx_breaks(current[-1], item):
            flush()
        current.append(item)
        if _CAPTION.match(text) and len(text) <= 60:
            flush()
    flush()
    # A unit line under a chart caption ("单位：万人") belongs to the caption.
    merged: list[Block] = []
    for block in blocks:
        if merged and block.kind == "text" and _UNIT.match(block.text) and _CAPTION.match(merged[-1].text):
            merged[-1] = Block(text=f"{merged[-1].text}（{block.text}）", page=merged[-1].page)
            continue
        merged.append(block)
    meta = SourceMeta(title=cover[0] if cover else "", cover_lines=tuple(cover))
    return merged, meta


_UNIT = re.compile(r"^(?:单位|金额单位)[：:]\S{1,8}$")


def _docx_breaks(prev: _DocxPara, para: _DocxPara) -> bool:
    """Does `para` start a new paragraph after `prev` (a line of a PDF-converted document)?"""
    prev_text = prev.text
    if prev_text.endswith(_TERMINAL_END) or prev_text.endswith(("：", ":")):
        return True
    if _CAPTION.match(prev_text) or _CAPTION.match(para.text) or _UNIT.match(para.text) or _UNIT.match(prev_text):
        return True
    if numbered_heading(prev_text) and len(prev_text) <= 40:
        return True  # "（一）养老保险" heads what follows
    if numbered_heading(para.text) and len(prev_text) <= 40:
        return True
    if para.centred != prev.centred:
        return True
    return False


def _docx_heading_level(style: str) -> int | None:
    if style.lower() in ("title", "标题"):
        return 0
    match = _HEADING_STYLE.match(style.strip())
    return int(match.group(1)) if match else None


# --- HTML -------------------------------------------------------------------------------------------

def html_blocks(text: str) -> list[Block]:
    """The article's blocks (see rag.ingest.html_main): navigation, footers, scripts and share bars dropped."""
    return html_document(text)[0]
