"""`python -m eval.load`: the real Gradio app on loopback, driven through its `/ask` API by concurrent
sessions. Checks that every answer arrives and the table is printed; timings are never asserted."""
from __future__ import annotations

from pathlib import Path

from eval.load import classify, format_table, main, percentile, run_load
from rag.embedders.hashing import HashingEmbedder
from rag.service import RagService
from rag.settings import Settings

from conftest import DEMO


def test_two_users_at_once_get_answers_through_the_chat_api(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "tiny.txt").write_text(DEMO.read_text(encoding="utf-8")[:3000], encoding="utf-8")
    settings = Settings(_env_file=None, RAG_DATA_DIR=str(data), RAG_INDEX_DIR=str(tmp_path / "index"),
                        RAG_CACHE_DIR=str(tmp_path / "cache"), RAG_LLM="extractive")
    service = RagService(settings, HashingEmbedder())
    service.index([data])
    lines: list[str] = []
    results = run_load(service, ["2023年一般公共预算收入是多少？", "地区生产总值是多少？"], [2], samples=2,
                       timeout_s=120, log=lines.append)
    (only,) = results[2]
    assert len(only.timings) == 2
    for timing in only.timings:
        assert not timing.error, timing.error
        assert timing.first_update is not None and timing.first_token is not None and timing.total is not None
        assert timing.first_update <= timing.first_token <= timing.total
    table = format_table(results)
    assert table.splitlines()[2].split()[:3] == ["2", "2", "0"]  # users, answers, errors


def test_steps_are_told_apart_from_the_chat_html() -> None:
    from ui.render import streaming_html

    assert classify(streaming_html("", "正在检索相关文件…")) == "status"
    assert classify(streaming_html("", "已找到 3 段相关资料，正在生成答案…")) == "sources"
    assert classify(streaming_html("去年新建")) == "token"
    assert classify('<div class="rag-answer">去年新建城市公园8处[1]。</div>') == "done"
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.0 and percentile([1.0, 2.0], 95) == 2.0


def test_bad_arguments_are_refused_with_a_message(capsys) -> None:
    import pytest

    with pytest.raises(SystemExit):
        main(["questions.jsonl", "--users", "0"])
    assert "--users must be between 1 and 32" in capsys.readouterr().err
