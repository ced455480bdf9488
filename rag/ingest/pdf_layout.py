"""PDF pages → blocks (prose paragraphs and table rows) and the document's cover metadata.

Uses pdfplumber (character boxes with font sizes, ruled-table detection). Measured on the real corpus
against pypdf's layout mode: pdfplumber recovers the cell grid of ruled tables (merged header cells,
tables continued on the next page), pypdf only gives space-separated columns that cannot be told apart
from spaced-out text. What this module does beyond extraction:

- lines are rebuilt from characters, so a glyph set slightly off the baseline ("2024", quotes) stays in
  its line; superscript digits become footnote markers `[n]` and are moved behind the figure they touch;
- spaced-out characters of justified lines are collapsed; page-number lines (`- 1 -`, `— 1 —`, `第1页`)
  and running headers/footers (the same line at the top or bottom of most pages) are dropped;
- paragraphs are rebuilt from geometry: an indented first line, a short last line, a change of font
  size, a large vertical gap; a paragraph broken by a page break is joined again;
- the cover (large title lines on page 1 or a page holding only them) goes to `SourceMeta`, a table of
  contents is skipped;
- ruled tables become one passage per row (see `rag.ingest.tables`), their caption taken from the lines
  just above; a table continued at the top of the next page keeps the first part's headers.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import IngestError
from rag.ingest.headings import numbered_heading
from rag.ingest.paragraphs import Block, is_page_number, join_lines
from rag.ingest.tables import TableRows, grid_rows
from rag.schema import SourceMeta
from rag.textnorm import collapse_spaced_chars, separate_footnote_markers, tidy_spaces

CAPTION_LEVEL = 9  # a table caption heads the table's rows and closes at the next heading of any level
PART_LEVEL = 0  # a large-type part title ("第一部分 …") sits above the numbered headings
_TERMINAL = tuple("。！？!?；;….") + ("。”", "！”", "？”")
_TOC_TITLE = re.compile(r"^目\s*录$")
_TOC_ENTRY = re.compile(r"(?:\.{3,}|…{2,}|\s)\d{1,3}$")
_UNIT_LINE = re.compile(r"^[（(]?(?:单位|金额单位)[：:]")
_MOJIBAKE_BOM = "\u00ff\u00fe"


@dataclass
class PdfLine:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int


@dataclass
class PdfTable:
    grid: list[list[str]]
    top: float
    bottom: float
    page: int


@dataclass
class PageItems:
    number: int
    width: float
    height: float
    lines: list[PdfLine] = field(default_factory=list)
    tables: list[PdfTable] = field(default_factory=list)


# --- extraction ------------------------------------------------------------------------------------


def pdf_document(path: Path) -> tuple[list[Block], SourceMeta]:
    """Blocks and metadata of a PDF; IngestError with a one-line reason when it cannot be used."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [_page_items(page, number) for number, page in enumerate(pdf.pages, start=1)]
            info_title = _info_title(pdf.metadata or {})
    except IngestError:
        raise
    except PDFPasswordIncorrect as exc:
        raise IngestError("PDF is password-protected") from exc
    except (PDFSyntaxError, ValueError, KeyError, TypeError, OSError, AssertionError) as exc:
        raise IngestError(f"not a readable PDF ({exc.__class__.__name__}: {exc})") from exc
    except Exception as exc:  # pdfminer raises a zoo of its own exception types on broken files
        if exc.__class__.__module__.startswith(("pdfminer", "pdfplumber")):
            raise IngestError(f"not a readable PDF ({exc.__class__.__name__})") from exc
        raise
    if not any(p.lines or p.tables for p in pages):
        raise IngestError("PDF has no text layer (scanned images?); run OCR first")
    return layout_blocks(pages, info_title)


def _page_items(page, number: int) -> PageItems:
    items = PageItems(number=number, width=float(page.width), height=float(page.height))
    boxes = []
    for table in page.find_tables():
        grid = _table_grid(table)
        ncols = max((len(r) for r in grid), default=0)
        filled_rows = sum(1 for r in grid if any(c.strip() for c in r))
        if ncols < 2 or filled_rows == 0:
            continue  # a ruled box around prose, or an empty frame: its text is read as lines
        x0, top, x1, bottom = table.bbox
        boxes.append((x0 - 1, top - 1, x1 + 1, bottom + 1))
        items.tables.append(PdfTable(grid=grid, top=float(top), bottom=float(bottom), page=number))

    def outside(ch) -> bool:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    chars = [ch for ch in page.chars if outside(ch) and ch.get("text", "")]
    items.lines = _build_lines(chars, number)
    return items


