"""Command line: `python -m rag index|search|ask|serve`. Errors print one line, never a traceback."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from rag.card import DocumentCard
from rag.errors import RagError
from rag.settings import Settings, get_settings


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        settings = get_settings()
        return args.handler(args, settings)
    except RagError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rag", description="Chinese government-document Q&A with citations")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="build or update the index (default: the data folder)")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (.txt .md .pdf .docx .html)")
    p.add_argument("--rebuild", action="store_true", help="re-read and re-embed everything")
    p.add_argument("--remove", action="append", metavar="KEY", help="remove a document by its key (see `list`)")
    p.add_argument("--upgrade", action="store_true",
                   help="a library past RAG_EMBEDDER_AUTO_MAX: also compute RAG_EMBEDDER_UPGRADE's vectors (resumable)")
    p.set_defaults(handler=cmd_index)

    p = sub.add_parser("list", help="list indexed documents")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("search", help="show the passages retrieved for a question")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=None, help="number of passages (default RAG_TOP_K)")
    p.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default="hybrid")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _filter_args(p)
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=None)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-stream", action="store_true", help="print the answer only when complete")
    _filter_args(p)
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("serve", help="start the web chat")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.set_defaults(handler=cmd_serve)
    return parser


def _filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--doc", help="search only this document (its key, file name or name without extension)")
    p.add_argument("--under", metavar="FOLDER", help="search only documents under this folder (e.g. 社会法)")
    p.add_argument("--year", help="search only documents of these years: 2021, 2019-2021, 2019-, -2021")


def _service(settings: Settings, args: argparse.Namespace | None = None):
    from rag.filters import make_filter
    from rag.service import RagService

    service = RagService(settings)
    if args is not None and any(getattr(args, name, None) for name in ("doc", "under", "year")):
        service.filters = make_filter(args.doc, args.under, args.year)  # bad input: QueryError, one line
    return service


def _ensure_index(service) -> None:
    if not service.index_exists():
        print(f"No index yet: building it from {service.settings.data_dir}/ …", file=sys.stderr)
        report = service.ensure_index()
        for line in report.summary_lines():
            print("  " + line, file=sys.stderr)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings)
    paths = args.paths or [settings.data_dir]
    report = service.index(paths, rebuild=args.rebuild, remove=args.remove, embed=False)
    pending = report.pending
    report.pending = 0
    for line in report.summary_lines():
        print(line)
    if pending:
        print(f"keyword search finds the new text now; computing vectors for {pending} passages "
              "(Ctrl+C is safe: the next `python -m rag index` resumes)", flush=True)
        try:
            state = service.embed_now()
        except KeyboardInterrupt:
            progress = service.embedding_progress()
            print(f"\nstopped: {progress['embedded']}/{progress['passages']} passages have vectors; "
                  "run `python -m rag index` to resume", file=sys.stderr)
            return 130
        print(f"vectors: {state.done} passages embedded")
    target = service.upgrade_due()
    if target and args.upgrade:
        print(f"computing {target} vectors for all {service.store.coverage()[1]} passages; the static ones serve "
              "meanwhile (Ctrl+C is safe: `python -m rag index --upgrade` resumes)", flush=True)
        try:
            switched = service.upgrade_now()
        except KeyboardInterrupt:
            print("\nstopped: run `python -m rag index --upgrade` to resume", file=sys.stderr)
            return 130
        print(f"vectors: the index now searches with {target}" if switched else "vectors: upgrade not done")
    elif target:
        print(f"{service.store.coverage()[1]} passages: searched with static vectors; `python -m rag index --upgrade` "
              f"(or the chat, in the background) adds {target}'s, which find questions in everyday words better")
    if report.failed and not report.documents:
        return 1
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    docs = _service(settings).documents()
    if not docs:
        print("the index is empty (python -m rag index adds the data folder)")
    for key, entry in docs.items():
        print(f"{key}\t{entry.paragraphs} paragraphs\t{len(entry.chunk_ids)} passages\t{entry.indexed_at}")
        card = DocumentCard.from_dict(entry.card)
        if card is not None:
            print(f"    《{card.title}》 {card.summary()}")
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings, args)
    _ensure_index(service)
    service.retriever()  # load models and index first: the timing below is the search alone
    started = time.perf_counter()
    passages = service.search(args.question, args.k, mode=args.mode)
    elapsed = (time.perf_counter() - started) * 1000
    if args.json:
        print(json.dumps({"question": args.question,
                          "passages": [{**p.to_json(), **({"also_in": p.also_in} if p.also_in else {})}
                                       for p in passages],
                          "timings_ms": {"retrieval": round(elapsed, 1)}}, ensure_ascii=False, indent=1))
        return 0
    if not passages:
        print("没有找到相关段落 / no passages found")
    for p in passages:
        origin = p.chunk.origin
        print(f"[{p.rank}] score={p.score:.4f}  {origin.doc} · {origin.section_path or '—'} · 第{origin.page or '?'}页")
        print(f"    {p.text}")
        if p.also_in:
            print(f"    同见于：{'、'.join(p.also_in)}")
        print()
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag.answer_cli import run_ask

    service = _service(settings, args)
    _ensure_index(service)
    return run_ask(service, args)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ui.app import launch

    service = _service(settings)
    _ensure_index(service)
    launch(service, host=args.host, port=args.port)
    return 0
