"""Passages in Milvus (RAG_STORE=milvus): one index shared by every process that points at MILVUS_URI.

A file path as MILVUS_URI runs embedded milvus-lite (tests, demos; one process holds the file), an
`http(s)://host:19530` URI a `milvus-lite server`, a Milvus standalone or a cluster. Three collections:
`<name>` (one row per passage: chunk JSON, document key, dense vector, BM25 sparse vector), `<name>_docs`
(the document list with cards, and a `__meta__` row: embedder, counts, version) and `<name>_terms`
(BM25 document frequency per term). Writes go passages first, then the document row and the version
(the switch readers watch), then the old passages: a reader never sees a document half-written.

BM25 is ours, not the server's: `rag.tokenizer.tokenize` tokens, terms keyed by the low 32 bits of
`rag.stores.postings.term_id`. A passage stores tf/(tf + k1·(1-b+b·len/avgdl)) per term with the avgdl
of its first write; the query carries idf × repetitions with IDF read from `<name>_terms` at query time,
so stored vectors stay valid as the corpus grows. Candidates are then rescored with the exact
formula of `SegmentedBM25` (live avgdl, float32 as there), so both backends rank alike.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
import time
import uuid
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Iterator

import numpy as np

from rag.embedders.base import Embedder
from rag.errors import IndexStateError, IngestError
from rag.index_store import FORMAT_VERSION, TOKENIZER_ID, DocumentEntry, DocumentLookups, Manifest
from rag.indexing import BatchWriter, EmbedProgress, IndexReport, Progress, ingest_paths
from rag.schema import Chunk
from rag.settings import Settings
from rag.stores.base import SearchHit
from rag.stores.postings import term_id

log = logging.getLogger(__name__)

META_KEY = "__meta__"
K1, B = 1.2, 0.5  # as SegmentedBM25
TERM_SPACE = 2**32 - 1  # Milvus sparse indices are uint32 below 2**32-1
MAX_BODY_BYTES = 65_535
MAX_KEY_BYTES = 4_096
INSERT_ROWS = 500  # rows per insert/upsert call (keeps each gRPC message small)
GET_IDS = 1_000
TIE_MARGIN = 20  # extra candidates asked for, so ties at the cut are broken by row as locally
RECENT_CHUNKS = 8_192
NO_VECTOR = [0.0, 0.0]  # the docs and terms collections need a vector field; they are never searched by it


def term_key(token: str) -> int:
    """Our BM25 term hash folded into Milvus' uint32 sparse index space."""
    return (term_id(token) & 0xFFFFFFFF) % TERM_SPACE


