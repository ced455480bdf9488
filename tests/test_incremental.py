"""Incremental and progressive indexing: O(document) updates, text searchable before vectors, resume."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rag.indexing as indexing
from rag.embedders.hashing import HashingEmbedder
from rag.index_store import IndexStore
from rag.segments import embedder_slug
from rag.indexing import embed_pending, update_index
from rag.retrieval import HybridRetriever
from rag.segments import BLOCK_ROWS


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _dies_on_second_block(embed):
    """`embed` that raises KeyboardInterrupt on its second call: one call per block, so the run dies while
    computing the second block, like a Ctrl+C."""
    calls = {"n": 0}

    def interrupted(texts):
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt
        return embed(texts)

    return interrupted


def _segment_files(index_dir: Path) -> dict[str, int]:
    return {str(p.relative_to(index_dir)): p.stat().st_mtime_ns for p in (index_dir / "segments").rglob("*")
            if p.is_file()}


def test_adding_a_document_tokenises_and_writes_only_that_document(tmp_settings, monkeypatch):
    data = tmp_settings.data_dir
    for i in range(5):
        _write(data, f"doc{i}.txt", f"第{i}号文件：今年新建公园{i + 3}处，植树{i + 100}万株。\n")
    update_index([data], tmp_settings, HashingEmbedder())
    before = _segment_files(tmp_settings.index_dir)

    tokenised: list[str] = []
    real = indexing.tokenize
    monkeypatch.setattr(indexing, "tokenize", lambda text: tokenised.append(text) or real(text))
    _write(data, "new.txt", "新文件：建成智能充电桩4321个。\n")
    report = update_index([data], tmp_settings, HashingEmbedder())
    assert report.added == ["new.txt"] and report.embedded == 1
    assert len(tokenised) == 1 and "4321" in tokenised[0]
    after = _segment_files(tmp_settings.index_dir)
    assert all(after.get(path) == mtime for path, mtime in before.items())  # old segments untouched

    (data / "doc2.txt").unlink()
    report = update_index([data], tmp_settings, HashingEmbedder())
    assert report.removed == ["doc2.txt"] and report.embedded == 0 and len(tokenised) == 1
    index = IndexStore(tmp_settings.index_dir).load()
    assert sorted(c.origin.doc for c in index.chunks) == sorted(f"doc{i}.txt" for i in (0, 1, 3, 4)) + ["new.txt"]
    assert len(index.sparse) == len(index.chunks) == len(index.dense) == 5


def test_text_is_searchable_before_vectors_and_embedding_resumes_after_an_interrupt(tmp_settings, monkeypatch):
    data = tmp_settings.data_dir
    lines = [f"第{i}条 示范区第{i}批项目投资{i * 7}亿元，建设道路{i}公里。" for i in range(BLOCK_ROWS * 2 + 10)]
    _write(data, "big.txt", "\n".join(lines) + "\n")
    embedder = HashingEmbedder()
    report = update_index([data], tmp_settings, embedder, embed=False)
    assert report.pending == report.chunks and report.embedded == 0
    store = IndexStore(tmp_settings.index_dir)
    index = store.load()
    assert index.dense_coverage() == (0, report.chunks)
    hits = HybridRetriever(index, embedder).search("第37批项目投资多少", k=1)
    assert "259亿元" in hits[0].text and "dense" not in hits[0].component_ranks

    real = embedder.embed_documents
    monkeypatch.setattr(embedder, "embed_documents", _dies_on_second_block(real))
    with pytest.raises(KeyboardInterrupt):
        embed_pending(tmp_settings, embedder)
    monkeypatch.setattr(embedder, "embed_documents", real)
    segment = next(iter(store.read_manifest().segments))
    assert store.segment(segment).embedded_rows(store.read_manifest().slug) == BLOCK_ROWS  # the first block kept

    state = embed_pending(tmp_settings, embedder)
    assert state.done == state.total == report.chunks  # the kept block is counted, not recomputed
    index = store.load()
    assert index.dense_coverage() == (report.chunks, report.chunks)
    vectors = index.dense.parts[0][0].vectors  # rows computed before and after the interruption line up
    for row in (0, BLOCK_ROWS - 1, BLOCK_ROWS, report.chunks - 1):
        assert np.allclose(vectors[row], real([index.chunks[row].embed_text])[0])  # card line + heading + text


def test_an_updated_document_reuses_the_vectors_of_its_unchanged_passages(tmp_settings):
    data = tmp_settings.data_dir
    body = "\n".join(f"第{i}段：完成造林{i}万亩，新增绿地{i * 3}公顷，修复湿地{i + 2}处，建设步道{i}公里。"
                     for i in range(40))
    _write(data, "plan.txt", body + "\n")
    first = update_index([data], tmp_settings, HashingEmbedder())
    _write(data, "plan.txt", body + "\n新增一段：建成口袋公园12个，改造老旧小区供热管网36公里，惠及居民8200户。\n")
    second = update_index([data], tmp_settings, HashingEmbedder())
    assert second.updated == ["plan.txt"] and second.chunks == first.chunks + 1 and second.embedded == 1


def test_many_small_additions_are_merged_without_changing_results(tmp_settings, monkeypatch):
    monkeypatch.setattr(indexing, "MERGE_AT", 3)
    data = tmp_settings.data_dir
    embedder = HashingEmbedder()
    for i in range(4):
        _write(data, f"n{i}.txt", f"第{i}份通知：第{i}街道新建停车位{100 + i}个。\n")
        update_index([data], tmp_settings, embedder)
    store = IndexStore(tmp_settings.index_dir)
    manifest = store.read_manifest()
    assert len(manifest.segments) <= 2
    index = store.load()
    assert len(index.chunks) == len(index.dense) == 4
    hit = HybridRetriever(index, embedder).search("第2街道新建停车位多少个", k=1)[0]
    assert "102个" in hit.text and hit.component_ranks.get("dense")


def test_an_archive_moves_to_better_vectors_without_a_gap_and_resumes_after_an_interrupt(tmp_settings, monkeypatch):
    """`upgrade_vectors`: the new model's vectors are computed beside the ones in use, which keep serving
    dense retrieval until every passage has a new one; then one commit switches."""
    from rag.indexing import EmbedProgress, upgrade_vectors

    data = tmp_settings.data_dir
    lines = [f"第{i}条 示范区第{i}批项目投资{i * 7}亿元，建设道路{i}公里。" for i in range(BLOCK_ROWS * 2 + 10)]
    _write(data, "big.txt", "\n".join(lines) + "\n")
    in_use, better = HashingEmbedder(64), HashingEmbedder(32)
    report = update_index([data], tmp_settings, in_use)
    store = IndexStore(tmp_settings.index_dir)

    real = better.embed_documents
    monkeypatch.setattr(better, "embed_documents", _dies_on_second_block(real))
    with pytest.raises(KeyboardInterrupt):
        upgrade_vectors(tmp_settings, better)
    monkeypatch.setattr(better, "embed_documents", real)
    assert store.read_manifest().embedder == in_use.name  # nothing switched: the old vectors serve
    assert not store.read_manifest().upgraded
    index = store.load()
    assert index.dense_coverage() == (report.chunks, report.chunks)
    assert index.dense.search(in_use.embed_query(index.chunks[37].embed_text), 1)[0].row == 37

    # A document added meanwhile gets the vectors in use, and the resumed upgrade covers it too.
    added = update_index([_write(data, "new.txt", "新文件：建成智能充电桩4321个。\n")], tmp_settings, in_use)
    state = EmbedProgress()
    assert upgrade_vectors(tmp_settings, better, state=state)
    assert state.done == state.total == added.chunks - BLOCK_ROWS  # the kept block is not recomputed
    manifest = store.read_manifest()
    assert (manifest.embedder, manifest.dim) == (better.name, better.dim)
    index = store.load()
    assert index.dense_coverage() == (added.chunks, added.chunks)
    vectors = np.concatenate([part[0].vectors for part in index.dense.parts])
    for row in (0, BLOCK_ROWS - 1, BLOCK_ROWS, added.chunks - 1):
        assert np.allclose(vectors[row], real([index.chunks[row].embed_text])[0])
    last = added.chunks - 1
    assert "4321个" in index.chunks[last].text
    assert index.dense.search(better.embed_query(index.chunks[last].embed_text), 1)[0].row == last
    assert upgrade_vectors(tmp_settings, better)  # already done: nothing to compute

    # The replaced vectors stay while the previous version (a reader may still hold it) serves them, and
    # go with it at the next commit; the index keeps serving the new ones.
    old_vectors = lambda: list(tmp_settings.index_dir.glob(f"segments/*/vec/{embedder_slug(in_use.name, in_use.dim)}"))
    assert old_vectors() and store.read_manifest().retired == [embedder_slug(in_use.name, in_use.dim)]
    update_index([_write(data, "later.txt", "后来的文件：新增公园绿地12处。\n")], tmp_settings, better)
    assert not old_vectors()
    index = store.load()
    assert index.dense_coverage() == (index.manifest.passages(), index.manifest.passages())
    assert index.dense.search(better.embed_query(index.chunks[37].embed_text), 1)[0].row == 37
    # The manifest remembers the switch was an upgrade while the library stays on that model; a rebuild
    # starts over (RagService keeps an upgraded archive on its model even once RAG_EMBEDDER_UPGRADE is unset).
    assert index.manifest.upgraded
    update_index([data], tmp_settings, better, rebuild=True)
    assert not store.read_manifest().upgraded
