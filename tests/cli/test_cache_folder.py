"""The persistent compilation cache keeps working when an entry has lost its access-time
file (issue 13: a shared cache folder stopped keeping anything, so every run compiled again)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from blocs.cli.common import CACHE_MAX_BYTES, repair_cache_folder

lru_cache = pytest.importorskip("jax._src.lru_cache")  # JAX's own cache, as the cap uses it


def orphan_entry(folder: Path) -> None:
    """An entry as a process without a size cap writes it: no ``-atime`` file."""
    (folder / "old-entry-cache").write_bytes(b"x" * 10)


def put_keeps(folder: Path, key: str) -> bool:
    cache = lru_cache.LRUCache(str(folder), max_size=CACHE_MAX_BYTES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cache.put(key, b"program")
        except FileNotFoundError:
            return False
    return (folder / f"{key}-cache").exists()


def test_an_orphan_entry_stops_every_write(tmp_path):
    """The failure itself, so that the repair below is shown to matter."""
    orphan_entry(tmp_path)
    assert not put_keeps(tmp_path, "new")


def test_repair_gives_the_orphan_its_access_time_and_writes_work_again(tmp_path):
    orphan_entry(tmp_path)
    (tmp_path / "kept-cache").write_bytes(b"y")
    (tmp_path / "kept-atime").write_bytes((7).to_bytes(8, "little"))
    assert repair_cache_folder(tmp_path) == 1
    stamp = int.from_bytes((tmp_path / "old-entry-atime").read_bytes(), "little")
    assert stamp == (tmp_path / "old-entry-cache").stat().st_mtime_ns
    assert (tmp_path / "kept-atime").read_bytes() == (7).to_bytes(8, "little")  # untouched
    assert put_keeps(tmp_path, "new")
    assert repair_cache_folder(tmp_path) == 0
