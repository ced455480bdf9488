"""Parse [n] markers in an answer and check every cited sentence against the passages it names.

A sentence is *supported* when it cites at least one existing passage and every number in it
(30.24, 29.2%, 2375) occurs in a cited passage, its heading path, or the question itself.
Sentences that fail are flagged, never silently shown as fact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.schema import Citation, Passage
from rag.textnorm import arabic_figures, extract_numbers, normalize_for_match, strip_thousands_separators

_MARKER = re.compile(r"\[\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*\]|【\s*(\d{1,2})\s*】")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*(?:\s*(?:\[\s*\d{1,2}(?:\s*[,，、]\s*\d{1,2})*\s*\]|【\s*\d{1,2}\s*】))*")
_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
MIN_CLAIM_CHARS = 6  # shorter fragments ("如下：") make no claim worth a citation
MIN_REPAIR_OVERLAP = 0.6  # share of an uncited sentence's character bigrams a passage must contain


@dataclass
class SentenceCheck:
    text: str  # the sentence without its markers
    markers: list[int]  # valid markers, in order
    invalid_markers: list[int] = field(default_factory=list)
    missing_numbers: list[str] = field(default_factory=list)
    missing_topic: list[str] = field(default_factory=list)  # the cited passages never name what was asked
    repaired: bool = False  # a marker was attached because the model gave none

    @property
    def is_claim(self) -> bool:
        return len(_CONTENT.findall(self.text)) >= MIN_CLAIM_CHARS

    @property
    def supported(self) -> bool:
        return bool(self.markers) and not self.missing_numbers and not self.missing_topic

    @property
    def flag_reason(self) -> str:
        if not self.markers:
            return "未标注来源" if not self.invalid_markers else f"引用了不存在的资料 {self.invalid_markers}"
        if self.missing_numbers:
            return f"数字 {'、'.join(self.missing_numbers)} 在所引资料中找不到"
        if self.missing_topic:
            return f"所引资料没有提到{'、'.join(self.missing_topic)}"
        return ""


@dataclass
class CheckedAnswer:
    text: str  # the answer with invalid markers removed
    sentences: list[SentenceCheck]
    citations: list[Citation]

    @property
    def flagged(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if s.is_claim and not s.supported]


def parse_markers(fragment: str) -> list[int]:
    numbers: list[int] = []
    for match in _MARKER.finditer(fragment):
        group = match.group(1) or match.group(2)
        numbers.extend(int(n) for n in re.split(r"[,，、\s]+", group) if n)
    return numbers


def strip_markers(text: str) -> str:
    return _MARKER.sub("", text).strip()


def split_answer_sentences(answer: str) -> list[str]:
    """Sentences with their trailing markers attached ("…30.24亿元。[1]" stays one sentence)."""
    return [m.group().strip() for m in _SENTENCE.finditer(answer) if m.group().strip()]


def _sentence_spans(answer: str) -> list[tuple[str, str]]:
    """(text before the sentence, sentence) pairs, so line breaks between sentences survive."""
    spans, last = [], 0
    for match in _SENTENCE.finditer(answer):
        if match.group().strip():
            spans.append((answer[last : match.start()], match.group()))
            last = match.end()
    return spans


_LABEL = re.compile(r"(?:附表|附件|表|图)\s*\d+(?:[-－.]\d+)?(?=\s|[\u4e00-\u9fff]|$)")


def check_answer(answer: str, passages: list[Passage], question: str = "", repair: bool = True) -> CheckedAnswer:
    """Check each sentence; with `repair`, an uncited sentence gets the passage that holds all its numbers."""
    by_marker = {i: p for i, p in enumerate(passages, start=1)}
    haystacks = {i: _haystack(p) for i, p in by_marker.items()}
    passage_grams = {i: _bigrams(hay) for i, hay in haystacks.items()}  # once per answer, not per sentence
    question_numbers = set(extract_numbers(question))
    sentences: list[SentenceCheck] = []
    cleaned_parts: list[str] = []
    for gap, raw in _sentence_spans(answer):
        markers = parse_markers(raw)
        valid = list(dict.fromkeys(m for m in markers if m in by_marker))
        invalid = list(dict.fromkeys(m for m in markers if m not in by_marker))
        leading = raw[: len(raw) - len(raw.lstrip())]
        body = strip_markers(raw)
        # "表2 2023年全州主要农产品产量…": a table's or figure's label is a reference, not a figure claimed
        numbers = [n for n in dict.fromkeys(extract_numbers(_LABEL.sub(" ", body))) if n not in question_numbers]
        check = SentenceCheck(text=body, markers=valid, invalid_markers=invalid)
        if repair:
            check.markers, check.repaired = _attribute(body, numbers, valid, haystacks, passage_grams)
            if not check.markers and not numbers:
                check.markers, check.repaired = _attribute_by_names(body, question, haystacks, passage_grams)
        if check.markers:
            pool = "".join(haystacks[m] for m in check.markers)
            check.missing_numbers = [n for n in numbers if not _number_in(n, pool)]
        sentences.append(check)
        cleaned_parts.append(gap + leading + body + "".join(f"[{m}]" for m in check.markers))
    citations = _citations(sentences, by_marker)
    return CheckedAnswer(text="".join(cleaned_parts), sentences=sentences, citations=citations)


def _attribute(
    body: str, numbers: list[str], markers: list[int], haystacks: dict[int, str], passage_grams: dict[int, set[str]]
) -> tuple[list[int], bool]:
    """Point the sentence at the passages that really hold its figures (models often cite the wrong one).

    Among the passages that hold every figure, the one sharing most wording with the sentence is cited
    (the model's own pick when it does as well); failing that, the fewest passages that hold them all.
    A sentence without numbers keeps its marker unless it was uncited or cited to a passage it barely
    overlaps and another passage clearly says it. Returns (markers, repaired).
    """
    grams = _bigrams(normalize_for_match(body))
    shared = {i: len(grams & g) for i, g in passage_grams.items()}
    if numbers:
        holders = [i for i, hay in haystacks.items() if all(_number_in(n, hay) for n in numbers)]
        if holders:
            best = max(holders, key=lambda i: (shared[i], i in markers, -i))
            if markers and all(_number_in(n, "".join(haystacks[m] for m in markers)) for n in numbers):
                if max(shared[m] for m in markers) >= shared[best]:
                    return markers, False
            return [best], True
        cover = _covering_passages(numbers, haystacks, shared)
        return (cover, True) if cover else (markers, False)
    if not grams:
        return markers, False
    overlap = {i: count / len(grams) for i, count in shared.items()}
    best = max(overlap, key=lambda i: (overlap[i], -i), default=None)
    cited_best = max((overlap[m] for m in markers), default=0.0)
    if best is not None and overlap[best] >= MIN_REPAIR_OVERLAP and cited_best < MIN_REPAIR_OVERLAP:
        return [best], True  # uncited, or cited to a passage that does not say it
    return markers, False


_MIN_NEW_RUN = 3  # characters: a name (王士强), a place, a title


def _attribute_by_names(body: str, question: str, haystacks: dict[int, str],
                        passage_grams: dict[int, set[str]]) -> tuple[list[int], bool]:
    """An uncited sentence without figures that says what the question did not ("…是由王士强作的"): cited
    to the one passage holding the longest run (≥ 3 characters) of its words that the question lacks."""
    text = normalize_for_match(body)
    asked = normalize_for_match(question)
    best_run, holders = 0, []
    for i, hay in haystacks.items():
        run = _longest_new_run(text, asked, hay)
        if run > best_run:
            best_run, holders = run, [i]
        elif run == best_run and run:
            holders.append(i)
    if best_run < _MIN_NEW_RUN or len(holders) != 1:
        return [], False
    return holders, True


def _longest_new_run(text: str, asked: str, hay: str) -> int:
    """Length of the longest piece of `text` found in `hay` that is not part of the question."""
    best = 0
    for i in range(len(text)):
        for j in range(i + max(best + 1, _MIN_NEW_RUN), len(text) + 1):
            piece = text[i:j]
            if piece not in hay:
                break
            if piece not in asked and not any(piece[k : k + 2] in asked for k in range(len(piece) - 1)):
                best = j - i
    return best


def _covering_passages(numbers: list[str], haystacks: dict[int, str], shared: dict[int, int]) -> list[int]:
    """Greedy smallest set of passages that together contain every number (empty if impossible);
    among passages holding as many numbers, the one sharing most wording with the sentence wins."""
    left, chosen = set(numbers), []
    while left:
        best = max(
            haystacks,
            key=lambda i: (sum(_number_in(n, haystacks[i]) for n in left), shared[i], -i),
            default=None,
        )
        found = {n for n in left if best is not None and _number_in(n, haystacks[best])}
        if not found:
            return []
        chosen.append(best)
        left -= found
    return sorted(chosen)


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\w%.]", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


_UNIT_DECLARED = re.compile(r"(?:单位[:：]|[（(])\s*(万|亿)(?:元|人|吨|亩|户|件)?")


def _haystack(passage: Passage) -> str:
    """What a cited passage can support: its index text without thousands separators (tables write
    2,940.05, answers 2940.05), plus a scaled copy of its bare figures when it declares its unit
    ("（单位：万元）" over a table row: the row's 13.58 is 13.58万)."""
    text = strip_thousands_separators(normalize_for_match(passage.chunk.check_text))
    figures = arabic_figures(text)  # 一小时, 三十日 support 1小时, 30日
    if figures != text:
        text = text + "\n" + figures
    unit = _UNIT_DECLARED.search(text)
    if unit:
        scaled = re.sub(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.%万亿])", lambda m: m.group(1) + unit.group(1), text)
        text = text + "\n" + scaled
    return text


def _number_in(number: str, haystack: str) -> bool:
    """Whole-number match: 30.24 matches 30.24亿元 but 2 does not match 2375 and 0.5 not 10.5."""
    number = number.replace(",", "")
    # a bare 10 is not the 10万 of "并处十万元罚款": a figure's magnitude is part of it
    tail = r"(?![\d])" if number.endswith(("万", "亿")) else r"(?![\d万亿])"
    pattern = rf"(?<![\d.]){re.escape(number)}{tail}"
    if re.search(pattern, haystack):
        return True
    if number.endswith("%"):  # "29.2%" in the answer, "增长29.2个百分点" or "29.2 %" in the passage
        return bool(re.search(rf"(?<![\d.]){re.escape(number[:-1])}(?![\d.])", haystack))
    return False


def _citations(sentences: list[SentenceCheck], by_marker: dict[int, Passage]) -> list[Citation]:
    cited: dict[int, list[SentenceCheck]] = {}
    for sentence in sentences:
        for marker in sentence.markers:
            cited.setdefault(marker, []).append(sentence)
    return [
        Citation(
            marker=marker,
            passage=by_marker[marker],
            supported=all(not s.missing_numbers for s in checks),
            sentences=[s.text for s in checks],
        )
        for marker, checks in sorted(cited.items())
    ]
