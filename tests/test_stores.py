"""The two stores on their own: exact vs HNSW FAISS, BM25 save/load, and empty indexes."""
from __future__ import annotations

import numpy as np

from rag.stores import BM25Store, FaissStore


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_exact_search_below_the_bound_and_hnsw_above_it(tmp_path):
    rng = np.random.default_rng(0)
    vectors = _unit(rng.normal(size=(300, 16)))
    small, large = FaissStore(16, exact_max=1000), FaissStore(16, exact_max=100)
    small.add(vectors)
    large.add(vectors)
    assert small.kind == "flat-ip" and large.kind == "hnsw-ip"
    for store in (small, large):
        folder = tmp_path / store.kind
        folder.mkdir()
        store.save(folder)
        loaded = FaissStore.load(folder, 16)
        hits = loaded.search(vectors[42], 3)
        assert hits[0].row == 42 and abs(hits[0].score - 1.0) < 1e-4


def test_bm25_round_trip_and_document_frequencies(tmp_path):
    store = BM25Store()
    store.add([["长清", "预算", "收入"], ["预算", "30.24"], ["基站"]])
    store.save(tmp_path)
    loaded = BM25Store.load(tmp_path)
    assert [h.row for h in loaded.search(["预算", "收入"], 3)] == [0, 1]
    assert loaded.document_frequencies(["预算", "基站", "未知"]) == {"预算": 2, "基站": 1, "未知": 0}


def test_empty_stores_save_load_and_search(tmp_path):
    dense, sparse = FaissStore(8), BM25Store()
    dense.save(tmp_path)
    sparse.save(tmp_path)
    assert FaissStore.load(tmp_path, 8).search(np.ones(8, dtype=np.float32), 5) == []
    assert BM25Store.load(tmp_path).search(["预算"], 5) == []
