"""RAG_EMBEDDER=auto: e5 while the library embeds in minutes, the static model beyond (real models)."""
from __future__ import annotations

import pytest

from rag.service import RagService
from rag.settings import E5_EMBEDDER, STATIC_EMBEDDER, Settings

from conftest import DEMO

QUESTION = "2023年一般公共预算收入是多少"


def _settings(root, limit: int) -> Settings:
    # default cache folder: the models are built once for every test that uses them
    return Settings(_env_file=None, RAG_DATA_DIR=str(root / "data"), RAG_INDEX_DIR=str(root / "index"),
                    RAG_LLM="extractive", RAG_EMBEDDER="auto", RAG_EMBEDDER_AUTO_MAX=str(limit))


@pytest.mark.model
def test_a_library_past_the_limit_is_embedded_with_the_static_model_and_back_with_e5(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEMO.name).write_bytes(DEMO.read_bytes())

    big = RagService(_settings(tmp_path, limit=50))  # the demo report alone is more than 50 passages
    report = big.index([tmp_path / "data"])
    assert report.chunks > 50 and report.pending == 0
    assert big.embedder.name == STATIC_EMBEDDER and big.stats()["embedder"].startswith(STATIC_EMBEDDER)
    assert big.store.coverage()[0] == report.chunks  # every passage has a static vector
    assert any("30.24亿元" in p.text for p in big.search(QUESTION, k=5, mode="dense"))

    # Another process with a higher limit reads the index with the embedder it was built with ...
    small = RagService(_settings(tmp_path, limit=100_000))
    assert small.embedder.name == STATIC_EMBEDDER
    assert "30.24亿元" in small.search(QUESTION, k=1)[0].text
    # ... and its next index run re-embeds the library with e5, which its size now calls for.
    switched = small.index([])
    assert small.embedder.name == E5_EMBEDDER and small.stats()["embedder"].startswith(E5_EMBEDDER)
    assert any("re-embedding every passage" in note for note in switched.notes)
    assert switched.embedded == report.chunks and small.store.coverage() == (report.chunks, report.chunks)
    assert any("30.24亿元" in p.text for p in small.search(QUESTION, k=5, mode="dense"))

    # The first service notices the switch at its next search rather than failing on a mismatch.
    assert "30.24亿元" in big.search(QUESTION, k=1)[0].text and big.embedder.name == E5_EMBEDDER


@pytest.mark.model
def test_an_archive_past_the_limit_moves_to_e5_in_the_background_and_keeps_it(tmp_path):
    """The chat's path with RAG_EMBEDDER_UPGRADE=e5-small-onnx-int8: static vectors make the archive searchable
    at once; e5's are computed in the background and replace them in one switch; then e5 weighs more than BM25."""
    from rag.settings import ONNX_E5_EMBEDDER

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    service = RagService(_settings(tmp_path, limit=50).model_copy(update={"embedder_upgrade": ONNX_E5_EMBEDDER}))
    report = service.index([tmp_path / "data"], background=True)
    assert report.chunks > 50 and "30.24亿元" in service.search(QUESTION, k=1)[0].text  # searchable at once
    assert service.wait_for_embedding(timeout=600)
    assert service.embedding_progress()["upgrade"] == ONNX_E5_EMBEDDER and not service.embedding_progress()["error"]
    assert service.store.built_with() == ONNX_E5_EMBEDDER and service.upgrade_due() is None
    assert service.embedder.name == ONNX_E5_EMBEDDER and service.store.coverage() == (report.chunks, report.chunks)
    assert service.weights.dense == service.settings.dense_weight_archive > service.settings.dense_weight
    assert any("30.24亿元" in p.text for p in service.search(QUESTION, k=5, mode="dense"))

    # A document added later gets e5 vectors too: the archive does not fall back to the static model.
    (tmp_path / "data" / "note.txt").write_text("2024年长清区新建口袋公园12处。\n", encoding="utf-8")
    added = service.index([tmp_path / "data"])
    assert added.added == ["note.txt"] and not any("re-embedding" in n for n in added.notes)
    assert service.store.built_with() == ONNX_E5_EMBEDDER and added.embedded == added.chunks - report.chunks
    assert "口袋公园" in service.search("新建了多少处口袋公园", k=1)[0].text

    # The manifest remembers the upgrade: a process started without RAG_EMBEDDER_UPGRADE searches with its
    # vectors and indexes new documents with them, instead of falling back to static ones and deleting them.
    unset = RagService(_settings(tmp_path, limit=50))
    assert unset.store.upgraded() and unset.embedder.name == ONNX_E5_EMBEDDER
    (tmp_path / "data" / "note2.txt").write_text("2024年长清区新增城市书房3处。\n", encoding="utf-8")
    kept = unset.index([tmp_path / "data"])
    assert kept.added == ["note2.txt"] and not any("re-embedding" in n for n in kept.notes)
    assert unset.store.built_with() == ONNX_E5_EMBEDDER and unset.store.coverage() == (kept.chunks, kept.chunks)
    assert "城市书房" in unset.search("新增城市书房几处", k=1, mode="dense")[0].text

    # By default (RAG_EMBEDDER_UPGRADE empty) an archive keeps its static vectors.
    plain = RagService(_settings(tmp_path / "plain", limit=50))
    (tmp_path / "plain" / "data").mkdir(parents=True)
    (tmp_path / "plain" / "data" / DEMO.name).write_bytes(DEMO.read_bytes())
    plain.index([tmp_path / "plain" / "data"], background=True)
    assert plain.wait_for_embedding(timeout=600) and plain.store.built_with() == STATIC_EMBEDDER
    assert plain.upgrade_due() is None and plain.weights.dense == plain.settings.dense_weight
