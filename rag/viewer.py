"""Show a cited passage where it sits in its document.

For a PDF the passage is located on its page from the PDF's own character boxes (pypdfium2's text
page) and the page is rendered to a PNG with the passage's lines highlighted; the PNG is cached under
`<cache_dir>/pages/`. For every document, the passages before and after it give the paragraph in
context (the only view for DOCX/HTML/TXT).

Locating: passage text is stored normalised (NFKC, spaces dropped between CJK characters, broken
lines joined, page numbers and running headers removed), so both sides are compared in a
whitespace-free NFKC form that keeps, for every compared character, the index of the PDF character it
came from. An exact find on the cited page (and the next, for a paragraph that runs over a page break)
is tried first; otherwise the matching blocks of a `difflib.SequenceMatcher` alignment are clustered
and the densest cluster wins. Its characters' loose boxes, merged into one rectangle per text line,
are what is highlighted.

pdfium is not thread-safe: every call into it holds one process-wide lock.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # imported lazily at run time: the UI must start even if rendering is unavailable
    from rag.schema import Chunk, Passage
    from rag.service import RagService

log = logging.getLogger(__name__)

PAGES_DIR = "pages"  # under Settings.cache_dir
RENDER_SCALE = 2.0  # 144 dpi: sharp in the panel and legible when opened full size
RENDER_VERSION = "2"  # bump when the drawing changes, so cached PNGs are redrawn
MIN_COVERAGE = 0.6  # share of the passage's characters that must be found to call it located
HIGHLIGHT_FILL = (250, 204, 21, 92)  # translucent yellow over the passage's lines
EMPHASIS_FILL = (234, 88, 12, 56)  # the clauses the answer relies on, on top of the yellow
BAR_COLOUR = (185, 28, 28, 255)  # a bar in the margin next to the passage

_PDFIUM = threading.Lock()

Rect = tuple[float, float, float, float]  # left, bottom, right, top in PDF points (origin bottom-left)


# -- text normalisation with a map back to the source characters ------------------------------------
def match_form(text: str) -> tuple[str, list[int]]:
    """`text` in compared form (NFKC, lower case, no whitespace, no thousands commas) and, for each
    character of that form, the index of the character of `text` it came from."""
    out: list[str] = []
    source: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).lower():
            if c.isspace() or c in "\u200b\ufeff\x00\ufffe\uffff":
                continue
            out.append(c)
            source.append(i)
    # 2,940.05 in a table and 2940.05 in prose are the same number
    keep = [
        not (c == "," and 0 < j < len(out) - 1 and out[j - 1].isdigit() and out[j + 1].isdigit())
        for j, c in enumerate(out)
    ]
    return "".join(c for c, k in zip(out, keep) if k), [s for s, k in zip(source, keep) if k]


# -- PDF text with character boxes --------------------------------------------------------------------
@dataclass
class PageText:
    """The text of one PDF page in reading order with a loose box per character (generated spaces and
    line breaks that pdfium adds are left out)."""

    number: int  # 1-based
    width: float
    height: float
    origin: tuple[float, float]  # left, top of the crop box: image pixel (0, 0)
    chars: str
    boxes: list[Rect]
    rotation: int = 0


def read_page_texts(pdf_path: Path, numbers: Iterable[int] | None = None) -> dict[int, PageText]:
    """PageText of the given 1-based pages (all pages when None); pages that do not exist are skipped."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    out: dict[int, PageText] = {}
    with _PDFIUM:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            total = len(pdf)
            wanted = range(1, total + 1) if numbers is None else sorted({n for n in numbers if 1 <= n <= total})
            for number in wanted:
                page = pdf[number - 1]
                textpage = page.get_textpage()
                chars: list[str] = []
                boxes: list[Rect] = []
                for i in range(textpage.count_chars()):
                    if pdfium_c.FPDFText_IsGenerated(textpage, i) == 1:
                        continue
                    code = pdfium_c.FPDFText_GetUnicode(textpage, i)
                    if not code:
                        continue
                    chars.append(chr(code))
                    boxes.append(tuple(textpage.get_charbox(i, loose=True)))  # type: ignore[arg-type]
                left, _bottom, _right, top = page.get_cropbox()
                width, height = page.get_size()
                out[number] = PageText(number, width, height, (left, top), "".join(chars), boxes, page.get_rotation())
                textpage.close()
                page.close()
        finally:
            pdf.close()
    return out


