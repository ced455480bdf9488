"""Bytes → text for user files: detect UTF-8/16/32, GBK/GB18030, Big5; refuse binary data clearly."""
from __future__ import annotations

import codecs
import re

from rag.errors import IngestError

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_PLAUSIBLE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\x20-\x7e\s\u00a0-\u024f\u2000-\u206f]")


def decode_text(data: bytes) -> str:
    """Decode a text file or raise IngestError with the reason (empty, binary, unknown encoding)."""
    if not data.strip():
        raise IngestError("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :].decode(encoding, errors="strict"))
    if b"\x00" in data:
        utf16 = _guess_utf16(data)
        if utf16:
            return _checked(data.decode(utf16, errors="strict"))
        raise IngestError("binary file (contains NUL bytes), not text")
    for encoding in ("utf-8", "gb18030", "big5"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return _checked(text)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # the detector is a best effort, its failure means "unknown"
        best = None
    if best is not None and _plausible(str(best)):
        return _checked(str(best))
    raise IngestError("unknown text encoding (save the file as UTF-8)")


def _guess_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: ASCII-range text leaves NULs on every other byte."""
    sample = data[:4096]
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = max(len(sample) // 2, 1)
    for encoding, zeros in (("utf-16-le", odd_zeros), ("utf-16-be", even_zeros)):
        if zeros > 0.2 * half:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _plausible(text):
                return encoding
    return None


def _plausible(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    return len(_PLAUSIBLE.findall(sample)) / len(sample) > 0.95


def _checked(text: str) -> str:
    if not text.strip():
        raise IngestError("empty file")
    sample = text[:20000]
    if len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        raise IngestError("binary file (control characters), not text")
    return text
