"""The one place that reads `.env` and the environment; everything else receives a `Settings`."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

E5_EMBEDDER = "e5-small-offline"  # multilingual-e5-small through torch (rag.embedders)
STATIC_EMBEDDER = "e5-small-static"  # model2vec vectors distilled from the same e5 folder
ONNX_E5_EMBEDDER = "e5-small-onnx-int8"  # the same e5 through ONNX Runtime, int8 weights (~2x torch's speed)
AUTO_EMBEDDER = "auto"  # e5 for a library it embeds in minutes, static vectors beyond (rag.embedders.auto_choice)
DEFAULT_EMBEDDER = AUTO_EMBEDDER


class Settings(BaseSettings):
    """Every knob documented in `.env.example`; defaults give a fully offline setup."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- folders (relative to the working directory) ---
    data_dir: Path = Field(Path("data"), validation_alias="RAG_DATA_DIR")
    index_dir: Path = Field(Path("index"), validation_alias="RAG_INDEX_DIR")
    cache_dir: Path = Field(Path(".cache"), validation_alias="RAG_CACHE_DIR")

    # --- chunking ---
    chunk_max_chars: int = Field(300, validation_alias="RAG_CHUNK_MAX_CHARS", ge=50)
    chunk_min_chars: int = Field(30, validation_alias="RAG_CHUNK_MIN_CHARS", ge=0)

    # --- embedder: "auto", a backend name of rag.embedders, or a sentence-transformers model id or folder ---
    embedder: str = Field(DEFAULT_EMBEDDER, validation_alias="RAG_EMBEDDER")
    # With "auto": above this many passages the library is embedded with the static model (~4,000
    # passages/s here) instead of e5 (~48/s idle on 2 cores, so 20,000 passages take ~7 minutes).
    embedder_auto_max_passages: int = Field(20_000, validation_alias="RAG_EMBEDDER_AUTO_MAX", ge=0)
    # With "auto", a library past that limit is searchable with the static vectors first; with this set (e.g.
    # e5-small-onnx-int8) that model's vectors are then computed in the background (the chat) or by `python -m
    # rag index --upgrade`, and the library switches to them once every passage has one (a whole laws archive:
    # ~40 min of both cores). Off by default: over the laws archive it lifted recall@5 but not answers (README).
    embedder_upgrade: str = Field("", validation_alias="RAG_EMBEDDER_UPGRADE")
    embedder_query_prefix: str | None = Field(None, validation_alias="RAG_EMBEDDER_QUERY_PREFIX")
    embedder_passage_prefix: str | None = Field(None, validation_alias="RAG_EMBEDDER_PASSAGE_PREFIX")
    embedder_batch_size: int = Field(16, validation_alias="RAG_EMBEDDER_BATCH_SIZE", ge=1)

    # --- retrieval ---
    top_k: int = Field(5, validation_alias="RAG_TOP_K", ge=1, le=50)
    bm25_weight: float = Field(1.0, validation_alias="RAG_BM25_WEIGHT", ge=0)
    dense_weight: float = Field(0.3, validation_alias="RAG_DENSE_WEIGHT", ge=0)
    # the dense weight once e5's vectors cover a library past the auto limit: among 200k passages BM25's
    # near matches crowd the leaders and e5 ranks better than BM25 (measured on the laws archive, README)
    dense_weight_archive: float = Field(1.5, validation_alias="RAG_DENSE_WEIGHT_ARCHIVE", ge=0)
    rrf_k: int = Field(10, validation_alias="RAG_RRF_K", ge=1)
    coverage_weight: float = Field(0.5, validation_alias="RAG_COVERAGE_WEIGHT", ge=0, le=1)
    # the asker's words the library never writes (供暖) stand for the passages' words at least this near in
    # meaning (供热), by static word vectors distilled from e5 (rag.paraphrase); 0 checks written words only
    paraphrase_similarity: float = Field(0.6, validation_alias="RAG_PARAPHRASE_SIMILARITY", ge=0, le=1)
    exact_search_max: int = Field(100_000, validation_alias="RAG_EXACT_SEARCH_MAX", ge=1)
    vector_store: Literal["faiss", "numpy"] = Field("faiss", validation_alias="RAG_VECTOR_STORE")

    # --- index segments: passages written per segment (each flush makes them searchable by BM25) ---
    segment_rows: int = Field(20_000, validation_alias="RAG_SEGMENT_ROWS", ge=1)

    # --- where passages live: local files (one machine) or Milvus (shared by several processes/servers) ---
    store: Literal["local", "milvus"] = Field("local", validation_alias="RAG_STORE")
    milvus_uri: str = Field("index/milvus.db", validation_alias="MILVUS_URI")  # a file: embedded milvus-lite
    milvus_token: str | None = Field(None, validation_alias="MILVUS_TOKEN")
    milvus_db: str | None = Field(None, validation_alias="MILVUS_DB")
    milvus_collection: str = Field("rag_passages", validation_alias="MILVUS_COLLECTION")

    # --- answering ---
    llm_passages: int = Field(3, validation_alias="RAG_LLM_PASSAGES", ge=1, le=20)
    llm_passage_chars: int = Field(160, validation_alias="RAG_LLM_PASSAGE_CHARS", ge=40)
    llm: Literal["auto", "local", "openai", "extractive"] = Field("auto", validation_alias="RAG_LLM")
    # A question that asks for a figure (多少, 几个, 哪一天) answered by quoting the source clause that states
    # it, without the LLM. auto = with the embedded local model: measured on the broad sets (README), the
    # 0.5B's figure answers were never better than the quote (it takes a neighbour's figure, reverses a
    # range) and cost ~1.5 s of prompt processing; a configured endpoint's larger model answers itself.
    quote_figures: Literal["auto", "always", "never"] = Field("auto", validation_alias="RAG_QUOTE_FIGURES")
    # Which questions are quoted when quoting is on: "figures" (figure and sanction questions) or "found"
    # (every question whose stating sentence is found: a name, a list, a measure; the LLM answers the rest).
    # "found" measured better on the broad sets with the embedded 0.5B (README, "Measured on the broad sets").
    quote_scope: Literal["figures", "found"] = Field("found", validation_alias="RAG_QUOTE_SCOPE")
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL", "RAG_OPENAI_BASE_URL"))
    openai_api_key: str | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "RAG_OPENAI_API_KEY"))
    llm_model: str | None = Field(None, validation_alias="RAG_LLM_MODEL")
    llm_temperature: float = Field(0.0, validation_alias="RAG_LLM_TEMPERATURE", ge=0, le=2)
    llm_seed: int | None = Field(42, validation_alias="RAG_LLM_SEED")
    llm_max_tokens: int = Field(400, validation_alias="RAG_LLM_MAX_TOKENS", ge=16)
    llm_timeout_s: float = Field(120.0, validation_alias="RAG_LLM_TIMEOUT", gt=0)
    llm_connect_timeout_s: float = Field(5.0, validation_alias="RAG_LLM_CONNECT_TIMEOUT", gt=0)

    # --- embedded local LLM (llama.cpp server) ---
    local_model: str = Field("qwen2.5-coder-0.5b", validation_alias="RAG_LOCAL_MODEL")
    # q8_0: a known model's shipped Q4_K_M weights re-packed once as 8-bit blocks (same answers, prompt
    # processing ~1.2x faster on an AVX2 CPU); shipped: the pinned file as assembled
    local_weights: Literal["q8_0", "shipped"] = Field("q8_0", validation_alias="RAG_LOCAL_WEIGHTS")
    local_threads: int = Field(2, validation_alias="RAG_LOCAL_THREADS", ge=1)
    # llama.cpp's fused attention: prompt processing ~1.13x faster here (llama-server picks it itself: auto)
    local_flash_attn: bool = Field(True, validation_alias="RAG_LOCAL_FLASH_ATTN")
    local_ctx: int = Field(4096, validation_alias="RAG_LOCAL_CTX", ge=512)
    local_start_timeout_s: float = Field(120.0, validation_alias="RAG_LOCAL_START_TIMEOUT", gt=0)
    # which server runs it: llama-cpp-python's (one request at a time), llama.cpp's C++ llama-server
    # (parallel slots, continuous batching), or auto = llama-server when its binary is installed. The default
    # is by measurement (python -m eval.load, README): on 2 CPU cores answer prompts are ~460 tokens and
    # prompt processing is compute-bound, so batching users gave no more answers per minute and a later
    # first token for everyone; llama-server pays off where cores (or a GPU) make prompt processing cheap.
    local_server: Literal["auto", "llama-server", "llama-cpp-python"] = Field(
        "llama-cpp-python", validation_alias="RAG_LOCAL_SERVER")
    local_parallel: int = Field(4, validation_alias="RAG_LOCAL_PARALLEL", ge=1, le=64)  # llama-server slots
    llama_server_bin: Path | None = Field(None, validation_alias="RAG_LLAMA_SERVER_BIN")

    @field_validator("milvus_collection")
    @classmethod
    def _collection_name(cls, value: str) -> str:
        """Milvus accepts letters, digits and underscores; saying so here beats a server error later."""
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,200}", value or ""):
            raise ValueError(f"MILVUS_COLLECTION '{value}' must be letters, digits and underscores, "
                             "starting with a letter or underscore")
        return value

    def quotes_figures(self) -> bool:
        """Are figure questions answered by quoting the stating clause rather than by the LLM?"""
        if self.quote_figures != "auto":
            return self.quote_figures == "always"
        return self.resolved_llm() == "local"

    @property
    def milvus_embedded(self) -> bool:
        """A MILVUS_URI without a scheme is a file: milvus-lite runs inside this process."""
        return "://" not in self.milvus_uri

    @property
    def models_dir(self) -> Path:
        return self.cache_dir / "models"

    def resolved_llm(self) -> str:
        """`auto` means: a configured endpoint if there is one, otherwise the embedded local model."""
        if self.llm != "auto":
            return self.llm
        return "openai" if (self.openai_base_url or self.openai_api_key) else "local"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
