"""Sweeps: deterministic draws, backends that agree, resumable output, the CLI command.

The economy is a 12-country synthetic world (:func:`blocs.sweep.synthetic_tables`) written
to CSV files and named by a scenario file, so the user-data path is exercised too. The
scenario is Liberation Day on it (the US levies the synthetic April-2025 rates).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import blocs
from blocs import sweep as sw
from blocs.cli.sweep import sweep as sweep_command
from blocs.errors import InputError

#: Backends run the same compiled chunk function on the same inputs: the numbers must
#: agree to rounding (they are in fact identical on one machine).
BACKEND_TOL = 1e-12
#: A vmapped chunk and the checked top-level solve converge to the same equilibrium; both
#: stop at residual <= 1e-12, so outcomes (in %) agree far below this.
METHODS_TOL = 1e-8
DRAWS = 12
CHUNK = 4
ROWS = ("USA", "CHN", "non-US")

SCENARIO = """
[scenario]
name = "synthetic-liberation-day"
data = { flows = "flows.csv", countries = "countries.csv" }

[[tariffs]]
importers = ["USA"]
exporters = ["ALL"]
rate = "US_TARIFFS_2025"
"""


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    flows, countries = sw.synthetic_tables(12, seed=3)
    flows.to_csv(folder / "flows.csv", index=False)
    countries.to_csv(folder / "countries.csv", index=False)
    path = folder / "scenario.toml"
    path.write_text(SCENARIO)
    return path


def _spec(scenario_file: Path, **kw) -> sw.SweepSpec:
    fields = {
        "scenario": str(scenario_file),
        "draws": DRAWS,
        "distributions": {"trade_elasticity": sw.LogNormal(mean=math.log(4.0), sd=0.25)},
        "seed": 7,
        "rows": ROWS,
        **kw,
    }
    return sw.make_spec(**fields)


@pytest.fixture(scope="module")
def reference(scenario_file: Path) -> sw.SweepResult:
    """The uninterrupted in-process run, in memory."""
    return sw.run_sweep(_spec(scenario_file), chunk_size=CHUNK)


def test_draws_depend_only_on_seed_and_replicate(scenario_file: Path) -> None:
    spec = sw.make_spec(
        scenario=str(scenario_file),
        grid={"pass_through": ["benchmark", "none"]},
        draws=3,
        distributions={
            "trade_elasticity": sw.LogNormal(mean=math.log(4.0), sd=0.25),
            "labour_supply_elasticity": sw.Uniform(low=0.2, high=1.0),
        },
        seed=11,
    )
    assert spec.n_draws == 6
    for draw in range(spec.n_draws):
        prm = sw.draw_parameters(spec, draw)
        g, r = divmod(draw, 3)
        rng = np.random.default_rng([11, r])  # the documented recipe
        eps = math.exp(math.log(4.0) + 0.25 * rng.standard_normal())
        kappa = 0.2 + 0.8 * rng.random()
        assert (prm["grid_point"], prm["replicate"]) == (g, r)
        assert prm["pass_through"] == ("benchmark", "none")[g]
        # math.exp and numpy's exp may differ in the last bit
        assert prm["trade_elasticity"] == pytest.approx(eps, rel=1e-15)
        assert prm["labour_supply_elasticity"] == kappa


def test_spec_errors_name_the_culprit(scenario_file: Path) -> None:
    with pytest.raises(InputError, match="did you mean 'trade_elasticity'"):
        sw.make_spec(scenario=str(scenario_file), grid={"trade_elastcity": [3, 4]})
    with pytest.raises(InputError, match="no distributions"):
        sw.make_spec(scenario=str(scenario_file), draws=5)
    spec = sw.make_spec(scenario=str(scenario_file), grid={"elasticities": ["all"]})
    with pytest.raises(InputError, match="imls model"):
        sw.run_sweep(spec)


def test_table_is_complete_and_converged(reference: sw.SweepResult) -> None:
    t = reference.table
    assert len(t) == DRAWS * 12
    assert not t.duplicated(["draw", "iso3"]).any()
    assert t["converged"].all()
    assert (t["max_residual"] <= 1e-12).all()


def test_chunk_equals_top_level_solve(scenario_file: Path, reference: sw.SweepResult) -> None:
    """Two methods: a vmapped chunk vs `blocs.run_scenario` at the draw's elasticity."""
    t = reference.table
    draw = t[t["draw"] == 5].set_index("iso3")
    eps = float(draw["trade_elasticity"].iloc[0])
    run = blocs.run_scenario(str(scenario_file), overrides={"trade_elasticity": eps})
    top = run.countries.set_index("iso3")
    for col in ("welfare_pct", "employment_pct", "cpi_pct", "tariff_revenue_pct"):
        np.testing.assert_allclose(draw[col], top.loc[draw.index, col], rtol=0, atol=METHODS_TOL)


