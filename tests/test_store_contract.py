"""One contract for every vector store backend and for every whole-index backend (RAG_STORE: local files,
Milvus), and the segment BM25 checked against bm25s."""
from __future__ import annotations

import numpy as np
import pytest

from rag.stores import VECTOR_STORES, BM25Store, SegmentedBM25, TermStore, VectorStore, make_vector_store
from rag.stores.numpy_store import NumpyStore
from rag.stores.faiss_store import FaissStore
from rag.tokenizer import tokenize


def _unit(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("backend", sorted(VECTOR_STORES))
def test_vector_store_contract(backend, tmp_path):
    vectors = _unit(50, 16)
    store = make_vector_store(backend, 16, exact_max=1000)
    assert isinstance(store, VectorStore) and len(store) == 0
    assert store.search(vectors[0], 5) == []
    store.add(vectors[:30])
    store.add(vectors[30:])
    assert len(store) == 50
    hits = store.search(vectors[7], 3)
    assert hits[0].row == 7 and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    allow = np.zeros(50, dtype=bool)
    allow[[3, 40]] = True
    assert sorted(h.row for h in store.search(vectors[7], 5, allow)) == [3, 40]
    assert store.search(vectors[7], 5, np.zeros(50, dtype=bool)) == []
    with pytest.raises(ValueError):
        store.add(np.zeros((2, 8), dtype=np.float32))
    store.save(tmp_path)
    loaded = {"faiss": FaissStore, "numpy": NumpyStore}[backend].load(tmp_path, 16)
    assert [h.row for h in loaded.search(vectors[7], 3)] == [h.row for h in hits]


def test_an_unknown_vector_store_name_is_refused():
    with pytest.raises(ValueError, match="unknown vector store"):
        make_vector_store("milvus", 8)


TEXTS = ["2023年一般公共预算收入完成30.24亿元", "新建5G基站120个，预算执行良好", "森林抚育7000亩", "",
         "预算 预算 预算 收入", "供暖期为11月15日至次年3月15日"]


def test_segment_bm25_scores_equal_bm25s_across_segments(tmp_path):
    tokens = [tokenize(t) for t in TEXTS]
    reference = BM25Store()
    reference.add(tokens)
    first, second = TermStore.build(tokens[:4]), TermStore.build(tokens[4:])
    first.save(tmp_path)
    first = TermStore.load(tmp_path)  # memory-mapped round trip
    bm25 = SegmentedBM25([(first, np.arange(4)), (second, np.arange(4, 6))])
    for query in ["预算收入", "森林", "供暖 预算 预算", "没有的词"]:
        q = tokenize(query)
        assert np.allclose(bm25.scores(q), reference.scores(q), rtol=1e-5, atol=1e-6), query
    assert bm25.document_frequencies(["预算", "森林", "未知"]) == reference.document_frequencies(["预算", "森林", "未知"])


def test_dead_rows_leave_the_statistics_and_the_results():
    tokens = [tokenize(t) for t in TEXTS]
    store = TermStore.build(tokens)
    live = np.array([0, -1, 1, -1, 2, 3])  # rows 1 and 3 removed: the survivors numbered 0..3
    bm25 = SegmentedBM25([(store, live)])
    reference = BM25Store()
    reference.add([tokens[i] for i in (0, 2, 4, 5)])
    q = tokenize("预算收入")
    assert np.allclose(bm25.scores(q), reference.scores(q), rtol=1e-5)
    assert len(bm25) == 4 and bm25.document_frequencies(["基站"]) == {"基站": 0}
    allow = np.array([False, False, True, True])
    assert [h.row for h in bm25.search(q, 5, allow)] == [2]


def test_select_and_concat_keep_postings_without_retokenising():
    tokens = [tokenize(t) for t in TEXTS]
    whole = TermStore.build(tokens)
    keep = np.array([True, False, True, True, False, True])
    merged = TermStore.concat([whole.select(keep), TermStore.build(tokens[4:5])])
    direct = TermStore.build([tokens[i] for i in (0, 2, 3, 5, 4)])
    q = tokenize("预算 供暖 森林")
    a = SegmentedBM25([(merged, np.arange(5))]).scores(q)
    b = SegmentedBM25([(direct, np.arange(5))]).scores(q)
    assert np.allclose(a, b)


# --- whole-index backends (RAG_STORE): one contract for the local files and Milvus ---------------------

def _store_settings(tmp_path, backend: str):
    from rag.settings import Settings

    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return Settings(_env_file=None, RAG_DATA_DIR=str(data), RAG_INDEX_DIR=str(tmp_path / "index"),
                    RAG_CACHE_DIR=str(tmp_path / "cache"), RAG_EMBEDDER="hashing-64", RAG_LLM="extractive",
                    RAG_STORE=backend, MILVUS_URI=str(tmp_path / "milvus" / "rag.db"))


DOCS = {
    "budget.txt": "2024年长清区政府工作报告\n\n2023年一般公共预算收入完成30.24亿元，增长8.1%。\n\n新建5G基站120个。\n",
    "forest.txt": "2023年北京市林业统计公报\n\n全年完成森林抚育7000亩，新增造林面积1.2万亩。\n",
    "heating.txt": "关于供暖的通知\n\n供暖期为11月15日至次年3月15日，热费标准不变。\n",
}


@pytest.mark.parametrize("backend", ["local", "milvus"])
def test_passage_store_contract(backend, tmp_path):
    from rag.embedders.hashing import HashingEmbedder
    from rag.filters import allowed_rows, make_filter
    from rag.passage_store import IndexSnapshot, PassageStore, make_passage_store

    settings = _store_settings(tmp_path, backend)
    for name, text in DOCS.items():
        (settings.data_dir / name).write_text(text, encoding="utf-8")
    store, embedder = make_passage_store(settings), HashingEmbedder()
    assert isinstance(store, PassageStore) and store.kind == backend
    assert not store.exists() and store.version() is None and store.documents() == {}

    report = store.update([settings.data_dir], embedder)
    assert sorted(report.added) == sorted(DOCS) and store.exists()
    docs = store.documents()
    assert sorted(e.name for e in docs.values()) == sorted(DOCS)
    budget_key = next(k for k, e in docs.items() if e.name == "budget.txt")
    assert docs[budget_key].card["year"] == 2024  # the card travels with the document list
    assert store.coverage() == (report.chunks, report.chunks)

    snap = store.snapshot(embedder)
    assert isinstance(snap, IndexSnapshot) and len(snap.chunks) == report.chunks == len(snap.sparse)
    assert snap.card("budget.txt").year == 2024
    top = snap.sparse.search(tokenize("一般公共预算收入"), 3)
    assert "30.24亿元" in snap.chunks[top[0].row].text
    assert snap.sparse.document_frequencies(["森林", "不存在的词"]) == {"森林": 1, "不存在的词": 0}
    row = top[0].row
    assert snap.dense.search(embedder.embed_query(snap.chunks[row].embed_text), 1)[0].row == row
    assert sorted(c.chunk_id for c in snap.chunks) == sorted(cid for e in docs.values() for cid in e.chunk_ids)

    allow = allowed_rows(make_filter(doc="forest.txt"), snap.manifest.documents, snap.doc_rows, len(snap.chunks))
    assert {snap.chunks[h.row].origin.doc for h in snap.sparse.search(tokenize("2023年 预算 森林"), 5, allow)} \
        == {"forest.txt"}
    assert {snap.chunks[h.row].origin.doc for h in snap.dense.search(embedder.embed_query("预算"), 5, allow)} \
        == {"forest.txt"}

    version = store.version()
    store.update([settings.data_dir], embedder, remove=["not-indexed.txt"])  # nothing to do: nothing changes
    assert store.version() == version

    (settings.data_dir / "budget.txt").write_text(DOCS["budget.txt"].replace("30.24", "31.5"), encoding="utf-8")
    (settings.data_dir / "heating.txt").unlink()
    report = store.update([settings.data_dir], embedder)
    assert report.updated == ["budget.txt"] and report.removed == ["heating.txt"] and store.version() != version
    snap = store.snapshot(embedder)
    texts = [c.text for c in snap.chunks]
    assert any("31.5亿元" in t for t in texts) and not any("30.24" in t or "供暖" in t for t in texts)
    assert snap.sparse.document_frequencies(["供暖"]) == {"供暖": 0}
    assert sorted(e.name for e in store.documents().values()) == ["budget.txt", "forest.txt"]

    # Another model's vectors: a backend either switches to them whole or changes nothing (Milvus keeps
    # one vector field, and replacing it would leave dense retrieval empty meanwhile).
    better = HashingEmbedder(32)
    assert not store.upgraded()
    switched = store.upgrade_vectors(better)
    assert switched == (backend == "local") and store.upgraded() == switched
    now = better if switched else embedder
    assert store.built_with() == now.name and store.coverage() == (report.chunks, report.chunks)
    snap = store.snapshot(now)
    row = next(r for r in range(len(snap.chunks)) if "31.5亿元" in snap.chunks[r].text)
    assert snap.dense.search(now.embed_query(snap.chunks[row].embed_text), 1)[0].row == row


def test_deleting_a_document_removes_its_passages_from_milvus(tmp_path):
    from rag.embedders.hashing import HashingEmbedder
    from rag.passage_store import make_passage_store

    settings = _store_settings(tmp_path, "milvus")
    for name, text in DOCS.items():
        (settings.data_dir / name).write_text(text, encoding="utf-8")
    store = make_passage_store(settings)
    store.update([settings.data_dir], HashingEmbedder())
    key = next(k for k, e in store.documents().items() if e.name == "heating.txt")

    def rows(doc_key: str) -> int:  # asked of Milvus itself, not of our bookkeeping
        found = store.client.query(settings.milvus_collection, filter=f'doc_key == "{doc_key}"',
                                   output_fields=["count(*)"])
        return int(found[0]["count(*)"])

    assert rows(key) > 0
    report = store.update([], HashingEmbedder(), remove=[key])
    assert report.removed == ["heating.txt"] and rows(key) == 0
    assert key not in store.documents()
