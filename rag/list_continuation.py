"""A numbered list cut by the chunk limit goes on in the next passage of its document: "有下列行为之一的，
一次记12分：（一）…；（四）…；" ends one chunk and "（五）…" opens the next; "…的单位包括：" ends one and the
table rows it introduces follow, one passage each. A list question quotes the whole list, so the passage
it cites is read together with the passages that finish it."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from rag.schema import Chunk, Passage

if TYPE_CHECKING:
    from rag.passage_store import Passages

# a numbered item's mark: （一）, (3), 1. / 1、, 一、 — what quotes of lists are cut by (rag.answerability)
ITEM_MARK = r"(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、．]|[一二三四五六七八九十]{1,3}、)"
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_NUMERAL = r"[一二三四五六七八九十]{1,3}|\d{1,2}"
# …the same marks with their numbers, for telling whether the next passage goes on with the list
_MARK = rf"(?:[（(](?P<n1>{_NUMERAL})[)）]|(?P<n2>\d{{1,2}})[.、．](?!\d)|(?P<n3>[一二三四五六七八九十]{{1,3}})、)"
_ITEM_START = re.compile(rf"(?:^|(?<=[\s；;：:]))\s*{_MARK}")
# the passage ends on an item that the list goes on after ("…的；" or "…的，"), not on its last one ("…的。")
_OPEN_END = re.compile(r"[；;，,、]\s*$")
MAX_FOLLOWING = 2  # passages read after the cited one: a list longer than that is cut, as written
MAX_ROWS = 12  # …or table rows, one passage each


def _number(match: re.Match[str]) -> int | None:
    """一 … 九十九 and 1 … 99; None for a malformed numeral ("十十"), which then continues nothing."""
    raw = match.group("n1") or match.group("n2") or match.group("n3")
    if raw.isdigit():
        return int(raw)
    tens, _, ones = raw.partition("十")
    if "十" not in raw:
        return _DIGITS.get(raw)
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    return 10 * (_DIGITS.get(tens, 1) if tens else 1) + (_DIGITS.get(ones, 0) if ones else 0)


def last_item_number(text: str) -> int | None:
    """The number of the last numbered item of `text` ("（四）…；" → 4), None when it holds none."""
    marks = list(_ITEM_START.finditer(text))
    return _number(marks[-1]) if marks else None


def first_item_number(text: str) -> int | None:
    """The number of the item that opens `text`, None when it does not open with one."""
    match = _ITEM_START.match(text.lstrip())
    return _number(match) if match else None


def numbered_items(text: str) -> int:
    """How many numbered items ("（一）", "1.", "一、") open a line or follow a colon or ；in `text`."""
    return len(_ITEM_START.findall(text))


_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]")
PARALLEL_CHARS = 20  # a statement of a parallel series is short: "我们有产业优势。", "坚持稳中求进。"


def parallel_frame(text: str) -> tuple[str, str] | None:
    """The frame that two short statements of `text` or more share, its first three and last two characters
    ("我们有产业优势。…我们有交通优势。" → ("我们有", "优势")), None without one: a report lists by parallel
    sentences as often as by numbers."""
    counts: dict[tuple[str, str], int] = {}
    for m in _SENTENCE.finditer(text):
        body = _statement(m.group())
        if body:
            frame = (body[:3], body[-2:])
            counts[frame] = counts.get(frame, 0) + 1
    found = [frame for frame, n in counts.items() if n >= 2]
    return found[0] if found else None


def _statement(sentence: str) -> str:
    """The sentence without its stop when it is short enough to be a statement of a series, else ""."""
    body = sentence.strip().rstrip("。！？!?")
    return body if 5 <= len(body) <= PARALLEL_CHARS else ""


def in_frame(sentence: str, frame: tuple[str, str]) -> bool:
    body = _statement(sentence)
    return bool(body) and body.startswith(frame[0]) and body.endswith(frame[1])


def _goes_on(text: str, following: Chunk, section: str, rows: bool) -> bool:
    """Does `following` (the next passage of the same document) go on with the list `text` leaves open?"""
    frame = parallel_frame(text)
    if frame is not None and following.origin.section_path == section:
        opening = _SENTENCE.match(following.text.lstrip())
        if opening and in_frame(opening.group(), frame):
            return True  # "…我们有交通优势。…" and the next passage opens "我们有生态优势。"
    first = first_item_number(following.text)
    if text.rstrip().endswith(("：", ":")):
        # "…编制范围的单位包括：" and then its items, or the rows of the table it introduces
        return first == 1 or (following.origin.kind == "table" and following.origin.section_path == section)
    if rows:
        return following.origin.kind == "table" and following.origin.section_path == section
    last = last_item_number(text)
    return last is not None and bool(_OPEN_END.search(text)) and first == last + 1


def continued(passage: Passage, chunks: "Passages") -> Passage:
    """`passage` with the text of the next passages of its document appended while they go on with the
    list it leaves open: item n+1 after an unfinished item n, or the items or table rows after a colon that
    ends it; the passage itself when nothing follows."""
    if passage.row < 0:
        return passage
    text, row, rows = passage.chunk.text, passage.row, False
    section = passage.chunk.origin.section_path
    while row + 1 < len(chunks) and row - passage.row < (MAX_ROWS if rows else MAX_FOLLOWING):
        following = chunks[row + 1]
        if following.origin.doc != passage.chunk.origin.doc or not _goes_on(text, following, section, rows):
            break
        rows = rows or following.origin.kind == "table"
        text, row = text.rstrip() + "\n" + following.text, row + 1
    if row == passage.row:
        return passage
    return replace(passage, chunk=replace(passage.chunk, text=text))


def continue_lists(passages: list[Passage], chunks: "Passages") -> list[Passage]:
    return [continued(p, chunks) for p in passages]
