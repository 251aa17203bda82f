"""The IMLS (2025) closed-form uniform optimal tariff (docs/models.md §1)."""

from __future__ import annotations

from typing import Any, Literal

import jax
import jax.numpy as jnp

from blocs.economy import Economy
from blocs.errors import ConvergenceError, InputError
from blocs.models.base import Policy
from blocs.models.imls.equations import Params, Static, calibrate
from blocs.models.imls.options import IMLS
from blocs.models.imls.solve import balanced_params, solve_with_continuation
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL

__all__ = [
    "CONVENTIONS",
    "closed_form_rate",
    "optimal_tariff_closed_form",
    "region_optimal_tariff",
    "unilateral_optimal_tariff",
]


#: Denominators of ``delta`` in the closed form: ``"expenditure"`` (``E_i - X[i, i]``, the
#: paper's formula and its Table 1 case 3) or ``"gdp"`` (``Y_i - X[i, i]``, as the paper's code
#: computes Table 2 cases 3 and 4).
CONVENTIONS = ("expenditure", "gdp")


def check_convention(convention: str) -> None:
    if convention not in CONVENTIONS:
        raise InputError(
            f"closed-form convention {convention!r}: choose one of {', '.join(CONVENTIONS)}"
        )


def closed_form_rate(
    p: Params, i: int, X: jax.Array, lam: jax.Array, imports: jax.Array
) -> jax.Array:
    """``1 / ((1 + delta_i eps) phi_i - 1)`` from flows ``X``, shares ``lam`` and imports."""
    mask = jnp.ones(p.E.shape[0]).at[i].set(0.0)
    num = jnp.sum(mask * X[i, :] * (1.0 - p.nu) * (1.0 - lam[i, :]))
    delta = num / ((1.0 - p.nu[i]) * imports)
    return 1.0 / ((1.0 + delta * p.eps) * p.phi[i] - 1.0)


def optimal_tariff_closed_form(
    economy: Economy,
    model: IMLS | None = None,
    country: str = "USA",
    *,
    at: Literal["baseline", "equilibrium"] = "baseline",
    tol: float = 1e-12,
    max_iter: int = 50,
) -> float:
    """The paper's uniform unilateral optimal tariff for ``country`` (models.md §1).

    ``t* = 1 / ((1 + delta_i eps) phi_i - 1)`` with
    ``delta_i = sum_{n != i} X[i, n](1 - nu_n)(1 - lambda[i, n]) / ((1 - nu_i)(E_i - X[i, i]))``.

    Args:
        economy, model, country: the baseline, the model options (default: the benchmark;
            ``deficits="balanced"`` evaluates on the balanced baseline) and the country.
        at: ``"baseline"`` (the paper, IMLS Table 1 case 3): flows and shares of the
            baseline. ``"equilibrium"``: the fixed point ``t = t*(t)`` with flows, shares and
            imports (at customs value, ``sum_{n != i} X'[n, i]``) of the equilibrium in which
            ``country`` levies ``t`` on everyone, everything else at the baseline. This is the
            formula as a first-order condition: in a two-country world with fixed labour
            (``kappa = 0``) and balanced trade it is exactly the numerical optimum
            (tests/test_strategy_models.py); with more countries it ignores the tariff's
            effect on third countries' wages and is an approximation.
        tol, max_iter: stopping rule of the secant iteration for ``at="equilibrium"``.

    Raises:
        ConvergenceError: the fixed point or an equilibrium on the way did not converge.
    """
    model = model or IMLS()
    p = (
        balanced_params(economy, model)[0]
        if model.deficits == "balanced"
        else calibrate(economy, model)
    )
    i = economy.index(country)
    X0 = p.lam * p.E[None, :] / (1.0 + p.t0)
    t_base = float(closed_form_rate(p, i, X0, p.lam, p.E[i] - X0[i, i]))
    if at == "baseline":
        return t_base
    if at != "equilibrium":
        raise InputError(f"at={at!r}: choose 'baseline' or 'equilibrium'")
    st = Static(model.revenue, model.deficits, model.numeraire)
    ones = jnp.ones((economy.n, economy.n))
    others = jnp.ones(economy.n).at[i].set(0.0)

    def gap(t: float) -> float:
        t_new = p.t0.at[:, i].set(t * others)
        sol, _ = solve_with_continuation(
            p, Policy(t=t_new, d_hat=ones), st, DEFAULT_TOL, DEFAULT_MAX_STEPS
        )
        if not bool(sol.converged):
            raise ConvergenceError(
                f"the closed-form fixed point for {country}: the equilibrium at t = {t:.4g} did "
                "not converge; use at='baseline'",
                sol,
            )
        imports = jnp.sum(others * sol.X_new[:, i])
        return float(closed_form_rate(p, i, sol.X_new, sol.lam_new, imports)) - t

    a = t_base
    fa = gap(a)
    b = a + fa
    for _ in range(max_iter):
        fb = gap(b)
        if abs(fb) < tol:
            return b
        step = fb * (b - a) / (fb - fa) if fb != fa else -fb
        a, fa, b = b, fb, b - step
    raise ConvergenceError(
        f"the closed-form fixed point for {country} did not converge in {max_iter} secant steps "
        f"(last t = {b:.6g}, gap {fb:.3g}); use at='baseline'"
    )