def _table_grid(table) -> list[list[str]]:
    """The cell texts, a merged cell's text repeated in every row and column it covers."""
    texts = table.extract()
    rows = table.rows
    x_edges = sorted({round(c[0], 1) for c in table.cells})
    y_edges = [round(r.bbox[1], 1) for r in rows]
    x_right, y_bottom = table.bbox[2], table.bbox[3]
    col_mid = [(x + (x_edges[i + 1] if i + 1 < len(x_edges) else x_right)) / 2 for i, x in enumerate(x_edges)]
    row_mid = [(y + (y_edges[i + 1] if i + 1 < len(y_edges) else y_bottom)) / 2 for i, y in enumerate(y_edges)]
    grid = [["" for _ in col_mid] for _ in row_mid]
    for r, row in enumerate(rows):
        for c, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            text = (texts[r][c] if r < len(texts) and c < len(texts[r]) else "") or ""
            x0, top, x1, bottom = bbox
            for rr, ym in enumerate(row_mid):
                if top <= ym <= bottom:
                    for cc, xm in enumerate(col_mid):
                        if x0 <= xm <= x1:
                            grid[rr][cc] = text
    return grid


def _build_lines(chars: list[dict], page: int) -> list[PdfLine]:
    """Group characters into lines by vertical overlap (a glyph set off the baseline stays in its line)."""
    groups: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (round(c["top"], 1), c["x0"])):
        centre = (ch["top"] + ch["bottom"]) / 2
        for group in reversed(groups[-3:]):
            anchor = group[0]  # the line's first glyph: ranges must not chain into the next line
            if anchor["top"] - 0.5 <= centre <= anchor["bottom"] + 0.5:
                group.append(ch)
                break
        else:
            groups.append([ch])
    lines = [_make_line(g, page) for g in groups if any(c["text"].strip() for c in g)]
    return sorted((ln for ln in lines if ln.text), key=lambda ln: ln.top)


def _make_line(chars: list[dict], page: int) -> PdfLine:
    chars = sorted(chars, key=lambda c: c["x0"])
    spaces_after = set()
    glyphs: list[dict] = []
    for ch in chars:
        if ch["text"].strip():
            glyphs.append(ch)
        elif glyphs:
            spaces_after.add(id(glyphs[-1]))  # an explicit space glyph
    chars = glyphs or chars
    size = statistics.median(c["size"] for c in chars)
    base = max(c["bottom"] for c in chars if c["size"] >= 0.8 * size)
    out = ""
    prev = None
    in_marker = False
    for ch in chars:
        text = ch["text"]
        superscript = ch["size"] < 0.75 * size and ch["bottom"] < base - 0.2 * size and text.isdigit()
        if prev is not None and not superscript:
            gap = ch["x0"] - prev["x1"]
            latin = prev["text"].isascii() and text.isascii()
            if id(prev) in spaces_after or gap > (0.2 if latin else 0.45) * size and not (in_marker and gap < size):
                out += " "
        if superscript and not in_marker:
            out += "["
            in_marker = True
        elif not superscript and in_marker:
            out += "]"
            in_marker = False
        out += text
        prev = ch
    if in_marker:
        out += "]"
    text = separate_footnote_markers(collapse_spaced_chars(tidy_spaces(out)))
    return PdfLine(
        text=text,
        x0=min(c["x0"] for c in chars),
        x1=max(c["x1"] for c in chars),
        top=min(c["top"] for c in chars),
        bottom=max(c["bottom"] for c in chars),
        size=round(size, 1),
        page=page,
    )


def _info_title(info: dict) -> str:
    """The PDF's Title entry when it says something (not a file name, not mis-decoded bytes)."""
    title = info.get("Title") or ""
    if isinstance(title, bytes):
        try:
            title = title.decode("utf-16") if title[:2] in (b"\xff\xfe", b"\xfe\xff") else title.decode("utf-8")
        except UnicodeDecodeError:
            return ""
    title = str(title)
    if title.startswith(_MOJIBAKE_BOM) or title.startswith("\u00fe\u00ff"):
        try:
            title = title.encode("latin-1").decode("utf-16")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return ""
    title = re.sub(r"\.(?:pdf|docx?|wps|xlsx?)$", "", title.strip(), flags=re.IGNORECASE)
    title = re.sub(r"^Microsoft Word - ", "", title)
    if not re.search(r"[\u4e00-\u9fff]", title) or len(title) < 4:
        return ""
    return tidy_spaces(title)


# --- layout → blocks -------------------------------------------------------------------------------


