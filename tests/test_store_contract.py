"""One contract for every vector store backend, and the segment BM25 checked against bm25s."""
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
