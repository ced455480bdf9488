"""First token with the prompt cache cold vs warm, on the real answer prompts of the demo corpus.

Every answer prompt starts with the same instructions and worked example (`rag.prompting`); only the
passages and the question at the end change. llama.cpp keeps the last prompt of a slot in its KV
cache and processes only what follows the longest common prefix, so from the second question on the
fixed part should cost nothing. For each question this prints the time to the first token

- cold: the whole prompt processed (llama-server: `cache_prompt: false`; llama-cpp-python: an
  unrelated request first, which replaces its cached prompt),
- warm: right after a *different* question, so only the fixed prefix can be reused.

    python scripts/bench_prompt_cache.py [--server llama-server|llama-cpp-python] [--questions N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from openai import OpenAI

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.questions import load_questions  # noqa: E402
from rag.embedders.hashing import HashingEmbedder  # noqa: E402
from rag.llm.local_model import ensure_local_model  # noqa: E402
from rag.llm.local_server import make_local_server  # noqa: E402
from rag.prompting import answer_messages  # noqa: E402
from rag.service import RagService  # noqa: E402
from rag.settings import Settings  # noqa: E402


def ttft(client: OpenAI, model: str, messages: list[dict[str, str]], cache: bool) -> tuple[float, int]:
    """(seconds to the first streamed token, prompt tokens the server says it reused or -1)."""
    extra = {} if cache else {"cache_prompt": False}
    t0 = time.perf_counter()
    stream = client.chat.completions.create(model=model, messages=messages, max_tokens=8, temperature=0,
                                            stream=True, extra_body=extra)
    first, reused = None, -1
    for chunk in stream:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - t0
        timings = (getattr(chunk, "model_extra", None) or {}).get("timings")
        if timings and "cache_n" in timings:
            reused = int(timings["cache_n"])
    return (first if first is not None else time.perf_counter() - t0), reused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=["llama-server", "llama-cpp-python"], default=None,
                        help="back-end (default: RAG_LOCAL_SERVER)")
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--question-file", type=Path, default=ROOT / "eval" / "questions.jsonl")
    args = parser.parse_args()

    base = Settings()
    settings = base.model_copy(update={"local_parallel": 1, **({"local_server": args.server} if args.server else {})})
    questions = [q.question for q in load_questions(args.question_file)][: args.questions]
    with tempfile.TemporaryDirectory(prefix="bench-prefix-") as tmp:
        index_settings = settings.model_copy(update={"index_dir": Path(tmp) / "index"})
        service = RagService(index_settings, HashingEmbedder())
        service.index([settings.data_dir])
        prompts = [answer_messages(q, service.search(q, settings.llm_passages, mode="bm25"), settings.llm_passage_chars)
                   for q in questions]
        model_path = ensure_local_model(settings.local_model, settings.models_dir)
        server = make_local_server(settings.model_copy(update={"cache_dir": Path(tmp)}), model_path.absolute(),
                                   settings.local_model)
        server.start()
        try:
            client = OpenAI(base_url=server.base_url, api_key="local", max_retries=0,
                            http_client=httpx.Client(trust_env=False, timeout=300))
            tokens = client.chat.completions.create(model=server.model_alias, messages=prompts[0], max_tokens=1)
            print(f"back-end {server.backend}; prompt {tokens.usage.prompt_tokens if tokens.usage else '?'} tokens "
                  f"(first question); load average {os.getloadavg()[0]:.2f}")
            cold, warm = [], []
            for i, messages in enumerate(prompts):
                other = prompts[(i + 1) % len(prompts)]
                if server.backend == "llama-cpp-python":  # no per-request switch: replace its cached prompt
                    client.chat.completions.create(model=server.model_alias, max_tokens=1,
                                                   messages=[{"role": "user", "content": "你好"}])
                c, _ = ttft(client, server.model_alias, messages, cache=server.backend == "llama-cpp-python")
                ttft(client, server.model_alias, other, cache=True)  # the slot now holds another question
                w, reused = ttft(client, server.model_alias, messages, cache=True)
                cold.append(c)
                warm.append(w)
                print(f"  q{i + 1}: cold {c:.2f} s, warm {w:.2f} s" + (f" (reused {reused} tokens)" if reused >= 0 else ""))
            print(f"first token median: cold {statistics.median(cold):.2f} s, warm {statistics.median(warm):.2f} s; "
                  f"load average {os.getloadavg()[0]:.2f}")
        finally:
            server.close()


if __name__ == "__main__":
    main()
