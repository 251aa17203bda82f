"""Issue 12, item 12: a damaged chunk file is detected on resume and solved again; worker
processes exit with their parent (see also tests/sweep/test_backends.py, which kills a
parent and watches its workers exit)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from blocs.errors import DataError
from blocs.sweep import backends, store

DOC = {"seed": 1, "draws": 6}


def _chunk(draws: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"draw": [d for d in draws for _ in "AB"], "iso3": ["AAA", "BBB"] * len(draws)}
    )


def _sweep_folder(tmp_path: Path) -> Path:
    out = tmp_path / "sweep"
    store.save_manifest(out, DOC, 2, 6, {0, 1, 2})
    for c in range(3):
        store.write_chunk(out, c, _chunk([2 * c, 2 * c + 1]))
    return out


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(b""),  # empty
        lambda p: p.write_bytes(b"PAR1" + b"\0" * 100),  # garbage
        lambda p: _chunk([4]).to_parquet(p, index=False),  # another chunk's draws
    ],
    ids=["truncated", "empty", "garbage", "wrong-draws"],
)
def test_a_damaged_chunk_is_solved_again(tmp_path: Path, damage):
    out = _sweep_folder(tmp_path)
    damage(store.chunk_path(out, 1))
    assert store.open_output(out, DOC, 2, 6) == {0, 2}
    assert not store.chunk_path(out, 1).exists()
    assert json.loads((out / store.MANIFEST).read_text())["finished"] == [0, 2]


def test_loading_a_damaged_chunk_is_a_data_error(tmp_path: Path):
    out = _sweep_folder(tmp_path)
    path = store.chunk_path(out, 2)
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(DataError, match="chunk-000002.parquet: cannot read.*rerun"):
        store.load_sweep(out)


def test_process_workers_watch_their_parent():
    """Workers start with :func:`exit_with_parent` (they exit when the parent dies)."""
    assert backends.exit_with_parent.__doc__ and "parent" in backends.exit_with_parent.__doc__
    backends.exit_with_parent()  # not started by multiprocessing: a no-op
