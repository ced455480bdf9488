"""Table rows as searchable passages: `caption | header：value | header：value …`.

A row passage carries its caption and column headers, so "水泥 万吨 456.78" far from its header becomes
`表3 2023年…主要产品产量 | 产品名称：水泥 | 单位：万吨 | 产量：456.78 | 比上年增长：3.2%`.
`row_values` / `row_cells` read such a text back (evidence matching, the UI's small table).

`grid_rows` turns a grid of cells (None = covered by a merged cell, as pdfplumber reports it; or the
repeated text python-docx reports for merged cells) into formatted rows: header rows are combined into
one label per column, merged cells are de-duplicated, sub-tables introduced by a full-width title row get
their own headers, and side-by-side halves with identical headers become separate rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.textnorm import collapse_spaced_chars, tidy_spaces

CELL_SEPARATOR = " | "
HEADER_LEVEL_JOIN = "·"  # a column under a merged header: `收入·决算数`
HEADER_SEPARATOR = "："
_OPENERS = "（(【[《“"
_CLOSERS = "）)】]》”"
_NUMERIC = re.compile(r"^[-+−]?[\d,，.．%％]+$|^[-—–]+$")
_HAS_DIGIT = re.compile(r"\d")


# --- the passage format ----------------------------------------------------------------------------


def clean_cell(text: str | None) -> str:
    """One line of tidy text: wrapped cell lines joined, spaced-out characters collapsed, no `|`."""
    if not text:
        return ""
    parts = [p.strip() for p in str(text).replace("\r", "\n").split("\n")]
    joined = ""
    for part in parts:
        if not part:
            continue
        if joined and joined[-1].isascii() and joined[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            joined += " "
        joined += part
    joined = collapse_spaced_chars(tidy_spaces(joined))
    return joined.replace("|", "｜").strip()


def _safe_header(text: str) -> str:
    """A header must not contain a top-level `：` (it would be read as the header/value split)."""
    out, depth = [], 0
    for ch in text:
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(depth - 1, 0)
        out.append(" " if ch in "：:" and depth == 0 else ch)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def format_row(caption: str, headers: list[str], cells: list[str]) -> str:
    """`caption | header：value | …`; empty cells skipped; a cell without a header is shown bare."""
    parts: list[str] = []
    caption = _safe_header(clean_cell(caption))
    if caption:
        parts.append(caption)
    for i, cell in enumerate(cells):
        value = clean_cell(cell)
        if not value:
            continue
        header = _safe_header(clean_cell(headers[i])) if i < len(headers) and headers[i] else ""
        parts.append(f"{header}{HEADER_SEPARATOR}{value}" if header else value)
    return CELL_SEPARATOR.join(parts)


def _split_header(segment: str) -> tuple[str, str] | None:
    """Split `header：value` at the first `：` outside brackets; None when there is none."""
    depth = 0
    for i, ch in enumerate(segment):
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(depth - 1, 0)
        elif ch == HEADER_SEPARATOR and depth == 0 and i > 0:
            return segment[:i], segment[i + 1 :]
    return None


def _parse(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    if CELL_SEPARATOR not in text or "\n" in text:
        return None
    segments = text.split(CELL_SEPARATOR)
    pairs = [_split_header(s) for s in segments]
    if not any(pairs):
        return None  # a formatted row has at least one header：value cell
    caption = ""
    if pairs[0] is None and any(pairs[1:]):
        caption = segments[0]
        segments, pairs = segments[1:], pairs[1:]
    cells = [pair if pair is not None else ("", seg) for seg, pair in zip(segments, pairs)]
    return caption, cells


def row_cells(text: str) -> list[tuple[str, str]] | None:
    """(header, value) pairs of a row passage in order (header "" for a bare cell); None if not a row."""
    parsed = _parse(text)
    return parsed[1] if parsed else None


def row_values(text: str) -> list[str] | None:
    """The cell values of a row passage in order; None when the text is not a formatted row."""
    cells = row_cells(text)
    return [value for _, value in cells] if cells is not None else None


def row_caption(text: str) -> str:
    """The caption of a row passage ("" when it has none or the text is not a row)."""
    parsed = _parse(text)
    return parsed[0] if parsed else ""


# --- grids → rows ----------------------------------------------------------------------------------


@dataclass
class TableRows:
    """Formatted rows of one table plus what a continuation on the next page needs."""

    caption: str
    headers: list[str]
    rows: list[str] = field(default_factory=list)
    ncols: int = 0
    open_title: str = ""  # a sub-table title row that ended the grid (its rows are on the next page)


def is_numeric(text: str) -> bool:
    return bool(_NUMERIC.match(text.replace(" ", ""))) and bool(_HAS_DIGIT.search(text))


def _is_header_row(row: list[str]) -> bool:
    values = [v for v in row if v]
    return bool(values) and not any(is_numeric(v) for v in values)


def _clean_grid(grid: list[list[str | None]]) -> list[list[str]]:
    """Merged cells arrive with their text repeated in every position they cover (see the loaders)."""
    return [[clean_cell(c) for c in row] for row in grid]


_NOTE_ONLY = re.compile(r"^[（(].*[）)]$")


def _combine_headers(header_rows: list[list[str]], ncols: int) -> list[str]:
    headers = []
    for c in range(ncols):
        parts: list[str] = []
        for row in header_rows:
            value = row[c] if c < len(row) else ""
            if value and value not in parts and not _NOTE_ONLY.match(value):
                parts.append(value)
        headers.append(HEADER_LEVEL_JOIN.join(parts))
    return headers


def _dedupe_row(headers: list[str], cells: list[str]) -> tuple[list[str], list[str]]:
    """Merged cells repeat their text in every column they span: keep it once."""
    out_h: list[str] = []
    out_c: list[str] = []
    for h, v in zip(headers, cells):
        if out_c and v and v == out_c[-1] and (h == out_h[-1] or not is_numeric(v)):
            continue
        if out_c and v and h and h == out_h[-1] and out_c[-1] and not is_numeric(v) and not is_numeric(out_c[-1]):
            out_c[-1] = f"{out_c[-1]} {v}"  # label columns under one merged header: one cell
            continue
        out_h.append(h)
        out_c.append(v)
    return out_h, out_c


def _halves(headers: list[str]) -> int | None:
    """Side-by-side tables (`科目 决算数 科目 决算数`): the width of one half, when headers repeat."""
    n = len(headers)
    for parts in (2, 3):
        if n % parts == 0 and n // parts >= 2:
            width = n // parts
            chunks = [headers[i * width : (i + 1) * width] for i in range(parts)]
            if all(ch == chunks[0] for ch in chunks) and any(chunks[0]):
                return width
    return None


def _full_width_title(row: list[str]) -> str | None:
    """A row holding one cell across the whole table (`第二十条 第（一）项`) titles a sub-table."""
    if len(row) > 1 and row[0] and not is_numeric(row[0]) and all(c == row[0] for c in row):
        return row[0]
    return None


def _absorb_label_row(headers: list[str], row: list[str], following: list[str]) -> None:
    """`类 款 项 合计 2,946.25`: short labels over code columns belong to the header, not the row."""
    for c, cell in enumerate(row):
        if cell and len(cell) <= 2 and not is_numeric(cell) and c < len(following) and (
            is_numeric(following[c]) or not following[c]
        ) and any(is_numeric(following[k]) for k in range(len(following))):
            if c + 1 < len(row) and row[c + 1] == cell:
                continue
            if cell not in headers[c].split(HEADER_LEVEL_JOIN):
                headers[c] = f"{headers[c]}{HEADER_LEVEL_JOIN}{cell}" if headers[c] else cell
            row[c] = ""
        elif cell:
            break


def grid_rows(grid: list[list[str | None]], caption: str = "", continues: TableRows | None = None) -> TableRows:
    """Format every data row of a grid; `continues` is the same table's part on the previous page."""
    cleaned = [row for row in _clean_grid(grid) if any(row)]
    ncols = max((len(r) for r in cleaned), default=0)
    if ncols >= 3 and continues is None and not any(_HAS_DIGIT.search(c) for r in cleaned for c in r):
        if len(cleaned) >= 2 and len({c for c in cleaned[-1] if c}) <= 1:
            return TableRows(caption=caption, headers=[], ncols=ncols)  # an empty form: headers and "合计"
    filled = [row + [""] * (ncols - len(row)) for row in cleaned]
    result = TableRows(caption=caption, headers=[], ncols=ncols)
    sub_caption = ""
    if continues is not None and continues.ncols == ncols:
        result.caption, result.headers = continues.caption, list(continues.headers)
    elif continues is not None and continues.open_title:
        result.caption, sub_caption = continues.caption, continues.open_title
    i = 0
    at_top = not result.headers
    first_data = at_top
    while i < len(filled):
        title = _full_width_title(filled[i])
        if title is not None:
            first_data = True
            sub_caption, at_top = title, True
            result.headers = []
            result.open_title = title
            i += 1
            continue
        if at_top:
            start = i
            while i < len(filled) and _is_header_row(filled[i]) and _full_width_title(filled[i]) is None and i - start < 4:
                i += 1
            if i < len(filled) and i > start:
                result.headers = _combine_headers(filled[start:i], ncols)
            elif i == len(filled) and i > start:
                # only label rows: an all-text table (no numbers); the first row is its header
                result.headers = filled[start]
                i = start + 1
            at_top = False
            continue
        result.open_title = ""
        full_caption = " ".join(p for p in (result.caption, sub_caption) if p)
        if first_data and result.headers and i + 1 < len(filled):
            _absorb_label_row(result.headers, filled[i], filled[i + 1])
        first_data = False
        headers = result.headers or [""] * ncols
        width = _halves(headers)
        spans = [(k, k + width) for k in range(0, ncols, width)] if width else [(0, ncols)]
        for lo, hi in spans:
            h, cells = _dedupe_row(headers[lo:hi], filled[i][lo:hi])
            filled_cells = [(hh, v) for hh, v in zip(h, cells) if v]
            repeats_header = sum(1 for hh, v in filled_cells if v == hh or v in hh.split(HEADER_LEVEL_JOIN))
            if filled_cells and repeats_header * 2 < len(filled_cells):
                row_text = format_row(full_caption, h, cells)
                if row_text and (_split_header(row_text.split(CELL_SEPARATOR)[-1]) or len(cells) > 1):
                    result.rows.append(row_text)
        i += 1
    return result
