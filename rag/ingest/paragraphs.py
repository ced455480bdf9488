"""Rebuild real paragraphs from hard-wrapped lines (text extracted from PDFs).

PDF text arrives one visual line at a time: sentences broken mid-way, page numbers between lines,
running headers repeated on every page. A paragraph boundary is decided from the text itself:
a numbered heading, an indented first line (tab / two spaces, or — when the indentation was lost —
a line about two characters narrower than a full line), or a short last line that ends a sentence.
"""
from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass

from rag.ingest.headings import numbered_heading
from rag.textnorm import tidy_spaces

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*\d{1,4}\s*[-–—]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})\s*$"
)
_TERMINAL = tuple("。！？!?；;：:…") + ("。”", "！”", "？”", "。’", "。」", "。』")
_LETTER_SPACED = re.compile(r"^(?:[\u4e00-\u9fff] ){2,}[\u4e00-\u9fff]$")
_MIN_REPEAT_CHARS = 10


@dataclass(frozen=True)
class Line:
    """One source line: `indented` means the source showed an indented first line here."""

    text: str
    page: int | None = None
    indented: bool = False
    blank_before: bool = False


@dataclass(frozen=True)
class Block:
    """A rebuilt paragraph before headings are resolved; `heading_level` is set by structured formats."""

    text: str
    page: int | None = None
    heading_level: int | None = None
    kind: str = "text"  # "table": a row formatted by rag.ingest.tables.format_row


def is_page_number(text: str) -> bool:
    """Lines like `15`, `- 15 -`, `第15页`, `15/28` are page furniture, not content."""
    return bool(_PAGE_NUMBER.match(text))


def em_width(text: str) -> float:
    """Visual width in em: Chinese characters are 1, Latin letters and digits about half."""
    width = 0.0
    for ch in text.strip():
        if ch.isspace():
            width += 0.25
        elif unicodedata.east_asian_width(ch) in "WFA":
            width += 1.0
        else:
            width += 0.5
    return width


def join_lines(parts: list[str]) -> str:
    """Join wrapped lines: no space between Chinese characters, one space between Latin words."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and _needs_space(out[-1], part[0]):
            out += " "
        out += part
    return out


def _needs_space(left: str, right: str) -> bool:
    return left.isascii() and right.isascii() and left.isalpha() and right.isalnum()


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_TERMINAL)


def _full_width(widths: list[float]) -> float:
    """The width of an unbroken line: the median of the long lines."""
    if not widths:
        return 0.0
    top = sorted(widths)[int(0.95 * (len(widths) - 1))]
    long_lines = [w for w in widths if w >= 0.7 * top]
    return statistics.median(long_lines)


def is_wrapped(lines: list[Line]) -> bool:
    """Hard-wrapped text (most lines stop mid-sentence) needs paragraph rebuilding; prose does not."""
    content = [ln.text.strip() for ln in lines if ln.text.strip()]
    if len(content) < 4:
        return False
    open_ended = sum(1 for t in content if not _ends_sentence(t))
    return open_ended / len(content) > 0.5


def drop_furniture(lines: list[Line]) -> list[Line]:
    """Remove page numbers and lines that repeat verbatim (running headers, duplicated extraction)."""
    seen: set[str] = set()
    kept: list[Line] = []
    for line in lines:
        text = line.text.strip()
        if not text:
            kept.append(line)
            continue
        if is_page_number(text):
            continue
        key = re.sub(r"\s+", "", text)
        if len(key) >= _MIN_REPEAT_CHARS and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return kept


def rebuild_blocks(lines: list[Line]) -> list[Block]:
    """Group lines into paragraphs; each block keeps the page its first line came from."""
    lines = [ln for ln in drop_furniture(lines) if ln.text.strip()]
    if not lines:
        return []
    wrapped = is_wrapped(lines)
    full = _full_width([em_width(ln.text) for ln in lines])
    # When blank lines separate every line they carry no paragraph information.
    blank_pairs = sum(1 for ln in lines[1:] if ln.blank_before)
    blanks_mean_breaks = blank_pairs < 0.8 * (len(lines) - 1)

    blocks: list[Block] = []
    current: list[Line] = []
    for line in lines:
        if current and _starts_paragraph(current[-1], line, wrapped, full, blanks_mean_breaks):
            blocks.append(_make_block(current))
            current = []
        current.append(line)
    if current:
        blocks.append(_make_block(current))
    return blocks


def _starts_paragraph(prev: Line, line: Line, wrapped: bool, full: float, blanks_mean_breaks: bool) -> bool:
    text, prev_text = line.text.strip(), prev.text.strip()
    if line.indented or (blanks_mean_breaks and line.blank_before):
        return True
    if not wrapped:
        return True  # prose: one line is one paragraph
    prev_w, w = em_width(prev_text), em_width(text)
    prev_ends = _ends_sentence(prev_text)
    # A full line is ~`full` wide; a first line is ~2 em narrower (indent); a last line is anything.
    prev_is_last = prev_ends and prev_w < full - 1.5
    prev_is_title = not prev_ends and prev_w < full - 4.5
    if numbered_heading(text) and (prev_ends or prev_is_title or numbered_heading(prev_text)):
        return True
    if text.startswith("——") and prev_ends:
        return True
    if prev_is_last or prev_is_title:
        return True
    looks_indented = full - 3.75 <= w <= full - 1.25
    return prev_ends and looks_indented


def _make_block(lines: list[Line]) -> Block:
    text = tidy_spaces(join_lines([ln.text for ln in lines]))
    if _LETTER_SPACED.match(text):
        text = text.replace(" ", "")
    return Block(text=text, page=lines[0].page)
