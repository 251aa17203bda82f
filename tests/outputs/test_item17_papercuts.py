"""Issue 12, item 17: CLI papercuts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from blocs.cli import app
from blocs.cli import coalition as coalition_cli
from blocs.cli import run as run_cli
from blocs.coalitions import settings
from blocs.errors import closest


def test_run_help_shows_variants_tables(cli):
    res = cli("run", "--help")
    assert res.exit_code == 0 and "[[variants]]" in res.stdout


def test_column_is_checked_before_solving(cli, monkeypatch):
    def never(*a, **k):  # pragma: no cover - must not be called
        raise AssertionError("solved before checking --column")

    monkeypatch.setattr(run_cli, "run_variants", never)
    monkeypatch.setattr(run_cli, "run_scenario", never)
    res = cli("run", "liberation-day", "--column", "welfare")
    assert res.exit_code == 2 and "did you mean 'welfare_pct'" in res.stderr
    res = cli("compare", "liberation-day", "us-vs-china", "--column", "nope_pct")
    assert res.exit_code == 2 and "--column 'nope_pct'" in res.stderr


def test_efficiency_only_when_the_cost_is_material():
    assert settings.MATERIAL_COST_PCT > 0
    assert "2.50 $ of CHN loss" in coalition_cli.efficiency_words(2.5, "CHN")
    words = coalition_cli.efficiency_words(math.nan, "CHN")
    assert "not reported" in words and f"{settings.MATERIAL_COST_PCT:g} %" in words


def test_unknown_code_suggestions_include_groups():
    names = {"ECU": "Ecuador", "EST": "Estonia", "USA": "United States"}
    assert closest("EU", [*names, "EU27", "USMCA"], names) == " (did you mean 'EU27'?)"


@pytest.mark.slow
def test_grid_sweep_reports_points_and_what_it_wrote(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")  # one width: a solve (widths are tested above)
    out = tmp_path / "sweep"
    res = CliRunner().invoke(app, ["sweep", "liberation-day", "--grid", "trade_elasticity=3,4", "--out", str(out),
              "--countries", "USA,CHN"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "across 2 grid points" in res.stdout and "draws" not in res.stdout
    assert "p5" not in res.stdout and "trade_elasticity=3" in res.stdout
    assert "summary.csv" in res.stderr and "manifest.json" in res.stderr
    assert "2 chunk file(s)" in res.stderr or "1 chunk file(s)" in res.stderr


def test_optimal_starts_from_the_scenarios_own_welfare():
    """`blocs optimal` reports the player's welfare at the scenario's tariffs as `blocs run`
    does (issue 12 item 17: it showed +1.806 % -> +1.806 %, the start not being the
    scenario's tariffs)."""
    from blocs.run import run_scenario
    from blocs.strategy import optimal_for_scenario

    r = optimal_for_scenario("liberation-day", "USA")
    ran = run_scenario("liberation-day").countries.set_index("iso3").loc["USA", "welfare_pct"]
    assert r.welfare_start_pct == pytest.approx(ran, abs=1e-9)
    assert r.welfare_pct > r.welfare_start_pct + 0.5  # the optimum is better, not the same
