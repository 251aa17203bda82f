"""The sweep's output folder: manifest checks, chunk files, and the combined table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from blocs.errors import DataError, InputError
from blocs.sweep import store

DOC = {"seed": 1, "draws": 4}


def _chunk(draws: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"draw": [d for d in draws for _ in "AB"], "iso3": ["AAA", "BBB"] * len(draws)}
    )


def test_open_output_resumes_and_refuses_other_sweeps(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert store.open_output(out, DOC, 2, 4) == set()
    assert not out.exists()  # nothing written before the first chunk
    store.save_manifest(out, DOC, 2, 4, set())
    store.write_chunk(out, 1, _chunk([2, 3]))
    (out / "chunks" / ".chunk-000000.parquet.1.tmp").write_bytes(b"partial")
    assert store.open_output(out, DOC, 2, 4) == {1}  # found on disk; the stale file removed
    assert not list((out / "chunks").glob(".*.tmp"))
    manifest = json.loads((out / store.MANIFEST).read_text())
    assert manifest["finished"] == [1] and manifest["spec_hash"] == store.spec_hash(DOC)
    with pytest.raises(InputError, match="different spec.*seed"):
        store.open_output(out, {**DOC, "seed": 2}, 2, 4)
    with pytest.raises(InputError, match="chunk_size=2"):
        store.open_output(out, DOC, 3, 4)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    with pytest.raises(InputError, match="not a sweep folder"):
        store.open_output(tmp_path / "other", DOC, 2, 4)


def test_combine_checks_every_draw_once(tmp_path: Path) -> None:
    table = store.combine([_chunk([2, 3]), _chunk([0, 1])], 4, "here")
    assert list(table["draw"]) == [0, 0, 1, 1, 2, 2, 3, 3]
    with pytest.raises(DataError, match="draw 1, AAA appears twice"):
        store.combine([_chunk([0, 1]), _chunk([1])], 4, "here")
    with pytest.raises(DataError, match=r"draws \[3\] are missing"):
        store.combine([_chunk([0, 1, 2])], 4, "here")
    with pytest.raises(DataError, match="no readable manifest.json"):
        store.load_sweep(tmp_path)
