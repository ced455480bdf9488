"""Typed records passed between pipeline stages (ingestion → chunks → passages → answers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SECTION_SEPARATOR = " > "


@dataclass(frozen=True)
class Origin:
    """Where a paragraph came from, so every citation can point at document, section and page."""

    doc: str  # document name shown to users (file name)
    section: tuple[str, ...] = ()  # heading path, outermost first
    page: int | None = None
    kind: str = "text"  # "text" or "table" (a table row rendered by rag.ingest.tables.format_row)

    @property
    def section_path(self) -> str:
        return SECTION_SEPARATOR.join(self.section)


@dataclass(frozen=True)
class Paragraph:
    """One clean paragraph rebuilt from a source document."""

    text: str
    origin: Origin


@dataclass(frozen=True)
class SourceMeta:
    """What a loader learns about the document as a whole (not passages): feeds the document card.

    `cover_lines` are title/issuer/date lines taken off the cover or page head; they are kept here
    instead of becoming short passages that outrank content."""

    title: str = ""
    date: str = ""
    source: str = ""  # publisher or issuing body as the file states it (HTML meta, cover line)
    cover_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """The paragraphs of one source file plus the content hash used to skip unchanged files."""

    name: str
    content_hash: str
    paragraphs: tuple[Paragraph, ...]
    meta: SourceMeta = SourceMeta()


@dataclass(frozen=True)
class Chunk:
    """The unit that is indexed and cited: `text` is shown to users, `index_text` is searched."""

    chunk_id: str
    text: str
    origin: Origin
    context: str = ""  # the document card's line (place, year, title) that every passage inherits

    @property
    def index_text(self) -> str:
        """Heading path + paragraph: what BM25 sees; headings carry context ("2023年工作回顾") the
        paragraph omits. The card line is left out: measured, it lowered BM25 recall@1 (dev 96.8% →
        93.5%, real documents 88.2% → 87.3%) because every passage of a document shares its words."""
        heading = self.origin.section_path
        return f"{heading}\n{self.text}" if heading else self.text

    @property
    def embed_text(self) -> str:
        """Card line + heading path + paragraph: what the embedder sees. Across documents the card line
        tells a passage's place and year apart (real documents, hybrid recall@1 82.4% → 86.3% with it)."""
        return self.check_text

    @property
    def check_text(self) -> str:
        """Card line + heading path + paragraph: what answer checks may rely on (the document names
        the place, year and title its paragraphs leave out)."""
        return "\n".join(part for part in (self.context, self.origin.section_path, self.text) if part)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "text": self.text,
            "doc": self.origin.doc,
            "section": list(self.origin.section),
            "page": self.origin.page,
            **({"kind": self.origin.kind} if self.origin.kind != "text" else {}),
            **({"context": self.context} if self.context else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        origin = Origin(doc=data["doc"], section=tuple(data.get("section") or ()), page=data.get("page"),
                        kind=data.get("kind", "text"))
        return cls(chunk_id=data["chunk_id"], text=data["text"], origin=origin, context=data.get("context", ""))


@dataclass
class Passage:
    """A chunk returned by retrieval, with its fused score and the per-retriever evidence."""

    chunk: Chunk
    score: float
    rank: int = 0
    component_scores: dict[str, float] = field(default_factory=dict)
    component_ranks: dict[str, int] = field(default_factory=dict)
    suspicious: bool = False  # the text gives the model orders ("忽略之前的指令…"): shown, never a source
    also_in: list[str] = field(default_factory=list)  # other documents with the same passage (同见于)
    row: int = -1  # the chunk's row in the index snapshot it came from (-1: not from one)

    @property
    def passage_id(self) -> str:
        return self.chunk.chunk_id

    @property
    def text(self) -> str:
        return self.chunk.text

    def to_json(self) -> dict[str, Any]:
        return {
            "passage_id": self.passage_id,
            "text": self.chunk.text,
            "doc": self.chunk.origin.doc,
            "section": self.chunk.origin.section_path,
            "page": self.chunk.origin.page,
            "score": round(float(self.score), 6),
            **({"suspicious": True} if self.suspicious else {}),
        }


@dataclass
class Citation:
    """A marker like [2] in the answer, resolved to the passage it names and checked against it."""

    marker: int
    passage: Passage
    supported: bool
    sentences: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = self.passage.to_json()
        data.pop("score", None)
        return {"marker": self.marker, **data, "supported": self.supported, "sentences": self.sentences}


@dataclass
class Answer:
    """What the pipeline returns for one question; `to_json` is the `ask --json` contract."""

    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    flagged_sentences: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    standalone_question: str = ""
    llm: str = ""
    notice: str = ""  # e.g. "LLM unreachable: extractive answer" — shown to users, not hidden
    model_reply: str = ""  # the LLM's reply before the checks: what was changed, and why, can be audited

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "flagged_sentences": self.flagged_sentences,
            "passages": [p.to_json() for p in self.passages],
            "llm": self.llm,
            "notice": self.notice,
            "model_reply": self.model_reply,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
