"""Validation C as a scenario file: the WIOD panel -> ``estimate.json`` -> a scenario whose
``[[trade_costs]]`` partial effect is ``{ estimate = "est/estimate.json", term =
"eu_enlargement" }`` -> ``blocs run`` (welfare of validation C, ``run.json`` with the
estimate's checksum) -> ``blocs sweep --estimate-draws`` (bands that combine elasticity and
estimation uncertainty; the numbers of docs/estimation.md).

The pairs whose ``eu_enlargement`` switched on between 2000 and 2014 are exactly the pairs of
two 2014 members of the single market (EU28 and Norway) of which at least one joined in
2004-2013: ``exporters = new members, importers = single market, symmetric``.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from blocs import sweep as sw
from blocs.cli import app
from blocs.estimate import estimate_gravity, load_panel, write_estimate

from ..conftest import validation_file

NEW_MEMBERS = ["BGR", "CYP", "CZE", "EST", "HRV", "HUN", "LTU", "LVA", "MLT", "POL", "ROU",
               "SVK", "SVN"]  # fmt: skip
SINGLE_MARKET_2014 = ["AUT", "BEL", "DEU", "DNK", "ESP", "FIN", "FRA", "GBR", "GRC", "IRL",
                      "ITA", "LUX", "NLD", "NOR", "PRT", "SWE", *NEW_MEMBERS]  # fmt: skip

SCENARIO = f"""
[scenario]
name = "eu-enlargement-wiod"
description = "Validation C: the EU enlargements of 2004-2013, effect estimated from WIOD"
data = {{ flows = "flows.csv", countries = "countries.csv" }}
model = "imls"

[model]        # the ge_gravity Armington endowment model of validation C
trade_elasticity = 4.0
labour_supply_elasticity = 0.0
profit_shares = "zero"
pass_through = "none"
deficits = "fixed_share_of_world_income"
numeraire = "world_income"

[groups]
new_members = {json.dumps(NEW_MEMBERS)}
single_market_2014 = {json.dumps(SINGLE_MARKET_2014)}

[[trade_costs]]
exporters = ["new_members"]
importers = ["single_market_2014"]
symmetric = true
partial_effect = {{ estimate = "est/estimate.json", term = "eu_enlargement" }}
"""
FORMULA = "trade ~ eu_enlargement + other_fta | exporter^year + importer^year + pair"
PUBLISHED = {"MLT": 1.535, "HUN": 1.404, "POL": 0.680, "DEU": 0.072, "RUS": -0.020}


def build(folder: Path) -> Path:
    """Estimate on the panel and write the scenario and its year-2000 data into ``folder``."""
    path = validation_file("ge_gravity_eu", "trade_wiod_2000_2014.csv")
    panel = load_panel(path)
    write_estimate(estimate_gravity(panel, FORMULA), folder / "est")
    base = panel.frame[panel.frame.year == 2000]
    flows = base[["exporter", "importer", "trade"]].rename(columns={"trade": "value"})
    flows.to_csv(folder / "flows.csv", index=False)  # domestic flows included: used as given
    sales = flows.groupby("exporter")["value"].sum()
    pd.DataFrame({"iso3": sales.index, "gdp": sales.values}).to_csv(
        folder / "countries.csv", index=False
    )
    (folder / "eu-enlargement.toml").write_text(SCENARIO)
    return folder / "eu-enlargement.toml"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("wiod_scenario"))


@pytest.mark.slow  # ~25 s: estimation plus a 44-country solve
def test_blocs_run_reproduces_validation_c(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = CliRunner().invoke(
        app, ["run", str(scenario), "--out", str(out), "--countries", "MLT,HUN,POL,DEU,RUS"]
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "run.json").read_text())
    (entry,) = manifest["estimates"]
    est_bytes = (scenario.parent / "est" / "estimate.json").read_bytes()
    assert entry["estimate_sha256"] == hashlib.sha256(est_bytes).hexdigest()
    assert entry["term"] == "eu_enlargement"
    assert entry["value"] == pytest.approx(0.224249, abs=1e-5)
    welfare = pd.read_csv(out / "countries.csv").set_index("iso3")["welfare_pct"]
    for code, value in PUBLISHED.items():
        assert welfare[code] == pytest.approx(value, abs=1e-3), code


@pytest.mark.slow  # a 44-country vmapped sweep: about a minute on 2 cores
def test_sweep_combines_elasticity_and_estimation_uncertainty(scenario: Path) -> None:
    common = dict(
        scenario=str(scenario),
        draws=40,
        seed=0,
        rows=("MLT", "HUN", "POL", "DEU"),
        percentiles=(5.0, 50.0, 95.0),
    )
    eps = {"trade_elasticity": sw.LogNormal(mean=math.log(4.0), sd=0.25)}
    both = sw.run_sweep(sw.make_spec(**common, distributions=eps, partial_effect_draws=True),
                        chunk_size=40).summary()  # fmt: skip
    only_eps = sw.run_sweep(sw.make_spec(**common, distributions=eps), chunk_size=40).summary()
    for code in ("MLT", "HUN", "POL"):
        assert both.loc[code, "p5"] < PUBLISHED[code] < both.loc[code, "p95"]
        # estimation uncertainty (s.e. 0.073 on 0.224) widens the band (same eps draws)
        width = both.loc[code, "p95"] - both.loc[code, "p5"]
        assert width > only_eps.loc[code, "p95"] - only_eps.loc[code, "p5"]
