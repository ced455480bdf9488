"""Building, updating and loading the on-disk index (real FAISS, real BM25, hashing embedder)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag.embedders.hashing import HashingEmbedder
from rag.errors import IndexStateError
from rag.index_store import CURRENT, IndexStore
from rag.indexing import update_index
from rag.segments import embedder_slug
from rag.service import RagService

from conftest import DEMO


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_update_skips_unchanged_files_and_reuses_vectors(tmp_settings):
    data = tmp_settings.data_dir
    (data / DEMO.name).write_bytes(DEMO.read_bytes())
    _write(data, "notice.txt", "关于供暖的通知：供暖期为11月15日至次年3月15日。\n")
    embedder = HashingEmbedder()
    first = update_index([data], tmp_settings, embedder)
    assert sorted(first.added) == sorted([DEMO.name, "notice.txt"]) and first.embedded == first.chunks

    second = update_index([data], tmp_settings, embedder)
    assert second.unchanged and not second.changed and second.embedded == 0

    _write(data, "notice.txt", "关于供暖的通知：供暖期为11月1日至次年3月31日。\n")
    third = update_index([data], tmp_settings, embedder)
    assert third.updated == ["notice.txt"] and third.embedded == 1 and third.reused == third.chunks - 1


def test_deleted_files_lose_their_chunks(tmp_settings):
    data = tmp_settings.data_dir
    keep = _write(data, "a.txt", "甲文件：全年粮食总产量26.6万吨。\n")
    gone = _write(data, "b.txt", "乙文件：新增高标准农田2.5万亩。\n")
    update_index([data], tmp_settings, HashingEmbedder())
    gone.unlink()
    report = update_index([data], tmp_settings, HashingEmbedder())
    assert report.removed == ["b.txt"]
    index = IndexStore(tmp_settings.index_dir).load()
    assert [c.origin.doc for c in index.chunks] == [keep.name]


def test_bad_files_are_reported_and_the_rest_still_index(tmp_settings):
    data = tmp_settings.data_dir
    _write(data, "good.txt", "有效内容：新建城市公园8处。\n")
    (data / "empty.txt").write_bytes(b"")
    (data / "binary.txt").write_bytes(bytes(range(256)) * 10)
    report = update_index([data, data / "missing.pdf"], tmp_settings, HashingEmbedder())
    assert report.added == ["good.txt"]
    reasons = {Path(key).name: reason for key, reason in report.failed.items()}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.txt"].startswith("binary file")
    assert reasons["missing.pdf"] == "no such file or folder"


def test_a_crash_mid_build_leaves_the_previous_index_usable(tmp_settings, monkeypatch):
    data = tmp_settings.data_dir
    _write(data, "a.txt", "第一版：完成荒山造林1200亩。\n")
    update_index([data], tmp_settings, HashingEmbedder())
    store = IndexStore(tmp_settings.index_dir)
    live_before = store.current_folder()

    class Boom(RuntimeError):
        pass

    def explode(*args, **kwargs):
        raise Boom("disk full")

    monkeypatch.setattr("rag.stores.postings.TermStore.save", explode)  # mid-way through writing a segment
    _write(data, "b.txt", "第二个文件：森林抚育7000亩。\n")
    with pytest.raises(Boom):
        update_index([data], tmp_settings, HashingEmbedder())
    assert store.current_folder() == live_before
    assert [c.text for c in store.load().chunks] == ["第一版：完成荒山造林1200亩。"]
    assert not list(tmp_settings.index_dir.glob(".tmp-*"))
    assert not list((tmp_settings.index_dir / "segments").glob(".tmp-*"))


def test_an_index_from_another_embedder_is_refused_with_advice(tmp_settings):
    _write(tmp_settings.data_dir, "a.txt", "内容：新增学位5100个。\n")
    update_index([tmp_settings.data_dir], tmp_settings, HashingEmbedder(64))
    with pytest.raises(IndexStateError, match="rebuild"):
        IndexStore(tmp_settings.index_dir).load("some-other-model", 384)
    # updating with the new embedder re-embeds everything instead of mixing vectors
    report = update_index([tmp_settings.data_dir], tmp_settings, HashingEmbedder(32))
    assert report.embedded == report.chunks and "re-embedding" in " ".join(report.notes)
    # the old model's vectors go once no kept version (the live one and its predecessor) serves them
    update_index([_write(tmp_settings.data_dir, "b.txt", "内容：新建公园3处。\n")], tmp_settings, HashingEmbedder(32))
    vec = {p.name for p in tmp_settings.index_dir.glob("segments/*/vec/*")}
    assert vec == {embedder_slug(HashingEmbedder(32).name, 32)}


def test_corrupt_index_files_give_a_clear_error(tmp_settings):
    _write(tmp_settings.data_dir, "a.txt", "内容：新增学位5100个。\n")
    update_index([tmp_settings.data_dir], tmp_settings, HashingEmbedder())
    store = IndexStore(tmp_settings.index_dir)
    segment = next((tmp_settings.index_dir / "segments").iterdir())
    (segment / "postings-terms.npy").write_bytes(b"garbage")
    with pytest.raises(IndexStateError, match="rebuild"):
        store.load()
    (tmp_settings.index_dir / CURRENT).write_text("v-does-not-exist")
    assert not store.exists()


def test_service_add_and_remove_an_uploaded_document(demo_service: RagService, tmp_path: Path):
    upload = _write(tmp_path, "充电桩.txt", "示范区2025年共建成智能充电桩4321个。\n")
    report = demo_service.add_files([upload])
    assert report.added == ["充电桩.txt"]
    assert "4321" in demo_service.search("智能充电桩建成多少个", k=1)[0].text
    key = next(k for k, d in demo_service.documents().items() if d.name == "充电桩.txt")
    demo_service.remove_document(key)
    assert all(d.name != "充电桩.txt" for d in demo_service.documents().values())
    assert not (demo_service.uploads_dir / "充电桩.txt").exists()
    assert os.path.exists(demo_service.settings.data_dir / DEMO.name)


def test_versions_sort_in_commit_order_so_pruning_keeps_the_latest(tmp_settings):
    """Several commits in one second (an upgrade's switch, then a document added): version names still sort
    in commit order, so pruning keeps the live version and its predecessor, never an older one."""
    store = IndexStore(tmp_settings.index_dir)
    live = []
    for i in range(4):
        update_index([_write(tmp_settings.data_dir, f"{i}.txt", f"内容：新建公园{i + 3}处。\n")], tmp_settings, HashingEmbedder())
        live.append(store.current_folder().name)
    assert live == sorted(live) and len(set(live)) == 4
    kept = sorted(p.name for p in tmp_settings.index_dir.glob("v-*"))
    assert len(kept) == 2 and kept[-1] == live[-1]
