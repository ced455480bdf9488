"""Benchmark the embedded local LLM server on a RAG-sized Chinese prompt.

Measures, per model and server flag set: load time (spawn → `/v1/models` answers), prompt-processing
tokens/s, time to first token, generation tokens/s and server memory — the numbers that decide
the default model and flags. Run from the repository root:

    python scripts/bench_local_llm.py --models qwen2.5-coder-0.5b qwen2.5-coder-1.5b --threads 2
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from openai import OpenAI

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.llm.local_model import ensure_local_model  # noqa: E402
from rag.llm.local_server import LocalLLMServer  # noqa: E402
from rag.settings import Settings  # noqa: E402

# Named extra flag sets appended after the defaults LocalLLMServer passes (argparse: last one wins).
CONFIGS: dict[str, list[str]] = {
    "default": [],
    "logits_all_true": ["--logits_all", "true"],  # llama_cpp.server's default; LocalLLMServer passes false
    "mmap": ["--use_mmap", "true"],  # llama_cpp.server's default; LocalLLMServer passes false
    "flash_attn": ["--flash_attn", "true"],
    "batch256": ["--n_batch", "256", "--n_ubatch", "256"],
    "batch1024": ["--n_batch", "1024", "--n_ubatch", "1024"],
    "batch2048": ["--n_batch", "2048", "--n_ubatch", "2048"],
    "threads_batch1": ["--n_threads_batch", "1"],
    "threads_batch4": ["--n_threads_batch", "4"],
}

SYSTEM = "你是一个严谨的问答助手。只根据给定的资料回答，资料中没有的内容就说不知道。"
QUESTION = (
    "2023年长清区一般公共预算收入是多少？增长了多少？"
    "请用一两句话简短回答，并用[n]标注引用的资料编号。"
)

ANSWER_NEEDLE = "一般公共预算收入30.24亿元"
FALLBACK_TEXT = (
    "刚刚过去的一年，全区上下坚持稳中求进工作总基调，完成一般公共预算收入30.24亿元、增长29.2%；"
    "规模以上工业增加值增长12.2%；城镇和农村居民人均可支配收入分别增长5.5%和5.6%。"
    "产业谋划更加清晰，生物医药、新能源新材料、高端装备制造等产业集群加快成形。"
)


@dataclass
class RunResult:
    prompt_tokens: int
    pp_s: float
    pp_tps: float
    ttft_s: float
    gen_tokens: int
    gen_tps: float | None
    total_s: float
    pp_cpu: float  # cores the server actually got while prefilling (2.0 = both, less = contention)
    pp_tok_per_cpu_s: float  # contention-independent cost of prefill
    gen_cpu: float
    finish_reason: str | None
    answer: str


@dataclass
class ConfigResult:
    model: str
    config: str
    flags: list[str]
    load_s: float
    rss_mib: float
    peak_rss_mib: float
    runs: list[RunResult] = field(default_factory=list)

    clean_cores: float = 0.0  # a run counts as uncontended when prefill got at least this many cores

    def clean_runs(self) -> list[RunResult]:
        clean = [r for r in self.runs if r.pp_cpu >= self.clean_cores]
        return clean or self.runs

    def median(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.clean_runs() if getattr(r, attr) is not None]
        return statistics.median(values) if values else None


def load_passages(source: Path | None, count: int, chars: int) -> list[str]:
    """`count` passages of `chars` Chinese characters from evenly spaced places in the corpus; the
    middle one is centred on the answer to QUESTION so answers can be checked by eye."""
    files = [source] if source else sorted((ROOT / "data").glob("*.txt"))
    text = "".join(f.read_text(encoding="utf-8") for f in files if f.is_file())
    text = re.sub(r"\s+", "", text)
    if len(text) < count * chars:
        text = (text + FALLBACK_TEXT) * (count * chars // max(len(text + FALLBACK_TEXT), 1) + 1)
    step = (len(text) - chars) // max(count - 1, 1)
    passages = [text[i * step : i * step + chars] for i in range(count)]
    hit = text.find(ANSWER_NEEDLE)
    if hit >= 0:
        start = max(0, min(hit - chars // 2, len(text) - chars))
        passages[count // 2] = text[start : start + chars]
    return passages


def build_messages(passages: list[str]) -> list[dict[str, str]]:
    context = "\n\n".join(f"[{i}] {p}" for i, p in enumerate(passages, start=1))
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"资料：\n{context}\n\n问题：{QUESTION}"},
    ]


def rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of the server process, from /proc (Linux only)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan"), float("nan")
    values = {k: int(v.split()[0]) / 1024 for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(.+)$", status, re.M)}
    return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))


def cpu_seconds(pid: int) -> float:
    """utime + stime of the server process, to tell slow code from a machine busy with other work."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def evict_prompt_cache(client: OpenAI, model: str) -> None:
    """llama-cpp-python reuses the KV cache of the longest common prefix with the previous prompt;
    a tiny unrelated request in between makes the next RAG prompt be processed in full."""
    client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "你好"}], max_tokens=1, temperature=0
    )


