"""The model registry and the interface: a fourth model is one module plus one registry line.

``tests/models/armington.py`` implements :class:`blocs.models.base.Model` for the Armington
endowment model; registering it makes ``model = "armington"`` work in scenario files, in
``run_scenario`` and in exact derivatives, with no other change. Checks: a zero shock
changes nothing; it agrees with the built-in one-sector model in its Armington special case
(``profit_shares = "zero"``, ``pass_through = "none"``, fixed labour, world-income numeraire).
"""

from __future__ import annotations

import numpy as np
import pytest

import blocs
from blocs.errors import InputError, ScenarioError
from blocs.gradients import sensitivity
from blocs.models.base import Model
from blocs.models.registry import MODELS, get_model, model_for, register, unregister
from blocs.run import run_scenario
from blocs.scenario import parse_scenario
from tests.models.armington import MODEL as ARMINGTON

#: The two models solve the same equations to 1e-12; outcomes agree to this (percent).
AGREEMENT_ATOL = 1e-8

SCENARIO = {
    "scenario": {"name": "toy", "model": "armington"},
    "tariffs": [{"importers": ["USA"], "exporters": ["CHN", "MEX"], "rate": 0.25}],
}


@pytest.fixture
def armington():
    register(ARMINGTON)
    yield ARMINGTON
    unregister(ARMINGTON.name)


def test_builtin_models_are_registered():
    assert {"imls", "caliendo_parro"} <= set(MODELS)
    for name, model in MODELS.items():
        assert isinstance(model, Model) and model.name == name
    assert model_for(blocs.load_world2023()).name == "imls"


def test_unknown_model_suggests_a_name():
    with pytest.raises(InputError, match="did you mean 'imls'"):
        get_model("imsl")
    with pytest.raises(ScenarioError, match="unknown model 'armington'"):
        parse_scenario(SCENARIO)


def test_a_registered_model_runs_a_scenario(armington):
    world = blocs.load_world2023()
    run = run_scenario(parse_scenario(SCENARIO), economy=world)
    assert run.manifest["model_name"] == "armington"
    assert run.manifest["solver"]["status"] == "converged"
    row = run.countries.set_index("iso3")
    assert row.loc["CHN", "welfare_pct"] < 0  # a tariff on China's goods hurts China
    # the same equations as the one-sector model's Armington special case
    options = {
        "profit_shares": "zero",
        "pass_through": "none",
        "labour_supply_elasticity": 0.0,
        "revenue": "lump_sum",
        "numeraire": "world_income",
    }
    ref = run_scenario(
        parse_scenario({**SCENARIO, "scenario": {"name": "ref"}, "model": options}), economy=world
    ).countries.set_index("iso3")
    np.testing.assert_allclose(row["welfare_pct"], ref["welfare_pct"], atol=AGREEMENT_ATOL)


def test_a_registered_model_has_zero_shock_and_exact_derivatives(armington):
    world = blocs.load_world2023()
    zero = {"scenario": {"name": "zero", "model": "armington"}}
    run = run_scenario(parse_scenario(zero), economy=world)
    np.testing.assert_allclose(run.countries["welfare_pct"], 0.0, atol=1e-10)
    s = sensitivity(parse_scenario(SCENARIO), wrt="elasticity", economy=world)
    d = s.table.set_index("iso3")["derivative"]
    h = 1e-4
    up, down = (
        run_scenario(
            parse_scenario(SCENARIO), economy=world, overrides={"trade_elasticity": e}
        ).countries.set_index("iso3")["welfare_pct"]
        for e in (4.0 + h, 4.0 - h)
    )
    for code in ("USA", "CHN", "MEX"):
        assert d[code] == pytest.approx((up[code] - down[code]) / (2 * h), rel=1e-5, abs=1e-9)
