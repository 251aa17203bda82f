"""One-sector model with markups, elastic labour and tariff pass-through.

Ignatenko, Macedoni, Lashkaripour & Simonovska (2025), "Making America Great Again? The
Economic Impacts of Liberation Day Tariffs", J. Int. Econ. (``docs/models.md`` §1). It nests
Eaton-Kortum / Armington (``profit_shares="zero"``, ``pass_through="none"``,
``labour_supply_elasticity=0``) and the ``ge_gravity`` endowment model.

Notation (see :mod:`blocs._conventions`): ``j``/``i`` exporter, ``i``/``n`` importer; arrays
``[exporter, importer]``. Unknowns ``w_hat`` and ``L_hat`` (2N, solved in logs); ``E_hat``
follows from (2) in closed form given them (revenue is a cost-determined share of spending).

    A[j, i]       = lambda[j, i] (w_hat[j] / L_hat[j]**psi)**(-eps) tau_hat[j, i]**(-eps phi[i])
                    d_hat[j, i]**(-eps)
    lambda'[j, i] = A[j, i] / sum_j A[j, i]
    P_hat[i]      = (E_hat[i] / w_hat[i])**(1 - phi[i]) (sum_j A[j, i])**(-1/eps)
    X'[j, i]      = lambda'[j, i] E_hat[i] E[i] / (1 + t'[j, i])
    R[i]          = sum_j lambda'[j, i] E_hat[i] E[i] t'[j, i] / (1 + t'[j, i])
    (1) sum_i (1 - nu_i) X'[j, i] + nu_j sum_k X'[k, j] = w_hat[j] L_hat[j] Y[j]   (but one)
        + numeraire
    (2) E_hat[i] E[i] = R[i] + w_hat[i] L_hat[i] Y[i] + deficit term
    (3) L_hat[i] = (taxrelief_hat[i] w_hat[i] / P_hat[i])**kappa
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from blocs.economy import Economy
from blocs.errors import ConvergenceError, InputError
from blocs.models._kernel import sales_kernel, share_kernel
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL, newton

__all__ = [
    "IMLS",
    "Params",
    "Policy",
    "Solution",
    "calibrate",
    "optimal_tariff_closed_form",
    "solve",
    "solve_params",
]

#: psi = PSI_NUMERATOR / eps (the paper's scale-economy parameter, models.md §1).
PSI_NUMERATOR = 0.67
#: theta = eps / THETA_DENOMINATOR in the benchmark pass-through wedge.
THETA_DENOMINATOR = 0.67
#: Pass-through wedge offset of the paper's "partial" case: phi = 0.25 + phi_tilde.
PARTIAL_PASS_THROUGH = 0.25


class IMLS(BaseModel):
    """Options of the one-sector model (defaults: the paper's benchmark).

    Example:
        >>> IMLS(trade_elasticity=8.0, revenue="lump_sum").psi_value()
        0.08375
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    trade_elasticity: float = Field(4.0, gt=0, description="eps")
    labour_supply_elasticity: float = Field(0.5, ge=0, description="kappa")
    psi: float | None = Field(None, description="scale economies; default 0.67 / eps")
    pass_through: Literal["benchmark", "partial", "none"] = "benchmark"
    pass_through_elasticity: float | None = Field(
        None, gt=0, description="eps used for the pass-through wedge (default: trade_elasticity)"
    )
    profit_shares: Literal["calibrated", "zero"] = "calibrated"
    revenue: Literal["income_tax_relief", "lump_sum"] = "income_tax_relief"
    deficits: Literal["fixed_share_of_world_income", "balanced", "fixed_ratio"] = (
        "fixed_share_of_world_income"
    )
    numeraire: Literal["price_index", "world_income"] = "price_index"

    @field_validator("trade_elasticity", "labour_supply_elasticity")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not np.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    def psi_value(self) -> float:
        """psi, explicit or 0.67 / eps."""
        return self.psi if self.psi is not None else PSI_NUMERATOR / self.trade_elasticity


class Params(NamedTuple):
    """Calibrated model arrays (a PyTree; the solver differentiates through it).

    Attributes:
        lam: baseline expenditure shares ``lambda[j, i]`` (tariff-inclusive), shape (N, N).
        E: baseline expenditure, shape (N,).
        Y: baseline income from production ``w L`` plus profits, shape (N,).
        T: baseline deficit term ``E - Y - R0``, shape (N,).
        nu: profit shares, shape (N,).
        phi: pass-through wedges, shape (N,).
        t0: baseline tariffs, shape (N, N).
        eps, kappa, psi: scalars.
    """

    lam: jax.Array
    E: jax.Array
    Y: jax.Array
    T: jax.Array
    nu: jax.Array
    phi: jax.Array
    t0: jax.Array
    eps: jax.Array
    kappa: jax.Array
    psi: jax.Array


class Policy(NamedTuple):
    """A counterfactual: new tariffs and iceberg trade-cost changes.

    Attributes:
        t: counterfactual tariffs ``t'[i, n]``, shape (N, N).
        d_hat: iceberg trade-cost changes ``d_hat[i, n]`` (1 = none), shape (N, N).
    """

    t: jax.Array
    d_hat: jax.Array


@dataclasses.dataclass(frozen=True)
class _Static:
    revenue: str
    deficits: str
    numeraire: str


def calibrate(economy: Economy, model: IMLS | None = None, *, eps: Any = None) -> Params:
    """Model arrays for ``economy`` under ``model`` (models.md §1, steps 3-4 and variants).

    ``eps`` (optional, may be a JAX tracer) replaces ``model.trade_elasticity`` everywhere
    it enters: the equations, ``psi = 0.67 / eps`` (unless ``model.psi`` is set) and the
    pass-through wedge ``phi`` (unless ``model.pass_through_elasticity`` is set), so
    derivatives with respect to ``eps`` are those of re-running with another elasticity.
    """
    model = model or IMLS()
    X = jnp.asarray(economy.X)
    t0 = jnp.asarray(economy.t)
    E = jnp.sum((1.0 + t0) * X, axis=0)
    R0 = jnp.sum(t0 * X, axis=0)
    nu = jnp.zeros(economy.n) if model.profit_shares == "zero" else jnp.asarray(economy.nu)
    # Y[i] = sum_n (1 - nu_n) X[i, n] + nu_i E[i]   (with nu = 0: total sales)
    Y = jnp.sum((1.0 - nu)[None, :] * X, axis=1) + nu * (E - R0)
    T = E - Y - R0
    eps = jnp.asarray(model.trade_elasticity if eps is None else eps, dtype=float)
    eps_pt = model.pass_through_elasticity or eps
    theta = eps_pt / THETA_DENOMINATOR
    phi_tilde = (1.0 + theta) / ((1.0 - nu) * theta) - 1.0 / theta - 1.0
    if model.pass_through == "benchmark":
        phi = 1.0 + phi_tilde
    elif model.pass_through == "partial":
        phi = PARTIAL_PASS_THROUGH + phi_tilde
    else:
        phi = jnp.ones(economy.n)
    return Params(
        lam=(1.0 + t0) * X / E[None, :],
        E=E,
        Y=Y,
        T=T,
        nu=nu,
        phi=phi,
        t0=t0,
        eps=eps,
        kappa=jnp.asarray(float(model.labour_supply_elasticity)),
        psi=jnp.asarray(model.psi, dtype=float) if model.psi is not None else PSI_NUMERATOR / eps,
    )


# ----------------------------------------------------------------------------------------
# Equations, one small function each (paper notation)


def unit_cost_shares(p: Params, w_hat, L_hat, tau_hat, d_hat):
    """``A[j, i]`` of the price index, shape (N, N)."""
    cost = (w_hat / L_hat**p.psi)[:, None]
    return p.lam * cost ** (-p.eps) * tau_hat ** (-p.eps * p.phi[None, :]) * d_hat ** (-p.eps)


def price_index(p: Params, A, w_hat, E_hat):
    """``P_hat[i] = (E_hat / w_hat)**(1 - phi) (sum_j A[j, i])**(-1/eps)``."""
    return (E_hat / w_hat) ** (1.0 - p.phi) * jnp.sum(A, axis=0) ** (-1.0 / p.eps)


def flows(p: Params, lam_new, E_hat, t_new):
    """Counterfactual customs-value flows ``X'[j, i]``."""
    return lam_new * (E_hat * p.E)[None, :] / (1.0 + t_new)


def revenue(p: Params, lam_new, E_hat, t_new):
    """Tariff revenue ``R[i]`` (counterfactual, numeraire units)."""
    return jnp.sum(lam_new * (E_hat * p.E)[None, :] * t_new / (1.0 + t_new), axis=0)


def producer_income(p: Params, X_new):
    """Left side of (1): ``sum_i (1 - nu_i) X'[j, i] + nu_j sum_k X'[k, j]``."""
    return jnp.sum((1.0 - p.nu)[None, :] * X_new, axis=1) + p.nu * jnp.sum(X_new, axis=0)


def baseline_revenue(p: Params):
    """Baseline tariff revenue ``R0[i] = sum_j lambda[j, i] E[i] t[j, i] / (1 + t[j, i])``."""
    return jnp.sum(p.lam * p.E[None, :] * p.t0 / (1.0 + p.t0), axis=0)


def tax_relief(p: Params, R, wLY, revenue_rule: str):
    """``taxrelief_hat = (1 - R0 / Y) / (1 - R / (w L Y))`` under income-tax relief, else 1.

    With zero baseline tariffs (the paper's data) this is ``1 / (1 - R / (w L Y))``.
    """
    if revenue_rule == "income_tax_relief":
        return (1.0 - baseline_revenue(p) / p.Y) / (1.0 - R / wLY)
    return jnp.ones_like(wLY)


def deficit_term(p: Params, wLY, R, deficits: str):
    """Expenditure not financed by income and revenue, (2)'s last term."""
    if deficits == "fixed_share_of_world_income":
        return p.T * jnp.sum(wLY) / jnp.sum(p.Y)
    if deficits == "fixed_ratio":
        # expenditure net of revenue proportional to output, (E - R)' = rho Y' with
        # rho = (E - R0) / Y, rescaled by one common factor so that world spending equals
        # world income (Walras' law; the ge_gravity / gegravity iteration's fixed point).
        rho = (p.Y + p.T) / p.Y
        scale = jnp.sum(wLY) / jnp.sum(rho * wLY)
        return wLY * (rho * scale - 1.0)
    return jnp.zeros_like(wLY)  # balanced (after re-basing, T = 0)


class _Outcome(NamedTuple):
    w_hat: jax.Array
    E_hat: jax.Array
    L_hat: jax.Array
    A: jax.Array
    lam_new: jax.Array
    P_hat: jax.Array
    X_new: jax.Array
    R: jax.Array
    wLY: jax.Array


def _evaluate(x, p: Params, policy: Policy) -> _Outcome:
    n = p.E.shape[0]
    w_hat, E_hat, L_hat = jnp.exp(x[:n]), jnp.exp(x[n : 2 * n]), jnp.exp(x[2 * n :])
    tau_hat = (1.0 + policy.t) / (1.0 + p.t0)
    A = unit_cost_shares(p, w_hat, L_hat, tau_hat, policy.d_hat)
    lam_new = A / jnp.sum(A, axis=0)[None, :]
    P_hat = price_index(p, A, w_hat, E_hat)
    X_new = flows(p, lam_new, E_hat, policy.t)
    R = revenue(p, lam_new, E_hat, policy.t)
    return _Outcome(w_hat, E_hat, L_hat, A, lam_new, P_hat, X_new, R, w_hat * L_hat * p.Y)


class _Aggregates(NamedTuple):
    w_hat: jax.Array
    E_hat: jax.Array
    L_hat: jax.Array
    P_hat: jax.Array
    R: jax.Array
    wLY: jax.Array
    sales: jax.Array


def expenditure(p: Params, wLY, u, deficits: str):
    """``E_hat E`` from (2), in closed form: ``E' (1 - u) = w L Y + deficit term``.

    ``u[i] = sum_j lambda'[j, i] t'[j, i] / (1 + t'[j, i])`` is the revenue share of spending
    (it depends on costs only), so revenue ``R = u E'`` and (2) is linear in ``E'``.
    """
    return (wLY + deficit_term(p, wLY, None, deficits)) / (1.0 - u)


def _aggregates(x, p: Params, policy: Policy, deficits: str) -> _Aggregates:
    """The N-vectors the equilibrium conditions need, through the fast trade kernels.

    ``x = [log w_hat, log L_hat]`` (2N); ``E_hat`` follows from (2) in closed form.
    """
    n = p.E.shape[0]
    w_hat, L_hat = jnp.exp(x[:n]), jnp.exp(x[n:])
    logc = x[:n] - p.psi * x[n:]  # log(w_hat / L_hat**psi)
    tau_hat = (1.0 + policy.t) / (1.0 + p.t0)
    B = p.lam * tau_hat ** (-p.eps * p.phi[None, :]) * policy.d_hat ** (-p.eps)
    W1 = 1.0 / (1.0 + policy.t)
    W2 = policy.t / (1.0 + policy.t)
    logS, u = share_kernel(logc, B, W2, p.eps)
    wLY = w_hat * L_hat * p.Y
    Ez = expenditure(p, wLY, u, deficits)
    v = sales_kernel(logc, (1.0 - p.nu) * Ez, B, W1, p.eps)
    E_hat = Ez / p.E
    P_hat = (E_hat / w_hat) ** (1.0 - p.phi) * jnp.exp(-logS / p.eps)
    sales = v + p.nu * Ez * (1.0 - u)  # producer_income(p, X') without forming X'
    return _Aggregates(w_hat, E_hat, L_hat, P_hat, Ez * u, wLY, sales)


def _conditions(g: _Aggregates, p: Params, st: Any) -> jax.Array:
    """(1) market clearing (the last replaced by the numeraire) and (3) labour supply."""
    r1 = g.sales / g.wLY - 1.0
    if st.numeraire == "price_index":
        num = jnp.sum((g.P_hat - 1.0) * p.E) / jnp.sum(p.E)
    else:
        num = jnp.sum(g.wLY) / jnp.sum(p.Y) - 1.0
    # Walras' law: drop the largest economy's market clearing for the numeraire (dropping a
    # tiny economy's equation leaves Newton badly scaled; it can stall)
    r1 = r1.at[dropped_equation(p)].set(num)
    relief = tax_relief(p, g.R, g.wLY, st.revenue)
    r3 = jnp.log(g.L_hat) - p.kappa * jnp.log(relief * g.w_hat / g.P_hat)
    return jnp.concatenate([r1, r3])


def dropped_equation(p: Params) -> jax.Array:
    """Index of the market-clearing equation replaced by the numeraire: the largest economy."""
    return jnp.argmax(p.Y)


def residual(x, args):
    """Scaled residual; ``x = [log w_hat, log L_hat]``, ``args = (params, policy, static)``.

    Components: (1) relative market clearing, the last replaced by the numeraire, and (3)
    log labour supply; shape (2N,). (2) holds exactly by construction of ``E_hat``.
    """
    p, policy, st = args
    return _conditions(_aggregates(x, p, policy, st.deficits), p, st)


def residual_reference(x, args):
    """The same residual computed through the full N x N flows (plain autodiff; tests)."""
    p, policy, st = args
    n = p.E.shape[0]
    g0 = _aggregates(x, p, policy, st.deficits)  # for E_hat only
    xx = jnp.concatenate([x[:n], jnp.log(g0.E_hat), x[n:]])
    o = _evaluate(xx, p, policy)
    g = _Aggregates(o.w_hat, o.E_hat, o.L_hat, o.P_hat, o.R, o.wLY, producer_income(p, o.X_new))
    return _conditions(g, p, st)


# ----------------------------------------------------------------------------------------
# Solution record


@dataclasses.dataclass(frozen=True)
class Solution:
    """An equilibrium of the one-sector model (hats relative to the baseline).

    Attributes:
        w_hat, E_hat, L_hat, P_hat: shape (N,).
        lam_new: counterfactual expenditure shares, shape (N, N).
        X_new: counterfactual customs-value flows, shape (N, N).
        R: counterfactual tariff revenue (numeraire units), shape (N,).
        welfare_hat: real income change (models.md §1 welfare), shape (N,).
        params: the calibrated baseline the hats refer to (:class:`Params`).
        policy: the counterfactual (:class:`Policy`).
        converged: bool; iterations: int; max_residual: float (largest scaled residual);
        walras_residual: the equation dropped for the numeraire, evaluated at the solution.
        seconds: wall time of the solve (0 inside jit/vmap).
    """

    w_hat: jax.Array
    E_hat: jax.Array
    L_hat: jax.Array
    P_hat: jax.Array
    lam_new: jax.Array
    X_new: jax.Array
    R: jax.Array
    welfare_hat: jax.Array
    params: Params
    policy: Policy
    converged: jax.Array
    iterations: jax.Array
    max_residual: jax.Array
    walras_residual: jax.Array
    seconds: float = dataclasses.field(default=0.0, metadata={"static": True})
    options: tuple = dataclasses.field(default=(), metadata={"static": True})


jax.tree_util.register_dataclass(
    Solution,
    data_fields=[
        "w_hat",
        "E_hat",
        "L_hat",
        "P_hat",
        "lam_new",
        "X_new",
        "R",
        "welfare_hat",
        "params",
        "policy",
        "converged",
        "iterations",
        "max_residual",
        "walras_residual",
    ],
    meta_fields=["seconds", "options"],
)


def welfare(p: Params, o: _Outcome, revenue_rule: str):
    """``W_hat = delta E_hat / P_hat + (1 - delta) w_hat L_hat / P_hat`` (models.md §1)."""
    tax = o.R / o.wLY if revenue_rule == "income_tax_relief" else jnp.zeros_like(o.wLY)
    delta = p.E / (p.E - p.kappa * (1.0 - tax) * p.Y / (1.0 + p.kappa))
    return delta * o.E_hat / o.P_hat + (1.0 - delta) * o.w_hat * o.L_hat / o.P_hat


def _solve_core(
    p: Params, policy: Policy, st: _Static, tol: float, max_steps: int, x0: jax.Array | None = None
) -> Solution:
    n = p.E.shape[0]
    if x0 is None:
        x0 = jnp.zeros(2 * n)
    res = newton(residual, x0, (p, policy, st), tol=tol, max_steps=max_steps)
    g = _aggregates(res.x, p, policy, st.deficits)
    o = _evaluate(jnp.concatenate([res.x[:n], jnp.log(g.E_hat), res.x[n:]]), p, policy)
    k = dropped_equation(p)
    walras = producer_income(p, o.X_new)[k] / o.wLY[k] - 1.0
    return Solution(
        w_hat=o.w_hat,
        E_hat=o.E_hat,
        L_hat=o.L_hat,
        P_hat=o.P_hat,
        lam_new=o.lam_new,
        X_new=o.X_new,
        R=o.R,
        welfare_hat=welfare(p, o, st.revenue),
        params=p,
        policy=policy,
        converged=res.converged,
        iterations=res.iterations,
        max_residual=res.max_residual,
        walras_residual=walras,
        options=(("revenue", st.revenue), ("deficits", st.deficits), ("numeraire", st.numeraire)),
    )


_solve_jit = jax.jit(_solve_core, static_argnames=("st", "tol", "max_steps"))


def solve_params(
    p: Params,
    policy: Policy,
    *,
    revenue: str = "income_tax_relief",
    deficits: str = "fixed_share_of_world_income",
    numeraire: str = "price_index",
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    x0: jax.Array | None = None,
) -> Solution:
    """Solve from calibrated arrays: pure, jittable, vmappable and differentiable.

    ``deficits="balanced"`` here means ``T`` is ignored (``p`` already balanced); use
    :func:`solve` for the full two-step treatment. Never raises: check ``converged``.
    ``x0``: a starting point ``[log w_hat, log L_hat]`` (shape (2N,)), e.g. a nearby
    solution's; default the baseline (zeros).
    """
    return _solve_core(p, policy, _Static(revenue, deficits, numeraire), tol, max_steps, x0)


def solution_x(sol: Solution) -> jax.Array:
    """The unknowns ``[log w_hat, log L_hat]`` of a solution (a warm start for another)."""
    return jnp.log(jnp.concatenate([sol.w_hat, sol.L_hat]))


_x_of = solution_x


#: Numbers of continuation steps tried, in turn, when a direct solve fails.
CONTINUATION_STEPS = (4, 16)


def _solve_with_continuation(
    p: Params, policy: Policy, st: _Static, tol: float, max_steps: int
) -> tuple[Solution, Solution | None]:
    """Direct Newton; if it fails, walk from the baseline to ``policy`` in steps.

    Large shocks can start Newton where the equations are undefined (e.g. income-tax relief
    when tariff revenue at baseline quantities exceeds labour income). Moving the tariffs and
    trade costs gradually, warm-starting each step, reaches such equilibria.

    Returns:
        The solution (converged or not) and the last converged intermediate step, if any.
    """
    sol = _solve_jit(p, policy, st, tol, max_steps)
    if bool(sol.converged):
        return sol, None
    t0 = p.t0
    last_good: Solution | None = None
    for steps in CONTINUATION_STEPS:
        x = jnp.zeros(2 * p.E.shape[0])
        for k in range(1, steps + 1):
            s = k / steps
            step = Policy(t=t0 + s * (policy.t - t0), d_hat=policy.d_hat**s)
            sol = _solve_jit(p, step, st, tol, max_steps, x)
            if not bool(sol.converged):
                break
            last_good = sol
            x = _x_of(sol)
        else:
            return sol, None
    return sol, last_good


def _failure_hint(p: Params, near: Solution | None, st: _Static, names: tuple[str, ...]) -> str:
    """Why a solve may have failed, from the last converged continuation step."""
    if near is None or st.revenue != "income_tax_relief":
        return ""
    ratio = np.asarray(near.R) / np.asarray(near.w_hat * near.L_hat * p.Y)
    worst = np.argsort(-ratio)[:3]
    if ratio[worst[0]] < 0.8:
        return ""
    listed = ", ".join(f"{names[k]} ({100 * ratio[k]:.0f} %)" for k in worst if ratio[k] > 0.8)
    return (
        " Under revenue='income_tax_relief' tariff revenue replaces a labour-income tax, and "
        f"here revenue approaches or exceeds labour income in {listed}: the model is "
        "undefined there. Use revenue='lump_sum' (or drop these economies, or smaller tariffs)."
    )


def _check_policy(economy: Economy, policy: Policy) -> Policy:
    t = jnp.asarray(policy.t, dtype=float)
    d = jnp.asarray(policy.d_hat, dtype=float)
    n = economy.n
    for name, arr in (("tariffs", t), ("d_hat", d)):
        if arr.shape != (n, n):
            raise InputError(
                f"policy {name} has shape {arr.shape}, but the economy has {n} countries: "
                f"expected ({n}, {n}) ordered [exporter, importer]"
            )
        bad = ~np.isfinite(np.asarray(arr))
        if bad.any():
            i, k = map(int, np.argwhere(bad)[0])
            raise InputError(f"policy {name}[{economy.iso3[i]}, {economy.iso3[k]}] is not finite")
    tn = np.asarray(t)
    if (tn <= -1.0).any():
        i, k = map(int, np.argwhere(tn <= -1.0)[0])
        raise InputError(
            f"tariff of {economy.iso3[k]} on {economy.iso3[i]} is {tn[i, k]:.4g} "
            "(<= -100 %): tariffs must be > -1 (0.25 = 25 %)"
        )
    if (np.asarray(d) <= 0).any():
        raise InputError("iceberg trade-cost changes d_hat must be > 0 (1 = no change)")
    t = t * (1.0 - jnp.eye(n))
    return Policy(t=t, d_hat=d)


def balanced_params(
    economy: Economy, model: IMLS, *, tol: float = DEFAULT_TOL, max_steps: int = DEFAULT_MAX_STEPS
) -> tuple[Params, Solution]:
    """The baseline re-based on a world without deficits (Ossa 2014's purge).

    Solves the model at unchanged tariffs with the deficit term set to zero, then takes that
    equilibrium's flows as the new baseline (``T = 0``).
    """
    p = calibrate(economy, model)
    n = economy.n
    baseline = Policy(t=p.t0, d_hat=jnp.ones((n, n)))
    # solve with T removed (deficits="balanced" drops the term)
    st = _Static(model.revenue, "balanced", model.numeraire)
    sol = _solve_jit(p, baseline, st, tol, max_steps)
    if not bool(sol.converged):
        raise ConvergenceError(
            f"could not balance the baseline (max residual {float(sol.max_residual):.3g}); "
            "try deficits='fixed_share_of_world_income'",
            sol,
        )
    return rebase(p, sol), sol


def rebase(p: Params, sol: Solution) -> Params:
    """The baseline arrays of the world ``sol`` (traceable; used by :func:`balanced_params`)."""
    E_new = sol.E_hat * p.E
    Y_new = sol.w_hat * sol.L_hat * p.Y
    R0 = jnp.sum(p.t0 * sol.X_new, axis=0)
    return p._replace(lam=sol.lam_new, E=E_new, Y=Y_new, T=E_new - Y_new - R0)


def solve(
    economy: Economy,
    policy: Policy | Any,
    model: IMLS | None = None,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    throw: bool = True,
) -> Solution:
    """Solve the counterfactual ``policy`` on ``economy`` under ``model``.

    Args:
        economy: the baseline.
        policy: a :class:`Policy`, or an (N, N) array of new tariffs.
        model: options (default: the paper's benchmark).
        tol: tolerance on the largest scaled residual (relative error).
        max_steps: Newton steps before giving up.
        throw: raise :class:`ConvergenceError` if the solve fails (else check
            ``converged``).

    Returns:
        :class:`Solution`, hats relative to the baseline (the balanced baseline when
        ``deficits="balanced"``).

    Example:
        >>> import blocs
        >>> eco = blocs.load_world2023()
        >>> sol = solve(eco, blocs.liberation_day_tariffs(eco))
        >>> round(100 * (float(sol.welfare_hat[eco.index("USA")]) - 1), 2)
        1.13
    """
    model = model or IMLS()
    if not isinstance(policy, Policy):
        policy = Policy(t=jnp.asarray(policy, dtype=float), d_hat=jnp.ones((economy.n,) * 2))
    policy = _check_policy(economy, policy)
    if model.deficits == "balanced":
        p, _ = balanced_params(economy, model, tol=tol, max_steps=max_steps)
    else:
        p = calibrate(economy, model)
    st = _Static(model.revenue, model.deficits, model.numeraire)
    start = time.perf_counter()
    sol, near = _solve_with_continuation(p, policy, st, tol, max_steps)
    jax.block_until_ready(sol.w_hat)
    sol = dataclasses.replace(sol, seconds=time.perf_counter() - start)
    if throw and not bool(sol.converged):
        raise ConvergenceError(
            f"the equilibrium did not converge in {int(sol.iterations)} Newton steps, also "
            f"when approached in up to {CONTINUATION_STEPS[-1]} smaller steps "
            f"(largest relative residual {float(sol.max_residual):.3g}, tolerance {tol:g}). "
            "Try: smaller tariff changes (solve in steps), max_steps larger, tol larger, or "
            "check the data for countries with tiny flows."
            + _failure_hint(p, near, st, economy.iso3),
            sol,
        )
    return sol


def _closed_form(p: Params, i: int, X: jax.Array, lam: jax.Array, imports: jax.Array) -> jax.Array:
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
    t_base = float(_closed_form(p, i, X0, p.lam, p.E[i] - X0[i, i]))
    if at == "baseline":
        return t_base
    if at != "equilibrium":
        raise InputError(f"at={at!r}: choose 'baseline' or 'equilibrium'")
    st = _Static(model.revenue, model.deficits, model.numeraire)
    ones = jnp.ones((economy.n, economy.n))
    others = jnp.ones(economy.n).at[i].set(0.0)

    def gap(t: float) -> float:
        t_new = p.t0.at[:, i].set(t * others)
        sol, _ = _solve_with_continuation(
            p, Policy(t=t_new, d_hat=ones), st, DEFAULT_TOL, DEFAULT_MAX_STEPS
        )
        if not bool(sol.converged):
            raise ConvergenceError(
                f"the closed-form fixed point for {country}: the equilibrium at t = {t:.4g} did "
                "not converge; use at='baseline'",
                sol,
            )
        imports = jnp.sum(others * sol.X_new[:, i])
        return float(_closed_form(p, i, sol.X_new, sol.lam_new, imports)) - t

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
