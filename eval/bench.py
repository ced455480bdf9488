"""Scale benchmark: index a large corpus in stages and print how time, memory and search cost grow.

    python -m eval.bench ../shared/benchmarks/laws-cn.tar.xz [--limit N] [--embed-budget S]
    python -m eval.bench ../shared/benchmarks/laws-cn.tar.xz --stores local,milvus [--passages 20000]

The archive (or an already unpacked folder) is indexed in three steps that each add documents to
the same index (so steps 2 and 3 also exercise the incremental path): up to ~10k passages, ~50k,
then all. After each step it prints passages, characters, seconds per stage (read, clean, chunk,
tokenise, write), passages/s, peak RSS, index size on disk and search p50/p95 over the question set
(hybrid, with whatever vectors exist by then). Vectors are computed last, for at most
`--embed-budget` seconds (the index stays resumable: `python -m rag index` finishes it); the
passages/s measured there projects the time for the whole corpus. Finally a new document is added
to the full index and the time until a search finds it is printed.

With `--stores`, the first documents holding about `--passages` passages are indexed completely
(text and vectors) into each store in turn and the same questions are searched in each: one row per
store with indexing passages/s, search p50/p95 and recall (RAG_STORE=milvus uses MILVUS_URI when it
is a server, else a milvus-lite file in the temporary folder).

Figures depend on the machine and on what else runs on it: the benchmark prints the load average.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from eval.metrics import evidence_rank
from eval.questions import load_questions
from rag.embedders import auto_choice, make_embedder
from rag.filters import make_filter
from rag.index_store import IndexStore
from rag.indexing import IndexReport, embed_pending, update_index
from rag.service import RagService
from rag.settings import AUTO_EMBEDDER, get_settings

STEPS = (10_000, 50_000)
CHARS_PER_PASSAGE = 73  # measured on the laws corpus (16M characters, ~220k passages): sizes the steps
DEFAULT_QUESTIONS = Path(__file__).parent / "sets" / "laws.jsonl"
NEW_DOCUMENT = ("中华人民共和国测试基准条例\n\n第一条 为了检验新增文件的检索时效，制定本条例。\n\n"
                "第二条 基准测试专用词汇：翠羽流光七号条款，规定每季度核查一次。\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    work = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    try:
        return _run(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept: {work}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", type=Path, help="a .tar.xz of documents, or an unpacked folder")
    p.add_argument("--limit", type=int, default=None, help="index only the first N documents (sorted by path)")
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSONL questions for search timing")
    p.add_argument("--embed-budget", type=float, default=120.0, help="seconds of embedding at the end (0: none)")
    p.add_argument("--keep", action="store_true", help="keep the temporary index folder")
    p.add_argument("--embedders", default="", help="instead of indexing: passages/s of these embedders (comma-"
                   "separated; NAME*2 runs NAME in 2 processes with 1 thread each) on --sample passages")
    p.add_argument("--sample", type=int, default=512, help="passages for --embedders")
    p.add_argument("--stores", default="", help="instead of the staged run: compare these stores (local,milvus) "
                   "on the same --passages passages")
    p.add_argument("--passages", type=int, default=20_000, help="passages for --stores (estimated from file sizes)")
    return p


def _run(args: argparse.Namespace, work: Path) -> int:
    settings = get_settings()
    started = time.perf_counter()
    corpus, unpack_s = _unpack(args.corpus, work)
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in (".md", ".txt", ".html",
                                                                                           ".pdf", ".docx"))
    files = [f for f in files if not f.name.startswith("_")]  # folder index pages, not documents
    if args.limit:
        files = files[: args.limit]
    settings = settings.model_copy(update={"index_dir": work / "index", "data_dir": work / "data"})
    print(f"corpus: {len(files)} documents ({_mb(sum(f.stat().st_size for f in files))} MB), unpacked in "
          f"{unpack_s:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(figures are slower on a shared machine)")
    if args.embedders:
        return _embedder_speeds(args, settings, files)
    if args.stores:
        return _compare_stores(args, settings, files, work)
    name = settings.embedder
    if name == AUTO_EMBEDDER:  # what RagService would settle on for this corpus (rag.embedders.auto_choice)
        estimated = int(sum(f.stat().st_size for f in files) / 3 / CHARS_PER_PASSAGE)
        name = auto_choice(settings, estimated)
        print(f"embedder: {name} (RAG_EMBEDDER=auto for ~{estimated} passages; e5 up to "
              f"{settings.embedder_auto_max_passages})")
    embedder = make_embedder(settings, name)
    service = RagService(settings, embedder)
    questions = [q for q in load_questions(args.questions)] if args.questions.is_file() else []

    rows = []
    total = _step_sizes(files)
    done = 0
    for label, upto in total:
        batch = files[done:upto]
        done = upto
        # Each step indexes the documents of all steps so far: unchanged ones are skipped (hashed only).
        report = update_index([f for f in files[:upto]], settings, embedder, embed=False)
        row = _measure(label, report, settings, service, questions)
        row["new"] = row["passages"] - (rows[-1]["passages"] if rows else 0)
        rows.append(row)
        _print_row(row, header=len(rows) == 1)
        if not batch:
            break

    embed = _embed_for(settings, embedder, args.embed_budget)
    manifest = IndexStore(settings.index_dir).read_manifest()
    passages = manifest.passages() if manifest else 0
    print()
    if embed["done"]:
        rate = embed["done"] / embed["seconds"]
        print(f"embedding ({embedder.name}, batch {settings.embedder_batch_size}): {embed['done']} passages in "
              f"{embed['seconds']:.0f} s = {rate:.1f} passages/s → all {passages} passages: "
              f"{passages / rate / 60:.0f} min projected ({embed['left']} still pending, resumable)")
    else:
        print("embedding: skipped (--embed-budget 0)")
    dense = _dense_cost(passages, manifest.dim if manifest else 384, settings.vector_store)
    print(f"dense search alone over {passages} random vectors ({settings.vector_store}): p50 {dense[0]:.1f} ms, "
          f"p95 {dense[1]:.1f} ms (what the full corpus adds to a query once every vector exists)")

    recall = _recall(service, questions)
    if recall:
        print(f"law questions over this index ({recall['n']} answerable, hybrid with the vectors above): "
              f"recall@1 {recall[1]:.1%}, recall@5 {recall[5]:.1%}; search p50 {recall['p50']:.0f} ms, "
              f"p95 {recall['p95']:.0f} ms")
    added = _add_one(service, corpus, work)
    print(f"one new document: searchable by keyword {added['searchable_s']:.2f} s after add_files was called "
          f"(found at rank {added['rank']}); its vectors {added['embedded_s']:.1f} s after")
    print(f"peak RSS {_peak_rss_mb():.0f} MB · total {time.perf_counter() - started:.0f} s")
    return 0


def _unpack(corpus: Path, work: Path) -> tuple[Path, float]:
    started = time.perf_counter()
    if corpus.is_dir():
        return corpus, 0.0
    target = work / "corpus"
    target.mkdir()
    with tarfile.open(corpus) as tar:
        tar.extractall(target, filter="data")
    return target, time.perf_counter() - started


def _step_sizes(files: list[Path]) -> list[tuple[str, int]]:
    """Document counts that give about 10k and 50k passages, then all (estimated from file sizes)."""
    sizes = np.cumsum([f.stat().st_size / 3 / CHARS_PER_PASSAGE for f in files])  # UTF-8 CJK: 3 bytes a char
    steps = []
    for target in STEPS:
        n = int(np.searchsorted(sizes, target)) + 1
        if n < len(files):
            steps.append((f"~{target // 1000}k", n))
    steps.append(("all", len(files)))
    return steps


def _measure(label: str, report: IndexReport, settings, service: RagService, questions) -> dict:
    service.retriever()  # loads the new version (only new segments are read)
    latencies = []
    for q in questions:
        t = time.perf_counter()
        service.search(q.question, 5)
        latencies.append((time.perf_counter() - t) * 1000)
    manifest = IndexStore(settings.index_dir).read_manifest()
    return {
        "step": label, "docs": len(manifest.documents), "passages": manifest.passages(),
        "added": len(report.added), "chars": report.characters, "stages": report.stages,
        "seconds": report.seconds, "searchable": report.searchable_s,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": float(np.percentile(latencies, 95)) if latencies else float("nan"),
        "rss": _peak_rss_mb(), "disk": _mb(_du(settings.index_dir)),
    }


def _print_row(row: dict, header: bool) -> None:
    stages = ("read", "clean", "chunk", "tokenise", "write")
    if header:
        print()
        print("| step | docs | passages | new chars | " + " | ".join(f"{s} s" for s in stages)
              + " | step s | passages/s | search p50 ms | p95 ms | peak RSS MB | disk MB |")
        print("|---" * (10 + len(stages)) + "|")
    rate = row["new"] / row["seconds"] if row["seconds"] else 0
    print(f"| {row['step']} | {row['docs']} | {row['passages']} | {row['chars']:,} | "
          + " | ".join(f"{row['stages'].get(s, 0):.1f}" for s in stages)
          + f" | {row['seconds']:.1f} | {rate:.0f} | {row['p50']:.0f} | {row['p95']:.0f} | {row['rss']:.0f} | "
            f"{row['disk']} |", flush=True)


def _embed_for(settings, embedder, budget: float) -> dict:
    if budget <= 0:
        return {"done": 0, "seconds": 0.0, "left": 0}
    stop = threading.Event()
    timer = threading.Timer(budget, stop.set)
    timer.start()
    started = time.perf_counter()
    try:
        state = embed_pending(settings, embedder, stop=stop)
    finally:
        timer.cancel()
    return {"done": state.done, "seconds": time.perf_counter() - started, "left": state.total - state.done}


def _dense_cost(rows: int, dim: int, kind: str) -> tuple[float, float]:
    from rag.stores import make_vector_store

    store = make_vector_store(kind, dim, 10**9)
    vectors = np.random.default_rng(0).normal(size=(max(rows, 1), dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store.add(vectors)
    times = []
    for i in range(40):
        t = time.perf_counter()
        store.search(vectors[i], 100)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), float(np.percentile(times, 95))


def _recall(service: RagService, questions) -> dict:
    indexed = {e.name for e in service.documents().values()}
    answerable = [q for q in questions if q.answerable and q.evidence and (not q.doc or Path(q.doc).name in indexed)]
    if not answerable:
        return {}
    ranks, latencies = [], []
    for q in answerable:
        started = time.perf_counter()
        passages = service.search(q.question, 5)
        latencies.append((time.perf_counter() - started) * 1000)
        ranks.append(evidence_rank([p.text for p in passages], q.evidence))
    return {"n": len(answerable), 1: sum(r == 1 for r in ranks) / len(ranks),
            5: sum(r is not None and r <= 5 for r in ranks) / len(ranks),
            "p50": statistics.median(latencies), "p95": float(np.percentile(latencies, 95))}


def _add_one(service: RagService, corpus: Path, work: Path) -> dict:
    """Add one document to the full index: time until a keyword search finds it, then until its own
    vectors are in (the background embedder takes the newest segment first, ahead of any backlog)."""
    path = work / "新增测试条例.md"
    path.write_text(NEW_DOCUMENT, encoding="utf-8")
    started = time.perf_counter()
    service.add_files([path], background=True)
    passages = service.search("翠羽流光七号条款规定多久核查一次", 5)
    searchable = time.perf_counter() - started
    rank = next((p.rank for p in passages if "翠羽流光" in p.text), None)
    embedded = float("nan")
    store = IndexStore(service.settings.index_dir)
    while time.perf_counter() - started < 300:
        running = service.embedding_progress()["running"]
        manifest = store.read_manifest()
        entry = next((e for e in manifest.documents.values() if e.name == path.name), None)
        if entry is not None and manifest.embedded(entry.segment) >= entry.first_row + len(entry.chunk_ids):
            embedded = time.perf_counter() - started
            break
        if not running:
            break
        time.sleep(0.2)
    service.stop_embedding()  # the rest of the backlog stays resumable
    filtered = service.search("翠羽流光七号条款", 1, filters=make_filter(doc=path.name))
    if not filtered or "翠羽流光" not in filtered[0].text:
        raise SystemExit("the --doc filter lost the new document")
    return {"searchable_s": searchable, "rank": rank, "embedded_s": embedded}


def _compare_stores(args: argparse.Namespace, settings, files: list[Path], work: Path) -> int:
    """The same documents and questions through each store: what a shared Milvus costs against local files."""
    from eval.runner import eval_settings

    sizes = np.cumsum([f.stat().st_size / 3 / CHARS_PER_PASSAGE for f in files])
    files = files[: int(np.searchsorted(sizes, args.passages)) + 1]
    questions = [q for q in load_questions(args.questions)] if args.questions.is_file() else []
    embedder = make_embedder(settings)
    print(f"{len(files)} documents, embedder {embedder.name}, {len(questions)} questions timed (k=5); recall over "
          "the answerable ones whose document is indexed")
    print()
    print("| store | passages | index s | of which embedding s | passages/s | passages/s without embedding "
          "| hybrid p50 ms | hybrid p95 ms | BM25 p50 ms | dense p50 ms | recall@1 | recall@5 | same top 5 | disk MB |")
    print("|---|" + "---:|" * 13)
    first_top: list[list[str]] = []  # the first store's hybrid top 5 per question, for the "same top 5" column
    for name in [n.strip() for n in args.stores.split(",") if n.strip()]:
        store_settings = eval_settings(settings.model_copy(update={"store": name}), work / f"index-{name}")
        service = RagService(store_settings, embedder)
        started = time.perf_counter()
        report = service.index(files, rebuild=True)
        seconds = time.perf_counter() - started
        service.retriever()  # loading the snapshot is not part of a query
        if questions:
            service.search(questions[0].question, 5)  # nor is the first search (Milvus loads its indexes)
        times: dict[str, list[float]] = {"hybrid": [], "bm25": [], "dense": []}
        tops = []
        for mode, latencies in times.items():
            for q in questions:
                t = time.perf_counter()
                found = service.search(q.question, 5, mode=mode)
                latencies.append((time.perf_counter() - t) * 1000)
                if mode == "hybrid":
                    tops.append([p.passage_id for p in found])
        first_top = first_top or tops
        same = sum(a == b for a, b in zip(tops, first_top))
        recall = _recall(service, questions) or {1: float("nan"), 5: float("nan")}
        embed_s = report.stages.get("embed", 0.0)
        folder = store_settings.index_dir
        p = lambda xs, q: float(np.percentile(xs, q)) if xs else float("nan")  # noqa: E731
        print(f"| {name} | {report.chunks} | {seconds:.1f} | {embed_s:.1f} | {report.chunks / seconds:.0f} | "
              f"{report.chunks / max(seconds - embed_s, 1e-9):.0f} | {p(times['hybrid'], 50):.1f} | "
              f"{p(times['hybrid'], 95):.1f} | {p(times['bm25'], 50):.1f} | {p(times['dense'], 50):.1f} | "
              f"{recall[1]:.1%} | {recall[5]:.1%} | {same}/{len(tops)} | "
              f"{_mb(_du(folder)) if folder.is_dir() else '—'} |", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; peak RSS {_peak_rss_mb():.0f} MB")
    return 0


def _embedder_speeds(args: argparse.Namespace, settings, files: list[Path]) -> int:
    """Passages/s of each embedder on the same real passages (index text, as indexing embeds them)."""
    from rag.card import build_card
    from rag.chunking import chunk_document
    from rag.ingest import read_document

    texts: list[str] = []
    for path in files[::max(len(files) // 200, 1)]:  # spread over the corpus: laws, cases, local rules
        document = read_document(path)
        context = build_card(document).context_line()
        texts.extend(c.embed_text for c in chunk_document(document, settings.chunk_max_chars,
                                                          settings.chunk_min_chars, context=context)[:20])
        if len(texts) >= args.sample:
            break
    texts = texts[: args.sample]
    print(f"{len(texts)} passages, mean {statistics.mean(len(t) for t in texts):.0f} characters")
    print("| embedder | processes | load s | passages/s |")
    print("|---|---:|---:|---:|")
    for spec in args.embedders.split(","):
        name, _, procs = spec.strip().partition("*")
        procs = int(procs or 1)
        started = time.perf_counter()
        if procs == 1:
            embedder = make_embedder(settings.model_copy(update={"embedder": name}))
            embedder.embed_documents(texts[:8])
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            for i in range(0, len(texts), 512):
                embedder.embed_documents(texts[i:i + 512])
        else:
            import multiprocessing as mp

            with mp.get_context("spawn").Pool(procs, _worker_init, (settings.model_copy(update={"embedder": name}),)) as pool:
                pool.map(_worker_embed, [texts[:8]] * procs)
                loaded = time.perf_counter() - started
                started = time.perf_counter()
                size = -(-len(texts) // (procs * 4))
                pool.map(_worker_embed, [texts[i:i + size] for i in range(0, len(texts), size)])
        rate = len(texts) / (time.perf_counter() - started)
        print(f"| {name} | {procs} | {loaded:.1f} | {rate:.1f} |", flush=True)
    return 0


_WORKER = {}


def _worker_init(settings) -> None:
    import torch

    torch.set_num_threads(1)
    _WORKER["embedder"] = make_embedder(settings)


def _worker_embed(texts: list[str]) -> int:
    return len(_WORKER["embedder"].embed_documents(texts))


def _du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _mb(size: int) -> str:
    return f"{size / 1e6:.0f}"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    raise SystemExit(main())