def one_run(client: OpenAI, http: httpx.Client, server: LocalLLMServer, passages: list[str],
            max_tokens: int) -> RunResult:  # fmt: skip
    assert server.pid is not None
    # 1) prompt processing alone: one output token, usage gives the exact prompt length
    evict_prompt_cache(client, server.model_alias)
    c0 = cpu_seconds(server.pid)
    t0 = time.perf_counter()
    reply = client.chat.completions.create(
        model=server.model_alias, messages=build_messages(passages), max_tokens=1, temperature=0
    )
    pp_s = time.perf_counter() - t0
    pp_cpu = (cpu_seconds(server.pid) - c0) / pp_s
    prompt_tokens = reply.usage.prompt_tokens if reply.usage else 0

    # 2) the real thing, streamed, with the prompt processed again from scratch
    evict_prompt_cache(client, server.model_alias)
    c1 = None
    t0 = time.perf_counter()
    first = last = None
    pieces: list[str] = []
    finish = None
    stream = client.chat.completions.create(
        model=server.model_alias, messages=build_messages(passages), max_tokens=max_tokens,
        temperature=0, stream=True,
    )  # fmt: skip
    for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta.content or ""
        if delta:
            now = time.perf_counter()
            if first is None:
                first, c1 = now, cpu_seconds(server.pid)
            last = now
            pieces.append(delta)
        finish = chunk.choices[0].finish_reason or finish
    total_s = time.perf_counter() - t0
    streamed_s = (last - first) if first is not None and last is not None else 0.0
    gen_cpu = (cpu_seconds(server.pid) - c1) / streamed_s if c1 is not None and streamed_s > 0 else 0.0
    answer = "".join(pieces)
    count = http.post(f"{server.base_url.removesuffix('/v1')}/extras/tokenize/count", json={"input": answer})
    gen_tokens = int(count.json()["count"]) if answer else 0
    ttft = (first - t0) if first is not None else total_s
    gen_tps = (gen_tokens - 1) / streamed_s if streamed_s > 0 and gen_tokens > 1 else None
    return RunResult(
        prompt_tokens=prompt_tokens, pp_s=pp_s, pp_tps=prompt_tokens / pp_s, ttft_s=ttft, gen_tokens=gen_tokens,
        gen_tps=gen_tps, total_s=total_s, pp_cpu=pp_cpu, pp_tok_per_cpu_s=prompt_tokens / max(pp_cpu * pp_s, 1e-9),
        gen_cpu=gen_cpu, finish_reason=finish, answer=answer,
    )  # fmt: skip