# -- locating a passage -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PageHit:
    """Where a passage lies on one page: one rectangle per text line (PDF points)."""

    page: int
    lines: tuple[Rect, ...]
    emphasis: tuple[Rect, ...] = ()

    @property
    def region(self) -> Rect:
        return _union(self.lines)


@dataclass(frozen=True)
class Location:
    hits: tuple[PageHit, ...]
    coverage: float  # share of the passage's compared characters found on the page(s)
    exact: bool

    @property
    def pages(self) -> list[int]:
        return [h.page for h in self.hits]


@dataclass
class _Haystack:
    """Several consecutive pages in compared form; each compared character knows its page and char."""

    text: str
    where: list[tuple[int, int]]  # (page number, index into PageText.chars)

    @classmethod
    def of(cls, pages: list[PageText]) -> "_Haystack":
        text, where = [], []
        for page in pages:
            form, source = match_form(page.chars)
            text.append(form)
            where.extend((page.number, s) for s in source)
        return cls("".join(text), where)


def locate_in_pages(pages: dict[int, PageText], page: int | None, text: str,
                    emphasis: list[str] | None = None) -> Location | None:
    """Find `text` (a stored passage) on `page` or the page after it; on any page if that fails.

    `emphasis` are substrings of `text` (supporting clauses) whose lines are returned separately."""
    needle, _ = match_form(text)
    if len(needle) < 2:
        return None
    candidates: list[list[int]] = []
    if page is not None and page in pages:
        candidates.append([p for p in (page, page + 1) if p in pages])
    best: Location | None = None
    for numbers in candidates:
        best = _locate(pages, numbers, needle, text, emphasis)
        if best is not None and best.coverage >= MIN_COVERAGE:
            return best
    # Not on its page (or no page known): the page whose bigrams overlap the passage most, and the next.
    grams = {needle[i : i + 2] for i in range(len(needle) - 1)}
    scored = []
    for number, page_text in pages.items():
        form, _ = match_form(page_text.chars)
        page_grams = {form[i : i + 2] for i in range(len(form) - 1)}
        scored.append((len(grams & page_grams), number))
    scored.sort(reverse=True)
    for _score, number in scored[:2]:
        numbers = [p for p in (number, number + 1) if p in pages]
        if candidates and numbers == candidates[0]:
            continue
        found = _locate(pages, numbers, needle, text, emphasis)
        if found is not None and (best is None or found.coverage > best.coverage):
            best = found
        if best is not None and best.coverage >= MIN_COVERAGE:
            return best
    return best if best is not None and best.coverage >= MIN_COVERAGE else None


def _locate(pages: dict[int, PageText], numbers: list[int], needle: str, text: str,
            emphasis: list[str] | None) -> Location | None:
    hay = _Haystack.of([pages[n] for n in numbers])
    if not hay.text:
        return None
    start = hay.text.find(needle)
    if start >= 0:
        positions = list(range(start, start + len(needle)))
        mapping = {i: start + i for i in range(len(needle))}
        coverage, exact = 1.0, True
    else:
        matched = _align(hay.text, needle, hay.where)
        if not matched:
            return None
        positions, mapping = matched
        coverage, exact = len(mapping) / len(needle), False
    emphasised: set[int] = set()
    for piece in emphasis or []:
        form, _ = match_form(piece)
        at = needle.find(form) if form else -1
        if at >= 0:
            emphasised.update(mapping[i] for i in range(at, at + len(form)) if i in mapping)
    hits = []
    for number in numbers:
        page = pages[number]
        chosen = [hay.where[p][1] for p in positions if hay.where[p][0] == number]
        if not chosen:
            continue
        strong = [hay.where[p][1] for p in sorted(emphasised) if hay.where[p][0] == number]
        hits.append(PageHit(number, tuple(line_rects([page.boxes[i] for i in chosen])),
                            tuple(line_rects([page.boxes[i] for i in strong]))))
    if not hits:
        return None
    return Location(tuple(hits), round(coverage, 3), exact)


