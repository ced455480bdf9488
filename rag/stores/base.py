"""The store protocol: rows are chunk positions; a second backend is a new class with these methods."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class SearchHit:
    row: int  # position of the chunk in the index's chunk list
    score: float


class Store(Protocol):
    def add(self, items: Any) -> None: ...

    def search(self, query: Any, k: int) -> list[SearchHit]: ...

    def save(self, folder: Path) -> None: ...

    @classmethod
    def load(cls, folder: Path) -> "Store": ...

    def __len__(self) -> int: ...
