"""Store protocols: a second backend is a new class with these methods, checked by one contract test
(tests/test_store_contract.py) that every backend passes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class SearchHit:
    row: int  # position of the chunk in the index's (or segment's) row list
    score: float


@runtime_checkable
class VectorStore(Protocol):
    """Dense vectors of one segment, rows 0..n-1 in the order they were added."""

    dim: int
    kind: str

    def add(self, vectors: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int, allow: np.ndarray | None = None) -> list[SearchHit]:
        """Best k rows by inner product among rows where `allow` is true (all rows if None)."""
        ...

    def save(self, folder: Path) -> None: ...

    def __len__(self) -> int: ...


@runtime_checkable
class TextStore(Protocol):
    """Sparse keyword search over token lists."""

    def search(self, query_tokens: list[str], k: int, allow: np.ndarray | None = None) -> list[SearchHit]: ...

    def document_frequencies(self, tokens: list[str]) -> dict[str, int]: ...

    def __len__(self) -> int: ...


# Kept for code written against the first, untyped protocol.
Store = VectorStore
