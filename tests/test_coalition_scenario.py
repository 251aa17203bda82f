"""A [coalition] table in a scenario file drives `blocs coalition FILE.toml`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from blocs.cli import app
from blocs.coalitions import CoalitionSpec
from blocs.errors import ScenarioError
from blocs.scenario import load_scenario

runner = CliRunner()

SCENARIO = """
[scenario]
name = "two-allies"
description = "The US, Japan and Korea against China"

[coalition]
leader = "USA"
target = "CHN"
allies = ["KOR", "JPN"]
tariff = 0.5
response = "mirror"
america_first = false
punishment = "none"
"""


def test_coalition_block_runs_from_the_cli(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "out"
    res = runner.invoke(app, ["coalition", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "JPN" in res.output and "KOR" in res.output
    files = {p.name for p in out.iterdir()}
    assert any(name.endswith(".json") for name in files), files
    summary = next(p for p in out.iterdir() if p.suffix == ".json")
    assert json.loads(summary.read_text())


def test_coalition_block_is_checked(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[scenario]\nname = "x"\n[coalition]\nallies = []\n')
    # one schema, the library's: checked where the table is used (CoalitionSpec.from_table)
    with pytest.raises(ScenarioError, match=r"coalition\.allies"):
        CoalitionSpec.from_table(load_scenario(path).coalition, where=f"{path}, coalition")
    res = runner.invoke(app, ["coalition", str(path)])
    assert res.exit_code == 2 and "coalition.allies" in res.output
    path.write_text('[scenario]\nname = "x"\n')
    res = runner.invoke(app, ["coalition", str(path)])
    assert res.exit_code == 2 and "no [coalition] table" in res.output


def test_coalition_block_passes_an_optimal_response_through(tmp_path):
    from blocs.cli.coalition import coalition_spec as _spec

    path = tmp_path / "opt.toml"
    path.write_text(SCENARIO.replace('response = "mirror"', 'response = "optimal"'))
    spec = _spec(str(path), None, None, None, None, None, None, None, None)
    assert spec.response == "optimal" and spec.allies == ("KOR", "JPN")
    assert spec.america_first is False and spec.punishment is None
    assert spec.max_response == 2.0
    path.write_text(
        SCENARIO.replace('response = "mirror"', 'response = "optimal"\nmax_response = 0.8')
    )
    assert _spec(str(path), None, None, None, None, None, None, None, None).max_response == 0.8
    path.write_text(SCENARIO.replace('response = "mirror"', "max_response = -1"))
    with pytest.raises(ScenarioError, match="max_response"):
        _spec(str(path), None, None, None, None, None, None, None, None)
