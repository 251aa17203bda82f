"""Scenarios that take a partial effect from an ``estimate.json``: panel -> estimate ->
scenario file -> ``blocs run`` -> ``run.json`` with the estimate's checksum and term; and the
errors (missing file, unknown term, non-converged estimate, malformed table)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from blocs.cli import app
from blocs.errors import ScenarioError
from blocs.estimate import estimate_gravity, load_panel, write_estimate
from blocs.models.registry import get_model
from blocs.run import policy_for, run_scenario
from blocs.scenario import load_scenario, resolve
from blocs.scenario.compile import compile_scenario
from blocs.scenario.economy import economy_for

from .conftest import synthetic_panel

SCENARIO = """
[scenario]
name = "estimated-fta"
data = {{ flows = "flows.csv", countries = "countries.csv" }}

[model]
trade_elasticity = 4.0

[[agreements]]
members = ["C00", "C01", "C02", "C03"]
free_trade = false
partial_effect = {{ estimate = "{estimate}", term = "{term}" }}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a panel's estimate (est/estimate.json) and its base-year economy."""
    folder = tmp_path_factory.mktemp("estimated")
    df = synthetic_panel(n_countries=8, beta=0.4, seed=3)
    df.to_csv(folder / "panel.csv", index=False)
    est = estimate_gravity(load_panel(folder / "panel.csv"), "fta + other")
    write_estimate(est, folder / "est")
    base = df[(df.year == df.year.min()) & (df.exporter != df.importer)]
    flows = base.rename(columns={"trade": "value"})[["exporter", "importer", "value"]]
    flows.to_csv(folder / "flows.csv", index=False)
    # GDP a multiple of the larger of a country's exports and imports (data that can be right)
    trade = pd.concat(
        [flows.groupby("exporter")["value"].sum(), flows.groupby("importer")["value"].sum()],
        axis=1,
    ).max(axis=1)
    countries = trade.rename("gdp").mul(3.0).rename_axis("iso3").reset_index()
    countries.to_csv(folder / "countries.csv", index=False)
    return folder


def _scenario(folder: Path, estimate: str = "est/estimate.json", term: str = "fta") -> Path:
    path = folder / f"scenario-{abs(hash((estimate, term)))}.toml"
    path.write_text(SCENARIO.format(estimate=estimate, term=term))
    return path


def test_blocs_run_records_the_estimate(world: Path, tmp_path: Path) -> None:
    path = _scenario(world)
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--countries", "C00"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "run.json").read_text())
    (entry,) = manifest["estimates"]
    est_file = world / "est" / "estimate.json"

    assert entry["estimate_sha256"] == hashlib.sha256(est_file.read_bytes()).hexdigest()
    assert entry["term"] == "fta"
    assert entry["rule"].endswith("agreements[0]")
    assert entry["value"] == pytest.approx(0.4, abs=0.2)
    assert entry["value"] == json.loads(est_file.read_text())["coefficients"]["fta"]
    assert manifest["scenario"]["agreements"][0]["partial_effect"] == {
        "estimate": "est/estimate.json",
        "term": "fta",
    }


def test_estimate_equals_the_number_typed_in(world: Path) -> None:
    """The estimate's term gives the same equilibrium as its value written as a number."""
    path = _scenario(world)
    run = run_scenario(str(path))
    value = run.manifest["estimates"][0]["value"]
    typed = world / "typed.toml"
    typed.write_text(
        path.read_text().replace(
            '{ estimate = "est/estimate.json", term = "fta" }', repr(float(value))
        )
    )
    other = run_scenario(str(typed))
    assert other.manifest["estimates"] == []
    np.testing.assert_allclose(
        run.countries["welfare_pct"], other.countries["welfare_pct"], atol=1e-10
    )


def test_folder_reference_and_betas_override(world: Path) -> None:
    sc = load_scenario(_scenario(world, estimate="est"))
    eco = economy_for(sc)
    program = compile_scenario(sc, eco)
    ((where, effect),) = program.estimates
    assert where.endswith("agreements[0]") and effect.term == "fta"
    model = get_model(sc.kind)
    params = model.calibrate(eco, sc.options)
    point = resolve(program, model, params).policy
    np.testing.assert_allclose(point.d_hat, policy_for(sc, eco).policy.d_hat)
    doubled = resolve(program, model, params, betas={effect.key: 2 * effect.value}).policy
    on = np.asarray(point.d_hat) != 1.0
    np.testing.assert_allclose(np.log(doubled.d_hat)[on], 2 * np.log(point.d_hat)[on])
    with pytest.raises(ScenarioError, match="not a partial effect of this program"):
        resolve(program, model, params, betas={("0" * 64, "fta"): 0.1})


def test_missing_file_names_rule_and_key(world: Path) -> None:
    with pytest.raises(ScenarioError, match=r"agreements\[0\]\.partial_effect\.estimate: .*nope"):
        load_scenario(_scenario(world, estimate="nope/estimate.json"))


def test_unknown_term_suggests(world: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(_scenario(world, term="ftaa"))
    msg = str(info.value)
    assert "agreements[0].partial_effect.term" in msg
    assert "did you mean 'fta'" in msg and "other" in msg


def test_non_converged_estimate_is_refused(world: Path, tmp_path: Path) -> None:
    doc = json.loads((world / "est" / "estimate.json").read_text())
    doc["converged"] = False
    bad = world / "bad"
    bad.mkdir(exist_ok=True)
    (bad / "estimate.json").write_text(json.dumps(doc))
    with pytest.raises(ScenarioError, match=r"partial_effect\.estimate: .*did not converge"):
        load_scenario(_scenario(world, estimate="bad/estimate.json"))


def test_malformed_table(world: Path) -> None:
    path = world / "malformed.toml"
    path.write_text(
        SCENARIO.format(estimate="est", term="fta").replace('term = "fta"', 'tern = "fta"')
    )
    with pytest.raises(ScenarioError, match=r"agreements\[0\]\.partial_effect: .*term"):
        load_scenario(path)
    path.write_text(
        SCENARIO.format(estimate="est", term="fta").replace(
            '{ estimate = "est", term = "fta" }', '"big"'
        )
    )
    with pytest.raises(ScenarioError, match="give a number"):
        load_scenario(path)


def test_trade_costs_take_an_estimate(world: Path) -> None:
    path = world / "tc.toml"
    path.write_text(
        SCENARIO.format(estimate="est", term="fta").split("[[agreements]]")[0]
        + '[[trade_costs]]\nexporters = ["C00"]\nimporters = ["C05"]\nsymmetric = true\n'
        'partial_effect = { estimate = "est", term = "other" }\n'
    )
    run = run_scenario(str(path))
    (entry,) = run.manifest["estimates"]
    assert entry["term"] == "other" and entry["rule"].endswith("trade_costs[0]")
