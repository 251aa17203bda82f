"""Validation of ``blocs.estimate`` on the ge_gravity EU-enlargement panel (WIOD 2000-2014,
44 countries, years 2000/2005/2010/2014; Baier, Yotov & Zylkin 2019; Zylkin's ``ge_gravity``
example), and the pipeline panel -> estimate.json -> GE welfare with no number typed by hand.

Published values: ../shared/validation/README.md, section C. PPML with exporter-year,
importer-year and pair fixed effects on international flows, standard errors clustered by
pair: eu_enlargement 0.224249 (0.073027), other_fta -0.036505 (0.051507).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import blocs
from blocs.estimate import (
    estimate_gravity,
    load_panel,
    partial_effect_from_estimate,
    write_estimate,
)
from blocs.models import imls

from ..conftest import validation_file

FORMULA = "trade ~ eu_enlargement + other_fta | exporter^year + importer^year + pair"
PUBLISHED = {"eu_enlargement": (0.224249, 0.073027), "other_fta": (-0.036505, 0.051507)}
ADDITIVE = {"MLT": 1.535, "HUN": 1.404, "POL": 0.680, "DEU": 0.072, "RUS": -0.020}
MULTIPLICATIVE = {"MLT": 1.598}
TOL_WELFARE = 1e-3  # percent, the README's tolerance


@pytest.fixture(scope="module")
def panel():
    return load_panel(validation_file("ge_gravity_eu", "trade_wiod_2000_2014.csv"))


@pytest.fixture(scope="module")
def estimate_file(panel, tmp_path_factory):
    est = estimate_gravity(panel, FORMULA)  # defaults: international flows, cluster by pair
    folder = tmp_path_factory.mktemp("wiod_estimate")
    write_estimate(est, folder)
    return est, folder / "estimate.json"


def test_coefficients_and_standard_errors(estimate_file):
    est, _ = estimate_file
    assert est.converged
    assert est.nobs == 7568 and est.n_domestic == 44 * 4
    assert est.n_separated == 0 and est.n_singletons == 0 and not est.collinear
    for term, (coef, se) in PUBLISHED.items():
        assert est.coef(term) == pytest.approx(coef, abs=1e-5), term
        assert est.se(term) == pytest.approx(se, abs=1e-4), term


def test_default_formula_is_the_same_specification(panel, estimate_file):
    """'exporter^importer' (the default) and the panel's derived 'pair' are the same effect."""
    est, _ = estimate_file
    short = estimate_gravity(panel, "eu_enlargement + other_fta")
    assert short.coefficients == pytest.approx(est.coefficients, rel=1e-8)
    assert short.std_errors == pytest.approx(est.std_errors, rel=1e-6)


def _economy_and_new_pairs(panel):
    df = panel.frame
    base = df[df.year == 2000]
    f = base[["exporter", "importer", "trade"]].rename(columns={"trade": "value"})
    sales = f.groupby("exporter")["value"].sum()
    codes = sorted(set(f.exporter) | set(f.importer))
    eco = blocs.economy_from_tables(
        f, pd.DataFrame({"iso3": codes, "gdp": [sales[c] for c in codes]})
    )
    on = df[df.eu_enlargement == 1]
    pairs = set(map(tuple, on[on.year == 2014][["exporter", "importer"]].values)) - set(
        map(tuple, on[on.year == 2000][["exporter", "importer"]].values)
    )
    return eco, pairs


@pytest.mark.parametrize(
    ("deficits", "published"),
    [("fixed_share_of_world_income", ADDITIVE), ("fixed_ratio", MULTIPLICATIVE)],
)
def test_pipeline_panel_to_welfare(panel, estimate_file, deficits, published):
    """The estimate file's coefficient, read back, gives validation C's welfare changes."""
    _, path = estimate_file
    effect = partial_effect_from_estimate(path, "eu_enlargement")
    assert effect.value == pytest.approx(0.224249, abs=1e-5)
    assert len(effect.sha256) == 64
    eco, pairs = _economy_and_new_pairs(panel)
    assert len(pairs) > 0
    eps = 4.0
    d_hat = np.ones((eco.n, eco.n))
    for e, i in pairs:  # the pair's trade multiplied by exp(b): d_hat ** (-eps) = exp(b)
        d_hat[eco.index(e), eco.index(i)] = np.exp(-effect.value / eps)
    model = imls.IMLS(
        trade_elasticity=eps,
        labour_supply_elasticity=0.0,
        profit_shares="zero",
        pass_through="none",
        deficits=deficits,
        numeraire="world_income",
    )
    sol = imls.solve(eco, imls.Policy(t=np.zeros((eco.n, eco.n)), d_hat=d_hat), model)
    welfare = 100 * (np.asarray(sol.welfare_hat) - 1)
    for code, value in published.items():
        assert welfare[eco.index(code)] == pytest.approx(value, abs=TOL_WELFARE), code
