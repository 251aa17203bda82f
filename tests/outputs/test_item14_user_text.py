"""Issue 12, item 14: user text (scenario names, descriptions, group names, variant names)
is printed literally, never read as rich markup, and terminal control sequences are
stripped."""

from __future__ import annotations

from pathlib import Path

import pytest

SCENARIO = """
[scenario]
name = "tariffs[/] [bold]x\\u001b]0;owned\\u0007"
description = "a [red]description[/] \\u001b[31mred"

[groups]
"[b]FRIENDS[/b]" = ["CAN", "MEX"]

[[tariffs]]
importers = ["USA"]
exporters = ["CHN"]
rate = 0.1

[[variants]]
name = "[/]v\\u001b[2J"
model = { trade_elasticity = 6 }
"""


@pytest.mark.slow
def test_markup_and_control_sequences_in_user_text(cli, tmp_path: Path):
    path = tmp_path / "odd.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    out = tmp_path / "out"
    res = cli("run", path, "--out", out, "--countries", "USA,CHN,[b]FRIENDS[/b]")
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x1b" not in res.stderr
    assert "tariffs[/] [bold]x" in res.stdout  # the name, literally
    assert "[b]FRIENDS[/b] (2)" in res.stdout
    assert " [/]v ┃" in res.stdout  # the variant's column head, ESC sequence removed
    variants = [d for d in out.iterdir() if d.is_dir()]
    assert (out / "countries.csv").exists() and len(variants) == 1
    assert (variants[0] / "run.json").exists() and "\x1b" not in variants[0].name


def test_show_strips_control_sequences(cli, tmp_path: Path):
    path = tmp_path / "odd.toml"
    path.write_text(SCENARIO.replace("\\u001b", "\x1b").replace("\\u0007", "\x07"))
    res = cli("show", path)
    if res.exit_code == 0:  # the file may be refused (raw ESC in TOML): never printed raw
        assert "\x1b" not in res.stdout and "tariffs[/] [bold]x" in res.stdout
    else:
        assert res.exit_code == 2 and "\x1b" not in res.stderr
