"""Load benchmark: N users ask at once through the web chat's own API; prints latency per N.

    python -m eval.load ../shared/eval/dev_questions.jsonl [--users 1 4 8] [--samples 8] [--docs data]

It starts the real Gradio app (`ui.app.build_app`) on a free loopback port, with the configured LLM
(`.env`), and drives it with `gradio_client` — the same queue and `/ask` endpoint the browser uses,
one client (one session) per simulated user. For every N it sends N questions at the same moment,
repeats rounds until at least `--samples` answers were timed, and reports for each answer:

- first update: the chat shows the question and "正在检索…" (the UI's own response time),
- sources: the passages found are shown with "正在生成答案…",
- first token: the first piece of the model's answer is shown,
- total: the checked answer is complete.

Bounded on purpose: at most 32 users, 200 answers and `--timeout` seconds per answer; loopback only.
Timings depend on the machine and what else runs on it, so the load average is printed with them.
"""
from __future__ import annotations

import argparse
import math
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
MAX_USERS = 32
MAX_ANSWERS = 200
GENERATING = "正在生成"


@dataclass
class Timing:
    """Seconds from submitting one question to each visible step; None when the step never came."""

    question: str
    first_update: float | None = None
    sources: float | None = None
    first_token: float | None = None
    total: float | None = None
    error: str = ""


@dataclass
class Round:
    users: int
    timings: list[Timing] = field(default_factory=list)
    wall_s: float = 0.0
    load_avg: float = 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _last_reply(messages: Any) -> str:
    """The content of the last assistant message of a Chatbot value, as gradio_client returns it."""
    if not isinstance(messages, list) or not messages:
        return ""
    last = messages[-1]
    if isinstance(last, dict) and last.get("role") == "assistant":
        content = last.get("content")
        if isinstance(content, list):  # gradio may wrap text content as [{"type": "text", "text": …}]
            return "".join(str(c.get("text", "")) if isinstance(c, dict) else str(c) for c in content)
        return str(content or "")
    return ""


def classify(reply: str) -> str:
    """Which step a chat update shows: 'status' (a step message only), 'sources' (passages found, the
    answer being generated), 'token' (part of the answer) or 'done' (the finished answer)."""
    if "rag-streaming" not in reply:
        return "done" if reply else ""
    if 'class="rag-text"' in reply:
        return "token"
    return "sources" if GENERATING in reply else "status"


def ask_once(client: Any, question: str, k: int, timeout_s: float, start: threading.Barrier | None) -> Timing:
    """Submit one question through `/ask` and time the updates as they stream in."""
    timing = Timing(question)
    if start is not None:
        start.wait()
    t0 = time.perf_counter()
    try:
        job = client.submit(question, k, api_name="/ask")
        deadline = t0 + timeout_s
        seen = 0
        while not job.done() or seen < len(job.outputs()):
            outputs = job.outputs()
            for output in outputs[seen:]:
                now = time.perf_counter() - t0
                timing.first_update = timing.first_update if timing.first_update is not None else now
                step = classify(_last_reply(output[0] if isinstance(output, (list, tuple)) else output))
                if step == "sources" and timing.sources is None:
                    timing.sources = now
                if step in ("token", "done") and timing.first_token is None:
                    timing.first_token = now
                    timing.sources = timing.sources if timing.sources is not None else now
            seen = len(outputs)
            if time.perf_counter() > deadline:
                job.cancel()
                raise TimeoutError(f"no complete answer within {timeout_s:.0f} s")
            time.sleep(0.01)
        job.result(timeout=max(1.0, deadline - time.perf_counter()))  # raises what the server raised
        timing.total = time.perf_counter() - t0
        if timing.first_token is None:
            timing.error = "no answer in the chat"
    except Exception as exc:  # counted and shown; the benchmark goes on
        timing.error = f"{exc.__class__.__name__}: {str(exc)[:120]}"
    return timing


