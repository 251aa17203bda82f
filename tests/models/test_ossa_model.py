"""The Ossa (2014) model behind the common interface (blocs.models.ossa.MODEL)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocs.models.base import Model, Policy
from blocs.models.ossa import MODEL, Ossa, OssaEconomy, balance, solve_ossa
from blocs.models.registry import get_model, model_for
from blocs.solvers import Status
from blocs.strategy import optimal_tariffs, tariff_game


def _economy() -> OssaEconomy:
    X = jnp.array(
        [
            [[8.0, 5.0], [2.0, 1.0], [1.0, 0.5]],
            [[1.5, 1.0], [9.0, 6.0], [1.0, 0.8]],
            [[1.0, 0.7], [1.2, 0.5], [7.0, 4.0]],
        ]
    )
    t = 0.05 * (1.0 - jnp.eye(3))[:, :, None] * jnp.ones((3, 3, 2))
    return OssaEconomy(X=X, t=t, sigma=jnp.array([4.0, 6.0]), lam=jnp.ones((3, 2)),
                       regions=("AAA", "BBB", "CCC"), sectors=("s1", "s2"))  # fmt: skip


def test_registered_and_found_by_data():
    eco = _economy()
    assert isinstance(MODEL, Model) and get_model("ossa") is MODEL
    assert model_for(eco) is MODEL and MODEL.multisector
    assert MODEL.sectors(eco) == ("s1", "s2")


def test_interface_solve_equals_solve_ossa():
    """deficits="data" holds net exports; on a balanced economy both paths agree."""
    eco = balance(_economy())
    opts = Ossa(deficits="data")
    params = MODEL.calibrate(eco, opts)
    t = jnp.asarray(eco.t).at[0, 1, 0].set(0.3)
    policy = Policy(t=t, d_hat=jnp.ones_like(t))
    eq = MODEL.solve(params, policy, MODEL.static(opts))
    ref = solve_ossa(eco, t, params.nx_new)
    assert int(eq.status) == Status.CONVERGED and bool(eq.converged)
    np.testing.assert_allclose(eq.W_hat, ref.W_hat, rtol=1e-12)
    np.testing.assert_allclose(eq.G_hat, ref.G_hat, rtol=1e-12)
    out = MODEL.outcomes(eq)
    assert set(out) == set(MODEL.outcome_names)
    np.testing.assert_allclose(out["welfare_pct"], 100 * (ref.W_hat - 1), atol=1e-10)
    tables = MODEL.tables(eco, eq)
    assert list(tables.countries.iso3) == ["AAA", "BBB", "CCC"]
    assert len(tables.sectors) == 6


def test_baseline_is_a_fixed_point_and_rebase():
    eco = _economy()
    opts = Ossa()  # balanced: purge first, NX' = 0
    params = MODEL.calibrate(eco, opts)
    base = MODEL.baseline_policy(params.economy)
    eq = MODEL.solve(params, base, None)
    np.testing.assert_allclose(MODEL.welfare_hat(eq), 1.0, atol=1e-10)
    t = jnp.asarray(eco.t) * 2.0
    eq2 = MODEL.solve(params, Policy(t, jnp.ones_like(t)), None)
    p2 = MODEL.rebase(params, eq2)
    eq3 = MODEL.solve(p2, Policy(t, jnp.ones_like(t)), None)
    np.testing.assert_allclose(MODEL.welfare_hat(eq3), 1.0, atol=1e-10)


def test_elasticity_derivative_matches_finite_difference():
    eco = _economy()
    opts = Ossa(deficits="data")
    t = jnp.asarray(eco.t) * 3.0
    policy = Policy(t, jnp.ones_like(t))

    def w(eps):
        return MODEL.welfare_hat(MODEL.solve(MODEL.calibrate(eco, opts, elasticity=eps), policy,
                                             None))[0]  # fmt: skip

    g = float(jax.grad(w)(4.0))
    h = 1e-5
    fd = (float(w(4.0 + h)) - float(w(4.0 - h))) / (2 * h)
    assert g == pytest.approx(fd, rel=1e-6)


def test_tariff_game_runs_on_ossa():
    """The generic tariff game builds through the interface on Ossa data too."""
    eco = _economy()
    tg = tariff_game(MODEL, eco, Ossa(deficits="data"), ["AAA"])
    assert tg.kind == "ossa" and tg.m == 1
    res = optimal_tariffs(tg.game, np.array([0.1]), player=0)
    assert res.converged and 0.0 < float(res.x[0]) < 2.0
    assert res.objective >= tg.game.welfare_at(np.array([0.0]))[0]
