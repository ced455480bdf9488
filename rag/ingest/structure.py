"""Turn rebuilt blocks into paragraphs with heading paths, dropping headings-only and duplicate blocks."""
from __future__ import annotations

import re

from rag.ingest.headings import (
    STANDALONE_LEVEL,
    Heading,
    SectionTracker,
    is_standalone_heading,
    lead_heading,
    numbered_heading,
)
from rag.ingest.paragraphs import Block
from rag.schema import Origin, Paragraph
from rag.textnorm import normalize_for_match

_MIN_DEDUP_CHARS = 12


def assign_sections(blocks: list[Block], doc_name: str, infer_headings: bool = True) -> list[Paragraph]:
    """Walk the blocks in order, keep the heading stack, emit content paragraphs with their path.

    With `infer_headings` off (Markdown, whose headings are marked up) numbered lines and lead sentences
    stay content: a law's "（一）消费者定作的；" is an item of its article, not a section title. A
    numbered line that ends with a clause mark (；，、) is such an item in any format."""
    tracker = SectionTracker()
    paragraphs: list[Paragraph] = []
    for i, block in enumerate(blocks):
        text = block.text
        if block.kind != "text":
            paragraphs.append(
                Paragraph(text=text, origin=Origin(doc=doc_name, section=tracker.path, page=block.page, kind=block.kind))
            )
            continue
        if block.heading_level is not None:
            tracker.enter(Heading(block.heading_level, text))
            continue
        if not infer_headings or _is_list_item(text):
            paragraphs.append(Paragraph(text=text, origin=Origin(doc=doc_name, section=tracker.path, page=block.page)))
            continue
        heading = numbered_heading(text)
        if heading:
            tracker.enter(heading)
            if _is_title_only(text, heading.title):
                continue
        elif _next_is_body(blocks, i) and is_standalone_heading(text) and not _is_fact_or_caption(text):
            tracker.enter(Heading(STANDALONE_LEVEL, text.rstrip("。：:")))
            continue
        else:
            lead = lead_heading(text)
            if lead:
                tracker.enter(lead)
        paragraphs.append(Paragraph(text=text, origin=Origin(doc=doc_name, section=tracker.path, page=block.page)))
    return drop_contained_duplicates(paragraphs)


_FIGURE = re.compile(r"\d(?:[\d,.]*\d)?\s*(?:%|万|亿|元|人|个|家|件|所|项|户|吨)")
_CAPTION = re.compile(r"^(?:图|表|附表|附图)\s*\d+")


_LIST_ITEM = re.compile(r"^[（(][一二三四五六七八九十\d]{1,3}[）)].*[；;，,、]$")


def _is_list_item(text: str) -> bool:
    return bool(_LIST_ITEM.match(text.strip()))


def _is_fact_or_caption(text: str) -> bool:
    """A short sentence stating a figure ("…总量29562万人。") or a chart caption is content, not a heading."""
    return bool(_FIGURE.search(text) or _CAPTION.match(text))


def _is_title_only(text: str, title: str) -> bool:
    return len(text.rstrip("。：:；;")) <= len(title)


def _next_is_body(blocks: list[Block], i: int) -> bool:
    """A short sentence heads what follows only if a longer, unnumbered paragraph follows it."""
    if i + 1 >= len(blocks):
        return False
    nxt = blocks[i + 1]
    return nxt.heading_level is None and nxt.kind == "text" and len(nxt.text) > len(blocks[i].text)


def drop_contained_duplicates(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Drop a paragraph whose text already appears inside another one (re-extracted fragments).

    Candidates are found through a shingle index, so this stays linear in the document size.
    """
    keys = [normalize_for_match(p.text) for p in paragraphs]
    n = _MIN_DEDUP_CHARS
    holders: dict[str, set[int]] = {}
    for j, key in enumerate(keys):
        for start in range(0, max(len(key) - n + 1, 0)):
            holders.setdefault(key[start : start + n], set()).add(j)
    kept: list[Paragraph] = []
    for i, (para, key) in enumerate(zip(paragraphs, keys)):
        if len(key) >= n and para.origin.kind == "text":
            candidates = holders.get(key[:n], set()) - {i}
            if any(key in keys[j] and (len(keys[j]) > len(key) or j < i) for j in candidates):
                continue
        kept.append(para)
    return kept
