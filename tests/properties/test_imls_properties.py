"""Properties of the one-sector model on small random economies (hypothesis).

zero shock = no change; expenditure shares sum to one; real outcomes do not depend on the
numeraire; Walras' law (the dropped market-clearing equation holds); the autodiff Jacobian of
the residual and the implicit derivative of welfare match central finite differences.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import blocs
from blocs.models import imls

#: Hats at a zero shock must be 1 to solver precision.
ZERO_SHOCK_TOL = 1e-10
#: Real outcomes under the two numeraires agree to solver precision.
NUMERAIRE_TOL = 1e-9
#: Shares sum to one up to rounding.
SHARES_TOL = 1e-12
#: Central finite differences with step 1e-6 are accurate to about 1e-7 relative here.
FD_STEP = 1e-6
FD_TOL = 1e-6

SETTINGS = settings(
    max_examples=int(os.environ.get("BLOCS_HYPOTHESIS_EXAMPLES", "8")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MODELS = [
    imls.IMLS(),
    imls.IMLS(revenue="lump_sum", pass_through="partial"),
    imls.IMLS(profit_shares="zero", pass_through="none", labour_supply_elasticity=0.0),
    imls.IMLS(deficits="fixed_ratio", trade_elasticity=6.0),
    imls.IMLS(deficits="balanced"),
]


@st.composite
def economies(draw, n=4):
    """A random economy with domestic flows, baseline tariffs and profit shares."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    X = rng.lognormal(0.0, 1.0, size=(n, n))
    # home bias as in real data: domestic sales 2 to 10 times a country's exports
    np.fill_diagonal(X, 0.0)
    X[np.diag_indices(n)] = rng.uniform(2.0, 10.0, size=n) * X.sum(axis=1)
    t = rng.uniform(0.0, 0.3, size=(n, n)) * draw(st.sampled_from([0.0, 1.0]))
    np.fill_diagonal(t, 0.0)
    codes = [f"C{k:02d}" for k in range(n)]
    rows = [(codes[i], codes[j], X[i, j], t[i, j]) for i in range(n) for j in range(n)]
    flows = pd.DataFrame(rows, columns=["exporter", "importer", "value", "tariff"])
    countries = pd.DataFrame({"iso3": codes, "gdp": X.sum(axis=1)})
    eco = blocs.economy_from_tables(flows, countries)
    nu = rng.uniform(0.0, 0.3, size=n) * draw(st.sampled_from([0.0, 1.0]))
    eco = eco.__class__(
        X=eco.X,
        t=eco.t,
        nu=jnp.asarray(nu),
        gdp=eco.gdp,
        country_data=eco.country_data,
        iso3=eco.iso3,
        names=eco.names,
    )
    # tariff increases up to 30 points: far larger ones can push small random economies with
    # scale economies and elastic labour out of the model's domain (no equilibrium)
    shock = rng.uniform(0.0, 0.3, size=(n, n))
    np.fill_diagonal(shock, 0.0)
    return eco, shock


@SETTINGS
@given(economies(), st.sampled_from(range(len(MODELS))))
def test_zero_shock_gives_no_change(case, k):
    eco, _ = case
    sol = imls.solve(eco, np.asarray(eco.t), MODELS[k])
    for hat in (sol.w_hat, sol.E_hat, sol.L_hat, sol.P_hat, sol.welfare_hat):
        np.testing.assert_allclose(np.asarray(hat), 1.0, atol=ZERO_SHOCK_TOL)


@SETTINGS
@given(economies(), st.sampled_from(range(len(MODELS))))
def test_shares_walras_and_numeraire(case, k):
    eco, shock = case
    t_new = np.asarray(eco.t) + shock
    a = imls.solve(eco, t_new, MODELS[k])
    b = imls.solve(eco, t_new, MODELS[k].model_copy(update={"numeraire": "world_income"}))
    np.testing.assert_allclose(np.asarray(a.lam_new).sum(axis=0), 1.0, atol=SHARES_TOL)
    assert abs(float(a.walras_residual)) < 1e-9
    assert abs(float(b.walras_residual)) < 1e-9
    for name in ("welfare_hat", "L_hat", "lam_new"):
        np.testing.assert_allclose(
            np.asarray(getattr(a, name)),
            np.asarray(getattr(b, name)),
            rtol=NUMERAIRE_TOL,
            atol=NUMERAIRE_TOL,
        )
    # nominal outcomes scale by one common factor
    ratio = np.asarray(a.w_hat) / np.asarray(b.w_hat)
    np.testing.assert_allclose(ratio, ratio[0], rtol=NUMERAIRE_TOL)


@SETTINGS
@given(economies(n=3), st.sampled_from(range(len(MODELS) - 1)))
def test_jacobians_fast_rule_autodiff_and_finite_differences_agree(case, k):
    """Three ways to the residual's Jacobian: the fast kernel rule, plain autodiff through
    the N x N flows, and central finite differences."""
    eco, shock = case
    model = MODELS[k]
    p = imls.calibrate(eco, model)
    policy = imls.Policy(t=jnp.asarray(np.asarray(eco.t) + shock), d_hat=jnp.ones((3, 3)))
    static = imls.Static(model.revenue, model.deficits, model.numeraire)
    m = 6
    x = jnp.asarray(np.random.default_rng(0).normal(0.0, 0.05, size=m))
    args = (p, policy, static)
    J = jax.jacfwd(imls.residual)(x, args)
    J_ref = jax.jacfwd(imls.residual_reference)(x, args)
    np.testing.assert_allclose(
        np.asarray(imls.residual(x, args)), np.asarray(imls.residual_reference(x, args)), atol=1e-13
    )
    np.testing.assert_allclose(np.asarray(J), np.asarray(J_ref), atol=1e-12)
    fd = np.zeros((m, m))
    for c in range(m):
        e = np.zeros(m)
        e[c] = FD_STEP
        fd[:, c] = (imls.residual(x + e, args) - imls.residual(x - e, args)) / (2 * FD_STEP)
    np.testing.assert_allclose(np.asarray(J), fd, atol=FD_TOL)


def test_welfare_gradient_through_equilibrium_matches_finite_differences():
    """d welfare / d tariff by implicit differentiation vs central differences."""
    rng = np.random.default_rng(3)
    n = 4
    X = rng.lognormal(size=(n, n)) + 5 * np.eye(n)
    codes = [f"K{k:02d}" for k in range(n)]
    flows = pd.DataFrame(
        [(codes[i], codes[j], X[i, j]) for i in range(n) for j in range(n)],
        columns=["exporter", "importer", "value"],
    )
    eco = blocs.economy_from_tables(flows, pd.DataFrame({"iso3": codes, "gdp": X.sum(axis=1)}))
    p = imls.calibrate(eco, imls.IMLS())

    @jax.jit  # one program for the three evaluations
    def home_welfare(rate):
        t = jnp.zeros((n, n)).at[1:, 0].set(rate)
        sol = imls.solve_params(p, imls.Policy(t=t, d_hat=jnp.ones((n, n))))
        return sol.welfare_hat[0]

    g = float(jax.jit(jax.grad(home_welfare))(0.1))
    h = 1e-5
    fd = float((home_welfare(0.1 + h) - home_welfare(0.1 - h)) / (2 * h))
    assert abs(g - fd) < 1e-7 * max(1.0, abs(fd))
    assert g != 0.0
