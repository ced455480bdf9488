"""Find the clauses of a cited passage that support the answer sentences citing it.

Readers check a citation by finding the supporting words in the source, so the sources panel
highlights the clause(s) that best match each citing sentence (character-bigram overlap, with a
bonus for shared numbers) and emphasises the numbers the answer repeats.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CLAUSE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;]+[”’」）)]*\n?|[^。！？；!?;\n]+\n?|\n")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
MIN_PRECISION = 0.6  # a further clause is highlighted when this share of its bigrams is in the sentence


@dataclass(frozen=True)
class Span:
    """A slice of the passage text: `highlight` marks supporting clauses, `number` numbers the answer cites."""

    text: str
    highlight: bool = False
    number: bool = False


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _bigrams(text: str) -> set[str]:
    text = _norm(text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _numbers(text: str) -> set[str]:
    """Numbers worth matching: a bare year ("2023") says little about which clause is meant."""
    return {n.replace(",", "") for n in _NUMBER.findall(unicodedata.normalize("NFKC", text)) if not _YEAR.match(n)}


def split_clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of clauses ending at 。！？； (or a line break), covering the whole text."""
    spans = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]
    covered = sum(e - s for s, e in spans)
    return spans if covered == len(text) else [(0, len(text))]


def supporting_clauses(passage: str, sentences: list[str]) -> set[int]:
    """Indices (into `split_clauses(passage)`) of the clauses that support any of `sentences`."""
    clauses = [passage[s:e] for s, e in split_clauses(passage)]
    clause_grams = [_bigrams(c) for c in clauses]
    clause_nums = [_numbers(c) for c in clauses]
    chosen: set[int] = set()
    for sentence in sentences:
        grams, nums = _bigrams(sentence), _numbers(sentence)
        if not grams:
            continue
        best, best_score = -1, 0.0
        for i, (cg, cn) in enumerate(zip(clause_grams, clause_nums)):
            if not cg:
                continue
            shared = len(grams & cg)
            score = shared + 4 * len(nums & cn)
            if score > best_score:
                best, best_score = i, score
            if shared / len(cg) >= MIN_PRECISION:  # the sentence restates this whole clause
                chosen.add(i)
        if best >= 0:
            chosen.add(best)
    return chosen


def highlight_spans(passage: str, sentences: list[str]) -> list[Span]:
    """The passage cut into spans; supporting clauses highlighted, the answer's numbers marked inside them."""
    wanted_numbers: set[str] = set()
    for sentence in sentences:
        wanted_numbers |= _numbers(sentence)
    chosen = supporting_clauses(passage, sentences)
    spans: list[Span] = []
    for i, (start, end) in enumerate(split_clauses(passage)):
        clause = passage[start:end]
        if i not in chosen:
            spans.append(Span(clause))
            continue
        last = 0
        for match in _NUMBER.finditer(clause):
            value = unicodedata.normalize("NFKC", match.group()).replace(",", "")
            if value in wanted_numbers:
                if match.start() > last:
                    spans.append(Span(clause[last : match.start()], highlight=True))
                spans.append(Span(match.group(), highlight=True, number=True))
                last = match.end()
        if last < len(clause):
            spans.append(Span(clause[last:], highlight=True))
    return _merge(spans)


def _merge(spans: list[Span]) -> list[Span]:
    """Join neighbouring spans of the same kind so the HTML has one <mark> per highlighted run."""
    merged: list[Span] = []
    for span in spans:
        if merged and not span.number and not merged[-1].number and merged[-1].highlight == span.highlight:
            merged[-1] = Span(merged[-1].text + span.text, highlight=span.highlight)
        else:
            merged.append(span)
    return merged


def number_tokens(text: str) -> set[str]:
    """The numbers in `text` as compared with the answer's (NFKC, no thousands commas, bare years left out)."""
    return _numbers(text)


def cited_numbers(sentences: list[str]) -> set[str]:
    """Every number the answer's citing sentences state."""
    out: set[str] = set()
    for sentence in sentences:
        out |= _numbers(sentence)
    return out
