"""Year scoping: "2024年…"/"今年…" questions prefer passages under a heading of that year.

Government reports review one year and plan the next in sections whose headings carry the year
("一、2023年工作回顾", "三、2024年重点工作安排") while the paragraphs say only "一年来" or "今年".
The same figure type appears in both, so a question's year decides between them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from rag.schema import Chunk

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
OUT_OF_SCOPE_FACTOR = 0.5


@dataclass(frozen=True)
class TimeScope:
    years: frozenset[int] = frozenset()
    relative: frozenset[int] = frozenset()  # the reader's offsets (去年 = -1), from the year a document is read in
    own_relative: frozenset[int] = frozenset()  # the document's own (本年, 上年), from its latest year

    @property
    def empty(self) -> bool:
        return not self.years and not self.relative and not self.own_relative


def parse_time_scope(question: str) -> TimeScope:
    from rag.constraints import relative_years

    years = frozenset(int(y) for y in _YEAR.findall(question))
    return TimeScope(years, *relative_years(question))


def heading_years(chunk: Chunk) -> set[int]:
    return {int(y) for y in _YEAR.findall(chunk.origin.section_path)}


def scope_factors(scope: TimeScope, chunks: list[Chunk],
                  present_year: Callable[[str], int | None] = lambda doc: None) -> list[float]:
    """1.0 for passages in scope (or with no dated heading), OUT_OF_SCOPE_FACTOR for those under another year.

    A document's own year (for 去年/今年) is the year its card says it is read in (`present_year`, by
    document), else the latest year in its headings. Nothing is demoted in a document that has no heading
    of the asked year: the scope only chooses between sections.
    """
    if scope.empty:
        return [1.0] * len(chunks)
    years_by_doc: dict[str, set[int]] = {}
    per_chunk = [heading_years(c) for c in chunks]
    for chunk, years in zip(chunks, per_chunk):
        years_by_doc.setdefault(chunk.origin.doc, set()).update(years)
    factors = []
    for chunk, years in zip(chunks, per_chunk):
        doc_years = years_by_doc[chunk.origin.doc]
        targets = set(scope.years)
        if doc_years and scope.relative:
            anchor = present_year(chunk.origin.doc) or max(doc_years)
            targets |= {anchor + offset for offset in scope.relative}
        if doc_years and scope.own_relative:
            targets |= {max(doc_years) + offset for offset in scope.own_relative}
        if years and (targets & doc_years) and not (years & targets):
            factors.append(OUT_OF_SCOPE_FACTOR)
        else:
            factors.append(1.0)
    return factors
