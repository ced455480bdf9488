"""`python -m eval QUESTIONS.jsonl …` and `python -m eval --cmrc FILE.json …` (see --help)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from eval.metrics import summarize
from eval.questions import load_questions
from eval.report import format_comparison, format_summary, write_markdown
from eval.runner import build_eval_service, run_questions
from rag.errors import RagError
from rag.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    settings = get_settings()
    try:
        if args.cmrc:
            return _cmrc(args, settings)
        if not args.questions:
            print("give a question file (JSONL) or --cmrc FILE.json", file=sys.stderr)
            return 2
        return _questions(args, settings)
    except (RagError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval", description="Evaluate retrieval and answers on a question set")
    p.add_argument("questions", nargs="?", type=Path, help="question set (JSONL, format of shared/eval/README.md)")
    p.add_argument("--out", type=Path, help="write one JSON line per question here")
    p.add_argument("--k", type=int, default=5, help="passages per question (default 5)")
    p.add_argument("--retrieval-only", action="store_true", help="no LLM: score retrieval only")
    p.add_argument("--report", type=Path, help="write a Markdown report (with a PNG chart beside it)")
    p.add_argument("--compare", action="store_true", help="also run BM25-only and dense-only, side by side")
    p.add_argument("--docs", type=Path, action="append", help="documents to index (default: the data folder)")
    p.add_argument("--docs-tar", type=Path, help="also index members of this tarball (e.g. laws-cn.tar.xz) …")
    p.add_argument("--doc-list", type=Path, help="… named in this file, one path a line (e.g. eval/sets/laws_docs.txt)")
    p.add_argument("--split", choices=["all", "tune", "holdout"], default="all",
                   help="run only one part of the set (tune on `tune`, report `holdout` beside it)")
    p.add_argument("--cmrc", type=Path, help="SQuAD-style JSON (e.g. CMRC 2018): retrieval benchmark")
    p.add_argument("--limit", type=int, help="only N questions, spread evenly over the set (CMRC: the first N)")
    p.add_argument("--cmrc-answers", type=int, default=200,
                   help="CMRC answer mode: N questions answered with their context indexed, then with it held out")
    return p


def _questions(args: argparse.Namespace, settings) -> int:
    questions = load_questions(args.questions)
    if args.split != "all":
        questions = [q for q in questions if q.split == args.split]
    if args.limit:
        step = max(len(questions) / args.limit, 1.0)  # spread over the set, so every type is sampled
        questions = [questions[int(i * step)] for i in range(min(args.limit, len(questions)))]
    docs = list(args.docs or [])
    if args.docs_tar or args.doc_list:
        if not (args.docs_tar and args.doc_list):
            raise ValueError("--docs-tar and --doc-list go together")
        from eval.docsets import members_from_tar

        docs.append(members_from_tar(args.docs_tar, args.doc_list, settings.cache_dir / "eval" / "docs"))
    docs = docs or [settings.data_dir]
    service = build_eval_service(settings, docs, settings.cache_dir / "eval" / "index")
    modes = ["bm25", "dense", "hybrid"] if args.compare else ["hybrid"]
    summaries, results_by_mode = {}, {}
    answerer = None
    if not args.retrieval_only:
        from rag.answering import Answerer

        answerer = Answerer(service)
    for mode in modes:
        results = run_questions(questions, service, k=args.k, retrieval_only=args.retrieval_only, mode=mode,
                                answerer=answerer, desc=mode)
        results_by_mode[mode] = results
        summaries[mode] = summarize(questions, results, ks=(1, 3, 5))
    main_summary, main_results = summaries["hybrid"], results_by_mode["hybrid"]
    title = f"{args.questions.name} — {'retrieval only' if args.retrieval_only else 'answers'}"
    if answerer is not None:
        title += f" — LLM: {answerer.llm_label}"
    print(format_summary(main_summary, title))
    extra: list[str] = []
    by_part = _by_part(questions, main_results)
    if by_part:
        table = format_comparison(by_part)
        print("\n" + table)
        extra.append("## By part of the set\n\n" + table)
    if args.compare:
        comparison = format_comparison({"BM25 only": summaries["bm25"], "dense only": summaries["dense"],
                                        "hybrid": summaries["hybrid"]})
        print("\n" + comparison)
        extra.append("## BM25 only vs dense only vs hybrid\n\n" + comparison)
    weights = service.retriever().weights
    extra.append(f"Store: {service.store.kind}; embedder: {service.embedder.name}; "
                 f"fusion weights bm25={weights.bm25}, dense={weights.dense}, rrf_k={weights.rrf_k}; k={args.k}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as fh:
            for row in main_results:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"results: {args.out}")
    if args.report:
        path = write_markdown(main_summary, args.report, title, extra_sections=extra)
        print(f"report: {path}")
    return 0


def _by_part(questions, results) -> dict:
    """tune vs holdout, and the unanswerable questions by trap: a gap between tune and holdout is overfitting."""
    parts: dict = {}
    for name in ("tune", "holdout"):
        chosen = [q for q in questions if q.split == name]
        if chosen and len(chosen) < len(questions):
            ids = {q.id for q in chosen}
            parts[name] = summarize(chosen, [r for r in results if r["id"] in ids], ks=(1, 3, 5))
    for trap in sorted({q.trap for q in questions if q.trap}):
        chosen = [q for q in questions if q.trap == trap]
        ids = {q.id for q in chosen}
        parts[f"trap:{trap}"] = summarize(chosen, [r for r in results if r["id"] in ids], ks=(1, 3, 5))
    return parts


def _cmrc(args: argparse.Namespace, settings) -> int:
    from eval.cmrc import run_cmrc

    text, ours = run_cmrc(args.cmrc, settings, retrieval_only=args.retrieval_only, k=args.k, limit=args.limit,
                          compare=args.compare, answers_n=args.cmrc_answers)
    print(text)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(f"# Benchmark: {args.cmrc.name}\n\n{text}\n", encoding="utf-8")
        print(f"report: {args.report}")
    print(f"hit@1={ours.hit(1):.3f} hit@3={ours.hit(3):.3f} hit@5={ours.hit(5):.3f} mrr={ours.mrr:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
