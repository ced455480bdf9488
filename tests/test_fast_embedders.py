"""The faster e5 backends against the e5 sentence-transformers folder they are derived from (real models)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rag.embedders.base import Embedder
from rag.embedders.e5_export import build_e5_small_folder
from rag.embedders.sentence_transformer import SentenceTransformerEmbedder

PASSAGES = ["第十二条 用人单位应当自用工之日起三十日内为其职工向社会保险经办机构申请办理社会保险登记。",
            "2023年一般公共预算收入完成30.24亿元，增长5.2%。", "森林抚育7000亩，完成荒山造林1200亩。"]
QUESTION = "用人单位多少天内要为职工办理社会保险登记？"


@pytest.fixture(scope="module")
def e5_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("RAG_TEST_MODEL_DIR")
    return build_e5_small_folder(Path(given) if given else tmp_path_factory.mktemp("models") / "e5-small")


@pytest.fixture(scope="module")
def reference(e5_folder: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(e5_folder, name="e5")


def _cache(factory: pytest.TempPathFactory, name: str) -> Path:
    """Beside RAG_TEST_MODEL_DIR when set (a second run reuses the export), else a fresh folder."""
    given = os.environ.get("RAG_TEST_MODEL_DIR")
    return Path(given).parent / f"e5-small-{name}" if given else factory.mktemp(name)


@pytest.mark.model
def test_onnx_int8_agrees_with_the_torch_model(e5_folder, reference, tmp_path_factory):
    from rag.embedders.onnx_e5 import OnnxE5Embedder

    onnx = OnnxE5Embedder(e5_folder, _cache(tmp_path_factory, "onnx-int8"), name="e5-int8", batch_size=2)
    assert isinstance(onnx, Embedder) and onnx.dim == reference.dim
    cosines = (onnx.embed_documents(PASSAGES) * reference.embed_documents(PASSAGES)).sum(axis=1)
    assert cosines.min() > 0.97, cosines  # int8 weights: close, not identical
    assert float(onnx.embed_query(QUESTION) @ reference.embed_query(QUESTION)) > 0.97
    # batching sorts by length: the order of the output must still be the order of the input
    swapped = onnx.embed_documents(PASSAGES[::-1])[::-1]
    assert np.allclose(swapped, onnx.embed_documents(PASSAGES), atol=1e-4)
    scores = onnx.embed_documents(PASSAGES) @ onnx.embed_query(QUESTION)
    assert int(np.argmax(scores)) == 0


@pytest.mark.model
def test_static_model_ranks_the_matching_passage_first(e5_folder, tmp_path_factory):
    from rag.embedders.static_e5 import StaticE5Embedder

    static = StaticE5Embedder(e5_folder, _cache(tmp_path_factory, "static"), name="e5-static")
    vectors = static.embed_documents(PASSAGES)
    assert vectors.shape == (3, static.dim) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert int(np.argmax(vectors @ static.embed_query(QUESTION))) == 0