def test_percentiles_bracket_point_estimate(scenario_file: Path, reference: sw.SweepResult) -> None:
    run = blocs.run_scenario(str(scenario_file))  # the default elasticity, 4
    point = run.summary(ROWS)["welfare_pct"]
    summary = reference.summary()
    assert list(summary.index) == list(ROWS)
    for row in ROWS:
        assert summary.loc[row, "p5"] <= point[row] <= summary.loc[row, "p95"], row
        assert summary.loc[row, "p5"] <= summary.loc[row, "p50"] <= summary.loc[row, "p95"]
    # a group row is the expenditure-weighted mean over members, draw by draw
    t = reference.table
    members = [c for c in t["iso3"].unique() if c != "USA"]
    sub = t[t["iso3"].isin(members)]
    by_draw = sub.groupby("draw").apply(
        lambda d: np.average(d["welfare_pct"], weights=d["expenditure"]), include_groups=False
    )
    assert summary.loc["non-US", "p50"] == pytest.approx(np.percentile(by_draw, 50), abs=1e-12)


def test_dask_local_cluster_matches_inprocess(
    scenario_file: Path, reference: sw.SweepResult
) -> None:
    # thread workers (processes=False): process workers each import JAX and compile (~15 s
    # apiece on this machine); the chunk function and numbers are the same either way
    # (process workers were checked by hand, see docs/scaling.md).
    res = sw.run_sweep(
        _spec(scenario_file),
        chunk_size=CHUNK,
        backend=sw.Dask(n_workers=2, processes=False),
    )
    assert res.manifest["backend"] == "dask"
    pd.testing.assert_frame_equal(
        res.table.drop(columns=["welfare_pct"]), reference.table.drop(columns=["welfare_pct"])
    )
    np.testing.assert_allclose(
        res.table["welfare_pct"], reference.table["welfare_pct"], rtol=0, atol=BACKEND_TOL
    )


class _Stop(Exception):
    pass


def test_resume_after_interruption(
    tmp_path: Path, scenario_file: Path, reference: sw.SweepResult
) -> None:
    out = tmp_path / "run"
    spec = _spec(scenario_file)

    def stop_after_one(p: sw.SweepProgress) -> None:
        if p.chunk is not None and p.chunks_done >= 1:
            raise _Stop

    with pytest.raises(_Stop):
        sw.run_sweep(spec, out=out, chunk_size=CHUNK, progress=stop_after_one)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["finished"] == [0]
    assert manifest["chunk_size"] == CHUNK
    # a chunk in flight when the process was killed leaves only a temporary file
    (out / "chunks" / ".chunk-000001.parquet.999.tmp").write_bytes(b"partial")

    res = sw.run_sweep(spec, out=out, chunk_size=CHUNK)
    assert res.manifest["chunks_skipped"] == 1
    assert res.manifest["chunks_run"] == 2
    assert not list((out / "chunks").glob(".*.tmp"))
    assert not res.table.duplicated(["draw", "iso3"]).any()
    pd.testing.assert_frame_equal(res.table, reference.table)
    pd.testing.assert_frame_equal(sw.load_sweep(out), reference.table)

    # the same command again: nothing to do
    again = sw.run_sweep(spec, out=out, chunk_size=CHUNK)
    assert again.manifest["chunks_run"] == 0

    with pytest.raises(InputError, match="different spec.*seed"):
        sw.run_sweep(_spec(scenario_file, seed=8), out=out, chunk_size=CHUNK)
    with pytest.raises(InputError, match="--chunk-size 4"):
        sw.run_sweep(spec, out=out, chunk_size=6)


def test_cli_sweep(tmp_path: Path, scenario_file: Path, reference: sw.SweepResult) -> None:
    app = typer.Typer()
    app.command()(sweep_command)
    app.command("other")(lambda: None)  # two commands: `sweep` is a sub-command
    runner = CliRunner()
    out = tmp_path / "cli"
    args = ["sweep", str(scenario_file), "--draws", str(DRAWS), "--eps-lognormal-sd", "0.25"]
    args += ["--seed", "7", "--chunk-size", str(CHUNK), "--countries", ",".join(ROWS)]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "p95" in result.output and "non-US" in result.output
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    expected = reference.summary()
    np.testing.assert_allclose(summary["p50"], expected["p50"], rtol=1e-9)

    bad = runner.invoke(app, [*args, "--grid", "trade_elastcity=3,4"])
    assert bad.exit_code == 2
    assert "trade_elasticity" in bad.output
    bad = runner.invoke(app, ["sweep", str(scenario_file), "--draws", "5"])
    assert bad.exit_code == 2
    assert "--eps-lognormal-sd" in bad.output


