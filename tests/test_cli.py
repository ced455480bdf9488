"""The command line as a user runs it: a fresh folder, no index yet, JSON out."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DEMO, ROOT


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "RAG_EMBEDDER": "hashing-64", "RAG_LLM": "extractive", "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=300)


def test_search_builds_the_index_first_and_prints_json(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    result = _run(["search", "2023年一般公共预算收入是多少", "--json", "--k", "3"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No index yet" in result.stderr
    payload = json.loads(result.stdout)
    top = payload["passages"][0]
    assert set(top) == {"passage_id", "text", "doc", "section", "page", "score"}
    assert "30.24亿元" in top["text"] and top["doc"] == DEMO.name and top["page"] == 1
    assert len(payload["passages"]) == 3


def test_ask_json_contract(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    result = _run(["ask", "2023年长清区一般公共预算收入完成了多少？", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert {"answer", "refused", "citations", "passages", "timings_ms"} <= set(payload)
    citation = payload["citations"][0]
    assert {"marker", "passage_id", "text", "doc", "section", "page", "supported"} <= set(citation)
    assert "30.24亿元" in payload["answer"] and citation["supported"] is True
    assert {"retrieval", "generation", "total"} <= set(payload["timings_ms"])


def test_errors_are_one_line_messages(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "empty.txt").write_bytes(b"")
    result = _run(["index"], tmp_path)
    assert "skipped" in result.stdout and "empty file" in result.stdout
    result = _run(["search", "？？"], tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_index_upgrade_moves_an_archive_past_the_limit_to_the_better_vectors(tmp_path: Path):
    """`index` leaves a library past RAG_EMBEDDER_AUTO_MAX with static vectors and says how to upgrade;
    `index --upgrade` computes RAG_EMBEDDER_UPGRADE's vectors and switches (a cheap model stands in for e5)."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    env = {"RAG_EMBEDDER": "auto", "RAG_EMBEDDER_AUTO_MAX": "50", "RAG_EMBEDDER_UPGRADE": "hashing-64",
           "RAG_CACHE_DIR": str(ROOT / ".cache")}  # the static model is built once for all tests
    first = _run(["index"], tmp_path, **env)
    assert first.returncode == 0, first.stderr
    assert "searched with static vectors" in first.stdout and "index --upgrade" in first.stdout
    second = _run(["index", "--upgrade"], tmp_path, **env)
    assert second.returncode == 0, second.stderr
    assert "now searches with hashing-64" in second.stdout
    listing = _run(["search", "2023年一般公共预算收入是多少", "--json", "--k", "1"], tmp_path, **env)
    assert "30.24亿元" in json.loads(listing.stdout)["passages"][0]["text"]
    third = _run(["index", "--upgrade"], tmp_path, **env)  # nothing left to do, no hint either
    assert third.returncode == 0 and "upgrade" not in third.stdout
