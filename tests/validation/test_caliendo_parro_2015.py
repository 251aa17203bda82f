"""Validation B: Caliendo & Parro (2015), Table 2 (NAFTA, zero-deficit baseline).

Source: L. Caliendo and F. Parro (2015), "Estimates of the Trade and Welfare Effects of
NAFTA", Review of Economic Studies 82(1), 1-44, Table 2; set-up in
``validation/README.md`` section B and ``docs/models.md`` §2. Data: the paper's
supplementary files, shipped in ``blocs/data/cp2015``.

Experiment: tariffs among Canada, Mexico and the USA move from their 1993 to their 2005
values, all other tariffs stay at 1993 values; the world is first re-based on zero trade
deficits. "Welfare" in the table is ToT + VoT of the one-step linear decomposition; the
exact real-income change is also checked against the numbers the spec quotes.

Every published number is matched without tuning (our values: MEX 1.3121 / -0.4118 /
1.7239 / 1.7153; CAN -0.0638 / -0.1081 / 0.0443 / 0.3228; USA 0.0848 / 0.0435 / 0.0412 /
0.1124). USA welfare (0.0848 vs 0.08) sits at the edge of the half-unit band, hence the
README's extra slack. The published input-output table has one negative coefficient
(Canada, input "Other" in "Basic metals", -0.00085); like the paper we use it as is
(clipping it moves Canada's numbers by 3e-5 pp).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

import blocs
from blocs.data.multisector import cp2015_nafta_tariffs, load_cp2015
from blocs.models.caliendo_parro import MODEL, solve_multisector

#: Half a unit of the last printed digit of Table 2 (two decimals)...
TABLE_TOL = 0.005
#: ...plus 1e-3 of a unit, the slack validation/README.md allows for values at the edge of
#: a half-unit band (USA welfare is 0.0848).
EDGE_SLACK = 1e-3 * 0.01
#: The exact real-income changes are quoted to three decimals: half a unit.
EXACT_TOL = 0.0005
#: Solver tolerance: the README asks for a relative residual of 1e-10 or better.
SOLVER_TOL = 1e-12

#: Table 2 of Caliendo & Parro (2015), percent: welfare (= ToT + VoT), terms of trade,
#: volume of trade, real wage.
TABLE_2 = {
    "MEX": {"welfare": 1.31, "tot": -0.41, "vot": 1.72, "real_wage": 1.72},
    "CAN": {"welfare": -0.06, "tot": -0.11, "vot": 0.04, "real_wage": 0.32},
    "USA": {"welfare": 0.08, "tot": 0.04, "vot": 0.04, "real_wage": 0.11},
}
#: Exact real-income change I_hat / prod P_hat^alpha quoted in docs/models.md §2, percent.
EXACT_REAL_INCOME = {"MEX": 0.007, "CAN": -0.110, "USA": 0.074}

SHARED = Path("/work/shared/data/cp2015")


@pytest.fixture(scope="module")
def nafta():
    eco = load_cp2015()
    eq = solve_multisector(eco, cp2015_nafta_tariffs(), deficits="balanced", tol=SOLVER_TOL)
    return eco, eq


def test_solver_converged(nafta):
    _, eq = nafta
    assert bool(eq.converged)
    assert float(eq.max_residual) <= SOLVER_TOL
    # Walras' law: the trade balance dropped for the numeraire holds too
    assert float(np.max(np.abs(eq.trade_balance_residual))) <= 1e-10


@pytest.mark.parametrize("country", sorted(TABLE_2))
@pytest.mark.parametrize("column", ["welfare", "tot", "vot", "real_wage"])
def test_table_2(nafta, country, column):
    eco, eq = nafta
    k = eco.index(country)
    ours = {
        "welfare": eq.welfare_linear_pct,
        "tot": eq.tot_pct,
        "vot": eq.vot_pct,
        "real_wage": eq.real_wage_pct,
    }[column]
    value = float(ours[k])
    published = TABLE_2[country][column]
    assert abs(value - published) <= TABLE_TOL + EDGE_SLACK, (country, column, value)


@pytest.mark.parametrize("country", sorted(EXACT_REAL_INCOME))
def test_exact_real_income(nafta, country):
    eco, eq = nafta
    value = float(eq.welfare_pct[eco.index(country)])
    assert abs(value - EXACT_REAL_INCOME[country]) <= EXACT_TOL, (country, value)


def test_linear_welfare_is_tot_plus_vot(nafta):
    _, eq = nafta
    np.testing.assert_allclose(eq.welfare_linear_pct, eq.tot_pct + eq.vot_pct, rtol=0, atol=1e-12)


def test_shipped_data_match_the_shared_copy():
    """The package's gzipped copies are byte-for-byte the spec's data files."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not available: cannot compare the shipped cp2015 data")
    from importlib import resources

    shipped = Path(str(resources.files("blocs.data").joinpath("cp2015")))
    names = sorted(p.name for p in SHARED.glob("*.txt"))
    assert names, f"no .txt files in {SHARED}"
    for name in names:
        with gzip.open(shipped / f"{name}.gz", "rb") as fh:
            assert fh.read() == (SHARED / name).read_bytes(), name


# ----------------------------------------------------------------------------------------
# With the 1993 deficits kept (issue 17): Caliendo & Parro's own with-deficits code and the R
# ``cp2015`` package. The raw cp2015 data are not an equilibrium (final-demand shares
# clipped at 0, gross output raised to exports: the largest scaled trade-balance residual at
# the data is 2.04 %), so ``deficits = "data"`` measures NAFTA from the model's own 1993
# equilibrium with those deficits, as they do. Our values: MEX 1.1743 / -0.4145 / 1.5888;
# CAN -0.0405 / -0.0801 / 0.0396 / 0.3341; USA 0.0850 / 0.0462 / 0.0388 / 0.1178 (USA
# welfare sits at the edge of the half-unit band: the README's extra slack applies).

WITH_DEFICITS = {
    "MEX": {"welfare": 1.17, "tot": -0.41, "vot": 1.59},
    "CAN": {"welfare": -0.04, "tot": -0.08, "vot": 0.04, "real_wage": 0.33},
    "USA": {"welfare": 0.08, "tot": 0.05, "vot": 0.04, "real_wage": 0.12},
}


@pytest.fixture(scope="module")
def nafta_data():
    return blocs.run_scenario("nafta-cp2015", overrides={"deficits": "data"}, tol=SOLVER_TOL)


@pytest.mark.parametrize("country", sorted(WITH_DEFICITS))
def test_table_2_with_deficits(nafta_data, country):
    row = nafta_data.countries.set_index("iso3").loc[country]
    cols = {"welfare": "welfare_linear_pct", "tot": "tot_pct", "vot": "vot_pct",
            "real_wage": "real_wage_pct"}  # fmt: skip
    for key, published in WITH_DEFICITS[country].items():
        got = float(row[cols[key]])
        assert abs(got - published) <= TABLE_TOL + EDGE_SLACK, (country, key, got)


def test_raw_data_are_not_an_equilibrium():
    """The gap deficits='data' now closes by solving the 1993 equilibrium first."""
    gap = MODEL.data_gap(load_cp2015())
    assert 0.02 < gap < 0.021