def passage_pk(doc_key: str, generation: str, ord_: int) -> int:
    digest = hashlib.blake2b(f"{doc_key}\x00{generation}\x00{ord_}".encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1  # a positive int64


def _mean_length(total: int, count: int) -> float:
    """avgdl as SegmentedBM25 computes it (float32 mean of integer lengths)."""
    return float(np.float32(total) / count) if count else 1.0


def _norm(length: float | np.ndarray, avgdl: float) -> np.ndarray:
    lengths = np.asarray(length, dtype=np.float32)
    return (K1 * ((1 - B) + B * lengths / max(avgdl, 1e-9))).astype(np.float32)


def passage_weights(tokens: list[str], avgdl: float) -> tuple[dict[int, float], int]:
    """(sparse vector {term key: saturated tf}, length) of one passage; an empty passage has length 1 (as bm25s)."""
    tokens = tokens or [""]
    counts = Counter(term_key(t) for t in tokens)
    norm = float(_norm(len(tokens), avgdl))
    return {k: tf / (norm + tf) for k, tf in counts.items()}, len(tokens)


def _recover_tf(weight: float, norm_at_write: float) -> float:
    """Invert w = tf/(norm+tf): tf is an integer, so rounding recovers it exactly."""
    weight = min(float(weight), 1 - 1e-7)
    return float(round(weight * norm_at_write / (1 - weight)))


class MilvusStore:
    """The `milvus` backend of rag.passage_store.PassageStore."""

    kind = "milvus"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = settings.milvus_collection
        self.docs_name, self.terms_name = f"{self.name}_docs", f"{self.name}_terms"
        self.location = f"{settings.milvus_uri} (collection {self.name})"
        self._client = None
        self._lock = threading.RLock()  # one writer per process; see README for several writers

    # --- connection and schema -------------------------------------------------------------------
    @property
    def client(self):
        with self._lock:
            if self._client is None:
                client = self._connect()
                for name in (self.name, self.docs_name, self.terms_name):
                    # a collection written by another process is on disk but not in memory ("released")
                    if client.has_collection(name) and "Loaded" not in str(client.get_load_state(name).get("state")):
                        client.load_collection(name)
                self._client = client
            return self._client

    def close(self) -> None:
        """Drop the connection (a client left open keeps pinging a server that may be gone)."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _connect(self):
        MilvusClient = _client_class()
        # query_iterator asks embedded milvus-lite for a timestamp it does not serve, then falls back to the
        # client's clock (fine here): without this each listing logs a warning and a server-side traceback.
        logging.getLogger("pymilvus").setLevel(logging.ERROR)
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        s = self.settings
        kwargs: dict[str, str] = {}
        if s.milvus_token:
            kwargs["token"] = s.milvus_token
        if s.milvus_embedded:
            path = Path(s.milvus_uri)
            path.parent.mkdir(parents=True, exist_ok=True)
            uri = str(path)
        else:
            uri = s.milvus_uri
            if s.milvus_db:
                kwargs["db_name"] = s.milvus_db
        try:
            return MilvusClient(uri=uri, **kwargs)
        except Exception as exc:  # pymilvus raises several types; all mean "cannot reach the index"
            hint = (" (a milvus-lite file is held by one process: to share it, run `milvus-lite server "
                    "--data-dir DIR --port 19530` and set MILVUS_URI=http://127.0.0.1:19530)"
                    if s.milvus_embedded else "")
            raise IndexStateError(f"cannot open Milvus at {s.milvus_uri}: {exc}{hint}") from exc

    def _ensure_collections(self, dim: int) -> None:
        from pymilvus import DataType

        c = self.client
        if not c.has_collection(self.name):
            schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("pk", DataType.INT64, is_primary=True)
            schema.add_field("doc_key", DataType.VARCHAR, max_length=MAX_KEY_BYTES)
            schema.add_field("generation", DataType.VARCHAR, max_length=64)
            schema.add_field("ord", DataType.INT32)
            schema.add_field("chunk_id", DataType.VARCHAR, max_length=256)
            schema.add_field("doc", DataType.VARCHAR, max_length=MAX_KEY_BYTES)  # display name: filters by hand
            schema.add_field("page", DataType.INT32)
            schema.add_field("length", DataType.INT32)  # BM25 passage length in tokens
            schema.add_field("body", DataType.VARCHAR, max_length=MAX_BODY_BYTES)  # Chunk.to_dict() as JSON
            schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            index = c.prepare_index_params()
            # FLAT: exact, as the local store below RAG_EXACT_SEARCH_MAX; a cluster may switch to HNSW.
            index.add_index("dense", index_type="FLAT", metric_type="IP")
            index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            index.add_index("doc_key", index_type="INVERTED")
            c.create_collection(self.name, schema=schema, index_params=index, consistency_level="Strong")
        for name, key_type in ((self.docs_name, DataType.VARCHAR), (self.terms_name, DataType.INT64)):
            if c.has_collection(name):
                continue
            schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
            if key_type == DataType.VARCHAR:
                schema.add_field("key", DataType.VARCHAR, max_length=MAX_KEY_BYTES, is_primary=True)
                schema.add_field("data", DataType.JSON)
            else:
                schema.add_field("key", DataType.INT64, is_primary=True)
                schema.add_field("df", DataType.INT64)
            schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
            index = c.prepare_index_params()
            index.add_index("v", index_type="FLAT", metric_type="L2")
            c.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")

    def _drop(self) -> None:
        for name in (self.name, self.docs_name, self.terms_name):
            if self.client.has_collection(name):
                self.client.drop_collection(name)

    # --- the document list and its meta row --------------------------------------------------------
    def _meta(self) -> dict | None:
        if not self.client.has_collection(self.docs_name):
            return None
        rows = self.client.get(self.docs_name, ids=[META_KEY], output_fields=["data"])
        return dict(rows[0]["data"]) if rows else None

    def _put_meta(self, meta: dict) -> None:
        meta["version"] = f"m-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        meta["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.client.upsert(self.docs_name, [{"key": META_KEY, "data": meta, "v": NO_VECTOR}])

    def _doc_rows(self) -> list[dict]:
        rows = self._iterate(self.docs_name, f'key != "{META_KEY}"', ["key", "data"])
        return sorted(rows, key=lambda r: r["data"]["seq"])

    def _iterate(self, collection: str, expr: str, fields: list[str]) -> list[dict]:
        out: list[dict] = []
        iterator = self.client.query_iterator(collection, batch_size=4096, filter=expr, output_fields=fields)
        try:
            while batch := iterator.next():
                out.extend(batch)
        finally:
            iterator.close()
        return out

    @staticmethod
    def _entry(data: dict, chunk_ids: list[str]) -> DocumentEntry:
        fields = {k: v for k, v in data.items() if k in DocumentEntry.__dataclass_fields__}
        return DocumentEntry(**{**fields, "chunk_ids": chunk_ids})

    def _manifest(self, meta: dict, docs: list[dict], chunk_ids: dict[str, list[str]]) -> Manifest:
        manifest = Manifest(embedder=meta["embedder"], dim=int(meta["dim"]), format=int(meta["format"]),
                            tokenizer=meta["tokenizer"], chunking=meta.get("chunking", ""),
                            created=meta.get("created", ""), vector_index=f"milvus FLAT ({self.name})")
        for row in docs:
            manifest.documents[row["key"]] = self._entry(row["data"], chunk_ids.get(row["key"], []))
        return manifest

    def _live_passages(self, docs: list[dict]) -> dict[str, list[tuple[int, int, str]]]:
        """Per document key: (ord, pk, chunk_id) of its current generation, in passage order."""
        generation = {row["key"]: row["data"]["generation"] for row in docs}
        live: dict[str, list[tuple[int, int, str]]] = {key: [] for key in generation}
        for row in self._iterate(self.name, "pk >= 0", ["pk", "doc_key", "generation", "ord", "chunk_id"]):
            if generation.get(row["doc_key"]) == row["generation"]:
                live[row["doc_key"]].append((int(row["ord"]), int(row["pk"]), row["chunk_id"]))
        for rows in live.values():
            rows.sort()
        return live

    # --- PassageStore: reading -----------------------------------------------------------------------
    def exists(self) -> bool:
        return self._meta() is not None

    def version(self) -> str | None:
        meta = self._meta()
        return meta["version"] if meta else None

    def documents(self) -> dict[str, DocumentEntry]:
        meta = self._meta()
        if meta is None:
            return {}
        docs = self._doc_rows()
        live = self._live_passages(docs)
        return {row["key"]: self._entry(row["data"], [cid for *_, cid in live[row["key"]]]) for row in docs}

    def coverage(self) -> tuple[int, int]:
        meta = self._meta() or {}
        return int(meta.get("passages", 0)), int(meta.get("passages", 0))  # vectors are written with the text

    def stats(self) -> dict[str, object]:
        meta = self._meta()
        if meta is None:
            return {"documents": 0, "passages": 0}
        return {"documents": int(meta.get("documents", 0)), "passages": int(meta.get("passages", 0)),
                "embedder": f"{meta['embedder']} ({meta['dim']}-d)", "vector_index": f"milvus FLAT ({self.name})",
                "embedded": int(meta.get("passages", 0)), "segments": 0, "built": meta.get("created", ""),
                "store": self.location}

    def built_with(self) -> str | None:
        meta = self._meta()
        return meta["embedder"] if meta else None

    def upgraded(self) -> bool:
        return False  # upgrade_vectors is not done here

    def snapshot(self, embedder: Embedder) -> "MilvusSnapshot":
        meta = self._meta()
        if meta is None:
            raise IndexStateError(f"no index in {self.location}; build it with: python -m rag index")
        if int(meta.get("format", 0)) != FORMAT_VERSION or meta.get("tokenizer") != TOKENIZER_ID:
            raise IndexStateError(f"index in {self.location} has format {meta.get('format')}/{meta.get('tokenizer')}; "
                                  f"this version reads {FORMAT_VERSION}/{TOKENIZER_ID}. Rebuild with: "
                                  "python -m rag index --rebuild")
        if (meta["embedder"], int(meta["dim"])) != (embedder.name, embedder.dim):
            raise IndexStateError(
                f"the index was built with embedder '{meta['embedder']}' ({meta['dim']}-d) but the configured "
                f"embedder is '{embedder.name}' ({embedder.dim}-d). Rebuild it with: python -m rag index --rebuild")
        docs = self._doc_rows()
        live = self._live_passages(docs)
        pks, doc_rows = [], {}
        for row in docs:
            start = len(pks)
            pks.extend(pk for _, pk, _ in live[row["key"]])
            doc_rows[row["key"]] = (start, len(pks))
        manifest = self._manifest(meta, docs, {k: [cid for *_, cid in v] for k, v in live.items()})
        return MilvusSnapshot(self, meta, manifest, np.asarray(pks, dtype=np.int64), doc_rows)

    def fetch(self, pks: list[int]) -> dict[int, Chunk]:
        """Passages by primary key (missing keys are left out: removed by another writer meanwhile)."""
        out: dict[int, Chunk] = {}
        for i in range(0, len(pks), GET_IDS):
            for row in self.client.get(self.name, ids=[int(p) for p in pks[i:i + GET_IDS]], output_fields=["body"]):
                out[int(row["pk"])] = Chunk.from_dict(json.loads(row["body"]))
        return out

    def document_frequencies(self, keys: list[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        unique = list(dict.fromkeys(int(k) for k in keys))
        for i in range(0, len(unique), GET_IDS):
            for row in self.client.get(self.terms_name, ids=unique[i:i + GET_IDS], output_fields=["df"]):
                out[int(row["key"])] = int(row["df"])
        return out

    # --- PassageStore: writing -----------------------------------------------------------------------
    def update(self, paths: list[Path], embedder: Embedder, *, rebuild: bool = False,
               remove: list[str] | None = None, progress: Progress | None = None, embed: bool = True,
               embed_progress: EmbedProgress | None = None) -> IndexReport:
        """Index `paths` like the local store; vectors are computed with the text (there is no text-only phase)."""
        started = time.perf_counter()
        report = IndexReport()
        settings = self.settings
        chunking = f"{settings.chunk_max_chars}/{settings.chunk_min_chars}"
        with self._lock:
            meta = None if rebuild else self._meta()
            if meta is not None and (int(meta.get("format", 0)), meta.get("tokenizer")) != (FORMAT_VERSION, TOKENIZER_ID):
                report.notes.append(f"index format changed ({meta.get('format')}/{meta.get('tokenizer')}): rebuilding")
                meta = None
            if meta is not None and (meta["embedder"], int(meta["dim"])) != (embedder.name, embedder.dim):
                report.notes.append(f"embedder changed ({meta['embedder']} → {embedder.name}): re-embedding every passage")
                meta = None
            if meta is None:
                self._drop()
                meta = {"format": FORMAT_VERSION, "tokenizer": TOKENIZER_ID, "embedder": embedder.name,
                        "dim": embedder.dim, "chunking": chunking, "passages": 0, "length": 0, "documents": 0,
                        "avgdl": 0.0, "seq": 0, "k1": K1, "b": B}
                fresh = True
            else:
                fresh = False
            self._ensure_collections(embedder.dim)
            reread = meta.get("chunking") != chunking
            meta["chunking"] = chunking
            doc_rows = self._doc_rows()
            old_docs = {row["key"]: self._entry(row["data"], []) for row in doc_rows}
            generations = {row["key"]: row["data"]["generation"] for row in doc_rows}
            writer = _MilvusWriter(self, embedder, meta, generations, report, progress)
            gone = ingest_paths(paths, old_docs, writer, report, settings, reread, remove)
            for key in gone:
                self._delete_document(key, generations[key], meta, keep_entry=False)
            if fresh or report.changed or reread:
                self._put_meta(meta)
                for name in (self.name, self.docs_name, self.terms_name):
                    # sealed segments get their indexes; rows left growing are searched by brute force
                    # (a BM25 query over 2k growing passages took 0.75 s in milvus-lite, 0.02 s once flushed)
                    self.client.flush(name)
            if writer.written or gone:
                report.searchable_s = time.perf_counter() - started
            report.documents, report.chunks = int(meta["documents"]), int(meta["passages"])
        report.reused = 0
        report.seconds = time.perf_counter() - started
        if embed_progress is not None:
            embed_progress.running = False
        return report

    def embed_pending(self, embedder: Embedder, *, progress: Progress | None = None,
                      state: EmbedProgress | None = None, stop: threading.Event | None = None) -> EmbedProgress:
        """Nothing is ever pending: `update` writes vectors with the text."""
        return state or EmbedProgress()

    def upgrade_vectors(self, embedder: Embedder, *, progress: Progress | None = None,
                        state: EmbedProgress | None = None, stop: threading.Event | None = None) -> bool:
        """Not done here: a collection holds one vector field, and replacing it would leave dense retrieval
        empty for the hours a large library takes. Re-index with RAG_EMBEDDER set to the model instead."""
        return False

    def _write(self, docs: list[tuple[str, DocumentEntry, list[Chunk], list[list[str]]]], vectors: np.ndarray,
               meta: dict, generations: dict[str, str]) -> None:
        """Upsert passages of several documents, then their document rows and the meta row, then drop the
        passages of their previous versions."""
        if not meta.get("avgdl"):  # the first write fixes the avgdl stored weights are computed with
            lengths = [len(t or [""]) for *_, tokens in docs for t in tokens]
            meta["avgdl"] = _mean_length(sum(lengths), len(lengths)) if lengths else 1.0
        avgdl = float(meta["avgdl"])
        rows, df_delta, row = [], Counter(), 0
        new_generations = {}
        for key, entry, chunks, token_lists in docs:
            generation = uuid.uuid4().hex[:16]
            new_generations[key] = generation
            for i, (chunk, tokens) in enumerate(zip(chunks, token_lists)):
                weights, length = passage_weights(tokens, avgdl)
                body = json.dumps(chunk.to_dict(), ensure_ascii=False)
                if len(body.encode("utf-8")) > MAX_BODY_BYTES:
                    raise IngestError(f"a passage of {entry.name} is longer than Milvus' {MAX_BODY_BYTES} bytes; "
                                      "lower RAG_CHUNK_MAX_CHARS")
                rows.append({"pk": passage_pk(key, generation, i), "doc_key": key, "generation": generation,
                             "ord": i, "chunk_id": chunk.chunk_id, "doc": chunk.origin.doc[:1000],
                             "page": int(chunk.origin.page or 0), "length": length, "body": body,
                             "dense": vectors[row].tolist(), "sparse": weights})
                df_delta.update(weights.keys())
                meta["passages"] += 1
                meta["length"] += length
                row += 1
        for i in range(0, len(rows), INSERT_ROWS):
            self.client.insert(self.name, rows[i:i + INSERT_ROWS])
        self._add_df(df_delta, fresh=meta["passages"] == row)
        doc_rows = []
        for key, entry, chunks, _ in docs:
            meta["seq"] += 1
            data = {k: v for k, v in entry.__dict__.items() if k != "chunk_ids"}
            data.update(seq=meta["seq"], generation=new_generations[key], passages=len(chunks), segment="", first_row=0)
            doc_rows.append({"key": key, "data": data, "v": NO_VECTOR})
            if key not in generations:
                meta["documents"] += 1
        for i in range(0, len(doc_rows), INSERT_ROWS):
            self.client.upsert(self.docs_name, doc_rows[i:i + INSERT_ROWS])
        self._put_meta(meta)  # readers switch to the new passages here
        for key, *_ in docs:
            if key in generations:
                self._delete_document(key, generations[key], meta, keep_entry=True)
            generations[key] = new_generations[key]

    def _delete_document(self, key: str, generation: str, meta: dict, keep_entry: bool) -> None:
        """Delete one generation of a document's passages (and its document row unless it was replaced)."""
        if not keep_entry:
            self.client.delete(self.docs_name, ids=[key])
            meta["documents"] -= 1
            self._put_meta(meta)  # readers stop seeing the document before its passages go
        expr = f"doc_key == {json.dumps(key, ensure_ascii=False)} and generation == \"{generation}\""
        old = self._iterate(self.name, expr, ["pk", "length", "sparse"])
        df_delta: Counter = Counter()
        for row in old:
            df_delta.update({int(k): -1 for k in row["sparse"]})
            meta["passages"] -= 1
            meta["length"] -= int(row["length"])
        if old:
            self.client.delete(self.name, filter=expr)
            self._add_df(df_delta, fresh=False)

    def _add_df(self, delta: Counter, fresh: bool) -> None:
        """Add to the document frequency of each term; a fresh index skips reading the old values."""
        keys = [k for k, v in delta.items() if v]
        current = {} if fresh else self.document_frequencies(keys)
        upserts, deletes = [], []
        for k in keys:
            df = current.get(k, 0) + delta[k]
            if df > 0:
                upserts.append({"key": int(k), "df": int(df), "v": NO_VECTOR})
            else:
                deletes.append(int(k))
        for i in range(0, len(upserts), 5_000):
            self.client.upsert(self.terms_name, upserts[i:i + 5_000])
        for i in range(0, len(deletes), GET_IDS):
            self.client.delete(self.terms_name, ids=deletes[i:i + GET_IDS])


def _client_class():
    """pymilvus reads MILVUS_URI from the environment (and from .env) when first imported and refuses a
    file path there; that name is our setting (Settings reads it), so the import sees it blank."""
    if "pymilvus" not in sys.modules:
        saved = os.environ.get("MILVUS_URI")
        os.environ["MILVUS_URI"] = ""  # blank, not absent: pymilvus' load_dotenv() would refill it from .env
        try:
            import pymilvus  # noqa: F401
        finally:
            if saved is None:
                os.environ.pop("MILVUS_URI", None)
            else:
                os.environ["MILVUS_URI"] = saved
    from pymilvus import MilvusClient

    return MilvusClient


class _MilvusWriter(BatchWriter):
    """Batches chunked documents (`ingest_paths` feeds it), embeds a batch in one call and writes it."""

    def __init__(self, store: MilvusStore, embedder: Embedder, meta: dict, generations: dict[str, str],
                 report: IndexReport, progress: Progress | None) -> None:
        super().__init__(min(store.settings.segment_rows, 4_096), report)
        self.store, self.embedder, self.meta, self.generations = store, embedder, meta, generations
        self.progress = progress

    def flush(self) -> None:
        if not self.docs:
            return
        since = time.perf_counter()
        texts = [c.embed_text for _, _, chunks, _ in self.docs for c in chunks]
        vectors = (np.asarray(self.embedder.embed_documents(texts), dtype=np.float32) if texts
                   else np.zeros((0, self.embedder.dim), dtype=np.float32))
        self.report.embedded += len(texts)
        since = self.report._time("embed", since)
        self.store._write(self.docs, vectors, self.meta, self.generations)
        self.report._time("write", since)
        self.written.update(key for key, *_ in self.docs)
        if self.progress:
            self.progress(1.0, f"{self.meta['passages']} passages in Milvus")
        self.docs, self.rows = [], 0


class MilvusSnapshot(DocumentLookups):
    """One version of the Milvus index as rag.passage_store.IndexSnapshot: rows are the live passages in
    document order; searches run in Milvus and map primary keys back to rows."""

    def __init__(self, store: MilvusStore, meta: dict, manifest: Manifest, pks: np.ndarray,
                 doc_rows: dict[str, tuple[int, int]]) -> None:
        self.store, self.meta, self.manifest, self.doc_rows = store, meta, manifest, doc_rows
        self.chunks = MilvusPassages(store, pks)
        self.row_of = {int(pk): row for row, pk in enumerate(pks)}
        self.dense = MilvusDense(self)
        self.sparse = MilvusSparse(self)

    @property
    def version(self) -> str:
        return self.meta["version"]

    def dense_coverage(self) -> tuple[int, int]:
        return len(self.chunks), len(self.chunks)

    def filter_expr(self, allow: np.ndarray | None) -> str:
        """The bool-per-row mask of rag.filters as a Milvus filter on document keys (masks are whole documents)."""
        if allow is None:
            return ""
        keys = [key for key, (start, end) in self.doc_rows.items() if end > start and allow[start]]
        return "doc_key in " + json.dumps(keys, ensure_ascii=False)

    def hits(self, results: list[dict]) -> list[tuple[int, dict]]:
        """Rows of the returned primary keys (keys of another version are skipped), their passages cached."""
        hits = []
        for hit in results:
            row = self.row_of.get(int(hit["pk"] if "pk" in hit else hit["id"]))
            if row is None:
                continue
            body = (hit.get("entity") or {}).get("body")
            if body:
                self.chunks.remember(row, body)
            hits.append((row, hit))
        return hits


class MilvusPassages:
    """Passages by row, fetched by primary key; search hits bring their text along, so ranking rarely fetches."""

    def __init__(self, store: MilvusStore, pks: np.ndarray) -> None:
        self.store, self.pks = store, pks
        self._recent: OrderedDict[int, Chunk] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, row: int, body: str) -> None:
        with self._lock:
            if row not in self._recent:
                self._put(row, Chunk.from_dict(json.loads(body)))

    def _put(self, row: int, chunk: Chunk) -> None:
        self._recent[row] = chunk
        self._recent.move_to_end(row)
        while len(self._recent) > RECENT_CHUNKS:
            self._recent.popitem(last=False)

    def __getitem__(self, row: int) -> Chunk:
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        with self._lock:
            chunk = self._recent.get(row)
        if chunk is None:
            found = self.store.fetch([int(self.pks[row])])
            if not found:
                raise IndexStateError("a passage was removed by another writer meanwhile; ask again")
            chunk = next(iter(found.values()))
            with self._lock:
                self._put(row, chunk)
        return chunk

    def __len__(self) -> int:
        return len(self.pks)

    def __bool__(self) -> bool:
        return len(self.pks) > 0

    def __iter__(self) -> Iterator[Chunk]:
        for start in range(0, len(self.pks), GET_IDS):
            block = [int(p) for p in self.pks[start:start + GET_IDS]]
            found = self.store.fetch(block)
            yield from (found[p] for p in block if p in found)


