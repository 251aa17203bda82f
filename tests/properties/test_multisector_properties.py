"""Properties of the multi-sector model (Caliendo-Parro, docs/models.md §2) on small random
economies WITH input-output links and trade deficits.

Random economies are drawn from a seed (numpy) in two shapes, so that JAX compiles the
solver a few times only; hypothesis varies the seeds and the shocks.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from blocs.economy import MultiSectorEconomy
from blocs.models.caliendo_parro import equilibrium_at, rebase, solve_multisector

#: Hats of a no-change solve equal 1 to this (solver tolerance 1e-12 plus rounding).
ZERO_SHOCK_TOL = 1e-10
#: Percent outcomes of a no-change solve equal 0 to this (100 x ZERO_SHOCK_TOL).
ZERO_SHOCK_PCT_TOL = 1e-8
#: Real outcomes under two numeraires agree to this (percentage points).
NUMERAIRE_TOL = 1e-9
#: Trade shares sum to one to this.
SHARE_SUM_TOL = 1e-12
#: Every country's relative trade balance, the one Walras' law drops included.
WALRAS_TOL = 1e-10
#: Autodiff vs central finite difference, relative (step FD_STEP: truncation ~1e-10,
#: rounding ~1e-16 * |welfare| / FD_STEP).
GRAD_RTOL = 1e-5
GRAD_ATOL = 1e-7
FD_STEP = 1e-5
#: Agreement with the one-sector model of blocs.models.imls in its Eaton-Kortum special case.
ONE_SECTOR_TOL = 1e-9

#: Hypothesis budget: each example is a full solve, and the first of each shape compiles.
EXAMPLES = 4
SHAPES = ((3, 2), (4, 3))

seeds = st.integers(min_value=0, max_value=2**32 - 1)
shapes = st.sampled_from(SHAPES)


def random_economy(seed: int, n: int, s: int) -> MultiSectorEconomy:
    """Random data: flows with home bias, tariffs, input-output links, deficits from flows.

    Not an equilibrium of the model (alpha is drawn, not calibrated).
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.2, 2.0, (n, n, s))
    X[np.arange(n), np.arange(n), :] *= rng.uniform(2.0, 8.0, (n, s))
    t = rng.uniform(0.0, 0.3, (n, n, s))
    mix = rng.dirichlet(np.ones(s), (n, s)).transpose(0, 2, 1)  # [n, k, s], sums to 1 over k
    intermediate = rng.uniform(0.1, 0.7, (n, 1, s))
    gamma_io = mix * intermediate
    return MultiSectorEconomy.from_arrays(
        X=X,
        t=t,
        theta=rng.uniform(2.0, 10.0, s),
        alpha=rng.dirichlet(np.ones(s), n),
        gamma_va=1.0 - gamma_io.sum(axis=1),
        gamma_io=gamma_io,
        iso3=[f"C{k:02d}" for k in range(n)],
        sectors=[f"s{k}" for k in range(s)],
        label="random economy",
    )


def equilibrium_economy(seed: int, n: int, s: int) -> MultiSectorEconomy:
    """A random economy re-based on its own equilibrium (deficits kept): consistent data."""
    raw = random_economy(seed, n, s)
    return rebase(solve_multisector(raw, raw.t, deficits="data"))


def random_tariffs(eco: MultiSectorEconomy, seed: int, scale: float = 0.3) -> jax.Array:
    rng = np.random.default_rng(seed + 1)
    return eco.t + rng.uniform(-0.5, 1.0, eco.t.shape) * scale * float(jnp.max(eco.t) + 0.1)


def assert_no_change(eco: MultiSectorEconomy, eq) -> None:
    for name in ("w_hat", "P_hat", "c_hat"):
        np.testing.assert_allclose(
            getattr(eq, name), 1.0, rtol=0, atol=ZERO_SHOCK_TOL, err_msg=name
        )
    np.testing.assert_allclose(eq.X_new, eco.X, rtol=ZERO_SHOCK_TOL, atol=0)
    np.testing.assert_allclose(eq.income_new, eco.income, rtol=ZERO_SHOCK_TOL, atol=0)
    for name in (
        "welfare_pct",
        "real_wage_pct",
        "tot_pct",
        "vot_pct",
        "output_pct",
        "exports_pct",
        "imports_pct",
        "price_pct",
    ):
        np.testing.assert_allclose(
            getattr(eq, name), 0.0, rtol=0, atol=ZERO_SHOCK_PCT_TOL, err_msg=name
        )


@settings(max_examples=EXAMPLES, deadline=None)
@given(seed=seeds, shape=shapes)
def test_zero_shock_is_no_change(seed, shape):
    eco = equilibrium_economy(seed, *shape)
    assert float(jnp.max(jnp.abs(eco.D))) > 0  # deficits are present
    eq = solve_multisector(eco, eco.t)
    assert bool(eq.converged)
    assert_no_change(eco, eq)


@settings(max_examples=EXAMPLES, deadline=None)
@given(seed=seeds, shape=shapes)
def test_balanced_then_zero_shock_is_no_change(seed, shape):
    raw = random_economy(seed, *shape)
    eq = solve_multisector(raw, raw.t, deficits="balanced")
    assert bool(eq.converged)
    np.testing.assert_array_equal(eq.baseline.D, 0.0)
    assert_no_change(eq.baseline, eq)