def run_round(clients: list[Any], questions: list[str], k: int, timeout_s: float) -> Round:
    """All users submit at the same moment (a barrier), each from its own thread and session."""
    users = len(clients)
    barrier = threading.Barrier(users)
    result = Round(users)
    slots: list[Timing | None] = [None] * users

    def user(i: int) -> None:
        slots[i] = ask_once(clients[i], questions[i], k, timeout_s, barrier)

    threads = [threading.Thread(target=user, args=(i,), name=f"load-user-{i}") for i in range(users)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - t0
    result.load_avg = os.getloadavg()[0]
    result.timings = [t for t in slots if t is not None]
    return result


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _stats(values: list[float]) -> str:
    if not values:
        return f"{'—':>6} {'—':>6} {'—':>6}"
    return f"{percentile(values, 50):6.2f} {percentile(values, 95):6.2f} {max(values):6.2f}"


def format_table(rounds_by_users: dict[int, list[Round]]) -> str:
    """One line per N: answers, errors, p50/p95/max of first token and total, sources p95, load."""
    head = (f"{'users':>5} {'answers':>7} {'errors':>6} | {'first token p50/p95/max (s)':^20} | "
            f"{'total p50/p95/max (s)':^20} | {'sources p95':>11} | {'answers/min':>11} | load avg")
    lines = [head, "-" * len(head)]
    for users, rounds in rounds_by_users.items():
        timings = [t for r in rounds for t in r.timings]
        ok = [t for t in timings if not t.error and t.total is not None]
        first = [t.first_token for t in ok if t.first_token is not None]
        total = [t.total for t in ok if t.total is not None]
        sources = [t.sources for t in ok if t.sources is not None]
        wall = sum(r.wall_s for r in rounds)
        per_min = 60 * len(ok) / wall if wall else 0.0
        loads = ", ".join(f"{r.load_avg:.1f}" for r in rounds)
        lines.append(f"{users:>5} {len(ok):>7} {len(timings) - len(ok):>6} | {_stats(first):>20} | "
                     f"{_stats(total):>20} | {percentile(sources, 95) if sources else float('nan'):11.2f} | "
                     f"{per_min:11.1f} | {loads}")
    return "\n".join(lines)


def run_load(service: Any, questions: list[str], users_list: list[int], *, samples: int = 8, k: int | None = None,
             timeout_s: float = 180.0, warm_up: bool = True, log=print) -> dict[int, list[Round]]:
    """Start the app for `service` on loopback, run every N of `users_list`, stop the app; return the rounds."""
    from gradio_client import Client

    from rag.answering import Answerer
    from ui.app import build_app, serve

    if not questions:
        raise ValueError("no questions to ask")
    users_list = [n for n in users_list if 1 <= n <= MAX_USERS]
    k = k or service.settings.top_k
    answerer = Answerer(service)
    answerer.chat_client()  # start the LLM now: its load time is not what is measured
    service.retriever()
    demo = build_app(service, answerer)
    port = _free_port()
    serve(demo, HOST, port, block=False)
    url = f"http://{HOST}:{port}/"
    results: dict[int, list[Round]] = {}
    asked = 0
    try:
        clients = [Client(url, verbose=False, httpx_kwargs={"trust_env": False}) for _ in range(max(users_list, default=1))]
        if warm_up:  # one answer first: the model's first request and the prompt cache are not measured
            ask_once(clients[0], questions[0], k, timeout_s, None)
        for users in users_list:
            rounds = max(1, math.ceil(samples / users))
            results[users] = []
            for r in range(rounds):
                if asked + users > MAX_ANSWERS:
                    break
                chosen = [questions[(asked + i) % len(questions)] for i in range(users)]
                asked += users
                result = run_round(clients[:users], chosen, k, timeout_s)
                results[users].append(result)
                log(f"  {users} users, round {r + 1}/{rounds}: {result.wall_s:.1f} s, "
                    f"{sum(1 for t in result.timings if t.error)} errors, load avg {result.load_avg:.2f}")
                for t in result.timings:
                    if t.error:
                        log(f"    error: {t.question[:30]} → {t.error}")
    finally:
        demo.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, help="question set (JSONL); only the questions are used")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 4, 8], help=f"concurrent users, ≤ {MAX_USERS}")
    parser.add_argument("--samples", type=int, default=8, help="answers timed per N (rounds of N users)")
    parser.add_argument("--k", type=int, default=None, help="passages per question (default RAG_TOP_K)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds allowed per answer")
    parser.add_argument("--docs", type=Path, action="append", help="documents to index (default: the data folder)")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: the evaluation's, under the cache)")
    args = parser.parse_args(argv)
    if any(not 1 <= n <= MAX_USERS for n in args.users):
        parser.error(f"--users must be between 1 and {MAX_USERS}")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    from eval.questions import load_questions
    from eval.runner import build_eval_service
    from rag.errors import RagError
    from rag.settings import get_settings

    settings = get_settings()
    try:
        questions = [q.question for q in load_questions(args.questions)]
        service = build_eval_service(settings, list(args.docs or [settings.data_dir]),
                                     args.index_dir or settings.cache_dir / "eval" / "index")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
        results = run_load(service, questions, args.users, samples=args.samples, k=args.k, timeout_s=args.timeout)
    except (RagError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    llm = settings.resolved_llm()
    if llm == "local":
        from rag.llm.local_server import resolve_backend

        backend = resolve_backend(settings)[0]
        llm += f" ({backend}" + (f", {settings.local_parallel} slots)" if backend == "llama-server" else ")")
    print(f"\nLLM: {llm}; k={args.k or settings.top_k}; times in seconds from sending the question")
    print(format_table(results))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
