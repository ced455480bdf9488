"""The project's own question set: well-formed, and every evidence string really is in the corpus."""
from __future__ import annotations


from eval.metrics import normalize
from eval.questions import load_questions
from rag.ingest import read_document

from conftest import DEMO, ROOT

QUESTIONS = ROOT / "eval" / "questions.jsonl"


def test_every_evidence_string_occurs_in_the_cleaned_document():
    corpus = normalize("".join(p.text for p in read_document(DEMO).paragraphs))
    questions = load_questions(QUESTIONS)
    missing = [(q.id, e) for q in questions for e in q.evidence if normalize(e) not in corpus]
    assert missing == []


def test_answers_occur_in_their_evidence_and_unanswerables_have_none():
    for q in load_questions(QUESTIONS):
        if q.unanswerable:
            assert not q.evidence and not q.answers, q.id
        else:
            joined = normalize("".join(q.evidence))
            assert q.evidence and all(normalize(a) in joined for a in q.answers), q.id


def test_the_set_extends_the_shared_dev_set():
    ids = [q.id for q in load_questions(QUESTIONS)]
    assert len(ids) == len(set(ids)) and len(ids) >= 50
    assert {"D01", "D31", "DU4"} <= set(ids)
