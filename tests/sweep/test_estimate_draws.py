"""Sweeps that draw partial effects from an estimate's sampling distribution jointly with the
trade elasticity (``partial_effect_draws`` / ``blocs sweep --estimate-draws``): each draw is
re-running the scenario with its elasticity and its drawn coefficient."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from blocs import sweep as sw
from blocs.cli import app
from blocs.errors import InputError
from blocs.estimate import estimate_gravity, load_panel, read_estimate, write_estimate
from blocs.run import run_scenario

from ..estimate.conftest import synthetic_panel

METHODS_TOL = 1e-8

SCENARIO = """
[scenario]
name = "estimated-fta"
data = { flows = "flows.csv", countries = "countries.csv" }

[[agreements]]
members = ["C00", "C01", "C02", "C03"]
free_trade = false
partial_effect = PE_FTA

[[trade_costs]]
exporters = ["C00"]
importers = ["C06"]
symmetric = true
partial_effect = PE_OTHER
"""
REF_FTA = '{ estimate = "est/estimate.json", term = "fta" }'
REF_OTHER = '{ estimate = "est/estimate.json", term = "other" }'


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("estimate_sweep")
    df = synthetic_panel(n_countries=8, beta=0.4, seed=3)
    df.to_csv(out / "panel.csv", index=False)
    write_estimate(estimate_gravity(load_panel(out / "panel.csv"), "fta + other"), out / "est")
    base = df[(df.year == df.year.min()) & (df.exporter != df.importer)]
    flows = base.rename(columns={"trade": "value"})[["exporter", "importer", "value"]]
    flows.to_csv(out / "flows.csv", index=False)
    # GDP a multiple of the larger of a country's exports and imports (data that can be right)
    sales = pd.concat(
        [flows.groupby("exporter")["value"].sum(), flows.groupby("importer")["value"].sum()],
        axis=1,
    ).max(axis=1)
    sales.rename("gdp").mul(3.0).rename_axis("iso3").reset_index().to_csv(
        out / "countries.csv", index=False
    )
    (out / "scenario.toml").write_text(
        SCENARIO.replace("PE_FTA", REF_FTA).replace("PE_OTHER", REF_OTHER)
    )
    return out


@pytest.mark.slow  # ~40 s on 2 cores: a vmapped compile plus three direct solves
def test_draws_combine_elasticity_and_estimate(folder: Path) -> None:
    spec = sw.make_spec(
        scenario=str(folder / "scenario.toml"),
        draws=3,
        seed=4,
        distributions={"trade_elasticity": sw.LogNormal(mean=math.log(4.0), sd=0.3)},
        partial_effect_draws=True,
        rows=("C00", "C01"),
    )
    res = sw.run_sweep(spec, chunk_size=3)
    table = res.table
    assert bool(table["converged"].all())
    assert {"beta_fta", "beta_other"} <= set(table.columns)
    est, _ = read_estimate(folder / "est")
    for draw in range(3):
        rows = table[table["draw"] == draw].set_index("iso3")
        eps = float(rows["trade_elasticity"].iloc[0])
        b_fta, b_other = float(rows["beta_fta"].iloc[0]), float(rows["beta_other"].iloc[0])
        assert b_fta != est.coef("fta") and b_other != est.coef("other")
        typed = folder / f"typed-{draw}.toml"
        typed.write_text(SCENARIO.replace("PE_FTA", repr(b_fta)).replace("PE_OTHER", repr(b_other)))
        direct = run_scenario(str(typed), overrides={"trade_elasticity": eps}).countries
        direct = direct.set_index("iso3")["welfare_pct"]
        np.testing.assert_allclose(rows.loc[direct.index, "welfare_pct"], direct, atol=METHODS_TOL)


def test_betas_follow_the_estimated_covariance(folder: Path) -> None:
    """The draws are b + L z with L L' the covariance: many of them recover both moments."""
    spec = sw.make_spec(scenario=str(folder / "scenario.toml"), draws=4000, seed=1,
                        partial_effect_draws=True, rows=("C00",))  # fmt: skip
    groups = sw.estimate_groups(spec.load_scenario())
    (g,) = groups
    assert g.terms == ("fta", "other")
    draws = np.array([list(sw.partial_effect_betas(spec, groups, r).values()) for r in range(4000)])
    est = g.estimate
    np.testing.assert_allclose(draws.mean(0), est.coefficients, atol=4 * max(est.std_errors) / 60)
    cov = np.cov(draws.T)
    np.testing.assert_allclose(np.diag(cov), np.diag(est.cov), rtol=0.1)
    corr = cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])
    assert corr == pytest.approx(est.cov[0, 1] / np.sqrt(est.cov[0, 0] * est.cov[1, 1]), abs=0.05)
    # the same replicate gives the same numbers
    assert sw.partial_effect_betas(spec, groups, 7) == sw.partial_effect_betas(spec, groups, 7)


def test_spec_and_cli_errors(folder: Path) -> None:
    with pytest.raises(InputError, match="draws=0"):
        sw.make_spec(scenario=str(folder / "scenario.toml"), partial_effect_draws=True)
    plain = folder / "plain.toml"
    plain.write_text(SCENARIO.replace("PE_FTA", "0.3").replace("PE_OTHER", "0.1"))
    spec = sw.make_spec(scenario=str(plain), draws=2, partial_effect_draws=True, rows=("C00",))
    with pytest.raises(InputError, match="needs a partial effect taken from an estimate"):
        spec.load_scenario()
    res = CliRunner().invoke(app, ["sweep", str(folder / "scenario.toml"), "--estimate-draws"])
    assert res.exit_code == 2 and "--draws" in res.output


def test_cli_estimate_draws_alone(folder: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        ["sweep", str(folder / "scenario.toml"), "--draws", "4", "--estimate-draws",
         "--countries", "C00,C01", "--out", str(tmp_path / "sw"), "--chunk-size", "4"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (tmp_path / "sw" / "summary.csv").exists()
