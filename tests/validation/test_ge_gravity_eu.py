"""Validation C: Zylkin's Stata ``ge_gravity`` EU-enlargement example (Baier, Yotov & Zylkin
2019): a one-sector Armington endowment model expressed with blocs' IMLS options
(no profits, full pass-through, fixed labour), WIOD 2000 flows, trade elasticity 4.

Published welfare changes from ../shared/validation/README.md, section C (tolerance 1e-3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import blocs
from blocs.models import imls

from ..conftest import validation_file

PARTIAL_EFFECT = 0.224249  # PPML estimate of the eu_enlargement coefficient
TOL = 1e-3  # the README's tolerance for these values (percent)
ADDITIVE = {"MLT": 1.535, "HUN": 1.404, "POL": 0.680, "DEU": 0.072, "RUS": -0.020}
MULTIPLICATIVE = {"MLT": 1.598}


@pytest.fixture(scope="module")
def setup():
    df = pd.read_csv(validation_file("ge_gravity_eu", "trade_wiod_2000_2014.csv"))
    base = df[df.year == 2000]
    f = base[["exporter", "importer", "trade"]].rename(columns={"trade": "value"})
    sales = f.groupby("exporter")["value"].sum()
    codes = sorted(set(f.exporter) | set(f.importer))
    countries = pd.DataFrame({"iso3": codes, "gdp": [sales[c] for c in codes]})
    eco = blocs.economy_from_tables(f, countries)
    late = df[(df.year == 2014) & (df.eu_enlargement == 1)]
    early = df[(df.year == 2000) & (df.eu_enlargement == 1)]
    pairs = set(map(tuple, late[["exporter", "importer"]].values)) - set(
        map(tuple, early[["exporter", "importer"]].values)
    )
    return eco, pairs


def _solve(eco, pairs, deficits):
    model = imls.IMLS(
        trade_elasticity=4.0,
        labour_supply_elasticity=0.0,
        profit_shares="zero",
        pass_through="none",
        deficits=deficits,
        numeraire="world_income",
    )
    d_hat = np.ones((eco.n, eco.n))
    for e, i in pairs:
        # the pair's baseline share is multiplied by exp(b): d_hat**(-eps) = exp(b)
        d_hat[eco.index(e), eco.index(i)] = np.exp(-PARTIAL_EFFECT / 4.0)
    return imls.solve(eco, imls.Policy(t=np.zeros((eco.n, eco.n)), d_hat=d_hat), model)


def test_additive_deficits(setup):
    eco, pairs = setup
    assert len(pairs) > 0
    sol = _solve(eco, pairs, "fixed_share_of_world_income")
    w = 100 * (np.asarray(sol.welfare_hat) - 1)
    for code, published in ADDITIVE.items():
        assert w[eco.index(code)] == pytest.approx(published, abs=TOL), code


def test_multiplicative_deficits(setup):
    eco, pairs = setup
    sol = _solve(eco, pairs, "fixed_ratio")
    w = 100 * (np.asarray(sol.welfare_hat) - 1)
    for code, published in MULTIPLICATIVE.items():
        assert w[eco.index(code)] == pytest.approx(published, abs=TOL), code


def test_same_through_scenario_file(setup, tmp_path):
    """The same experiment written as a scenario file with a partial effect."""
    df = pd.read_csv(validation_file("ge_gravity_eu", "trade_wiod_2000_2014.csv"))
    base = df[df.year == 2000][["exporter", "importer", "trade"]]
    base.to_csv(tmp_path / "flows.csv", index=False)
    eco, pairs = setup
    # one rule per new pair is long; group the new members and the old members instead
    new_members = sorted({e for e, _ in pairs} & {i for _, i in pairs})
    toml = """
[scenario]
name = "eu-enlargement"
data = { flows = "flows.csv" }

[model]
labour_supply_elasticity = 0
profit_shares = "zero"
pass_through = "none"
numeraire = "world_income"
"""
    for e, i in sorted(pairs):
        toml += (
            f'\n[[trade_costs]]\nexporters = ["{e}"]\nimporters = ["{i}"]\n'
            f"partial_effect = {PARTIAL_EFFECT}\n"
        )
    (tmp_path / "eu.toml").write_text(toml)
    run = blocs.run_scenario(tmp_path / "eu.toml")
    got = run.countries.set_index("iso3")["welfare_pct"]
    assert new_members
    for code, published in ADDITIVE.items():
        assert got[code] == pytest.approx(published, abs=TOL), code
