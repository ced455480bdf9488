"""Paragraphs → chunks: one per paragraph, long ones split at sentence ends, tiny ones merged."""
from __future__ import annotations

import hashlib
import math
import re

from rag.schema import Chunk, Document, Origin, Paragraph

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_CLAUSE_END = re.compile(r"(?<=[，、：,:])")
MERGE_SEPARATOR = "\n"


def chunk_document(doc: Document, max_chars: int = 300, min_chars: int = 30, context: str = "") -> list[Chunk]:
    """Chunks in document order; ids are stable: the same document text (and card line) gives the same ids.

    `context` is the document card's line; it is part of each chunk's index text and of its id, so a
    changed card re-embeds the passages instead of reusing vectors computed without it."""
    pieces: list[tuple[str, Origin]] = []
    for paragraph in merge_short_paragraphs(join_list_items(list(doc.paragraphs), max_chars), max_chars, min_chars):
        # A table row is one passage whatever its length: cut, it would lose its headers or values.
        texts = [paragraph.text] if paragraph.origin.kind == "table" else split_paragraph(paragraph.text, max_chars, min_chars)
        for text in texts:
            pieces.append((text, paragraph.origin))
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for text, origin in pieces:
        section = f"{context}\x1c{origin.section_path}" if context else origin.section_path  # \x1c: card line embedded, not in BM25
        base = chunk_id(doc.name, section, text)
        seen[base] = seen.get(base, 0) + 1
        cid = base if seen[base] == 1 else chunk_id(doc.name, section, text, seen[base])
        chunks.append(Chunk(chunk_id=cid, text=text, origin=origin, context=context))
    return chunks


def chunk_id(doc_name: str, section: str, text: str, occurrence: int = 1) -> str:
    """Content-derived id, so unchanged paragraphs keep their id (and cached vectors) across rebuilds."""
    payload = f"{doc_name}\x1f{section}\x1f{text}\x1f{occurrence}".encode("utf-8")
    return hashlib.sha256(payload).hexdigest()[:16]


_INTRODUCES = re.compile(r"[：:]$")
_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、](?!\d))")


def join_list_items(paragraphs: list[Paragraph], max_chars: int) -> list[Paragraph]:
    """A paragraph that ends with a colon keeps the numbered items that follow it ("第二十五条 …下列商品
    除外：" + "（一）消费者定作的；" …): the items mean nothing without their lead. Joined while the
    whole fits in `max_chars`; a longer list is split later at sentence ends as usual."""
    out: list[Paragraph] = []
    open_lead = False
    for para in paragraphs:
        if (open_lead and out and _ITEM.match(para.text) and _can_join(out[-1], para, max_chars * 2)):
            out[-1] = _join(out[-1], para)
            continue
        out.append(para)
        open_lead = bool(_INTRODUCES.search(para.text)) and para.origin.kind == "text"
    return out


def merge_short_paragraphs(paragraphs: list[Paragraph], max_chars: int, min_chars: int) -> list[Paragraph]:
    """A paragraph shorter than `min_chars` joins a neighbour in the same section: the next one if it
    fits, else the previous one; a fragment with no same-section neighbour stays on its own."""
    merged: list[Paragraph] = []
    pending: Paragraph | None = None
    for para in paragraphs:
        if pending is not None:
            if _can_join(pending, para, max_chars):
                para = _join(pending, para)
            elif merged and _can_join(merged[-1], pending, max_chars):
                merged[-1] = _join(merged[-1], pending)
            else:
                merged.append(pending)
            pending = None
        if len(para.text) < min_chars:
            pending = para
        else:
            merged.append(para)
    if pending is not None:
        if merged and _can_join(merged[-1], pending, max_chars):
            merged[-1] = _join(merged[-1], pending)
        else:
            merged.append(pending)
    return merged


def _can_join(first: Paragraph, second: Paragraph, max_chars: int) -> bool:
    if first.origin.kind == "table" or second.origin.kind == "table":
        return False  # table rows stay single passages; never mixed with prose
    return first.origin.section == second.origin.section and len(first.text) + len(second.text) < max_chars


def _join(first: Paragraph, second: Paragraph) -> Paragraph:
    return Paragraph(first.text + MERGE_SEPARATOR + second.text, first.origin)


def split_paragraph(text: str, max_chars: int, min_chars: int = 0) -> list[str]:
    """Split at sentence ends into near-equal parts no longer than `max_chars` (numbers never cut)."""
    if len(text) <= max_chars:
        return [text]
    units: list[str] = []
    for sentence in _split(text, _SENTENCE_END):
        units.extend(_split_long(sentence, max_chars))
    parts_needed = math.ceil(len(text) / max_chars)
    target = len(text) / parts_needed
    parts: list[str] = []
    current = ""
    for unit in units:
        if current and (len(current) + len(unit) > max_chars or len(current) >= target):
            parts.append(current)
            current = ""
        current += unit
    if current:
        if parts and len(current) < min_chars and len(parts[-1]) + len(current) <= max_chars * 1.2:
            parts[-1] += current
        else:
            parts.append(current)
    return parts


def _split(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [p for p in pattern.split(text) if p]


def _split_long(sentence: str, max_chars: int) -> list[str]:
    """A sentence longer than the bound is cut at clause punctuation, and only then between words."""
    if len(sentence) <= max_chars:
        return [sentence]
    out: list[str] = []
    for clause in _split(sentence, _CLAUSE_END):
        while len(clause) > max_chars:
            cut = _safe_cut(clause, max_chars)
            out.append(clause[:cut])
            clause = clause[cut:]
        out.append(clause)
    return out


def _safe_cut(text: str, limit: int) -> int:
    """The last position ≤ limit that is not inside a number or a Latin word."""
    cut = limit
    while cut > limit // 2 and text[cut - 1].isascii() and text[cut - 1].isalnum() and text[cut].isascii() and (
        text[cut].isalnum() or text[cut] in ".%"
    ):
        cut -= 1
    return cut
