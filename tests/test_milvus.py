"""Milvus as the store (RAG_STORE=milvus): the same rankings as the local store, and one index shared by
several processes through a real `milvus-lite server` (an indexer and an app, as in a deployment)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rag.embedders.hashing import HashingEmbedder
from rag.errors import IndexStateError
from rag.service import RagService
from rag.settings import Settings
from rag.tokenizer import tokenize

from conftest import DEMO, ROOT

QUESTIONS = ["2023年一般公共预算收入是多少", "新建5G基站多少个", "2024年重点工作有哪些", "森林抚育面积",
             "去年城镇居民人均可支配收入增长多少", "招商引资签约项目"]


def _settings(root: Path, store: str, uri: str, **extra: str) -> Settings:
    return Settings(_env_file=None, RAG_DATA_DIR=str(root / "data"), RAG_INDEX_DIR=str(root / f"index-{store}"),
                    RAG_CACHE_DIR=str(root / "cache"), RAG_EMBEDDER="hashing-64", RAG_LLM="extractive",
                    RAG_STORE=store, MILVUS_URI=uri, **extra)


def test_both_stores_rank_the_demo_corpus_alike(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    services = {store: RagService(_settings(tmp_path, store, str(tmp_path / "milvus.db")), HashingEmbedder())
                for store in ("local", "milvus")}
    for service in services.values():
        service.ensure_index()
    for question in QUESTIONS:
        for mode in ("bm25", "dense", "hybrid"):
            local, milvus = (services[s].search(question, 5, mode=mode) for s in ("local", "milvus"))
            assert [p.passage_id for p in milvus] == [p.passage_id for p in local], (question, mode)
        # BM25 is our formula on both sides: the whole candidate list agrees, scores included. (Dense scores
        # agree to float rounding; FAISS and Milvus sum in different orders, which reorders exact ties.)
        local, milvus = (services[s].retriever().index.sparse.search(tokenize(question), 100) for s in services)
        assert [h.row for h in milvus] == [h.row for h in local]
        assert [h.score for h in milvus] == pytest.approx([h.score for h in local], rel=1e-6)


def test_the_command_line_indexes_into_an_embedded_milvus_file_and_answers_from_it(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    uri = "./index/milvus.db"  # relative, as a user types it (pymilvus itself rejects a file in MILVUS_URI)
    assert _rag(["index"], tmp_path, uri).returncode == 0
    assert not (tmp_path / "index" / "CURRENT").exists()  # nothing went to the local store
    answer = _rag(["ask", "2023年长清区一般公共预算收入完成了多少？", "--json"], tmp_path, uri)
    assert answer.returncode == 0, answer.stderr
    payload = json.loads(answer.stdout)
    assert "30.24亿元" in payload["answer"] and payload["citations"][0]["supported"] is True
    listed = _rag(["list"], tmp_path, uri)
    assert DEMO.name in listed.stdout and "《" in listed.stdout


def test_a_second_process_cannot_open_an_embedded_file_and_is_told_what_to_do(tmp_path):
    settings = _settings(tmp_path, "milvus", str(tmp_path / "milvus.db"))
    holder = RagService(settings, HashingEmbedder())
    holder.store.exists()  # opens the file in this process
    code = ("from rag.settings import Settings; from rag.passage_store import make_passage_store\n"
            f"make_passage_store(Settings(_env_file=None, RAG_STORE='milvus', MILVUS_URI={str(settings.milvus_uri)!r})).exists()")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode != 0 and "milvus-lite server" in result.stderr


def test_a_bad_collection_name_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="MILVUS_COLLECTION"):
        _settings(tmp_path, "milvus", str(tmp_path / "m.db"), MILVUS_COLLECTION="rag-passages")
    assert not (tmp_path / "m.db").exists()


def test_an_unreachable_server_is_one_clear_error(tmp_path):
    settings = _settings(tmp_path, "milvus", f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(IndexStateError, match="cannot open Milvus"):
        RagService(settings, HashingEmbedder()).index_exists()


# --- several processes against one `milvus-lite server` ---------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def milvus_server(tmp_path):
    """`milvus-lite server --data-dir D --port P` on a free loopback port; stopped after the test."""
    port = _free_port()
    log = open(tmp_path / "milvus-server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-c", "from milvus_lite.cmdline import main; main()", "server",
         "--data-dir", str(tmp_path / "milvus-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"milvus-lite server did not start: {(tmp_path / 'milvus-server.log').read_text()}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _rag(args: list[str], root: Path, uri: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_STORE": "milvus", "MILVUS_URI": uri,
           "RAG_EMBEDDER": "hashing-64", "RAG_LLM": "extractive", "RAG_CACHE_DIR": str(root / "cache")}
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def test_an_indexer_process_and_app_processes_share_one_milvus_server(tmp_path, milvus_server):
    data = tmp_path / "data"
    data.mkdir()
    (data / DEMO.name).write_bytes(DEMO.read_bytes())
    result = _rag(["index"], tmp_path, milvus_server)  # process 1: the indexer
    assert result.returncode == 0, result.stderr

    found = _rag(["search", "2023年一般公共预算收入是多少", "--json", "--k", "3"], tmp_path, milvus_server)
    assert found.returncode == 0, found.stderr  # process 2: a reader
    assert "30.24亿元" in json.loads(found.stdout)["passages"][0]["text"]
    listed = _rag(["list"], tmp_path, milvus_server)  # the document list and its card live in Milvus
    assert DEMO.name in listed.stdout and "《" in listed.stdout

    # The app (this process) keeps answering while another process adds and then removes a document.
    app = RagService(_settings(tmp_path, "milvus", milvus_server), HashingEmbedder())
    assert "30.24亿元" in app.search("2023年一般公共预算收入是多少", 1)[0].text
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                app.search("2023年一般公共预算收入是多少", 3)
            except BaseException as exc:  # recorded, the test fails below
                errors.append(exc)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    new = data / "heating.txt"
    new.write_text("关于供暖的通知\n\n翠羽小区供暖期为11月15日至次年3月15日。\n", encoding="utf-8")
    try:
        added = _rag(["index", str(new)], tmp_path, milvus_server)
    finally:
        stop.set()
        asker.join()
    assert added.returncode == 0, added.stderr
    assert not errors, errors
    assert "翠羽小区" in app.search("翠羽小区供暖期", 1)[0].text  # seen without restarting the app

    key = next(k for k, e in app.documents().items() if e.name == "heating.txt")
    new.unlink()  # (a file still in the scanned data folder would be indexed again)
    removed = _rag(["index", "--remove", key], tmp_path, milvus_server)
    assert removed.returncode == 0 and "removed: heating.txt" in removed.stdout, removed.stderr
    assert all("翠羽小区" not in p.text for p in app.search("翠羽小区供暖期", 5))
    rows = app.store.client.query(app.settings.milvus_collection, filter=f"doc_key == {json.dumps(key)}",
                                  output_fields=["count(*)"])
    assert rows[0]["count(*)"] == 0
    app.store.close()


# --- the real embedder on the evaluation questions: equal top 5 ----------------------------------------

DEV_SETS = [ROOT / "eval" / "sets" / "demo.jsonl", ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"]


@pytest.mark.model
def test_dev_questions_get_the_same_top_5_from_both_stores(tmp_path):
    from eval.questions import load_questions

    questions = [q for path in DEV_SETS if path.is_file() for q in load_questions(path)]
    assert questions
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    services = {}
    for store in ("local", "milvus"):
        settings = Settings(_env_file=None, RAG_DATA_DIR=str(tmp_path / "data"), RAG_INDEX_DIR=str(tmp_path / "index"),
                            RAG_LLM="extractive", RAG_STORE=store, MILVUS_URI=str(tmp_path / "milvus.db"))
        services[store] = RagService(settings, services["local"].embedder if services else None)
        services[store].ensure_index()
    for q in questions:
        local, milvus = (services[s].search(q.question, 5) for s in ("local", "milvus"))
        assert [p.passage_id for p in milvus] == [p.passage_id for p in local], q.id
