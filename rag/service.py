"""The application facade shared by CLI, UI and evaluation: one embedder, one live index snapshot."""
from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

from rag.embedders import AUTO_CHOICES, auto_choice, make_embedder
from rag.embedders.base import Embedder
from rag.errors import IndexStateError
from rag.filters import SearchFilter
from rag.index_store import DocumentEntry
from rag.indexing import EmbedProgress, IndexReport, Progress
from rag.paraphrase import WordVectors, load_word_vectors
from rag.passage_store import IndexSnapshot, PassageStore, make_passage_store
from rag.retrieval import FusionWeights, HybridRetriever, Mode
from rag.schema import Passage
from rag.settings import AUTO_EMBEDDER, STATIC_EMBEDDER, Settings
from rag.tokenizer import tokenize


class RagService:
    """Loads models once; swaps to the newest index version when another writer committed one."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, store: PassageStore | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        # "auto" follows the library's size (rag.embedders.auto_choice) unless an embedder is handed in
        self.auto_embedder = embedder is None and settings.embedder == AUTO_EMBEDDER
        self._embedders: dict[str, Embedder] = {}
        self.store = store if store is not None else make_passage_store(settings)  # RAG_STORE picks the backend
        self._lock = threading.RLock()
        self._retriever: HybridRetriever | None = None
        self._embedding = EmbedProgress()
        self._embed_thread: threading.Thread | None = None
        self._embed_stop = threading.Event()
        self.filters: SearchFilter | None = None  # default filters of every search (CLI --doc/--under/--year)
        self._word_vectors: list[WordVectors | None] = []  # loaded once, on first use (rag.paraphrase)

    def word_vectors(self) -> WordVectors | None:
        """The static word vectors that let an asker's everyday word stand for the library's (供暖 → 供热);
        None when RAG_PARAPHRASE_SIMILARITY is 0 or they cannot be built."""
        with self._lock:
            if not self._word_vectors:
                wanted = self.settings.paraphrase_similarity > 0
                self._word_vectors.append(load_word_vectors(self.settings.models_dir) if wanted else None)
            return self._word_vectors[0]

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = self._named(self._auto_built() if self.auto_embedder else None)
            return self._embedder

    def _auto_built(self) -> str | None:
        """The embedder the library was built with, when "auto" follows it: e5, the static model, the configured
        upgrade, or the one an earlier upgrade left in use; None otherwise (or no library yet)."""
        built = self.store.built_with()
        if built in AUTO_CHOICES or (built and (built == self.settings.embedder_upgrade or self.store.upgraded())):
            return built
        return None

    def _named(self, name: str | None) -> Embedder:
        """Each embedder is loaded once, so following the library's size back and forth costs no reload."""
        key = name or self.settings.embedder
        if key not in self._embedders:
            self._embedders[key] = make_embedder(self.settings, name)
        return self._embedders[key]

    def _follow_index_embedder(self) -> None:
        """Another process (the CLI) may have switched an "auto" library to the other embedder."""
        built = self._auto_built() if self.auto_embedder else None
        if built is not None and built != self.embedder.name:
            self._embedder = self._named(built)

    def _fit_embedder_to_size(self, report: IndexReport) -> None:
        """With "auto", a library that grew past (or shrank below) the limit is re-embedded with the
        embedder its size calls for; the text stays searchable meanwhile."""
        wanted = auto_choice(self.settings, report.chunks)
        if wanted == self.embedder.name or (wanted == STATIC_EMBEDDER and self._upgraded()):
            return  # an archive already switched to the upgrade keeps it: added documents get its vectors
        switched = self.store.update([], self._named(wanted), embed=False)
        with self._lock:
            self._embedder = self._named(wanted)
        report.notes.append(f"{report.chunks} passages: vectors by {wanted} (RAG_EMBEDDER=auto, limit "
                            f"{self.settings.embedder_auto_max_passages} for e5)")
        report.notes.extend(switched.notes)
        report.pending = switched.pending

    def _upgraded(self) -> bool:
        """An archive on the upgrade's vectors keeps them, also after RAG_EMBEDDER_UPGRADE is unset (going back
        to static vectors would delete hours of embedding; `index --rebuild` does that on purpose)."""
        name = self.embedder.name
        if self.settings.embedder_upgrade and name == self.settings.embedder_upgrade:
            return True
        return self.store.upgraded() and name == self.store.built_with()

    def upgrade_due(self) -> str | None:
        """The embedder an "auto" library past the limit upgrades to, while it still has static vectors."""
        s = self.settings
        if not (self.auto_embedder and s.embedder_upgrade) or self.store.built_with() != STATIC_EMBEDDER:
            return None
        embedded, passages = self.store.coverage()
        return s.embedder_upgrade if passages > s.embedder_auto_max_passages and embedded == passages else None

    @property
    def weights(self) -> FusionWeights:
        return self.weights_for(self.store.coverage()[1])

    def weights_for(self, passages: int) -> FusionWeights:
        """The fusion weights for a library of `passages`: a contextual model's vectors over an archive past
        the auto limit weigh as `dense_weight_archive` (static vectors keep `dense_weight`)."""
        s = self.settings
        archive = passages > s.embedder_auto_max_passages and self.embedder.name != STATIC_EMBEDDER
        dense = s.dense_weight_archive if archive else s.dense_weight
        return FusionWeights(bm25=s.bm25_weight, dense=dense, rrf_k=s.rrf_k, coverage=s.coverage_weight)

    def index_exists(self) -> bool:
        return self.store.exists()

    def ensure_index(self, progress: Progress | None = None) -> IndexReport | None:
        """Build the index from the data folder if there is none yet; None if it already existed."""
        if self.store.exists():
            return None
        return self.index([self.settings.data_dir], progress=progress)

    def index(
        self,
        paths: list[Path],
        *,
        rebuild: bool = False,
        remove: list[str] | None = None,
        progress: Progress | None = None,
        background: bool = False,
        embed: bool = True,
    ) -> IndexReport:
        """With `background`, return as soon as the new text is searchable (BM25) and compute its vectors
        in a background thread; `embedding_progress()` reports how far that is."""
        pausing = bool(self._embedding.upgrade) and not self.wait_for_embedding(timeout=0)
        if pausing:
            self._embed_stop.set()  # an upgrade in progress stops after its block and resumes below
        self.wait_for_embedding()  # one vector writer at a time; a background run is resumed below
        if pausing:
            self._embed_stop.clear()
        embed_here = embed and not background
        report = self.store.update(paths, self.embedder, rebuild=rebuild, remove=remove, progress=progress,
                                   embed=embed_here and not self.auto_embedder, embed_progress=self._embedding)
        if self.auto_embedder:
            self._fit_embedder_to_size(report)
            if embed_here:  # the vectors, by the embedder the size chose
                vectors = self.store.update([], self.embedder, progress=progress, embed_progress=self._embedding)
                report.embedded, report.reused, report.pending = vectors.embedded, vectors.reused, vectors.pending
                report.seconds += vectors.seconds
                for stage, seconds in vectors.stages.items():
                    report.stages[stage] = report.stages.get(stage, 0.0) + seconds
        with self._lock:
            self._retriever = None
        if background and (report.pending or self.upgrade_due()):
            self.start_embedding()
        return report

    def upgrade_now(self, progress: Progress | None = None) -> bool:
        """The CLI's `index --upgrade`: the upgrade's vectors in this thread (Ctrl+C keeps what is done)."""
        target = self.upgrade_due()
        if target is None:
            return False
        self.wait_for_embedding()
        self._embedding = EmbedProgress(upgrade=target)
        return self._upgrade(target, progress)

    def _upgrade(self, target: str, progress: Progress | None = None) -> bool:
        switched = self.store.upgrade_vectors(self._named(target), progress=progress, state=self._embedding,
                                              stop=self._embed_stop)
        if switched:
            with self._lock:
                self._embedder, self._retriever = self._named(target), None
        return switched

    def embed_now(self, progress: Progress | None = None) -> EmbedProgress:
        """Compute missing vectors in this thread (the CLI: a progress bar, Ctrl+C keeps what is done)."""
        self.wait_for_embedding()
        self._embedding = EmbedProgress()
        try:
            return self.store.embed_pending(self.embedder, progress=progress, state=self._embedding)
        finally:
            with self._lock:
                self._retriever = None

    def start_embedding(self) -> bool:
        """Compute missing vectors in a background thread (resumes where a previous run stopped)."""
        with self._lock:
            if self._embed_thread is not None and self._embed_thread.is_alive():
                return False
            self._embed_stop.clear()
            self._embedding = EmbedProgress(running=True)
            self._embed_thread = threading.Thread(target=self._embed_worker, name="rag-embed", daemon=True)
            self._embed_thread.start()
            return True

    def _embed_worker(self) -> None:
        try:
            self.store.embed_pending(self.embedder, state=self._embedding, stop=self._embed_stop)
            target = None if self._embed_stop.is_set() else self.upgrade_due()
            if target is not None:  # then the better vectors of an archive, searchable meanwhile
                self._embedding.upgrade = target
                self._upgrade(target)
        except Exception as exc:  # shown by embedding_progress(); the text stays searchable
            self._embedding.error = f"{exc.__class__.__name__}: {exc}"
        finally:
            self._embedding.running = False

    def embedding_progress(self) -> dict[str, object]:
        """For a progress bar: {"done", "total", "running", "seconds_left", "error"} of the vector phase,
        plus "embedded"/"passages": live passages that dense retrieval already covers."""
        data = self._embedding.to_dict()
        data["embedded"], data["passages"] = self.store.coverage()
        return data

    def wait_for_embedding(self, timeout: float | None = None) -> bool:
        thread = self._embed_thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def stop_embedding(self) -> None:
        """Stop after the block being computed; what is done stays on disk and is resumed next time."""
        self._embed_stop.set()
        self.wait_for_embedding()

    def snapshot(self) -> IndexSnapshot:
        return self.retriever().index

    def retriever(self) -> HybridRetriever:
        with self._lock:
            version = self.store.version()
            if version is None:
                raise IndexStateError(f"no index in {self.store.location}; build it with: python -m rag index")
            if self._retriever is None or self._retriever.index.version != version:
                self._follow_index_embedder()
                loaded = self.store.snapshot(self.embedder)
                self._retriever = HybridRetriever(loaded, self.embedder, self.weights_for(len(loaded.chunks)),
                                                  self.filters)
                tokenize("预热")  # load jieba's dictionary now rather than inside the first query
            return self._retriever

    def search(self, query: str, k: int | None = None, mode: Mode = "hybrid",
               filters: SearchFilter | None = None) -> list[Passage]:
        return self.retriever().search(query, k or self.settings.top_k, mode, filters)

    def documents(self) -> dict[str, DocumentEntry]:
        return self.store.documents()

    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    def add_files(self, files: list[Path], progress: Progress | None = None, background: bool = False) -> IndexReport:
        """Copy uploaded files into the data folder (so they survive restarts) and index them; with
        `background` they are searchable by keyword at once and join dense retrieval when embedded."""
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        targets = []
        for source in files:
            target = self.uploads_dir / _safe_name(source.name)
            if source.resolve() != target.resolve():
                shutil.copyfile(source, target)
            targets.append(target)
        return self.index(targets, progress=progress, background=background)

    def remove_document(self, key: str) -> IndexReport:
        """Drop a document from the index; an uploaded copy is deleted too, files elsewhere are left alone."""
        report = self.index([], remove=[key])
        path = Path(key)
        if path.is_file() and self.uploads_dir.resolve() in path.resolve().parents:
            path.unlink()
        return report

    def stats(self) -> dict[str, object]:
        return self.store.stats()


def _safe_name(name: str) -> str:
    """Keep the user's file name (Chinese included) but nothing that escapes the folder."""
    cleaned = re.sub(r"[\\/\x00-\x1f]", "_", Path(name).name).strip(". ") or "upload"
    return cleaned[:180]