class MilvusDense:
    """Exact inner product (FLAT) in Milvus; ties broken by row as in rag.index_store.SegmentedDense."""

    def __init__(self, snapshot: MilvusSnapshot) -> None:
        self.snapshot = snapshot

    def search(self, query: np.ndarray, k: int, allow: np.ndarray | None = None) -> list[SearchHit]:
        snap = self.snapshot
        if k <= 0 or not len(snap.chunks) or (allow is not None and not allow.any()):
            return []
        vector = np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        results = snap.store.client.search(
            snap.store.name, data=[vector], anns_field="dense", limit=min(k + TIE_MARGIN, 16_384),
            filter=snap.filter_expr(allow), output_fields=["body"], search_params={"metric_type": "IP"})[0]
        hits = [SearchHit(row, float(np.float32(hit["distance"]))) for row, hit in snap.hits(results)]
        hits.sort(key=lambda h: (-h.score, h.row))
        return hits[:k]

    def __len__(self) -> int:
        return len(self.snapshot.chunks)


class MilvusSparse:
    """BM25 over precomputed sparse vectors: Milvus finds the candidates, the exact local formula ranks them."""

    def __init__(self, snapshot: MilvusSnapshot) -> None:
        self.snapshot = snapshot
        meta = snapshot.meta
        self.count = int(meta.get("passages", 0))
        self.avgdl_live = _mean_length(int(meta.get("length", 0)), self.count)
        self.avgdl_stored = float(meta.get("avgdl") or 1.0)

    def document_frequencies(self, tokens: list[str]) -> dict[str, int]:
        found = self.snapshot.store.document_frequencies([term_key(t) for t in tokens])
        return {t: found.get(term_key(t), 0) for t in tokens}

    def search(self, query_tokens: list[str], k: int, allow: np.ndarray | None = None) -> list[SearchHit]:
        snap = self.snapshot
        if k <= 0 or not self.count or not query_tokens or (allow is not None and not allow.any()):
            return []
        # terms in the order SegmentedBM25 adds them (sorted 64-bit ids), so float32 sums agree
        tids, repeats = np.unique([term_id(t) for t in query_tokens], return_counts=True)
        key_of = {term_id(t): term_key(t) for t in query_tokens}
        keys = [key_of[int(t)] for t in tids]
        df = snap.store.document_frequencies(keys)
        terms = []  # (key, times, idf)
        for key, times in zip(keys, repeats):
            n = df.get(key, 0)
            if n:
                terms.append((key, int(times), np.log(1 + (self.count - n + 0.5) / (n + 0.5))))
        if not terms:
            return []
        query = {}
        for key, times, idf in terms:
            query[key] = query.get(key, 0.0) + float(times * idf)
        results = snap.store.client.search(
            snap.store.name, data=[query], anns_field="sparse", limit=min(k + TIE_MARGIN, 16_384),
            filter=snap.filter_expr(allow), output_fields=["body", "sparse", "length"],
            search_params={"metric_type": "IP"})[0]
        hits = []
        for row, hit in snap.hits(results):
            entity = hit["entity"]
            stored, length = entity["sparse"], int(entity["length"])
            norm_then, norm_now = float(_norm(length, self.avgdl_stored)), _norm(length, self.avgdl_live)
            score = np.float32(0)
            for key, times, idf in terms:
                weight = stored.get(key, stored.get(str(key)))
                if weight:
                    tf = np.float32(_recover_tf(weight, norm_then))
                    score += np.float32(times * idf * tf / (norm_now + tf))
            if score > 0:
                hits.append(SearchHit(row, float(score)))
        hits.sort(key=lambda h: (-h.score, h.row))
        return hits[:k]

    def __len__(self) -> int:
        return self.count
