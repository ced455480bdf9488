"""Read one file of a supported format into blocks (paragraph candidates with page and heading level)."""
from __future__ import annotations

import re
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
from rag.textnorm import tidy_spaces

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm")


def load_blocks(path: Path, data: bytes) -> list[Block]:
    """Dispatch on the file suffix; raise IngestError with a one-line reason when nothing usable is found."""
    suffix = path.suffix.lower()
    if suffix == ".txt":
        blocks = text_blocks(decode_text(data))
    elif suffix in (".md", ".markdown"):
        blocks = markdown_blocks(decode_text(data))
    elif suffix == ".pdf":
        blocks = pdf_blocks(path)
    elif suffix == ".docx":
        blocks = docx_blocks(path)
    elif suffix in (".html", ".htm"):
        blocks = html_blocks(decode_text(data))
    else:
        raise IngestError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    blocks = [b for b in blocks if b.text]
    if not blocks:
        raise IngestError("no text found")
    return blocks


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
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("PDF is password-protected")
        lines: list[Line] = []
        for number, page in enumerate(reader.pages, start=1):
            page_lines = (page.extract_text() or "").split("\n")
            for i, raw in enumerate(page_lines):
                if raw.strip():
                    lines.append(Line(text=raw, page=number, indented=bool(_INDENT.match(raw)) and i > 0))
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise IngestError(f"not a readable PDF ({exc.__class__.__name__}: {exc})") from exc
    if not any(ln.text.strip() for ln in lines):
        raise IngestError("PDF has no text layer (scanned images?); run OCR first")
    return rebuild_blocks(lines)


# --- Word -------------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def docx_blocks(path: Path) -> list[Block]:
    """Paragraph styles give heading levels; rendered page breaks give an approximate page."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise IngestError(f"not a readable Word .docx file ({exc.__class__.__name__})") from exc
    blocks: list[Block] = []
    page = 1
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            page += len(child.xpath('.//w:br[@w:type="page"]')) + len(child.xpath(".//w:lastRenderedPageBreak"))
            paragraph = docx.text.paragraph.Paragraph(child, document)
            text = tidy_spaces(paragraph.text)
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            level = _docx_heading_level(style)
            blocks.append(Block(text=text, page=page, heading_level=level))
        elif tag == "tbl":
            table = docx.table.Table(child, document)
            for row in table.rows:
                cells = [tidy_spaces(c.text) for c in row.cells]
                text = " | ".join(dict.fromkeys(c for c in cells if c))
                if text:
                    blocks.append(Block(text=text, page=page))
    return blocks


def _docx_heading_level(style: str) -> int | None:
    if style.lower() in ("title", "标题"):
        return 1
    match = _HEADING_STYLE.match(style.strip())
    return int(match.group(1)) if match else None


# --- HTML -------------------------------------------------------------------------------------------

_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "th", "dt", "dd"]


def html_blocks(text: str) -> list[Block]:
    """Headings h1–h6 become section levels; p/li/td… become blocks; scripts and navigation are dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "template", "svg"]):
        tag.decompose()
    blocks: list[Block] = []
    for element in soup.find_all(_HTML_BLOCKS):
        if element.find(_HTML_BLOCKS):
            continue  # a container: its inner blocks are visited on their own
        content = tidy_spaces(join_lines(element.get_text(" ").split("\n")))
        if not content:
            continue
        level = int(element.name[1]) if element.name[0] == "h" and element.name[1:].isdigit() else None
        blocks.append(Block(text=content, heading_level=level))
    if not blocks:
        body = soup.body or soup
        return text_blocks(body.get_text("\n"))
    return blocks