def test_synthetic_economies() -> None:
    eco = sw.synthetic_economy(40, seed=1)
    assert isinstance(eco, blocs.Economy)
    X = np.asarray(eco.X)
    home = np.diag(X) / X.sum(axis=0)
    gdp = np.asarray(eco.gdp)
    assert {"USA", "CHN"} <= set(eco.iso3)
    assert 0.5 < np.median(home) < 0.9  # home bias
    assert np.corrcoef(np.log(gdp), home)[0, 1] > 0  # larger economies buy more at home
    assert gdp.max() / np.median(gdp) > 20  # size dispersion
    ms = sw.synthetic_economy(10, n_sectors=5, seed=1)
    assert isinstance(ms, blocs.MultiSectorEconomy)
    assert (ms.n, ms.s) == (10, 5)
    np.testing.assert_allclose(np.asarray(ms.alpha).sum(axis=1), 1.0, atol=1e-12)


def test_sweep_report_has_bands(tmp_path: Path, reference: sw.SweepResult) -> None:
    """The sweep report: a band chart and a self-contained page with the percentiles."""
    from blocs.report.sweep import write_sweep_report

    path = write_sweep_report(reference, tmp_path / "rep")
    page = path.read_text(encoding="utf-8")
    png = (tmp_path / "rep" / "sweep_bands.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    assert "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page
    summary = reference.summary()
    for row in summary.index:
        assert f">{row}<" in page
    assert f"{summary['p5'].iloc[0]:.3f}" in page


def test_multisector_theta_draws(tmp_path: Path) -> None:
    """Random sectoral elasticities on icio2022: each draw is the scenario solved with
    ``theta * factors`` (checked against a direct solve), chunking does not change the
    numbers, and the draws are refused where they cannot apply."""
    import dataclasses

    import jax.numpy as jnp

    from blocs.scenario import compile_policy, load_scenario

    dist = {
        "theta_scale": sw.LogNormal(mean=0.0, sd=0.2),
        "theta_sector": sw.LogNormal(mean=0.0, sd=0.1),
    }
    spec = sw.make_spec(scenario="liberation-day-icio", draws=3, seed=3, distributions=dist)
    res = sw.run_sweep(spec, chunk_size=2)
    assert bool(res.table["converged"].all())
    per_draw = res.table.groupby("draw")[["theta_scale", "theta_mean"]].first()
    assert per_draw["theta_mean"].nunique() == 3
    sc = load_scenario("liberation-day-icio")
    eco = blocs.load_icio2022()
    pol = compile_policy(sc, eco)
    prm = sw.draw_parameters(spec, 2)
    f = sw.theta_factors(spec, prm, len(eco.sectors))
    assert np.ptp(f / f[0]) > 0  # sector factors differ
    np.testing.assert_allclose(np.exp(np.mean(np.log(f))), prm["theta_scale"], rtol=0.2)
    eq = blocs.solve_multisector(
        dataclasses.replace(eco, theta=jnp.asarray(eco.theta) * f),
        pol.t,
        d_hat=pol.d_hat,
        deficits=sc.options.deficits,
        inner_iterations=sc.options.inner_iterations,
    )
    w = res.table[res.table["draw"] == 2].set_index("iso3")["welfare_pct"]
    np.testing.assert_allclose(w.loc[list(eco.iso3)], np.asarray(eq.welfare_pct), atol=1e-10)
    again = sw.run_sweep(spec, chunk_size=3)
    key = ["draw", "iso3"]
    np.testing.assert_array_equal(
        res.table.sort_values(key)["welfare_pct"], again.table.sort_values(key)["welfare_pct"]
    )
    with pytest.raises(InputError, match="cannot sweep 'theta_scale'.*imls"):
        sw.run_sweep(
            sw.make_spec(scenario="liberation-day", draws=2, distributions=dist), chunk_size=2
        )
    app = typer.Typer()
    app.command()(sweep_command)
    app.command("other")(lambda: None)
    out = CliRunner().invoke(
        app,
        ["sweep", "liberation-day-icio", "--draws", "2", "--theta-lognormal-sd", "0"],
    )
    assert out.exit_code == 2 and "--theta-lognormal-sd 0.0: must be" in out.output
