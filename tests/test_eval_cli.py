"""`python -m eval` end to end on tiny inputs: result lines, summary, report, CMRC mode's last line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DEMO, ROOT


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_EMBEDDER": "hashing-64", "RAG_LLM": "extractive", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "eval", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_question_set_run_writes_results_and_a_report(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "A", "question": "2023年一般公共预算收入是多少？", "answers": ["30.24亿"],
         "evidence": ["完成一般公共预算收入30.24亿元"], "type": "fact"},
        {"id": "U", "question": "长清区2023年的进出口总额是多少？", "answers": [], "evidence": [],
         "type": "unanswerable", "unanswerable": True},
    ]
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = _run([str(questions), "--out", "out/r.jsonl", "--report", "out/report.md", "--compare"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "recall@1" in result.stdout and "BM25 only" in result.stdout
    lines = [json.loads(x) for x in (tmp_path / "out" / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == ["A", "U"]
    assert len(lines[0]["passages"]) >= 5 and "30.24亿元" in lines[0]["answer"] and lines[1]["refused"] is True
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "answer accuracy" in report and ".png" in report


def test_cmrc_mode_ends_with_the_hit_line(tmp_path: Path):
    squad = {"version": "t", "data": [{"paragraphs": [
        {"id": "P1", "context": "长江是中国第一长河，全长约6300公里。", "qas": [
            {"id": "q1", "question": "长江全长多少公里？", "answers": [{"text": "约6300公里"}]}]},
        {"id": "P2", "context": "黄河是中国第二长河，全长约5464公里。", "qas": [
            {"id": "q2", "question": "黄河是中国第几长河？", "answers": [{"text": "第二"}]}]},
    ]}]}
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(squad, ensure_ascii=False), encoding="utf-8")
    result = _run(["--cmrc", str(path), "--retrieval-only"], tmp_path)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last == "hit@1=1.000 hit@3=1.000 hit@5=1.000 mrr=1.000"
    assert "plain BM25" in result.stdout and "CC BY-SA 4.0" in result.stdout
