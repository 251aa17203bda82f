"""Issue 12, item 9: variant folders are safe and unique inside ``--out``."""

from __future__ import annotations

from pathlib import Path

import pytest

from blocs.run import variant_names, write_run
from tests.outputs.conftest import fake_run


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        ([".."], ["variant"]),
        (["."], ["variant"]),
        (["a/b", "a-b"], ["a-b", "a-b-2"]),
        (["../../etc", "/abs"], ["etc", "abs"]),
        (["A", "a"], ["A", "a-2"]),  # one folder on case-insensitive file systems
        (["", "variant"], ["variant", "variant-2"]),
        (["x\x1b[31m", "ü b"], ["x--31m", "ü-b"]),
    ],
)
def test_variant_names_are_safe_and_unique(variants, expected):
    runs = [fake_run("base"), *(fake_run(v, variant=v) for v in variants)]
    names = variant_names(runs)
    assert names == expected
    for name in names:
        assert name not in ("", ".", "..") and "/" not in name and "\\" not in name


@pytest.mark.parametrize("variant", ["..", ".", "a/b", "../x", "/tmp/x"])
def test_variants_are_written_inside_out(tmp_path: Path, variant):
    out = tmp_path / "box" / "out"
    runs = [fake_run("base"), fake_run("v1", variant=variant), fake_run("v2", variant="a-b")]
    paths = write_run(runs, out)
    for p in paths:
        assert p.resolve().is_relative_to(out.resolve())
    assert sorted(p.name for p in (tmp_path / "box").iterdir()) == ["out"]  # nothing beside
    assert '"base"' in (out / "run.json").read_text()  # the main result is not overwritten
    tags = sorted((d / "run.json").read_text() for d in out.iterdir() if d.is_dir())
    assert len(tags) == 2 and '"v1"' in tags[0] and '"v2"' in tags[1]
