"""HTML page → the article's blocks and the page's title/date/source.

Rule-based main-content extraction (measured against trafilatura on the real corpus page: both find
the article; this keeps paragraph boundaries, heading levels and tables, needs no extra dependency,
and behaves predictably on fragments):

1. everything a reader cannot see is removed first: `<script>`, `<style>`, `<template>`, `<noscript>`,
   comments, `hidden` / `aria-hidden`, inline `display:none` / `visibility:hidden`, classes hidden by
   the page's own `<style>` rules, form controls; then navigation furniture (`nav`, `header`, `footer`,
   `aside`, `form`, elements whose class or id names navigation, share bars, breadcrumbs, footers);
2. each text block (an element with no block children) with enough non-link text scores its parent
   (and half its grandparent); the best-scoring container is the article — link farms score nothing;
3. inside it, blocks in document order; share/print/QR-code lines (`扫一扫…`, `打印 字体：…`) dropped.

A page without an article (only links and short lines) raises IngestError with the reason.
"""
from __future__ import annotations

import re

from rag.errors import IngestError
from rag.ingest.paragraphs import Block, join_lines
from rag.ingest.tables import grid_rows
from rag.schema import SourceMeta
from rag.textnorm import tidy_spaces

BLOCK_TAGS = {
    "p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "dt", "dd",
    "section", "article", "main", "table", "tr", "ul", "ol", "dl", "figcaption", "figure", "center",
}
_INVISIBLE_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "head",
                   "input", "select", "textarea", "button", "canvas", "audio", "video", "map"]
