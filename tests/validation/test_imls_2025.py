"""Validation A: Ignatenko, Macedoni, Lashkaripour & Simonovska (2025), "Making America Great
Again? The Economic Impacts of Liberation Day Tariffs", J. Int. Econ., Tables 1-3.

Data: world2023 (embedded). Published numbers from ../shared/validation/README.md, section A.
Each number is compared at half a unit of its last printed digit, plus 1e-3 of a unit (three
published values sit within 1e-4 of a rounding boundary; the README allows this slack).
"""

from __future__ import annotations

import numpy as np
import pytest

import blocs

EU25 = (
    "AUT BEL BGR CYP DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL "
    "PRT ROU SVN SWE"
).split()

COLS = (
    "welfare_pct",
    "deficit_change_pct",
    "exports_gdp_pct",
    "imports_gdp_pct",
    "employment_pct",
    "cpi_pct",
)
COLS_T2 = ("welfare_pct", "deficit_change_pct", "employment_pct", "cpi_pct")

# (scenario, row) -> published values (strings keep the printed precision)
TABLE1 = {
    ("liberation-day", "USA"): ("1.13", "-18.1", "-52.7", "-43.6", "0.32", "12.8"),
    ("liberation-day", "non-US"): ("-0.58", "11.6", "-3.2", "-3.3", "-0.14", "-4.7"),
    ("liberation-day-lump-sum", "USA"): ("-0.01", "-18.4", "-52.5", "-43.3", "-0.41", "13.1"),
    ("liberation-day-lump-sum", "non-US"): ("-0.57", "11.7", "-3.3", "-3.4", "-0.14", "-4.8"),
    ("liberation-day-optimal", "USA"): ("1.79", "-19.1", "-55.3", "-45.6", "0.51", "12.6"),
    ("liberation-day-optimal", "non-US"): ("-0.61", "17.1", "-4.2", "-3.7", "-0.16", "-4.6"),
}
TABLE2 = {
    "USA": ("-0.36", "-26.7", "-0.18", "7.5"),
    "CHN": ("-0.82", "6.2", "-0.16", "-3.7"),
    "EU25": ("-0.22", "15.4", "-0.09", "-2.6"),
    "non-US": ("-0.46", "19.8", "-0.13", "-2.7"),
}


def tolerance(printed: str) -> float:
    """Half a unit of the last printed digit, plus 1e-3 of that unit (README, section A)."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    unit = 10.0 ** (-decimals)
    return 0.5 * unit + 1e-3 * unit


@pytest.fixture(scope="module")
def runs():
    names = (
        "liberation-day",
        "liberation-day-lump-sum",
        "liberation-day-optimal",
        "liberation-day-reciprocal",
    )
    return {name: blocs.run_scenario(name) for name in names}


def test_profit_shares_calibration(world):
    nu = np.asarray(world.nu)
    assert nu[world.index("USA")] == pytest.approx(0.270471, abs=5e-7)
    assert nu[world.index("CHN")] == pytest.approx(0.114335, abs=5e-7)


@pytest.mark.parametrize("key", sorted(TABLE1))
def test_table1(runs, key):
    scenario, row = key
    summary = runs[scenario].summary((row,))
    for col, printed in zip(COLS, TABLE1[key], strict=True):
        got = summary.loc[row, col]
        assert abs(got - float(printed)) <= tolerance(printed), (scenario, row, col, got)


@pytest.mark.parametrize("row", sorted(TABLE2))
def test_table2_reciprocal(runs, row):
    summary = runs["liberation-day-reciprocal"].summary((row,))
    for col, printed in zip(COLS_T2, TABLE2[row], strict=True):
        got = summary.loc[row, col]
        assert abs(got - float(printed)) <= tolerance(printed), (row, col, got)


def test_us_tariff_revenue_table3(runs):
    """1.14 % "of GDP" = counterfactual revenue over baseline expenditure (R'/E)."""
    got = runs["liberation-day"].countries.set_index("iso3").loc["USA", "tariff_revenue_pct"]
    assert abs(got - 1.14) <= tolerance("1.14")


def test_optimal_tariff_closed_form(world):
    """The paper's closed form gives about 21.8 % for the US (its Table 1, case 3)."""
    t_star = blocs.optimal_tariff_closed_form(world)
    assert 0.20 < t_star < 0.24


def test_solver_precision(runs):
    for run in runs.values():
        s = run.manifest["solver"]
        assert s["status"] == "converged"
        assert s["max_residual"] <= 1e-10
        assert abs(s["walras_residual"]) <= 1e-9
