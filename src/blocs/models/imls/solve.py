"""Solving the one-sector model: the equilibrium record, the pure solve and the top-level one.

:func:`solve_params` is pure (``jit``/``vmap``/``grad``); :func:`solve` calibrates, balances
the baseline when asked, walks to hard counterfactuals by continuation and raises on failure.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from blocs.economy import Economy
from blocs.errors import ConvergenceError, InputError
from blocs.models.base import Policy
from blocs.models.imls import aot, roundabout
from blocs.models.imls.equations import (
    Outcome,
    Params,
    Static,
    calibrate,
    dropped_equation,
    residual,
    welfare,
)
from blocs.models.imls.jacobian import residual_and_jacobian, state
from blocs.models.imls.options import IMLS, REFERENCE_DEFICITS
from blocs.solvers import (
    DEFAULT_MAX_STEPS,
    DEFAULT_TOL,
    SolverResult,
    newton,
    one_blas_thread,
    status_message,
)

__all__ = [
    "CONTINUATION_STEPS",
    "Solution",
    "balanced_params",
    "check_policy",
    "failure_hint",
    "initial_unknowns",
    "rebase",
    "solution_at",
    "solution_x",
    "solve",
    "solve_core",
    "solve_jit",
    "solve_params",
    "solve_program",
    "solve_with_continuation",
    "system_residual",
]

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
        status: :class:`blocs.solvers.Status` code (int32; why the solver stopped);
        converged: bool; iterations: int; max_residual: float (largest scaled residual);
        walras_residual: the equation dropped for the numeraire, evaluated at the solution.
        reference: under ``deficits="balanced_with_us"``, the equilibrium at the baseline
            tariffs under the changed transfers (its outcomes are subtracted from this one's,
            as the paper reports them); else None.
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
    status: jax.Array
    converged: jax.Array
    iterations: jax.Array
    max_residual: jax.Array
    walras_residual: jax.Array
    reference: Any = None
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
        "status",
        "converged",
        "iterations",
        "max_residual",
        "walras_residual",
        "reference",
    ],
    meta_fields=["seconds", "options"],
)


def system_residual(x: jax.Array, args: tuple[Params, Policy, Static]) -> jax.Array:
    """The scaled residual of the model ``args[0]`` was calibrated for.

    Without intermediate inputs: :func:`blocs.models.imls.equations.residual` (unknowns
    ``[log w_hat, log L_hat]``); under roundabout production
    :func:`blocs.models.imls.roundabout.residual` (``[log w, log E, log L, log P]``).
    """
    if args[0].beta is None:
        return residual(x, args)
    return roundabout.residual(x, args)


def initial_unknowns(p: Params) -> jax.Array:
    """The baseline (all hats 1) as unknowns: shape (2N,), or (4N,) with roundabout inputs."""
    return jnp.zeros((2 if p.beta is None else 4) * p.E.shape[0])


def solution_at(x: jax.Array, p: Params, policy: Policy, st: Static, res: SolverResult) -> Solution:
    """The :class:`Solution` at unknowns ``x`` (``res``: the solver's)."""
    o: Any
    if p.beta is None:  # the quantities of the residual, once (a smaller compiled solve)
        s = state(x, p, policy, st.deficits)
        X_new = s.lam * (s.Ez / (1.0 + policy.t))  # flows(): customs values
        A = s.lam * s.S[None, :]
        o = Outcome(s.w_hat, s.E_hat, s.L_hat, A, s.lam, s.P_hat, X_new, s.Ez * s.u, s.wLY)
        sales = s.sales
        welfare_hat = welfare(p, o, st.revenue)
    else:
        o = roundabout.state(x, p, policy)
        sales = roundabout.producer_income(p, o.X_new)
        welfare_hat = roundabout.welfare(p, o, st)
    k = dropped_equation(p, st.deficits)
    return Solution(
        w_hat=o.w_hat,
        E_hat=o.E_hat,
        L_hat=o.L_hat,
        P_hat=o.P_hat,
        lam_new=o.lam_new,
        X_new=o.X_new,
        R=o.R,
        welfare_hat=welfare_hat,
        params=p,
        policy=policy,
        status=res.status,
        converged=res.converged,
        iterations=res.iterations,
        max_residual=res.max_residual,
        walras_residual=sales[k] / o.wLY[k] - 1.0,
        options=solution_options(st),
    )


def solution_options(st: Static) -> tuple[tuple[str, str], ...]:
    """The options a :class:`Solution` records (its static ``options`` field)."""
    return (("revenue", st.revenue), ("deficits", st.deficits), ("numeraire", st.numeraire))


def solve_core(
    p: Params, policy: Policy, st: Static, tol: float, max_steps: int, x0: jax.Array | None = None
) -> Solution:
    """Newton from ``x0`` (default: the baseline); pure. Adds the reference equilibrium
    (baseline tariffs) when ``st.deficits`` measures outcomes from one."""
    if x0 is None:
        x0 = initial_unknowns(p)
    # the Jacobian in closed form without intermediate inputs (roundabout: forward mode)
    jac = residual_and_jacobian if p.beta is None else None
    res = newton(system_residual, x0, (p, policy, st), tol=tol, max_steps=max_steps, jacobian=jac)
    sol = solution_at(res.x, p, policy, st, res)
    if st.deficits not in REFERENCE_DEFICITS:
        return sol
    base = Policy(t=p.t0, d_hat=jnp.ones_like(p.t0))
    r0 = newton(
        system_residual,
        initial_unknowns(p),
        (p, base, st),
        tol=tol,
        max_steps=max_steps,
        jacobian=jac,
    )
    ref = solution_at(r0.x, p, base, st, r0)
    worst = jnp.argmax(jnp.stack([res.max_residual, r0.max_residual]))
    return dataclasses.replace(
        sol,
        reference=ref,
        status=jnp.where(worst == 0, res.status, r0.status),
        converged=res.converged & r0.converged,
        max_residual=jnp.maximum(res.max_residual, r0.max_residual),
    )


solve_jit = jax.jit(solve_core, static_argnames=("st", "tol", "max_steps"))

#: The fields of a :class:`Solution` that an exported solve returns (the rest are inputs).
_RETURNED = tuple(
    f.name
    for f in dataclasses.fields(Solution)
    if f.name not in ("params", "policy", "reference", "seconds", "options")
)


def solve_program(
    p: Params, policy: Policy, st: Static, tol: float, max_steps: int, x0: Any = None
) -> Solution:
    """:data:`solve_jit`, run from an ahead-of-time exported program when the process uses
    them (:mod:`blocs.models.imls.aot`; the ``blocs`` command does) and the arguments are
    concrete: the same numbers, with no tracing or lowering in a warm process."""
    if x0 is None:
        x0 = np.zeros((2 if p.beta is None else 4) * np.shape(p.E)[0])
    out = aot.call(
        "imls_solve",
        functools.partial(_solve_fields, st=st, tol=tol, max_steps=max_steps),
        (p, Policy(*policy), x0),
        (st, tol, max_steps),
    )
    if out is None:
        return solve_jit(p, policy, st, tol, max_steps, x0)
    return _from_fields(out, p, st)


def _solve_fields(
    p: Params, policy: Policy, x0: jax.Array, *, st: Static, tol: float, max_steps: int
) -> dict[str, Any]:
    return _fields(solve_core(p, policy, st, tol, max_steps, x0))


def _fields(sol: Solution) -> dict[str, Any]:
    out: dict[str, Any] = {k: getattr(sol, k) for k in _RETURNED}
    out["policy"] = tuple(sol.policy)
    if sol.reference is not None:
        out["reference"] = _fields(sol.reference)
    return out


def _from_fields(out: dict[str, Any], p: Params, st: Static) -> Solution:
    ref = _from_fields(out["reference"], p, st) if "reference" in out else None
    return Solution(
        **{k: out[k] for k in _RETURNED},
        params=p,
        policy=Policy(*out["policy"]),
        reference=ref,
        options=solution_options(st),
    )


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
    return solve_core(p, policy, Static(revenue, deficits, numeraire), tol, max_steps, x0)


def solution_x(sol: Solution) -> jax.Array:
    """The unknowns of a solution (a warm start for another): ``[log w_hat, log L_hat]``,
    or ``[log w_hat, log E_hat, log L_hat, log P_hat]`` under roundabout production."""
    if sol.params.beta is None:
        return jnp.log(jnp.concatenate([sol.w_hat, sol.L_hat]))
    return jnp.log(jnp.concatenate([sol.w_hat, sol.E_hat, sol.L_hat, sol.P_hat]))


#: Numbers of continuation steps tried, in turn, when a direct solve fails.
CONTINUATION_STEPS = (4, 16)


def solve_with_continuation(
    p: Params,
    policy: Policy,
    st: Static,
    tol: float,
    max_steps: int,
    x0: jax.Array | None = None,
) -> tuple[Solution, Solution | None]:
    """Direct Newton (from ``x0`` if given, else the baseline; from the baseline again if
    ``x0`` fails); if it fails, walk from the baseline to ``policy`` in steps.

    Large shocks can start Newton where the equations are undefined (e.g. income-tax relief
    when tariff revenue at baseline quantities exceeds labour income). Moving the tariffs and
    trade costs gradually, warm-starting each step, reaches such equilibria.

    Returns:
        The solution (converged or not) and the last converged intermediate step, if any.
    """
    if x0 is not None:
        sol = solve_program(p, policy, st, tol, max_steps, x0)
        if bool(sol.converged):
            return sol, None
    sol = solve_program(p, policy, st, tol, max_steps)
    if bool(sol.converged):
        return sol, None
    t0 = p.t0
    last_good: Solution | None = None
    for steps in CONTINUATION_STEPS:
        x = initial_unknowns(p)
        for k in range(1, steps + 1):
            s = k / steps
            step = Policy(t=t0 + s * (policy.t - t0), d_hat=policy.d_hat**s)
            sol = solve_program(p, step, st, tol, max_steps, x)
            if not bool(sol.converged):
                break
            last_good = sol
            x = solution_x(sol)
        else:
            return sol, None
    return sol, last_good


def failure_hint(p: Params, near: Solution | None, st: Static, names: tuple[str, ...]) -> str:
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


def check_policy(economy: Economy, policy: Policy) -> Policy:
    """``policy`` checked against ``economy`` (shapes, finite, tariffs > -1, d_hat > 0),
    with a zero diagonal (concrete arrays: the checks read them)."""
    t = np.asarray(policy.t, dtype=float)
    d = np.asarray(policy.d_hat, dtype=float)
    n = economy.n
    for name, arr in (("tariffs", t), ("d_hat", d)):
        if arr.shape != (n, n):
            raise InputError(
                f"policy {name} has shape {arr.shape}, but the economy has {n} countries: "
                f"expected ({n}, {n}) ordered [exporter, importer]"
            )
        bad = ~np.isfinite(arr)
        if bad.any():
            i, k = map(int, np.argwhere(bad)[0])
            raise InputError(f"policy {name}[{economy.iso3[i]}, {economy.iso3[k]}] is not finite")
    if (t <= -1.0).any():
        i, k = map(int, np.argwhere(t <= -1.0)[0])
        raise InputError(
            f"tariff of {economy.iso3[k]} on {economy.iso3[i]} is {t[i, k]:.4g} "
            "(<= -100 %): tariffs must be > -1 (0.25 = 25 %)"
        )
    if (d <= 0).any():
        raise InputError("iceberg trade-cost changes d_hat must be > 0 (1 = no change)")
    t = t * (1.0 - np.eye(n))
    return Policy(t=jax.device_put(t), d_hat=jax.device_put(d))


def balanced_params(
    economy: Economy, model: IMLS, *, tol: float = DEFAULT_TOL, max_steps: int = DEFAULT_MAX_STEPS
) -> tuple[Params, Solution]:
    """The baseline re-based on a world without deficits (Ossa 2014's purge).

    Solves the model at unchanged tariffs with the deficit term set to zero, then takes that
    equilibrium's flows as the new baseline (``T = 0``).
    """
    p = calibrate(economy, model)
    n = economy.n
    baseline = Policy(t=p.t0, d_hat=jax.device_put(np.ones((n, n))))
    # solve with T removed (deficits="balanced" drops the term)
    st = Static(model.revenue, "balanced", model.numeraire)
    sol = solve_program(p, baseline, st, tol, max_steps)
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
    T = E_new - Y_new - R0
    if p.beta is not None:  # less the intermediate inputs
        T = T - (1.0 - p.beta) * jnp.sum((1.0 - p.nu)[None, :] * sol.X_new, axis=1)
    return p._replace(lam=sol.lam_new, E=E_new, Y=Y_new, T=T)


@one_blas_thread  # small LUs on one BLAS thread (issue 13)
def solve(
    economy: Economy,
    policy: Policy | Any,
    model: IMLS | None = None,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    throw: bool = True,
    x0: jax.Array | None = None,
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
        x0: a warm start, :func:`solution_x` of a nearby solution with the same data and
            options (default: the baseline); the result is the same within ``tol``.

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
        t = np.asarray(policy, dtype=float)
        policy = Policy(t=jax.device_put(t), d_hat=jax.device_put(np.ones((economy.n,) * 2)))
    policy = check_policy(economy, policy)
    if model.deficits == "balanced":
        p, _ = balanced_params(economy, model, tol=tol, max_steps=max_steps)
    else:
        p = calibrate(economy, model)
    st = Static(model.revenue, model.deficits, model.numeraire)
    if x0 is not None and jnp.shape(x0) != (expected := jnp.shape(initial_unknowns(p))):
        raise InputError(
            f"warm start x0 has shape {jnp.shape(x0)}, but this model has {expected} "
            "unknowns: pass the unknowns of a solution with the same data and options, or none"
        )
    start = time.perf_counter()
    sol, near = solve_with_continuation(p, policy, st, tol, max_steps, x0)
    jax.block_until_ready(sol.w_hat)
    sol = dataclasses.replace(sol, seconds=time.perf_counter() - start)
    if throw and not bool(sol.converged):
        raise ConvergenceError(
            f"the equilibrium did not converge in {int(sol.iterations)} Newton steps "
            f"({status_message(sol.status)}), also "
            f"when approached in up to {CONTINUATION_STEPS[-1]} smaller steps "
            f"(largest relative residual {float(sol.max_residual):.3g}, tolerance {tol:g}). "
            "Try: smaller tariff changes (solve in steps), max_steps larger, tol larger, or "
            "check the data for countries with tiny flows."
            + failure_hint(p, near, st, economy.iso3),
            sol,
        )
    return sol
