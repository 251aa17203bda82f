"""The compiled policy program: each operation, resolution with and without parameters."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import blocs
from blocs.errors import ScenarioError
from blocs.models.registry import get_model
from blocs.scenario import compile_scenario, parse_scenario, resolve
from blocs.scenario.program import (
    Add,
    Cap,
    CostChange,
    Floor,
    Mirror,
    OptimalResponse,
    PartialEffect,
    PolicyProgram,
    Scale,
    Set,
)

N = 3


def _mask(*pairs):
    m = np.zeros((N, N, 1), dtype=bool)
    for i, n in pairs:
        m[i, n, 0] = True
    return m


def _run(*ops, t0=None):
    t0 = np.zeros((N, N, 1)) if t0 is None else t0
    return resolve(PolicyProgram(t0=t0, ops=ops)).policy


def test_tariff_operations_in_order():
    p = _run(
        Set("r0", _mask((0, 1), (2, 1)), 0.10),
        Add("r1", _mask((0, 1)), 0.05),
        Scale("r2", _mask((2, 1)), 2.0),  # (1 + 0.1) * 2 - 1
        Cap("r3", _mask((0, 1)), 0.12),
        Floor("r4", _mask((1, 0)), 0.07),
    )
    t = np.asarray(p.t)
    assert t.shape == (N, N)
    assert t[0, 1] == pytest.approx(0.12)
    assert t[2, 1] == pytest.approx(1.2)
    assert t[1, 0] == pytest.approx(0.07)
    assert t[0, 2] == 0.0 and np.all(np.diag(t) == 0.0)


def test_mirror_copies_the_reverse_pair():
    t0 = np.zeros((N, N, 1))
    t0[0, 1, 0] = 0.3  # country 1 levies 30 % on country 0
    p = _run(Mirror("m", by=(0,), against=(1,), sectors=(0,)), t0=t0)
    assert float(p.t[1, 0]) == pytest.approx(0.3)  # 0 now levies the same on 1


def test_bad_operations_name_their_rule():
    with pytest.raises(ScenarioError, match=r"r9: the add operation gives a tariff <= -100 %"):
        _run(Add("r9", _mask((0, 1)), -1.5))


def test_trade_costs_need_the_elasticity():
    prog = PolicyProgram(
        t0=np.zeros((N, N, 1)), ops=(PartialEffect("a", _mask((0, 1)), 0.5, multiply=True),)
    )
    assert prog.needs_parameters
    with pytest.raises(ScenarioError, match="depends on model parameters"):
        resolve(prog)
    direct = _run(CostChange("c", _mask((0, 1)), 0.9))
    assert float(direct.d_hat[0, 1]) == pytest.approx(0.9)
    assert float(direct.d_hat[1, 0]) == 1.0


def test_partial_effect_resolves_with_the_elasticity_and_is_differentiable():
    eco = blocs.load_world2023()
    model = get_model("imls")
    sc = parse_scenario(
        {"scenario": {"name": "pe"}, "agreements": [{"members": ["USMCA"], "partial_effect": 0.4}]}
    )
    prog = compile_scenario(sc, eco)
    us, ca = eco.index("USA"), eco.index("CAN")

    def d(eps):
        p = model.calibrate(eco, sc.options, elasticity=eps)
        return resolve(prog, model, p).policy.d_hat[us, ca]

    assert float(d(4.0)) == pytest.approx(np.exp(-0.4 / 4.0), rel=1e-14)
    assert float(jax.grad(d)(4.0)) == pytest.approx(np.exp(-0.1) * 0.4 / 16.0, rel=1e-12)


def test_optimal_response_uses_the_closed_form_and_reports_its_rate():
    eco = blocs.load_world2023()
    model = get_model("imls")
    sc = parse_scenario(
        {
            "scenario": {"name": "o"},
            "retaliation": [{"by": ["ALL"], "against": ["USA"], "rule": "optimal"}],
        }
    )
    prog = compile_scenario(sc, eco)
    assert any(isinstance(op, OptimalResponse) for op in prog.ops)
    res = resolve(prog, model, model.calibrate(eco, sc.options))
    (rate,) = res.rates
    us, cn = eco.index("USA"), eco.index("CHN")
    assert float(res.policy.t[us, cn]) == pytest.approx(float(rate.rate))
    assert 0.1 < float(rate.rate) < 0.3


def test_optimal_response_without_a_closed_form_needs_a_best_response():
    eco = blocs.data.load_dataset("cp2015")
    sc = parse_scenario(
        {
            "scenario": {"name": "o", "data": "cp2015"},
            "retaliation": [{"by": ["MEX"], "against": ["USA"], "rule": "optimal"}],
        }
    )
    model = get_model(sc.kind)
    prog = compile_scenario(sc, eco)
    with pytest.raises(ScenarioError, match="numerical best response"):
        resolve(prog, model, model.calibrate(eco, sc.options))


def test_compilation_is_pure_of_model_options():
    """The same program whatever the elasticity: options enter at resolution only."""
    eco = blocs.load_world2023()
    sc = parse_scenario(
        {"scenario": {"name": "pe"}, "agreements": [{"members": ["USMCA"], "partial_effect": 0.4}]}
    )
    a = compile_scenario(sc, eco)
    b = compile_scenario(sc.with_model({"trade_elasticity": 8.0}), eco)
    assert len(a.ops) == len(b.ops)
    for x, y in zip(a.ops, b.ops, strict=True):
        assert type(x) is type(y) and x.where == y.where
        np.testing.assert_array_equal(x.mask, y.mask)
    np.testing.assert_array_equal(jnp.asarray(a.t0), jnp.asarray(b.t0))