def _align(hay: str, needle: str, where: list[tuple[int, int]]) -> tuple[list[int], dict[int, int]] | None:
    """Positions in `hay` covered by the best-aligned stretch of `needle`, and needle index → hay index.

    Matching blocks of a SequenceMatcher alignment are grouped into clusters (a jump in the page text
    much longer than the jump in the passage starts a new cluster); the cluster with most matched
    characters is the passage. Page text skipped inside a cluster is included when it is short (a
    word the ingestion dropped or changed), left out when long or when it crosses a page break (the
    page number and running header the ingestion removed).
    """
    blocks = [b for b in SequenceMatcher(None, hay, needle, autojunk=False).get_matching_blocks() if b.size >= 2]
    if not blocks:
        return None
    clusters: list[list] = [[blocks[0]]]
    for block in blocks[1:]:
        prev = clusters[-1][-1]
        hay_gap, needle_gap = block.a - (prev.a + prev.size), block.b - (prev.b + prev.size)
        if hay_gap > 2 * needle_gap + 24:
            clusters.append([block])
        else:
            clusters[-1].append(block)
    best = max(clusters, key=lambda c: sum(b.size for b in c if b.size >= 3) + 0.5 * sum(b.size for b in c))
    positions: list[int] = []
    mapping: dict[int, int] = {}
    for i, block in enumerate(best):
        if i:
            prev = best[i - 1]
            gap_start, gap_end = prev.a + prev.size, block.a
            same_page = where[gap_start - 1][0] == where[min(gap_end, len(where) - 1)][0]
            if same_page and gap_end - gap_start <= (block.b - (prev.b + prev.size)) + 8:
                positions.extend(range(gap_start, gap_end))
        positions.extend(range(block.a, block.a + block.size))
        mapping.update({block.b + k: block.a + k for k in range(block.size)})
    return positions, mapping


def line_rects(boxes: list[Rect]) -> list[Rect]:
    """Character boxes in reading order merged into one rectangle per text line."""
    lines: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if right <= left or top <= bottom:
            continue
        if lines:
            cur = lines[-1]
            middle = (bottom + top) / 2
            height = max(cur[3] - cur[1], top - bottom)
            if cur[1] <= middle <= cur[3] and left >= cur[0] - 2 and left <= cur[2] + 6 * height:
                cur[0], cur[1] = min(cur[0], left), min(cur[1], bottom)
                cur[2], cur[3] = max(cur[2], right), max(cur[3], top)
                continue
        lines.append([left, bottom, right, top])
    return [tuple(line) for line in lines]  # type: ignore[misc]


def _union(rects: Iterable[Rect]) -> Rect:
    rects = list(rects)
    return (min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects), max(r[3] for r in rects))


def locate_passage(pdf_path: Path, page: int | None, text: str, emphasis: list[str] | None = None) -> Location | None:
    """Find a stored passage in a PDF file (see `locate_in_pages`)."""
    return locate_in_pages(read_page_texts(pdf_path), page, text, emphasis)


# -- rendering ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PageImage:
    """A rendered page; `boxes` are the highlighted lines and `region` their union, as fractions of
    the image (left, top, right, bottom), for the page to position overlays and scroll to them."""

    page: int
    path: Path
    width: int
    height: int
    boxes: tuple[tuple[float, float, float, float], ...] = ()
    region: tuple[float, float, float, float] | None = None


def render_page(pdf_path: Path, page: int, cache_dir: Path, hit: PageHit | None = None,
                scale: float = RENDER_SCALE) -> PageImage:
    """The page as a PNG with `hit`'s lines highlighted; cached by file, page, scale and highlight."""
    from PIL import Image

    stat = pdf_path.stat()
    spec = repr((RENDER_VERSION, str(pdf_path.resolve()), stat.st_mtime_ns, stat.st_size, page, scale,
                 [tuple(round(v, 1) for v in r) for r in (hit.lines if hit else ())],
                 [tuple(round(v, 1) for v in r) for r in (hit.emphasis if hit else ())]))
    key = hashlib.sha1(spec.encode()).hexdigest()[:24]
    folder = cache_dir / PAGES_DIR
    target = folder / f"{key}.png"
    geometry = _page_geometry(pdf_path, page)
    boxes = tuple(_fractions(r, geometry) for r in hit.lines) if hit else ()
    region = _fractions(hit.region, geometry) if hit else None
    if target.is_file():
        with Image.open(target) as img:
            width, height = img.size
        return PageImage(page, target, width, height, boxes, region)
    image = _render(pdf_path, page, scale)
    if hit is not None:
        image = _draw_highlight(image, boxes, tuple(_fractions(r, geometry) for r in hit.emphasis), region)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{key}.{threading.get_ident()}.tmp"
    # 64 colours: a text page loses nothing visible and the PNG is about a third of the size
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(partial, format="PNG", optimize=True)
    partial.replace(target)
    return PageImage(page, target, image.width, image.height, boxes, region)


