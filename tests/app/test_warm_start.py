"""Warm starts (``run_scenario(..., x0=...)``) give the cold solve's numbers; the app's group
table is ``blocs run``'s."""

from __future__ import annotations

import numpy as np
import pytest

from blocs.app import Engine, builtin_document, scenario_from_document
from blocs.app.engine import group_rows
from blocs.errors import InputError
from blocs.models.registry import get_model
from blocs.run import run_scenario


def _with_rate(rate: float):
    doc = builtin_document("allied-front")
    doc["tariffs"][0]["rate"] = rate
    return scenario_from_document(doc)


def test_a_warm_start_from_another_equilibrium_gives_the_cold_solve():
    near = run_scenario(_with_rate(0.45))
    x0 = get_model(near.scenario.kind).unknowns(near.solution)
    sc = _with_rate(0.5)
    cold = run_scenario(sc)
    warm = run_scenario(sc, x0=x0)
    assert warm.manifest["solver"]["status"] == "converged"
    cols = cold.outcome_columns
    a, b = cold.countries[cols].to_numpy(float), warm.countries[cols].to_numpy(float)
    # the solver's tolerance is 1e-12 on relative residuals: percent changes agree far
    # beyond the printed 2 decimals
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-8, equal_nan=True)
    # and the warm start was used: Newton from the neighbour needs fewer steps
    assert warm.manifest["solver"]["iterations"] < cold.manifest["solver"]["iterations"]


def test_a_warm_start_of_the_wrong_size_is_refused():
    with pytest.raises(InputError, match="warm start x0 has shape"):
        run_scenario(_with_rate(0.5), x0=np.zeros(3))


def test_the_engine_warm_starts_a_tab_and_shows_the_cold_numbers():
    engine = Engine()
    engine.solve("tab", 1, builtin_document("allied-front"))
    doc = builtin_document("allied-front")
    doc["tariffs"][0]["rate"] = 0.3
    shown = engine.solve("tab", 2, doc)
    cold = run_scenario(scenario_from_document(doc))
    table = cold.countries.set_index("iso3")
    for code in ("CHN", "USA", "JPN", "BRA"):
        assert shown["countries"][code]["text"]["welfare_pct"] == (
            f"{table.loc[code, 'welfare_pct']:.2f}"
        )


def test_the_group_table_is_the_summary_of_blocs_run():
    run = run_scenario(_with_rate(0.4))
    rows = ("USA", "CHN", "EU27", "non-US", "front", "ALL")
    cols = run.outcome_columns
    mine = group_rows(run, rows, cols)
    summary = run.summary(rows)
    assert [g["name"] for g in mine] == list(summary.index)
    for g in mine:
        assert g["members"] == summary.loc[g["name"], "members"]
        for c in cols:
            want = float(summary.loc[g["name"], c])
            got = g["values"][c]
            assert (got is None and not np.isfinite(want)) or got == want, (g["name"], c)
