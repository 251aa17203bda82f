"""The one-sector residual's Jacobian in closed form against forward-mode autodiff.

``blocs.models.imls.jacobian.residual_and_jacobian`` differentiates the residual by hand;
``jax.jacfwd`` of ``blocs.models.imls.equations.residual`` (through the trade kernels'
own derivative rules) is the independent computation. They must agree to rounding for every
option the residual branches on, on small random economies (hypothesis) and on world2023;
and the solve that uses the closed form must reach the equilibrium of the forward-mode one.
"""

from __future__ import annotations

import itertools
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import blocs
from blocs.economy import Economy
from blocs.models import imls
from blocs.models.imls.jacobian import residual_and_jacobian
from blocs.solvers import newton

#: Largest difference, relative to the largest entry, between the two Jacobians.
JAC_TOL = 1e-12
#: Two solves of one equilibrium (one Jacobian each) agree to solver precision.
SOLVE_TOL = 1e-11

REVENUE = ("income_tax_relief", "lump_sum")
DEFICITS = ("fixed_share_of_world_income", "balanced", "fixed_ratio", "balanced_with_us")
NUMERAIRE = ("price_index", "world_income", "wage_index")

SETTINGS = settings(
    max_examples=int(os.environ.get("BLOCS_HYPOTHESIS_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def random_economy(rng: np.random.Generator, n: int) -> Economy:
    """Home-biased random flows, baseline tariffs and profit shares; the last is the USA."""
    X = rng.lognormal(0.0, 1.0, size=(n, n))
    np.fill_diagonal(X, 0.0)
    X[np.diag_indices(n)] = rng.uniform(2.0, 10.0, size=n) * X.sum(axis=1)
    t = rng.uniform(0.0, 0.3, size=(n, n))
    np.fill_diagonal(t, 0.0)
    iso3 = tuple(f"C{k:02d}" for k in range(n - 1)) + ("USA",)
    return Economy(
        X=jnp.asarray(X),
        t=jnp.asarray(t),
        nu=jnp.asarray(rng.uniform(0.0, 0.3, size=n)),
        gdp=jnp.asarray(X.sum(axis=1)),
        iso3=iso3,
        names=iso3,
    )


def random_point(rng: np.random.Generator, n: int) -> tuple[imls.Policy, jax.Array]:
    """A policy with new tariffs and trade-cost changes, and unknowns off the baseline."""
    t = rng.uniform(0.0, 0.5, size=(n, n))
    np.fill_diagonal(t, 0.0)
    d_hat = np.exp(0.2 * rng.standard_normal((n, n)))
    policy = imls.Policy(t=jnp.asarray(t), d_hat=jnp.asarray(d_hat))
    return policy, jnp.asarray(0.1 * rng.standard_normal(2 * n))


def assert_jacobians_agree(x, args) -> None:
    f, J = residual_and_jacobian(x, args)
    ref = jax.jacfwd(imls.residual)(x, args)
    np.testing.assert_allclose(f, imls.residual(x, args), rtol=1e-13, atol=1e-14)
    scale = float(jnp.max(jnp.abs(ref)))
    assert float(jnp.max(jnp.abs(J - ref))) <= JAC_TOL * scale


@SETTINGS
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.sampled_from((3, 5)),
    revenue=st.sampled_from(REVENUE),
    deficits=st.sampled_from(DEFICITS),
    numeraire=st.sampled_from(NUMERAIRE),
    pass_through=st.sampled_from(("benchmark", "partial", "none")),
    profit_shares=st.sampled_from(("calibrated", "zero")),
    kappa=st.sampled_from((0.0, 0.5, 2.0)),
    psi=st.sampled_from((None, 0.0, 0.3)),
    eps=st.sampled_from((2.5, 4.0, 8.0)),
)
def test_closed_form_matches_forward_mode_on_random_economies(
    seed, n, revenue, deficits, numeraire, pass_through, profit_shares, kappa, psi, eps
):
    rng = np.random.default_rng(seed)
    economy = random_economy(rng, n)
    model = imls.IMLS(
        trade_elasticity=eps,
        labour_supply_elasticity=kappa,
        psi=psi,
        pass_through=pass_through,
        profit_shares=profit_shares,
        revenue=revenue,
        deficits=deficits,
        numeraire=numeraire,
    )
    p = imls.calibrate(economy, model)
    policy, x = random_point(rng, n)
    assert_jacobians_agree(x, (p, policy, imls.Static(revenue, deficits, numeraire)))


@pytest.mark.parametrize(
    ("revenue", "deficits", "numeraire"), list(itertools.product(REVENUE, DEFICITS, NUMERAIRE))
)
def test_every_option_combination_on_small_economies(revenue, deficits, numeraire):
    rng = np.random.default_rng(7)
    economy = random_economy(rng, 5)
    model = imls.IMLS(revenue=revenue, deficits=deficits, numeraire=numeraire)
    p = imls.calibrate(economy, model)
    policy, x = random_point(rng, 5)
    assert_jacobians_agree(x, (p, policy, imls.Static(revenue, deficits, numeraire)))


@pytest.fixture(scope="module")
def world():
    return blocs.load_world2023()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"revenue": "lump_sum", "deficits": "fixed_ratio", "numeraire": "wage_index"},
        {"deficits": "balanced_with_us", "numeraire": "world_income", "pass_through": "none"},
    ],
)
def test_closed_form_matches_forward_mode_on_world2023(world, options):
    model = imls.IMLS(**options)
    p = imls.calibrate(world, model)
    rng = np.random.default_rng(3)
    t = jnp.asarray(blocs.liberation_day_tariffs(world))
    policy = imls.Policy(t=t, d_hat=jnp.asarray(np.exp(0.1 * rng.standard_normal(t.shape))))
    x = jnp.asarray(0.05 * rng.standard_normal(2 * world.n))
    assert_jacobians_agree(
        x, (p, policy, imls.Static(model.revenue, model.deficits, model.numeraire))
    )