_FURNITURE_TAGS = ["nav", "header", "footer", "aside", "form"]
_FURNITURE_NAME = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|breadcrumb|crumb|footer|foot|header|share|sharebar|toolbar|sidebar|"
    r"banner|topbar|copyright|links?|friendlink|related|recommend|comment|pagination|pager|qrcode|ewm)(?:$|[-_\s\d])",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HIDDEN_CLASS_RULE = re.compile(r"\.([A-Za-z_][\w-]*)\s*(?:,[^{]*)?\{[^}]*(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.IGNORECASE)
_BOILERPLATE_LINE = re.compile(
    r"^(?:扫一扫|打印|【?关闭|【?打印|字体[：:]|分享到?|责任编辑|返回顶部|上一篇|下一篇|相关(?:链接|阅读|新闻)|"
    r"来源[：:].{0,20}$|时间[：:].{0,40}$|发布时间[：:].{0,40}$|浏览次数|访问量|当前位置)"
)
_DATE = re.compile(r"(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})日?(?:\s+(\d{1,2}:\d{2}))?")
_MIN_BLOCK_CHARS = 10


def html_document(text: str) -> tuple[list[Block], SourceMeta]:
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(text, "lxml")
    meta = _page_meta(soup)
    hidden_classes = set()
    for style in soup.find_all("style"):
        hidden_classes.update(_HIDDEN_CLASS_RULE.findall(style.get_text() or ""))
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup(_INVISIBLE_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        attrs = tag.attrs or {}
        classes = attrs.get("class") or []
        if (
            "hidden" in attrs
            or str(attrs.get("aria-hidden", "")).lower() == "true"
            or _HIDDEN_STYLE.search(str(attrs.get("style", "")))
            or any(c in hidden_classes for c in classes)
        ):
            tag.decompose()
    visible_blocks = _blocks(soup.body or soup)  # fallback when no container stands out
    for tag in soup(_FURNITURE_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.name in ("body", "html"):
            continue
        names = " ".join((tag.get("class") or []) + [str(tag.get("id") or "")])
        if names.strip() and _FURNITURE_NAME.search(names) and not _holds_article(tag):
            tag.decompose()
    main = _main_container(soup)
    blocks = _blocks(main) if main is not None else []
    blocks = [b for b in blocks if not _BOILERPLATE_LINE.match(b.text)]
    if not _has_article(blocks):
        blocks = [b for b in visible_blocks if not _BOILERPLATE_LINE.match(b.text)]
        blocks = [b for b in blocks if b.heading_level is not None or len(b.text) >= 15 and _sentence_like(b.text)]
        if not any(b.heading_level is None for b in blocks):
            raise IngestError("HTML page has no article text (only navigation, links or short lines)")
    if meta.title:
        blocks = [b for b in blocks if tidy_spaces(b.text) != meta.title]
    return blocks, meta


def _holds_article(tag) -> bool:
    """A container named like furniture that nevertheless holds long prose (e.g. `main-links-body`)."""
    return len(_nonlink_text(tag)) > 400


def _sentence_like(text: str) -> bool:
    return bool(re.search(r"[，。；！？]", text))


def _has_article(blocks: list[Block]) -> bool:
    prose = [b for b in blocks if len(b.text) >= 15 and _sentence_like(b.text) or b.kind == "table"]
    return bool(prose)


def _page_meta(soup) -> SourceMeta:
    def meta_content(*names: str) -> str:
        for name in names:
            tag = soup.find("meta", attrs={"name": re.compile(f"^{re.escape(name)}$", re.IGNORECASE)}) or soup.find(
                "meta", attrs={"property": re.compile(f"^{re.escape(name)}$", re.IGNORECASE)}
            )
            if tag and tag.get("content", "").strip():
                return tidy_spaces(tag["content"])
        return ""

    title = meta_content("ArticleTitle", "og:title", "twitter:title", "dc.title", "title")
    if not title and soup.title and soup.title.string:
        title = tidy_spaces(re.split(r"\s+[-_|—]\s+|[_|]", soup.title.string.strip())[0])
    if not title:
        h1 = soup.find("h1")
        title = tidy_spaces(h1.get_text(" ")) if h1 else ""
    date = meta_content("PubDate", "publishdate", "article:published_time", "dc.date", "pubdate", "date")
    source = meta_content("ContentSource", "source", "author", "SiteName", "og:site_name")
    if not date or not source:
        body_text = soup.get_text(" ")[:20000]
        if not date:
            m = re.search(r"(?:发布时间|发布日期|时间|日期)[：:]\s*(" + _DATE.pattern + ")", body_text)
            date = m.group(1) if m else ""
        if not source:
            m = re.search(r"来源[：:]\s*([\u4e00-\u9fffA-Za-z]{2,20})", body_text)
            source = m.group(1) if m else ""
    cover = tuple(x for x in (title, date, source) if x)
    return SourceMeta(title=title, date=date, source=source, cover_lines=cover)


def _nonlink_text(tag) -> str:
    total = re.sub(r"\s+", "", tag.get_text(""))
    links = sum(len(re.sub(r"\s+", "", a.get_text(""))) for a in tag.find_all("a"))
    return total[: max(len(total) - links, 0)]


def _main_container(soup):
    """The element that collects the most non-link prose from its text blocks."""
    scores: dict[int, float] = {}
    elements: dict[int, object] = {}
    for block in soup.find_all(list(BLOCK_TAGS)):
        if block.find(list(BLOCK_TAGS)):
            continue
        text = re.sub(r"\s+", "", block.get_text(""))
        if len(text) < _MIN_BLOCK_CHARS:
            continue
        link_chars = sum(len(re.sub(r"\s+", "", a.get_text(""))) for a in block.find_all("a"))
        if link_chars > 0.3 * len(text):
            continue
        score = len(text) - link_chars + 20 * len(re.findall(r"[，。；]", text))
        parent = block.parent
        for weight in (1.0, 0.5):
            if parent is None:
                break
            scores[id(parent)] = scores.get(id(parent), 0.0) + weight * score
            elements[id(parent)] = parent
            parent = parent.parent
    if not scores:
        return None
    best = max(scores, key=lambda k: scores[k])
    return elements[best]


def _blocks(root) -> list[Block]:
    """Text blocks under `root` in document order; headings keep their level; tables become rows."""
    blocks: list[Block] = []
    for element in root.find_all(list(BLOCK_TAGS) + ["br"]):
        if element.name == "table":
            grid = [[c.get_text(" ") for c in tr.find_all(["td", "th"])] for tr in element.find_all("tr")]
            grid = [r for r in grid if r]
            if grid and max(len(r) for r in grid) >= 2:
                caption = element.find("caption")
                rows = grid_rows(_span_grid(element), tidy_spaces(caption.get_text(" ")) if caption else "")
                blocks.extend(Block(text=r, kind="table") for r in rows.rows)
            continue
        if element.find_parent("table") is not None or element.name == "br":
            continue
        if element.find(list(BLOCK_TAGS)):
            # mixed content: text directly inside a container, beside its block children
            own = "".join(s for s in element.find_all(string=True, recursive=False)).strip()
            if len(own) >= _MIN_BLOCK_CHARS:
                blocks.append(Block(text=tidy_spaces(own)))
            continue
        for piece in _split_br(element):
            content = tidy_spaces(join_lines(piece.split("\n")))
            if not content:
                continue
            level = int(element.name[1]) if element.name[0] == "h" and element.name[1:].isdigit() else None
            if level is None and _is_lead_heading(element, content):
                level = 3
            blocks.append(Block(text=content, heading_level=level))
    return blocks


def _split_br(element) -> list[str]:
    """`<p>a<br>b</p>`: each line its own block when the lines are long (poems are rare in reports)."""
    if element.find("br") is None:
        return [element.get_text(" ")]
    parts, current = [], []
    for node in element.descendants:
        if getattr(node, "name", None) == "br":
            parts.append("".join(current))
            current = []
        elif isinstance(node, str):
            current.append(str(node))
    parts.append("".join(current))
    return parts


def _is_lead_heading(element, content: str) -> bool:
    """`<p><strong>一、总体情况</strong></p>`: a short paragraph that is all bold is a heading."""
    if len(content) > 30 or "。" in content:
        return False
    bold = "".join(b.get_text("") for b in element.find_all(["strong", "b"]))
    return bool(bold) and re.sub(r"\s+", "", bold) == re.sub(r"\s+", "", element.get_text(""))


def _span_grid(table) -> list[list[str]]:
    """HTML table cells with rowspan/colspan repeated in every position they cover."""
    grid: list[list[str | None]] = []
    pending: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.find_all("tr")):
        row: list[str] = []
        c = 0
        cells = tr.find_all(["td", "th"])
        k = 0
        while k < len(cells) or (r, c) in pending:
            if (r, c) in pending:
                row.append(pending.pop((r, c)))
                c += 1
                continue
            cell = cells[k]
            k += 1
            text = cell.get_text(" ")
            colspan = _int(cell.get("colspan"))
            rowspan = _int(cell.get("rowspan"))
            for dc in range(colspan):
                row.append(text)
                for dr in range(1, rowspan):
                    pending[(r + dr, c + dc)] = text
            c += colspan
        grid.append(row)
    return [[x or "" for x in row] for row in grid]


def _int(value) -> int:
    try:
        return max(1, min(int(value), 50))
    except (TypeError, ValueError):
        return 1
