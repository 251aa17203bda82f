"""blocs.models.caliendo_parro: the package layout, its equations and the model interface."""

from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import blocs.models.caliendo_parro as cp
from blocs.errors import InputError
from blocs.models.base import Policy
from blocs.models.caliendo_parro.equations import paper_baseline, shock_weights, trade_shares
from blocs.models.caliendo_parro.inner import solve_inner
from blocs.models.registry import get_model

PACKAGE = Path(cp.__file__).parent
#: Interface solve vs the direct entry point (same equations, same solver).
SAME_TOL = 1e-12
#: Trade shares sum to one.
SHARE_TOL = 1e-13


def small_economy(seed: int = 0, n: int = 3, s: int = 2) -> cp.MultiSectorEconomy:
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.2, 2.0, (n, n, s))
    X[np.arange(n), np.arange(n), :] *= 5.0
    mix = rng.dirichlet(np.ones(s), (n, s)).transpose(0, 2, 1)
    gamma_io = mix * rng.uniform(0.1, 0.6, (n, 1, s))
    return cp.MultiSectorEconomy.from_arrays(
        X=X,
        t=rng.uniform(0.0, 0.2, (n, n, s)),
        theta=rng.uniform(3.0, 8.0, s),
        alpha=rng.dirichlet(np.ones(s), n),
        gamma_va=1.0 - gamma_io.sum(axis=1),
        gamma_io=gamma_io,
        iso3=[f"C{k}" for k in range(n)],
        sectors=[f"s{k}" for k in range(s)],
    )


def test_package_files_are_small_and_names_are_re_exported():
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 600, path
    for name in cp.__all__:
        assert hasattr(cp, name), name
    assert get_model("caliendo_parro") is cp.MODEL
    assert cp.MODEL.economy_types == (cp.MultiSectorEconomy,)


def test_trade_shares_sum_to_one_and_no_shock_keeps_them():
    eco = small_economy()
    base = paper_baseline(eco)
    W = shock_weights(base, eco.t, jnp.ones_like(eco.t))
    o = solve_inner(jnp.zeros(eco.n), base, W, eco.D, 1000)
    pi_new = trade_shares(o.e, o.s, W)  # [n, i, j]
    np.testing.assert_allclose(np.asarray(pi_new.sum(axis=1)), 1.0, atol=SHARE_TOL)
    assert float(o.inner_residual) < 1e-13


def test_interface_solve_equals_solve_multisector():
    eco = small_economy()
    t_new = eco.t * 1.5
    model = cp.MODEL
    options = model.options({"deficits": "data"})
    params = model.calibrate(eco, options)
    eq = model.solve(params, Policy(t=t_new, d_hat=jnp.ones_like(t_new)), model.static(options))
    ref = cp.solve_multisector(eco, t_new)
    assert bool(eq.converged)
    np.testing.assert_allclose(np.asarray(eq.w_hat), np.asarray(ref.w_hat), atol=SAME_TOL)
    out = model.outcomes(eq)
    assert tuple(out) == model.outcome_names
    np.testing.assert_allclose(
        np.asarray(model.welfare_hat(eq)), 1 + np.asarray(ref.welfare_pct) / 100, atol=SAME_TOL
    )
    tables = model.tables(eco, ref)
    assert list(tables.countries["iso3"]) == list(eco.iso3)
    assert len(tables.sectors) == eco.n * eco.s
    assert tuple(tables.sectors.columns) == cp.SECTOR_COLUMNS
    # re-basing on the equilibrium: no change is an equilibrium at once
    again = model.solve(
        model.rebase(params, eq), Policy(t=t_new, d_hat=jnp.ones_like(t_new)), model.static(options)
    )
    np.testing.assert_allclose(np.asarray(again.w_hat), 1.0, atol=1e-10)


def test_anonymous_drops_labels_only():
    eco = small_economy()
    anon = cp.anonymous(eco)
    assert anon.iso3 == ("0", "1", "2") and anon.source == "" and anon.dataset == ""
    np.testing.assert_array_equal(np.asarray(anon.X), np.asarray(eco.X))


def test_bad_shock_shape_names_the_argument():
    eco = small_economy()
    with pytest.raises(InputError, match="t_new has shape"):
        cp.solve_multisector(eco, jnp.zeros((2, 2, 2)))
