"""The command line: output, files, exit codes (0 ok, 2 bad input, 3 no convergence)."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from blocs.cli import app
from blocs.results import COUNTRY_COLUMNS

runner = CliRunner()


def test_run_liberation_day_writes_outputs(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", "liberation-day", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "USA" in res.output and "non-US (193)" in res.output and "1.13" in res.output
    table = pd.read_csv(out / "countries.csv")
    assert list(table.columns) == list(COUNTRY_COLUMNS)
    assert len(table) == 194
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["solver"]["status"] == "converged"
    assert manifest["solver"]["max_residual"] <= 1e-10
    assert len(manifest["data"]["checksum_sha256"]) == 64
    assert manifest["scenario"]["scenario"]["name"] == "liberation-day"
    # no temp files left; the completeness marker (written last) is the only hidden file
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [".blocs-complete.json"]


def test_formats_and_rows():
    res = runner.invoke(app, ["run", "liberation-day", "--countries", "USA,CHN", "--format", "csv"])
    assert res.exit_code == 0, res.output
    lines = [line for line in res.output.splitlines() if line and not line.startswith("⠋")]
    assert lines[0].startswith("group,welfare_pct")
    res = runner.invoke(app, ["run", "liberation-day", "--countries", "USA", "--format", "json"])
    payload = json.loads(res.output[res.output.index("{") :])
    assert abs(payload["rows"]["USA"]["welfare_pct"] - 1.13) < 0.006


def test_bad_input_exit_code_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[scenario]\nname = "x"\n[[tariffs]]\nimporters = ["USA"]\n'
        'exporters = ["CHA"]\nrate = 0.1\n'
    )
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(bad), "--out", str(out)])
    assert res.exit_code == 2
    assert "did you mean 'CHN'" in res.output
    assert not out.exists()  # nothing written
    res = runner.invoke(app, ["run", "liberation-day", "--set", "trade_elasticity=-3"])
    assert res.exit_code == 2


def test_no_convergence_exit_code_3(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", "liberation-day", "--max-steps", "1", "--out", str(out)])
    assert res.exit_code == 3, res.output
    assert "did not converge" in res.output and "Try:" in res.output
    assert not out.exists()


def test_scenarios_and_countries_commands():
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0 and "liberation-day-reciprocal" in res.output
    res = runner.invoke(app, ["countries"])
    assert res.exit_code == 0 and "CHN" in res.output
