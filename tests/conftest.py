"""Shared fixtures: the demo corpus, a throw-away index, and settings that point at tmp folders."""
from __future__ import annotations

from pathlib import Path

import pytest

from rag.embedders.hashing import HashingEmbedder
from rag.service import RagService
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "changqing-2024-government-work-report.txt"


@pytest.fixture(scope="session")
def demo_text() -> str:
    return DEMO.read_text(encoding="utf-8")


@pytest.fixture
def tmp_settings(tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    return Settings(
        RAG_DATA_DIR=str(data), RAG_INDEX_DIR=str(tmp_path / "index"), RAG_CACHE_DIR=str(tmp_path / "cache"),
        RAG_EMBEDDER="hashing-64", RAG_LLM="extractive",
        # plumbing tests check written words only; the paraphrase route has its own tests (test_paraphrase.py)
        RAG_PARAPHRASE_SIMILARITY=0,
    )


@pytest.fixture
def demo_service(tmp_settings: Settings) -> RagService:
    """A service over the demo corpus with the deterministic hashing embedder (plumbing tests only)."""
    (tmp_settings.data_dir / DEMO.name).write_bytes(DEMO.read_bytes())
    service = RagService(tmp_settings, HashingEmbedder())
    service.ensure_index()
    return service
