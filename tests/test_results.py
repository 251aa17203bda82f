"""blocs.results: group summaries (weights, NaN handling) and the model-generic country table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import blocs
import blocs.results
import blocs.scenario
from blocs.errors import InputError
from blocs.models import caliendo_parro
from blocs.results import COUNTRY_COLUMNS, country_table, group_summary, weighted_mean

TABLE = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC"],
        "welfare_pct": [1.0, -2.0, float("nan")],
        "cpi_pct": [0.5, 1.5, 3.0],
        "expenditure": [3.0, 1.0, 6.0],
        "gdp": [1.0, 1.0, 2.0],
    }
)


def test_weighted_mean_ignores_missing_values():
    assert weighted_mean(TABLE["welfare_pct"], TABLE["expenditure"]) == pytest.approx(0.25)
    assert weighted_mean(TABLE["welfare_pct"], None) == pytest.approx(-0.5)
    assert math.isnan(weighted_mean(pd.Series([float("nan")]), None))


def test_group_summary_weights():
    groups = {"ab": ["AAA", "BBB"], "all": ["AAA", "BBB", "CCC"]}
    e = group_summary(TABLE, groups, weights="expenditure")
    assert e.loc["ab", "cpi_pct"] == pytest.approx((0.5 * 3 + 1.5 * 1) / 4)
    assert e.loc["all", "members"] == 3
    g = group_summary(TABLE, groups, weights="gdp")
    assert g.loc["all", "cpi_pct"] == pytest.approx((0.5 + 1.5 + 6.0) / 4)
    n = group_summary(TABLE, groups, weights="none", columns=["cpi_pct"])
    assert list(n.columns) == ["members", "cpi_pct"]
    assert n.loc["all", "cpi_pct"] == pytest.approx(5.0 / 3)
    with pytest.raises(InputError, match="weights must be"):
        group_summary(TABLE, groups, weights="population")  # type: ignore[arg-type]


def test_country_table_is_the_model_table():
    eco = blocs.load_world2023()
    sol = blocs.solve(eco, blocs.liberation_day_tariffs(eco))
    table = country_table(eco, sol)
    assert list(table.columns[: len(COUNTRY_COLUMNS)]) == list(COUNTRY_COLUMNS)
    assert len(table) == eco.n
    usa = table.set_index("iso3").loc["USA"]
    assert usa["welfare_pct"] == pytest.approx(1.13, abs=0.005)  # IMLS (2025) Table 1 case 1
    np.testing.assert_allclose(table["expenditure"].sum(), float(np.asarray(eco.E).sum()))


def test_names_kept_without_importing_the_multisector_model():
    """``blocs.results`` and ``blocs.scenario`` name the multi-sector model's columns and
    options without importing it (issue 13); they are the model's own."""
    assert blocs.results.MULTISECTOR_COLUMNS is caliendo_parro.MULTISECTOR_COLUMNS
    assert blocs.results.SECTOR_COLUMNS is caliendo_parro.SECTOR_COLUMNS
    assert blocs.scenario.MultiSectorOptions is caliendo_parro.CaliendoParro
    with pytest.raises(AttributeError):
        _ = blocs.scenario.NoSuchName
