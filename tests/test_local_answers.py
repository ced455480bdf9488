"""End to end with the real parts: the offline e5 embedder and the embedded local LLM (slow)."""
from __future__ import annotations

import pytest

from rag.answering import QUOTED_LABEL, Answerer
from rag.service import RagService

from conftest import DEMO


@pytest.fixture(scope="module")
def real_service(tmp_path_factory: pytest.TempPathFactory) -> RagService:
    from rag.settings import Settings

    root = tmp_path_factory.mktemp("real")
    (root / "data").mkdir()
    (root / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    settings = Settings(_env_file=None, RAG_DATA_DIR=str(root / "data"), RAG_INDEX_DIR=str(root / "index"),
                        RAG_LLM="local")  # default embedder, default cache (models are built once)
    service = RagService(settings)
    service.ensure_index()
    return service


@pytest.mark.model
def test_the_offline_embedder_with_bm25_puts_the_revenue_paragraph_first(real_service):
    assert real_service.embedder.name == "e5-small-offline" and real_service.embedder.dim == 384
    for mode in ("hybrid", "dense"):
        top = real_service.search("2023年一般公共预算收入是多少", k=5, mode=mode)
        assert any("30.24亿元" in p.text for p in top), mode
    assert "30.24亿元" in real_service.search("2023年一般公共预算收入是多少", k=1)[0].text


@pytest.mark.llm
@pytest.mark.model
def test_the_local_model_answers_the_budget_question_with_a_checked_citation(real_service):
    question = "2023年长清区一般公共预算收入完成了多少？"
    real_service.settings = real_service.settings.model_copy(update={"quote_figures": "never"})
    try:
        answer = Answerer(real_service).ask(question)  # the model itself writes the figure
    finally:
        real_service.settings = real_service.settings.model_copy(update={"quote_figures": "auto"})
    assert "Qwen2.5-Coder-0.5B" in answer.llm or "qwen2.5-coder-0.5b" in answer.llm.lower()
    assert not answer.refused, answer.notice
    assert "30.24亿元" in answer.text
    assert any(c.supported and "30.24亿元" in c.passage.text for c in answer.citations)
    # by default the local model is not asked for a figure: the stating sentence is quoted at once
    quoted = Answerer(real_service).ask(question)
    assert quoted.llm == QUOTED_LABEL and "30.24亿元" in quoted.text
