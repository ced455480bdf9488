"""Search filters: one document, a folder (or category path) or a year range, applied inside retrieval.

Why inside: filtering the top k afterwards returns nothing when the wanted document's passages rank
below k; here the allowed rows are a mask that BM25 scoring and the FAISS selector both honour, so
the top k are the best passages *of the selection*. A year range matches the document card's own
year (a 2024 report), or any year it covers when the card has no own year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from rag.card import DocumentCard
from rag.errors import QueryError

_YEARS = re.compile(r"^\s*(\d{4})?\s*(?:(-|–|—|~|:|\.\.)\s*(\d{4})?)?\s*$")


@dataclass(frozen=True)
class SearchFilter:
    doc: str | None = None  # a document key, its file name, or its name without extension
    under: str | None = None  # a folder: a key prefix or a path component sequence ("宪法相关法")
    years: tuple[int, int] | None = None  # inclusive

    def __bool__(self) -> bool:
        return bool(self.doc or self.under or self.years)

    def describe(self) -> str:
        parts = []
        if self.doc:
            parts.append(f"文件「{self.doc}」")
        if self.under:
            parts.append(f"目录「{self.under}」")
        if self.years:
            lo, hi = self.years
            parts.append(f"{lo}年" if lo == hi else f"{lo}–{hi}年")
        return "、".join(parts)


def parse_years(text: str | None) -> tuple[int, int] | None:
    """"2021" → (2021, 2021); "2019-2021", "2019:", ":2021" → ranges. Bad input raises QueryError."""
    if text is None or not str(text).strip():
        return None
    match = _YEARS.match(str(text))
    if not match or not (match.group(1) or match.group(3)):
        raise QueryError(f"cannot read the year range '{text}': use 2021, 2019-2021, 2019- or -2021")
    lo = int(match.group(1)) if match.group(1) else 0
    hi = int(match.group(3)) if match.group(3) else (9999 if match.group(2) else lo)
    if lo > hi:
        raise QueryError(f"the year range '{text}' is empty ({lo} > {hi})")
    return lo, hi


def make_filter(doc: str | None = None, under: str | None = None, year: str | None = None) -> SearchFilter:
    return SearchFilter(doc=(doc or "").strip() or None, under=(under or "").strip().rstrip("/\\") or None,
                        years=parse_years(year))


def document_matches(f: SearchFilter, key: str, name: str, card: dict | None) -> bool:
    if f.doc and f.doc not in (key, name, PurePath(name).stem):
        return False
    if f.under and not _is_under(key, f.under):
        return False
    if f.years:
        parsed = DocumentCard.from_dict(card)
        years = ([parsed.year] if parsed and parsed.year else list(parsed.years) if parsed else [])
        if not any(f.years[0] <= y <= f.years[1] for y in years):
            return False
    return True


def _is_under(key: str, folder: str) -> bool:
    """A key prefix ("/data/laws/宪法相关法") or a run of path components anywhere ("宪法相关法")."""
    if key.startswith(folder.rstrip("/") + "/"):
        return True
    wanted = PurePath(folder).parts
    parts = PurePath(key).parts[:-1]
    return any(parts[i:i + len(wanted)] == wanted for i in range(len(parts) - len(wanted) + 1))


def allowed_rows(f: SearchFilter | None, documents: dict, doc_rows: dict[str, tuple[int, int]],
                 total: int) -> np.ndarray | None:
    """A bool per global row (None: no filter). A filter that matches no document is a QueryError, so a
    typo says so instead of answering "nothing found"."""
    if not f:
        return None
    mask = np.zeros(total, dtype=bool)
    matched = 0
    for key, entry in documents.items():
        if key in doc_rows and document_matches(f, key, entry.name, entry.card):
            start, end = doc_rows[key]
            mask[start:end] = True
            matched += 1
    if not matched:
        raise QueryError(f"no indexed document matches {f.describe()} (see: python -m rag list)")
    return mask