def _body_size(pages: list[PageItems]) -> float:
    sizes = Counter()
    for page in pages:
        for ln in page.lines:
            sizes[ln.size] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 12.0


def _furniture_keys(pages: list[PageItems]) -> set[str]:
    """Lines at the top or bottom of a page that repeat on most pages: running headers and footers."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for page in pages:
        keys = set()
        for ln in page.lines:
            if ln.top < 0.1 * page.height or ln.bottom > 0.9 * page.height:
                keys.add(_furniture_key(ln.text))
        seen.update(keys)
    threshold = max(3, int(0.5 * len(pages)))
    return {k for k, n in seen.items() if n >= threshold and k}


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _is_toc_page(page: PageItems, started: bool) -> bool:
    if not page.lines or page.tables:
        return False
    if _TOC_TITLE.match(page.lines[0].text.replace(" ", "")):
        return True
    if not started:
        return False
    entries = [ln for ln in page.lines if not ln.text.endswith(_TERMINAL) and len(ln.text) <= 45]
    return len(entries) >= 0.9 * len(page.lines)


def layout_blocks(pages: list[PageItems], info_title: str = "") -> tuple[list[Block], SourceMeta]:
    body = _body_size(pages)
    furniture = _furniture_keys(pages)
    # Drop page furniture first, so that the cover and the paragraph geometry see only content.
    for page in pages:
        page.lines = [
            ln for ln in page.lines
            if not is_page_number(ln.text) and _furniture_key(ln.text) not in furniture
        ]
    cover = _take_cover(pages, body)
    toc = False
    blocks: list[Block] = []
    state = _ParagraphState(body)
    previous_table: TableRows | None = None
    for page in pages:
        toc = _is_toc_page(page, toc)
        if toc:
            continue
        left, right = _margins(page, body)
        items: list[tuple[float, object]] = [(ln.top, ln) for ln in page.lines]
        items += [(t.top, t) for t in page.tables]
        items.sort(key=lambda it: it[0])
        first_item = True
        for index, (_, item) in enumerate(items):
            if isinstance(item, PdfTable):
                caption_lines = _caption_lines(items, index, item, body, left, right)
                caption = " ".join(ln.text for ln in caption_lines if not _UNIT_LINE.match(ln.text))
                unit = next((ln.text for ln in caption_lines if _UNIT_LINE.match(ln.text)), "")
                if unit and caption:
                    caption = f"{caption}（{unit.strip('（）()')}）"
                for ln in caption_lines:
                    state.withdraw(ln)
                blocks.extend(state.flush())
                numbered = [Block(text=ln.text, page=ln.page) for ln in caption_lines if numbered_heading(ln.text)]
                continues = previous_table if first_item and not caption_lines else None
                taken = {ln.text for ln in caption_lines}
                while blocks and blocks[-1].kind == "text" and blocks[-1].text in taken and blocks[-1].page == page.number:
                    blocks.pop()  # a caption line already closed as a title of its own
                blocks.extend(numbered)
                rows = grid_rows(item.grid, caption, continues)
                blocks.extend(Block(text=row, page=page.number, kind="table") for row in rows.rows)
                previous_table = rows
                first_item = False
                continue
            line = item
            assert isinstance(line, PdfLine)
            blocks.extend(state.add(line, left, right))
            first_item = False
            previous_table = None
        blocks.extend(state.page_end())
    blocks.extend(state.flush())
    title = "".join(cover) if cover else info_title
    if cover and len(title) > 80:
        title = cover[0]
    return [b for b in blocks if b.text], SourceMeta(title=title, cover_lines=tuple(cover))


def _margins(page: PageItems, body: float) -> tuple[float, float]:
    lines = [ln for ln in page.lines if abs(ln.size - body) < 1.0] or page.lines
    if not lines:
        return 0.0, page.width
    left = Counter(round(ln.x0) for ln in lines).most_common(1)[0][0]
    left = min([ln.x0 for ln in lines if abs(ln.x0 - left) < 2] or [left])
    rights = sorted(ln.x1 for ln in lines)
    right = rights[int(0.8 * (len(rights) - 1))] if len(rights) >= 3 else max(rights)
    return left, right


_TABLE_TITLE = re.compile(r"^(?:附?表\s*\d+|[（(]?续表)")


def _caption_lines(items, index: int, table: PdfTable, body: float, left: float, right: float) -> list[PdfLine]:
    """Up to three short title lines just above a table (title in large type or centred, unit line)."""
    out: list[PdfLine] = []
    limit = table.top
    for _, item in reversed(items[:index]):
        if not isinstance(item, PdfLine):
            break
        text = item.text
        titled = (
            item.size >= body * 1.15
            or (item.x0 > left + 2 * item.size and item.x1 < right - 2 * item.size)
            or bool(_UNIT_LINE.match(text))
            or bool(_TABLE_TITLE.match(text))
            or bool(numbered_heading(text)) and len(text) <= 30
        )
        if limit - item.bottom > 3.5 * item.size or len(text) > 50 or text.endswith(_TERMINAL + ("：", ":")):
            break
        if not titled:
            break
        out.insert(0, item)
        limit = item.top
        if len(out) == 3:
            break
    return out


def _take_cover(pages: list[PageItems], body: float) -> list[str]:
    """Title lines in large type at the head of page 1 (the whole page when it holds nothing else)."""
    if not pages or not pages[0].lines:
        return []
    first = pages[0]
    body_lines = [ln for ln in first.lines if ln.size <= body * 1.1 and len(ln.text) > 20]
    if not body_lines and not first.tables and len(first.lines) <= 15:
        taken = list(first.lines)
    else:
        taken = []
        for ln in first.lines:
            if ln.size >= body * 1.2 and len(ln.text) <= 40:
                taken.append(ln)
            else:
                break
    if not taken:
        return []
    first.lines = [ln for ln in first.lines if ln not in taken]
    cover: list[str] = []
    for ln in taken:  # consecutive lines of the same type and size form one title line
        text = ln.text
        if cover and ln.size >= body * 1.2 and _prev_size(taken, ln) == ln.size and len(cover[-1]) + len(text) <= 24:
            cover[-1] = tidy_spaces(cover[-1] + text)
        else:
            cover.append(text)
    return [c for c in cover if c]


def _prev_size(lines: list[PdfLine], line: PdfLine) -> float:
    i = lines.index(line)
    return lines[i - 1].size if i > 0 else -1.0


class _ParagraphState:
    """Accumulates lines into a paragraph and decides where paragraphs break."""

    def __init__(self, body: float) -> None:
        self.body = body
        self.lines: list[PdfLine] = []
        self.left = 0.0
        self.right = 0.0
        self.last_on_page: PdfLine | None = None

    def withdraw(self, line: PdfLine) -> None:
        if line in self.lines:
            self.lines.remove(line)

    def add(self, line: PdfLine, left: float, right: float) -> list[Block]:
        out: list[Block] = []
        prev = self.lines[-1] if self.lines else None
        if prev is not None and self._breaks(prev, line, left, right):
            out.extend(self.flush())
        self.left, self.right = left, right
        self.lines.append(line)
        if self._standalone(line, left, right):
            out.extend(self.flush())
        return out

    def _standalone(self, line: PdfLine, left: float, right: float) -> bool:
        """A centred line or one in large type stands on its own (a title)."""
        large = line.size >= self.body * 1.2
        centred = line.x0 > left + 3 * line.size and line.x1 < right - 3 * line.size
        return (large or centred) and len(line.text) <= 60

    def _breaks(self, prev: PdfLine, line: PdfLine, left: float, right: float) -> bool:
        em = max(line.size, 1.0)
        if abs(prev.size - line.size) > 1.0:
            return True
        if line.x0 > left + 0.8 * em:
            return True  # indented first line
        if prev.page == line.page and line.top - prev.bottom > 1.6 * em:
            return True  # a gap wider than the line spacing
        if prev.page != line.page and prev.text.endswith(_TERMINAL):
            return True  # a new page after a finished sentence: splitting there costs nothing
        width_right = self.right if prev.page != line.page else right
        prev_short = prev.x1 < width_right - 1.5 * em
        if prev_short and (
            prev.text.endswith(_TERMINAL + ("：", ":"))
            or prev.x1 < left + 0.6 * (width_right - left)
            or (numbered_heading(prev.text) and len(prev.text) <= 40)
        ):
            return True
        if numbered_heading(line.text) and prev.text.endswith(_TERMINAL):
            return True
        return False

    def page_end(self) -> list[Block]:
        return []  # a paragraph may continue on the next page; the next line decides

    def flush(self) -> list[Block]:
        if not self.lines:
            return []
        lines, self.lines = self.lines, []
        text = collapse_spaced_chars(tidy_spaces(join_lines([ln.text for ln in lines])))
        text = separate_footnote_markers(text)
        level = None
        if lines[0].size >= self.body * 1.3 and len(text) <= 60 and not text.endswith(_TERMINAL):
            level = PART_LEVEL
        return [Block(text=text, page=lines[0].page, heading_level=level)]
