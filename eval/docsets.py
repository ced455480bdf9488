"""Documents an evaluation indexes: folders and files, or members of a tarball named in a list file.

The laws set names 40 of the 3,502 files in `laws-cn.tar.xz`; they are unpacked under the cache (never
into the repository) once, and reused while the tarball and the list are unchanged.
"""
from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path


def members_from_tar(tar_path: Path, list_path: Path, dest_root: Path) -> Path:
    """Unpack the members named in `list_path` (one path a line) into a folder under `dest_root`."""
    wanted = [line.strip() for line in list_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not wanted:
        raise ValueError(f"{list_path}: no document paths listed")
    key = hashlib.sha256(f"{tar_path.resolve()}|{tar_path.stat().st_size}|{'|'.join(wanted)}".encode()).hexdigest()[:12]
    dest = dest_root / f"{tar_path.name.split('.')[0]}-{key}"
    if all((dest / w).is_file() for w in wanted):
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    names = {f"./{w}" for w in wanted} | set(wanted)
    found: set[str] = set()
    with tarfile.open(tar_path, "r:*") as tar:
        for member in tar:
            if member.isfile() and member.name in names:
                target = dest / member.name.removeprefix("./")
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                assert src is not None
                target.write_bytes(src.read())
                found.add(member.name.removeprefix("./"))
    missing = [w for w in wanted if w not in found]
    if missing:
        raise ValueError(f"{tar_path.name} lacks {len(missing)} listed document(s), e.g. {missing[0]}")
    return dest
