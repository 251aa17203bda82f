"""Issue 12, item 15: error messages are never wrapped; tables are printed in full when the
output is not a terminal (whatever COLUMNS says)."""

from __future__ import annotations

from pathlib import Path


def test_tables_are_full_when_not_a_terminal(cli):
    res = cli("countries")
    assert res.exit_code == 0
    assert "…" not in res.stdout
    assert "United States" in res.stdout
    res = cli("scenarios")
    assert res.exit_code == 0 and "…" not in res.stdout
    # every description in one piece, on one line
    assert any("Section 232 tariffs: 25 % on autos" in line for line in res.stdout.splitlines())


def test_errors_are_one_line_whatever_the_path_length(cli, tmp_path: Path):
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 8, "missing-scenario.toml")
    res = cli("run", deep)
    assert res.exit_code == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(deep) in lines[0]


def test_written_paths_are_one_line(cli, tmp_path: Path):
    out = tmp_path.joinpath(*["long-folder"] * 10, "out")
    res = cli("run", "liberation-day", "--out", out, "--column", "nope")
    assert res.exit_code == 2
    assert len([line for line in res.stderr.splitlines() if line.strip()]) == 1