@settings(max_examples=EXAMPLES, deadline=None)
@given(seed=seeds, shape=shapes, k=st.floats(min_value=0.5, max_value=2.0))
def test_real_outcomes_do_not_depend_on_the_numeraire(seed, shape, k):
    """Scaling every nominal variable (wages, deficits) by k is another equilibrium with the
    same real outcomes and prices scaled by k."""
    eco = equilibrium_economy(seed, *shape)
    t_new = random_tariffs(eco, seed)
    eq = solve_multisector(eco, t_new)
    # every country's trade balance is checked here, the one Walras' law drops included: it
    # holds only up to the others' residuals (1e-12) times value-added ratios (seen: 3.6e-12)
    alt = equilibrium_at(eco, t_new, k * eq.w_hat, D_new=k * eco.D, tol=1e-10)
    assert bool(alt.converged), float(alt.max_residual)
    for name in ("welfare_pct", "real_wage_pct"):
        np.testing.assert_allclose(
            getattr(alt, name), getattr(eq, name), rtol=0, atol=NUMERAIRE_TOL, err_msg=name
        )
    np.testing.assert_allclose(alt.P_hat, k * eq.P_hat, rtol=NUMERAIRE_TOL)
    np.testing.assert_allclose(alt.pi_new, eq.pi_new, rtol=0, atol=NUMERAIRE_TOL)


@settings(max_examples=EXAMPLES, deadline=None)
@given(seed=seeds, shape=shapes)
def test_trade_shares_sum_to_one_and_walras_law_holds(seed, shape):
    eco = equilibrium_economy(seed, *shape)
    eq = solve_multisector(eco, random_tariffs(eco, seed))
    np.testing.assert_allclose(jnp.sum(eq.pi_new, axis=0), 1.0, rtol=0, atol=SHARE_SUM_TOL)
    # every trade balance holds, including the one replaced by the numeraire
    assert float(jnp.max(jnp.abs(eq.trade_balance_residual))) <= WALRAS_TOL
    foreign = 1.0 - jnp.eye(eco.n)[:, :, None]
    imports = jnp.sum(foreign * eq.X_new, axis=(0, 2))
    exports = jnp.sum(foreign * eq.X_new, axis=(1, 2))
    np.testing.assert_allclose(
        imports - exports, eq.D_new, rtol=0, atol=WALRAS_TOL * float(jnp.max(eq.income_new))
    )
    # numeraire: world value added unchanged
    wL = eco.value_added
    assert abs(float(jnp.sum(eq.w_hat * wL) / jnp.sum(wL)) - 1.0) <= WALRAS_TOL


@settings(max_examples=3, deadline=None)
@given(seed=seeds, importer=st.integers(0, 2), exporter=st.integers(0, 2))
def test_welfare_gradient_matches_finite_differences(seed, importer, exporter):
    if importer == exporter:
        exporter = (importer + 1) % 3
    eco = equilibrium_economy(seed, 3, 2)

    def welfare(rate):
        t_new = eco.t.at[exporter, importer, 0].set(rate)
        return solve_multisector(eco, t_new, throw=False).welfare_pct[importer]

    rate = float(eco.t[exporter, importer, 0]) + 0.1
    grad = float(jax.grad(welfare)(rate))
    fd = float((welfare(rate + FD_STEP) - welfare(rate - FD_STEP)) / (2 * FD_STEP))
    np.testing.assert_allclose(grad, fd, rtol=GRAD_RTOL, atol=GRAD_ATOL)


@settings(max_examples=2, deadline=None)
@given(seed=seeds)
def test_one_sector_without_io_matches_the_one_sector_model(seed):
    """models.md §2: one sector and gamma = 1 is §1's Eaton-Kortum model (nu = 0, phi = 1,
    kappa = 0). Both use world income as numeraire, so even nominal wages agree."""
    from blocs.economy import Economy
    from blocs.models.imls import IMLS, solve

    rng = np.random.default_rng(seed)
    n = 4
    X = rng.uniform(0.2, 2.0, (n, n))
    X[np.arange(n), np.arange(n)] *= 5.0
    t = rng.uniform(0.0, 0.2, (n, n)) * (1.0 - np.eye(n))
    t_new = t + rng.uniform(0.0, 0.3, (n, n)) * (1.0 - np.eye(n))
    theta = float(rng.uniform(3.0, 8.0))
    foreign = X * (1.0 - np.eye(n))
    ms = MultiSectorEconomy.from_arrays(
        X=X[:, :, None],
        t=t[:, :, None],
        theta=[theta],
        alpha=np.ones((n, 1)),
        iso3=[f"C{k:02d}" for k in range(n)],
        sectors=["all"],
    )
    one = Economy(
        X=jnp.asarray(X),
        t=jnp.asarray(t),
        nu=jnp.zeros(n),
        gdp=jnp.asarray(X.sum(axis=1)),
        iso3=ms.iso3,
        names=ms.iso3,
    )
    assert np.allclose(ms.D, foreign.sum(axis=0) - foreign.sum(axis=1))
    eq = solve_multisector(ms, t_new[:, :, None])
    ref = solve(
        one,
        jnp.asarray(t_new),
        IMLS(
            trade_elasticity=theta,
            labour_supply_elasticity=0.0,
            profit_shares="zero",
            pass_through="none",
            numeraire="world_income",
        ),
    )
    np.testing.assert_allclose(eq.w_hat, ref.w_hat, rtol=ONE_SECTOR_TOL)
    np.testing.assert_allclose(
        eq.welfare_pct, 100.0 * (ref.welfare_hat - 1.0), rtol=0, atol=ONE_SECTOR_TOL * 100
    )
    np.testing.assert_allclose(eq.X_new[:, :, 0], ref.X_new, rtol=ONE_SECTOR_TOL)
