"""Recognise the numbered headings of Chinese official documents and track the section path."""
from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = "一二三四五六七八九十百零〇两"
# (level, pattern) — level 1 is outermost. Patterns match at the start of a paragraph.
_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^第[{_NUM}\d]+[章编部分]")),
    (1, re.compile(rf"^[{_NUM}]+、")),
    (2, re.compile(rf"^第[{_NUM}\d]+节")),
    (2, re.compile(rf"^[（(][{_NUM}]+[）)]")),
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
    (5, re.compile(rf"^[{_NUM}]+是(?=[\u4e00-\u9fff])")),
]
LEAD_LEVEL = 5  # "产业谋划更加清晰。" style lead sentences sit at the same depth as "一是…"
STANDALONE_LEVEL = 4  # a short one-sentence paragraph introduces the paragraphs under it
MAX_TITLE_CHARS = 40
_TITLE_END = re.compile(r"[。！？!?；;：:]")


@dataclass(frozen=True)
class Heading:
    level: int
    title: str


def numbered_heading(text: str) -> Heading | None:
    """A paragraph opening with 一、 / （一） / 一是 … is (or starts with) a heading; its title ends at 。."""
    for level, pattern in _PATTERNS:
        if pattern.match(text):
            return Heading(level, _title_of(text))
    return None


def lead_heading(text: str, max_lead_chars: int = 12) -> Heading | None:
    """A paragraph that opens with a very short sentence ("项目谋划卓有成效。") is titled by it."""
    match = _TITLE_END.search(text)
    if match and 4 <= match.start() <= max_lead_chars and match.end() < len(text):
        if text[match.start()] in "。！？!?":
            return Heading(LEAD_LEVEL, text[: match.start()])
    return None


def is_standalone_heading(text: str) -> bool:
    """A short single-sentence paragraph ("一年来，我们坚持…，产业体系重构升级。") heads what follows."""
    body = text.rstrip("。：:")
    return len(text) <= MAX_TITLE_CHARS and not _TITLE_END.search(body)


def _title_of(text: str) -> str:
    match = _TITLE_END.search(text)
    title = text[: match.start()] if match else text
    if len(title) > MAX_TITLE_CHARS:
        title = title[:MAX_TITLE_CHARS] + "…"
    return title.strip()


class SectionTracker:
    """Keeps the stack of open headings; `path` is the heading path for the current paragraph."""

    def __init__(self) -> None:
        self._stack: list[Heading] = []

    def enter(self, heading: Heading) -> None:
        while self._stack and self._stack[-1].level >= heading.level:
            self._stack.pop()
        self._stack.append(heading)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(h.title for h in self._stack)