def unilateral_optimal_tariff(p: Params, i: int, convention: str = "expenditure") -> jax.Array:
    """Country ``i``'s closed-form uniform optimal tariff on the baseline ``p`` (traceable).

    The formula of :func:`optimal_tariff_closed_form` with ``at="baseline"``; with
    ``convention="gdp"`` GDP replaces expenditure in ``delta``'s denominator
    (``Y_i - X[i, i]``), as the paper's code does for its Table 2 case 4 (18.54 % for the US
    instead of 21.8 %).
    """
    check_convention(convention)
    X0 = p.lam * p.E[None, :] / (1.0 + p.t0)
    total = p.E[i] if convention == "expenditure" else p.Y[i]
    return closed_form_rate(p, i, X0, p.lam, total - X0[i, i])


def region_optimal_tariff(p: Params, by: Any, convention: str = "expenditure") -> jax.Array:
    """Closed-form optimal uniform tariff of the region ``by`` against everyone else.

    ``t* = 1 / ((1 + delta eps) phi - 1)`` on the two-region aggregate (``by`` vs the rest of
    the world), as IMLS (2025) use it for optimal retaliation against the US: aggregated
    customs-value flows ``X2``, expenditure-weighted profit shares and wedges (traceable).

    ``delta = X2[a, b] (1 - nu_b)(1 - lambda2[a, b]) / ((1 - nu_a)(Z_a - X2[a, a]))`` with
    ``Z_a`` the region's expenditure (``convention="expenditure"``: 18.27 % for the rest of
    the world against the US) or its GDP (``"gdp"``: 22.74 %, as the paper's code computes
    its Table 2 cases 3 and 4).

    Args:
        p: calibrated baseline. by: bool mask of the region's members, shape (N,).
        convention: the denominator, one of :data:`CONVENTIONS`.
    """
    check_convention(convention)
    a = jnp.asarray(by, dtype=float)
    b = 1.0 - a
    X = p.lam * p.E[None, :] / (1.0 + p.t0)
    regions = (a, b)
    X2 = jnp.array([[r @ X @ q for q in regions] for r in regions])
    E2 = X2.sum(axis=0)
    w = [p.E * r / jnp.sum(p.E * r) for r in regions]
    nu2 = jnp.array([jnp.sum(p.nu * wr) for wr in w])
    phi_a = jnp.sum(p.phi * w[0])
    lam2 = X2 / E2[None, :]
    total = E2[0] if convention == "expenditure" else jnp.sum(p.Y * a)
    delta = X2[0, 1] * (1 - nu2[1]) * (1 - lam2[0, 1]) / ((1 - nu2[0]) * (total - X2[0, 0]))
    return 1.0 / ((1.0 + delta * p.eps) * phi_a - 1.0)
