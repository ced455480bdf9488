"""The words written on each side of a question's interrogative, and whether a sentence writes them around
a gap: "山西正在大力推动什么转型？" is answered by the sentence "…大力推动绿色转型…", whose gap holds the
answer, not by the sentence that shares more of the question's names ("孙仁安在致辞中说…").

Why: in a passage of several sentences, word overlap prefers the sentence that names the speaker or the
event; the answering sentence is the one the question paraphrases around its blank.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.textnorm import normalize_for_match

_ASK = re.compile(r"什么|哪些|哪个|哪一?[个位家种项条座所年天]|哪里|哪儿|谁|何[种处时地]|多少|几[个位家种项条座所年天次]?")
_PUNCT = re.compile(r"[，,。？?！!；;：:、“”\"'（）()《》\s]")
MAX_ANCHOR = 6
MIN_ANCHOR = 2
SURE_ANCHOR = 5  # one side written this long, right next to the gap, is enough
MAX_GAP = 24


@dataclass(frozen=True)
class Cloze:
    left: str  # the question's words just before the interrogative, as written (up to 6 characters)
    right: str  # …and just after it, up to the next punctuation


def cloze(question: str) -> Cloze | None:
    """The two sides of the question's first interrogative; None when the question has none."""
    q = normalize_for_match(question).rstrip("？?。！! ")
    m = _ASK.search(q)
    if m is None:
        return None
    left = _PUNCT.split(q[: m.start()])[-1]
    right = _PUNCT.split(q[m.end():])[0]
    left = re.sub(r"(?:是|为|叫|叫做|有)$", "", left)  # "…的是谁": the copula is rarely written in the answer
    left, right = left[-MAX_ANCHOR:], right[:MAX_ANCHOR]
    if len(left) < MIN_ANCHOR and len(right) < MIN_ANCHOR:
        return None
    return Cloze(left, right)


def _find(sentence: str, side: str, from_end: bool) -> tuple[str, int]:
    """The longest piece of `side` next to the gap (its end for the left side, its start for the right)
    that the sentence writes, with its position; ("", -1) when none of 2+ characters is written."""
    for size in range(len(side), MIN_ANCHOR - 1, -1):
        piece = side[-size:] if from_end else side[:size]
        at = sentence.find(piece)
        if at >= 0:
            return piece, at
    return "", -1


def fills(sentence: str, c: Cloze | None) -> float:
    """1.0 when the sentence writes both sides with a gap between them (or one side of five characters or
    more), 0.5 when it writes one side of three or more characters with text where the gap should be,
    0.0 otherwise."""
    if c is None:
        return 0.0
    text = normalize_for_match(sentence)
    left, at_left = _find(text, c.left, from_end=True) if len(c.left) >= MIN_ANCHOR else ("", -1)
    if left:
        start = at_left + len(left)
        right, at_right = _find(text[start:], c.right, from_end=False) if len(c.right) >= MIN_ANCHOR else ("", -1)
        if right and 0 < at_right <= MAX_GAP:
            return 1.0
        if len(left) >= 3 and not c.right and start < len(text) and not _PUNCT.match(text[start]):
            # "…是发展对华关系的什么" → "也是发展对华关系的排头兵": five characters or more written as asked
            # hold the gap as surely as two sides do
            return 1.0 if len(left) >= SURE_ANCHOR else 0.5
    elif len(c.right) >= 3 and not c.left:
        right, at_right = _find(text, c.right, from_end=False)
        if len(right) >= 3 and at_right > 0:
            return 1.0 if len(right) >= SURE_ANCHOR else 0.5
    return 0.0
