"""Ingestion: files and folders → `Document`s of clean paragraphs that remember where they came from."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rag.errors import IngestError
from rag.ingest.loaders import SUPPORTED_SUFFIXES, load_document
from rag.ingest.structure import assign_sections
from rag.schema import Document

MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """A file to index: `key` identifies it in the index manifest, `path` is where to read it."""

    key: str
    path: Path


def discover(paths: list[Path]) -> tuple[list[SourceFile], list[str]]:
    """Expand folders into supported files (sorted, hidden files skipped); report unusable paths."""
    found: dict[str, SourceFile] = {}
    problems: list[str] = []
    for root in paths:
        if not root.exists():
            problems.append(f"{root}: no such file or folder")
            continue
        if root.is_file():
            candidates = [root]
        else:
            candidates = sorted(
                p for p in root.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
            )
        for path in candidates:
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                if root.is_file():
                    problems.append(f"{path}: unsupported file type (supported: {', '.join(SUPPORTED_SUFFIXES)})")
                continue
            key = source_key(path)
            found.setdefault(key, SourceFile(key=key, path=path))
    return list(found.values()), problems


def source_key(path: Path) -> str:
    """A stable name for a file: relative to the working directory when possible."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IngestError(f"file too large ({size // (1024 * 1024)} MiB > {MAX_FILE_BYTES // (1024 * 1024)} MiB)")
        return path.read_bytes()
    except PermissionError as exc:
        raise IngestError("permission denied") from exc
    except IsADirectoryError as exc:
        raise IngestError("is a folder, not a file") from exc
    except OSError as exc:
        raise IngestError(f"cannot read ({exc.strerror or exc})") from exc


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_document(path: Path, data: bytes | None = None, name: str | None = None) -> Document:
    """Read and clean one file; raises IngestError with a one-line reason if it holds no usable text."""
    if data is None:
        data = read_bytes(path)
    doc_name = name or path.name
    blocks, meta = load_document(path, data)
    # Markdown marks its headings up (# …); numbered lines inside it are content (law articles' items).
    paragraphs = assign_sections(blocks, doc_name, infer_headings=path.suffix.lower() not in (".md", ".markdown"))
    if not paragraphs:
        raise IngestError("no paragraphs found")
    return Document(name=doc_name, content_hash=content_hash(data), paragraphs=tuple(paragraphs), meta=meta)


__all__ = ["IngestError", "SourceFile", "discover", "read_document", "read_bytes", "content_hash", "source_key"]