def bench(model: str, config: str, args: argparse.Namespace, passages: list[str], log_dir: Path) -> ConfigResult:
    settings = Settings()
    path = ensure_local_model(model, settings.models_dir)
    server = LocalLLMServer(
        path, model_alias=model, n_threads=args.threads, n_ctx=args.ctx, log_dir=log_dir,
        start_timeout_s=300, extra_args=CONFIGS[config],
    )  # fmt: skip
    t0 = time.perf_counter()
    server.start()
    load_s = time.perf_counter() - t0
    try:
        assert server.pid is not None
        http = httpx.Client(trust_env=False, timeout=600)
        client = OpenAI(base_url=server.base_url, api_key="local", max_retries=0, http_client=http)
        client.chat.completions.create(  # warm-up: first-request allocations are not what we measure
            model=model, messages=[{"role": "user", "content": "你好"}], max_tokens=4, temperature=0
        )
        result = ConfigResult(model, config, CONFIGS[config], load_s, *rss_mib(server.pid))
        result.clean_cores = 0.85 * args.threads
        # other work on the machine skews timings: retry until `runs` runs got (nearly) all cores
        for i in range(args.runs * args.max_attempts_factor):
            if sum(r.pp_cpu >= result.clean_cores for r in result.runs) >= args.runs:
                break
            run = one_run(client, http, server, passages, max_tokens=args.max_tokens)
            result.runs.append(run)
            print(
                f"  run {i + 1}: prompt {run.prompt_tokens} tok, pp {run.pp_tps:.1f} tok/s ({run.pp_s:.2f} s), "
                f"TTFT {run.ttft_s:.2f} s, gen {run.gen_tokens} tok @ "
                f"{run.gen_tps or float('nan'):.1f} tok/s, total {run.total_s:.2f} s, finish={run.finish_reason}, "
                f"cores used pp {run.pp_cpu:.2f} gen {run.gen_cpu:.2f}, load avg {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        result.rss_mib, result.peak_rss_mib = rss_mib(server.pid)
        return result
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["qwen2.5-coder-0.5b"])
    parser.add_argument("--configs", nargs="+", default=["default"], choices=sorted(CONFIGS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--runs", type=int, default=2, help="uncontended runs wanted per model/config")
    parser.add_argument("--max-attempts-factor", type=int, default=3, help="give up after runs × this")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--passage-chars", type=int, default=300)
    parser.add_argument("--passages-file", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write all results here")
    parser.add_argument("--show-answers", action="store_true")
    args = parser.parse_args()

    passages = load_passages(args.passages_file, 5, args.passage_chars)
    results: list[ConfigResult] = []
    with tempfile.TemporaryDirectory(prefix="bench-llm-logs-") as log_dir:
        for model in args.models:
            for config in args.configs:
                print(f"== {model} / {config} {' '.join(CONFIGS[config])}", flush=True)
                result = bench(model, config, args, passages, Path(log_dir))
                print(f"  load {result.load_s:.2f} s, RSS {result.rss_mib:.0f} MiB (peak {result.peak_rss_mib:.0f})")
                if args.show_answers:
                    for run in result.runs:
                        print("  answer:", run.answer.replace("\n", " ")[:300])
                results.append(result)

    print("\nmodel                config          load_s  prompt_tok  pp_tok/s  TTFT_s  gen_tok/s  RSS_MiB  "
          "pp_cores  pp_tok/cpu_s  clean_runs")
    for r in results:
        gen = r.median("gen_tps")
        print(
            f"{r.model:<20} {r.config:<15} {r.load_s:6.2f}  {r.median('prompt_tokens'):10.0f}  "
            f"{r.median('pp_tps'):8.1f}  {r.median('ttft_s'):6.2f}  {gen if gen is not None else float('nan'):9.1f}"
            f"  {r.rss_mib:7.0f}  {r.median('pp_cpu'):8.2f}  {r.median('pp_tok_per_cpu_s'):12.1f}"
            f"  {sum(x.pp_cpu >= r.clean_cores for x in r.runs)}/{len(r.runs)}"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