def _page_geometry(pdf_path: Path, page: int) -> tuple[float, float, float, float]:
    import pypdfium2 as pdfium

    with _PDFIUM:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            p = pdf[page - 1]
            left, _bottom, _right, top = p.get_cropbox()
            width, height = p.get_size()
            p.close()
        finally:
            pdf.close()
    return left, top, width, height


def _fractions(rect: Rect, geometry: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    left0, top0, width, height = geometry
    l, b, r, t = rect
    clamp = lambda v: round(min(max(v, 0.0), 1.0), 4)  # noqa: E731
    return clamp((l - left0) / width), clamp((top0 - t) / height), clamp((r - left0) / width), clamp((top0 - b) / height)


def _render(pdf_path: Path, page: int, scale: float):
    import pypdfium2 as pdfium

    with _PDFIUM:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            p = pdf[page - 1]
            image = p.render(scale=scale).to_pil().convert("RGB")
            p.close()
        finally:
            pdf.close()
    return image


def _draw_highlight(image, boxes, emphasis, region):
    from PIL import Image, ImageDraw

    width, height = image.size
    pad_x, pad_y = 3, 2
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)

    def px(box):
        l, t, r, b = box
        return (l * width - pad_x, t * height - pad_y, r * width + pad_x, b * height + pad_y)

    for box in boxes:
        draw.rectangle(px(box), fill=HIGHLIGHT_FILL)
    for box in emphasis:
        draw.rectangle(px(box), fill=EMPHASIS_FILL)
    if region is not None:
        l, t, _r, b = px(region)
        bar = max(3, width // 250)
        x = max(0, l - 3 * bar)
        draw.rectangle((x, t, x + bar, b), fill=BAR_COLOUR)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


# -- the view of one passage --------------------------------------------------------------------------
@dataclass
class SourceView:
    """What the sources panel shows for a passage besides its text.

    `pages` holds the rendered page(s) of a PDF source (the passage's page and, for a passage that
    runs over a page break, the next); `located` says whether the highlight was found. `before` and
    `after` are the neighbouring passages of the same document (the paragraph in context)."""

    doc: str
    kind: str = "context"  # "pdf" (page images) or "context"
    pages: list[PageImage] = field(default_factory=list)
    located: bool = False
    before: str = ""
    after: str = ""
    note: str = ""


class ViewBuilder:
    """Builds `SourceView`s from the live index: file paths from the manifest, neighbours from the
    stored passage order. Shared by all sessions; PDF text is cached per file version."""

    def __init__(self, service: "RagService") -> None:
        self.service = service
        self._lock = threading.Lock()
        self._neighbours: tuple[object, dict[str, tuple[str, str]], dict[str, str]] | None = None
        self._texts: dict[tuple[str, int, int], dict[int, PageText]] = {}

    @property
    def cache_dir(self) -> Path:
        return Path(self.service.settings.cache_dir).resolve()

    @property
    def pages_dir(self) -> Path:
        return self.cache_dir / PAGES_DIR

    def view(self, passage: "Passage", emphasis: list[str] | None = None) -> SourceView:
        """`emphasis`: substrings of the passage (the clauses the answer relies on) to stress on the page."""
        chunk = passage.chunk
        before, after, key = self._context(chunk)
        view = SourceView(doc=chunk.origin.doc, before=before, after=after)
        path = source_path(key) if key else None
        if path is None or path.suffix.lower() != ".pdf":
            return view
        view.kind = "pdf"
        try:
            pages = self._page_texts(path)
            location = None
            for text in _locatable_texts(chunk):
                location = locate_in_pages(pages, chunk.origin.page, text, emphasis)
                if location is not None:
                    break
            if location is not None:
                view.located = True
                view.pages = [render_page(path, hit.page, self.cache_dir, hit) for hit in location.hits[:2]]
            elif chunk.origin.page is not None and chunk.origin.page in pages:
                view.note = "未能在页面上定位这段文字，下面是它所在的整页。"
                view.pages = [render_page(path, chunk.origin.page, self.cache_dir)]
            else:
                view.kind, view.note = "context", "未能在 PDF 中定位这段文字。"
        except Exception as exc:  # a broken or vanished file: the text view still works
            log.warning("page view of %s failed: %s", path, exc)
            view.kind, view.pages, view.note = "context", [], "无法显示原文页面。"
        return view

    def views(self, passages: list["Passage"], emphasis: dict[int, list[str]] | None = None) -> dict[int, SourceView]:
        """Views keyed by marker (1-based position in `passages`); a failing passage is left out."""
        out: dict[int, SourceView] = {}
        for marker, passage in enumerate(passages, start=1):
            try:
                out[marker] = self.view(passage, (emphasis or {}).get(marker))
            except Exception:
                log.exception("source view for %s failed", passage.passage_id)
        return out

    # -- helpers ------------------------------------------------------------------------------------
    def _context(self, chunk: "Chunk") -> tuple[str, str, str | None]:
        snapshot = self.service.snapshot()
        with self._lock:
            if self._neighbours is None or self._neighbours[0] is not snapshot:
                by_id = {c.chunk_id: c for c in snapshot.chunks}
                around: dict[str, tuple[str, str]] = {}
                keys: dict[str, str] = {}
                for key, entry in snapshot.manifest.documents.items():
                    ids = [cid for cid in entry.chunk_ids if cid in by_id]
                    for i, cid in enumerate(ids):
                        keys[cid] = key
                        around[cid] = (by_id[ids[i - 1]].text if i else "",
                                       by_id[ids[i + 1]].text if i + 1 < len(ids) else "")
                self._neighbours = (snapshot, around, keys)
            _, around, keys = self._neighbours
        before, after = around.get(chunk.chunk_id, ("", ""))
        return before, after, keys.get(chunk.chunk_id)

    def _page_texts(self, path: Path) -> dict[int, PageText]:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._texts.get(key)
        if cached is None:
            cached = read_page_texts(path)
            with self._lock:
                if len(self._texts) > 32:
                    self._texts.clear()
                self._texts[key] = cached
        return cached


def source_path(key: str) -> Path | None:
    """The file behind a manifest key (its path relative to the working directory, or absolute)."""
    path = Path(key)
    if not path.is_absolute():
        path = Path.cwd() / path
    return path if path.is_file() else None


def _locatable_texts(chunk: "Chunk") -> list[str]:
    """What to look for on the page, best guess first. A table row is found by its cell values (the
    column headers and the caption are printed elsewhere on the page); when the row begins with label
    cells of merged rows (printed once, away from this row), by the values from its last label on."""
    if chunk.origin.kind != "table":
        return [chunk.text]
    _caption, rows = table_rows(chunk.text)
    cells = [cell for row in rows for cell in row]
    if not cells:
        return [chunk.text]
    texts = ["".join(value for _key, value in cells)]
    labels = 0
    while labels < len(cells) and not cells[labels][0]:
        labels += 1
    if labels > 1:
        texts.append("".join(value for _key, value in cells[labels - 1 :]))
    return texts


# -- table rows -----------------------------------------------------------------------------------
Cells = list[tuple[str, str]]


def table_rows(text: str) -> tuple[str, list[Cells]]:
    """A table passage (`表3 标题 | 产品名称：水泥 | 单位：万吨 | 产量：456.78`, one row per line) as
    (caption, rows of (column header, value)); rows is empty when the text is not in that form."""
    caption = ""
    rows: list[Cells] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        parsed = _parse_row(line)
        if parsed is None:
            return caption, []
        caption = caption or parsed[0]
        if parsed[1]:
            rows.append(parsed[1])
    return caption, rows


def _parse_row(line: str) -> tuple[str, Cells] | None:
    try:  # the ingestion's own parser (rag.ingest.tables writes these rows), when it is there
        from rag.ingest.tables import row_caption, row_cells
    except ImportError:
        return _split_row(line)
    try:
        cells = row_cells(line)
        return (row_caption(line), list(cells)) if cells is not None else None
    except Exception:  # a parser that disagrees with this line: show it as text
        return None


def _split_row(line: str) -> tuple[str, Cells] | None:
    """` | `-separated `header：value` cells; a first segment without `：` is the caption."""
    parts = [p.strip() for p in line.split(" | ")]
    if len(parts) < 2:
        return None
    caption = ""
    cells: Cells = []
    for i, part in enumerate(parts):
        key, sep, value = part.partition("：")
        if sep and key:
            cells.append((key.strip(), value.strip()))
        elif i == 0:
            caption = part
        elif part:
            cells.append(("", part))
    return (caption, cells) if any(k for k, _ in cells) else None
