"""`python -m rag ask`: stream the answer to the terminal, then list the cited passages (or print JSON)."""
from __future__ import annotations

import argparse
import json
import sys

from rag.answering import Answerer
from rag.schema import Answer
from rag.service import RagService


def run_ask(service: RagService, args: argparse.Namespace) -> int:
    answerer = Answerer(service)
    stream_tokens = not args.json and not args.no_stream and sys.stdout.isatty()
    answer: Answer | None = None
    for event in answerer.stream(args.question, k=args.k):
        if event.kind == "status" and not args.json:
            print(f"（{event.text}）", file=sys.stderr)
        elif event.kind == "token" and stream_tokens:
            print(event.text, end="", flush=True)
        elif event.kind == "done":
            answer = event.answer
    assert answer is not None
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=1))
        return 0
    if stream_tokens:
        print("\n")  # the streamed text was the raw reply; the checked answer follows
    print_answer(answer)
    return 0


def print_answer(answer: Answer) -> None:
    print(f"答：{answer.text}")
    if answer.notice:
        print(f"注：{answer.notice}")
    for sentence in answer.flagged_sentences:
        print(f"⚠ 未经核实：{sentence}")
    if answer.citations:
        print("\n来源：")
    for citation in answer.citations:
        origin = citation.passage.chunk.origin
        mark = "" if citation.supported else "  ⚠ 数字未核实"
        print(f"[{citation.marker}] {origin.doc} · {origin.section_path or '—'} · 第{origin.page or '?'}页{mark}")
        print(f"    {citation.passage.text}")
    ms = answer.timings_ms
    print(f"\n（{answer.llm}；检索 {ms.get('retrieval', 0):.0f} ms，生成 {ms.get('generation', 0):.0f} ms，共 {ms.get('total', 0):.0f} ms）")