@pytest.mark.parametrize("deficits", ["fixed_share_of_world_income", "balanced_with_us"])
def test_solve_reaches_the_forward_mode_equilibrium(deficits):
    """Newton with the closed-form Jacobian (the model's solve) and with forward mode
    (``newton`` without ``jacobian``) take the same steps to the same root."""
    rng = np.random.default_rng(11)
    economy = random_economy(rng, 6)
    model = imls.IMLS(deficits=deficits)
    p = imls.calibrate(economy, model)
    policy, _ = random_point(rng, 6)
    st_ = imls.Static(model.revenue, model.deficits, model.numeraire)
    args = (p, policy, st_)
    x0 = jnp.zeros(12)
    fast = newton(imls.residual, x0, args, jacobian=residual_and_jacobian)
    slow = newton(imls.residual, x0, args)
    assert bool(fast.converged) and bool(slow.converged)
    assert int(fast.iterations) == int(slow.iterations)
    np.testing.assert_allclose(fast.x, slow.x, rtol=SOLVE_TOL, atol=SOLVE_TOL)
    sol = imls.solve_params(p, policy, deficits=deficits)
    np.testing.assert_allclose(imls.solution_x(sol), slow.x, rtol=SOLVE_TOL, atol=SOLVE_TOL)


def test_derivatives_through_the_solve_match_finite_differences():
    """The implicit derivative (from the residual, not the closed form) of welfare with
    respect to the elasticity, through a solve that steps with the closed form."""
    rng = np.random.default_rng(5)
    economy = random_economy(rng, 4)
    policy, _ = random_point(rng, 4)

    def welfare_us(eps):
        p = imls.calibrate(economy, imls.IMLS(), eps=eps)
        return imls.solve_params(p, policy).welfare_hat[-1]

    h = 1e-5
    value = jax.jit(welfare_us)
    fd = (value(4.0 + h) - value(4.0 - h)) / (2 * h)
    assert float(jax.jit(jax.grad(welfare_us))(4.0)) == pytest.approx(float(fd), rel=1e-7)
