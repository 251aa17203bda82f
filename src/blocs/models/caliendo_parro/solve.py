"""Solving the multi-sector model: the pure core and the public entry points.

Newton (:func:`blocs.solvers.newton`, implicit derivatives) on ``log w_hat`` (N unknowns);
the inner price and expenditure systems are solved inside the residual
(:mod:`blocs.models.caliendo_parro.inner`). Residuals: the trade balance of every country
but the last, relative to its value added, and the numeraire.

Numeraire: world value added (world GDP) is fixed, ``sum_n w_hat[n] wL[n] = sum_n wL[n]``.
With ``deficits="data"`` the deficits ``D`` are held fixed in these units. Real outcomes
(welfare, real wage) do not depend on the choice.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np

from blocs.economy import MultiSectorEconomy
from blocs.errors import ConvergenceError, InputError
from blocs.models.caliendo_parro.equations import (
    Baseline,
    Weights,
    paper_baseline,
    shock_weights,
    trade_balance,
)
from blocs.models.caliendo_parro.inner import (
    DEFAULT_INNER_ITERATIONS,
    scaled_residual,
    solve_inner,
)
from blocs.models.caliendo_parro.results import MultiSectorEquilibrium, equilibrium_record
from blocs.solvers import (
    DEFAULT_MAX_STEPS,
    DEFAULT_TOL,
    SolverResult,
    Status,
    newton,
    status_code,
    status_message,
)

__all__ = [
    "anonymous",
    "balanced_baseline",
    "check_shocks",
    "data_baseline",
    "data_gap",
    "equilibrium_at",
    "equilibrium_baseline",
    "equilibrium_from_root",
    "evaluate_core",
    "raise_if_failed",
    "rebase",
    "solve_core",
    "solve_multisector",
]

Array = jax.Array


def anonymous(eco: MultiSectorEconomy) -> MultiSectorEconomy:
    """``eco`` without its labels, so that jit compiles once per shape, not per data set."""
    n, s = eco.n, eco.s
    return dataclasses.replace(
        eco,
        iso3=tuple(map(str, range(n))),
        names=("",) * n,
        sectors=tuple(map(str, range(s))),
        tradable=(True,) * s,
        source="",
        dataset="",
    )


@functools.partial(jax.jit, static_argnames=("iterations", "tol", "max_steps"))
def solve_core(
    eco: MultiSectorEconomy,
    t_new: Array,
    d_hat: Array,
    D_new: Array,
    *,
    iterations: int,
    tol: float,
    max_steps: int,
) -> MultiSectorEquilibrium:
    """Pure solve from ``eco`` with deficits ``D_new``; never raises."""
    base = paper_baseline(eco)
    W = shock_weights(base, t_new, d_hat)
    fn = functools.partial(scaled_residual, iterations=iterations)
    res = newton(fn, jnp.zeros(eco.n), (base, W, D_new), tol=tol, max_steps=max_steps)
    return equilibrium_from_root(res, eco, base, W, D_new, t_new, d_hat, iterations, tol)


def equilibrium_from_root(
    res: SolverResult,
    eco: MultiSectorEconomy,
    base: Baseline,
    W: Weights,
    D_new: Array,
    t_new: Array,
    d_hat: Array,
    iterations: int,
    tol: float,
) -> MultiSectorEquilibrium:
    """The equilibrium record at Newton's root ``res.x``; an inner system that did not
    converge to ``tol`` turns a converged status into ``MAX_STEPS``."""
    o = solve_inner(res.x, base, W, D_new, iterations)
    # the inner fixed points count too: an unconverged inner system is the step limit
    status = jnp.where(
        (res.status == Status.CONVERGED) & (o.inner_residual > tol), Status.MAX_STEPS, res.status
    ).astype(jnp.int32)
    return equilibrium_record(
        eco,
        base,
        o,
        W,
        D_new,
        t_new,
        d_hat,
        status,
        res.iterations,
        jnp.maximum(res.max_residual, o.inner_residual),
    )


@functools.partial(jax.jit, static_argnames=("iterations", "tol"))
def evaluate_core(
    eco: MultiSectorEconomy,
    t_new: Array,
    d_hat: Array,
    D_new: Array,
    w_hat: Array,
    *,
    iterations: int,
    tol: float,
) -> MultiSectorEquilibrium:
    """Pure evaluation at given wages ``w_hat`` (no Newton); see :func:`equilibrium_at`."""
    base = paper_baseline(eco)
    W = shock_weights(base, t_new, d_hat)
    o = solve_inner(jnp.log(w_hat), base, W, D_new, iterations)
    tb = trade_balance(o.X_new, o.r, o.Y_new, D_new) / (o.w_hat * base.wL)
    err = jnp.maximum(jnp.max(jnp.abs(tb)), o.inner_residual)
    status = status_code(err, tol, jnp.asarray(False))
    zero = jnp.zeros((), jnp.int32)
    return equilibrium_record(eco, base, o, W, D_new, t_new, d_hat, status, zero, err)


# ----------------------------------------------------------------------------------------
# Public entry points


def _is_concrete(x: Any) -> bool:
    return not isinstance(x, jax.core.Tracer)


def check_shocks(eco: MultiSectorEconomy, t_new: Any, d_hat: Any) -> tuple[Array, Array]:
    """``t_new`` and ``d_hat`` (default: ones) as arrays of the economy's shape, diagonal
    tariffs 0 and diagonal trade costs 1; raises :class:`InputError` on a bad shape or
    (outside jit) a tariff <= -1 or non-positive trade-cost change."""
    shape = (eco.n, eco.n, eco.s)
    t_new = jnp.asarray(t_new, dtype=float)
    d_hat = jnp.ones(shape) if d_hat is None else jnp.asarray(d_hat, dtype=float)
    for name, arr in (("t_new", t_new), ("d_hat", d_hat)):
        if arr.shape != shape:
            raise InputError(
                f"{name} has shape {arr.shape}, but the economy has {eco.n} countries and "
                f"{eco.s} sectors: expected {shape}, ordered [exporter, importer, sector]"
            )
    if _is_concrete(t_new):
        tn = np.asarray(t_new)
        bad = ~np.isfinite(tn) | (tn <= -1.0)
        if bad.any():
            i, n, s = (int(v) for v in np.argwhere(bad)[0])
            raise InputError(
                f"t_new[{eco.iso3[i]}, {eco.iso3[n]}, {eco.sectors[s]}] = {tn[i, n, s]:.4g}: "
                "tariffs must be finite and > -1 (0.25 = 25 %)"
            )
    if _is_concrete(d_hat):
        dn = np.asarray(d_hat)
        if (~np.isfinite(dn) | (dn <= 0)).any():
            raise InputError(
                "d_hat (iceberg trade-cost changes) must be finite and > 0 (1 = no change)"
            )
    off = (1.0 - jnp.eye(eco.n))[:, :, None]
    # a country never taxes its own goods; domestic trade costs do not change
    return t_new * off, d_hat * off + (1.0 - off)


def raise_if_failed(
    sol: MultiSectorEquilibrium, what: str, tol: float, inner_iterations: int
) -> None:
    """Raise :class:`ConvergenceError` naming ``what`` if ``sol`` did not converge (no-op
    under jit/vmap, where the caller checks ``converged``)."""
    try:
        ok = bool(sol.converged)
    except jax.errors.ConcretizationTypeError:  # under jit / vmap: the caller checks
        return
    if not ok:
        raise ConvergenceError(
            f"{what} did not converge in {int(sol.iterations)} Newton steps "
            f"({status_message(sol.status)}; largest scaled "
            f"residual {float(sol.max_residual):.3g}, tolerance {tol:g}). Try: max_steps "
            f"larger, inner_iterations larger than {inner_iterations} (slow input-output "
            "contraction), a smaller shock (solve in steps and rebase), tol larger, or "
            "check the data for countries or sectors with tiny flows; pass throw=False to "
            "get the unconverged result.",
            sol,
        )


def rebase(equilibrium: MultiSectorEquilibrium) -> MultiSectorEconomy:
    """The counterfactual equilibrium as a new baseline economy.

    Flows become ``X_new``, tariffs ``t_new``, deficits ``D_new``; ``theta``, ``alpha`` and
    ``gamma_io`` are kept. Iceberg shocks are absorbed in the new flows. Jittable.

    The value-added shares become ``gamma_va[n, k] = 1 - sum_j gamma_io[n, j, k]``: in an
    equilibrium value added is exactly ``sum_k (1 - sum_j gamma_io[n, j, k]) GO'[n, k]``,
    so the re-based world is an exact equilibrium (with published input-output tables whose
    shares sum to one only up to rounding, cp2015: 3.7e-7, the data's ``gamma_va`` would
    leave it off by that much).

    Example:
        >>> eq = solve_multisector(eco, eco.t, deficits="data")      # doctest: +SKIP
        >>> eco2 = rebase(eq)                                          # doctest: +SKIP
    """
    eco = equilibrium.baseline
    gamma_va = eco.gamma_va
    if eco.gamma_io is not None:
        gamma_va = 1.0 - jnp.sum(eco.gamma_io, axis=1)
    return dataclasses.replace(
        eco, X=equilibrium.X_new, t=equilibrium.t_new, D=equilibrium.D_new, gamma_va=gamma_va
    )


def data_gap(
    economy: MultiSectorEconomy,
    *,
    tol: float = DEFAULT_TOL,
    inner_iterations: int = DEFAULT_INNER_ITERATIONS,
) -> Array:
    """How far the data are from an equilibrium with their own deficits: the largest scaled
    residual (trade balance relative to value added, inner systems) at ``w_hat = 1``."""
    n, s = economy.n, economy.s
    chk = evaluate_core(
        anonymous(economy),
        economy.t,
        jnp.ones((n, n, s)),
        economy.D,
        jnp.ones(n),
        iterations=inner_iterations,
        tol=tol,
    )
    return chk.max_residual


def equilibrium_baseline(
    economy: MultiSectorEconomy,
    D: Any,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    inner_iterations: int = DEFAULT_INNER_ITERATIONS,
    throw: bool = True,
    what: str = "the baseline equilibrium",
) -> MultiSectorEconomy:
    """The model's own equilibrium at the baseline tariffs with deficits ``D``, re-based.

    Counterfactuals are measured from it (never from raw data that are not an equilibrium:
    the same zero shock would otherwise move wages and welfare). Jittable.
    """
    n, s = economy.n, economy.s
    sol = solve_core(
        anonymous(economy),
        economy.t,
        jnp.ones((n, n, s)),
        jnp.asarray(D, dtype=float),
        iterations=inner_iterations,
        tol=tol,
        max_steps=max_steps,
    )
    sol = sol._replace(baseline=economy)
    if throw:
        raise_if_failed(sol, what, tol, inner_iterations)
    return rebase(sol)


def data_baseline(
    economy: MultiSectorEconomy,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    inner_iterations: int = DEFAULT_INNER_ITERATIONS,
    throw: bool = True,
) -> MultiSectorEconomy:
    """The baseline with the data's deficits kept (``deficits="data"``): the data if they
    are an equilibrium (to ``tol``), else the model's equilibrium at the baseline tariffs
    with the data's deficits ``D``, as Caliendo & Parro's own code and the R ``cp2015``
    package measure counterfactuals (the raw cp2015 data are off by 2 %: :func:`data_gap`).
    """
    gap = data_gap(economy, tol=tol, inner_iterations=inner_iterations)
    if _is_concrete(gap) and float(gap) <= tol:
        return economy
    return equilibrium_baseline(
        economy,
        economy.D,
        tol=tol,
        max_steps=max_steps,
        inner_iterations=inner_iterations,
        throw=throw,
        what="the baseline equilibrium with the data's deficits (deficits='data')",
    )


def balanced_baseline(
    economy: MultiSectorEconomy,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    inner_iterations: int = DEFAULT_INNER_ITERATIONS,
    throw: bool = True,
) -> MultiSectorEconomy:
    """The baseline re-based on a world without trade deficits (models.md §2).

    Solves the model at the baseline tariffs with ``D' = 0`` and returns that equilibrium
    as the new baseline: its flows (hence ``pi'``, ``X'``, ``I'`` and ``w_hat * wL``) with
    ``D = 0``; ``alpha``, ``gamma_io`` and ``theta`` are kept (``gamma_va`` as in
    :func:`rebase`). Caliendo & Parro's Table 2 is measured from this world.

    Example:
        >>> from blocs.data.multisector import load_cp2015
        >>> eco = balanced_baseline(load_cp2015())
        >>> float(abs(eco.D).max())
        0.0
    """
    return equilibrium_baseline(
        economy,
        jnp.zeros(economy.n),
        tol=tol,
        max_steps=max_steps,
        inner_iterations=inner_iterations,
        throw=throw,
        what="the zero-deficit baseline (deficits='balanced')",
    )


def solve_multisector(
    economy: MultiSectorEconomy,
    t_new: Any,
    *,
    d_hat: Any | None = None,
    deficits: Literal["data", "balanced"] = "data",
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    inner_iterations: int = DEFAULT_INNER_ITERATIONS,
    throw: bool = True,
) -> MultiSectorEquilibrium:
    """Solve the Caliendo-Parro model for new tariffs ``t_new`` (and iceberg shocks).

    Pure: jittable (``static_argnames=("deficits", "tol", "max_steps", "inner_iterations",
    "throw")``), vmappable over ``t_new`` / ``d_hat`` and differentiable with respect to
    them and to the economy's arrays (implicit function theorem, no unrolled Newton steps).

    Args:
        economy: the baseline (:class:`MultiSectorEconomy`).
        t_new: counterfactual tariffs ``t'[i, n, s]``, shape (N, N, S); the diagonal is
            ignored (set to 0).
        d_hat: iceberg trade-cost changes ``d_hat[i, n, s]`` (1 = none), shape (N, N, S).
        deficits: ``"data"`` holds the baseline deficits ``D`` fixed (numeraire: world value
            added), measured from the model's equilibrium with them when the data are not
            one (:func:`data_baseline`); ``"balanced"`` first solves the world with ``D' = 0`` at the baseline
            tariffs and measures everything from there (Caliendo & Parro's Table 2).
        tol: tolerance on the largest scaled residual (relative trade balance, numeraire,
            inner fixed points).
        max_steps: Newton steps before giving up.
        inner_iterations: fixed-point steps of the inner price and expenditure systems.
        throw: raise :class:`ConvergenceError` on failure (outside jit/vmap); else check
            ``converged``.

    Returns:
        :class:`MultiSectorEquilibrium`.

    Example:
        >>> from blocs.data.multisector import load_cp2015, cp2015_nafta_tariffs
        >>> eco = load_cp2015()
        >>> eq = solve_multisector(eco, cp2015_nafta_tariffs(), deficits="balanced")
        >>> mex = eco.index("MEX")
        >>> round(float(eq.tot_pct[mex]), 2), round(float(eq.vot_pct[mex]), 2)
        (-0.41, 1.72)
    """
    t_new, d_hat = check_shocks(economy, t_new, d_hat)
    if deficits == "balanced":
        economy = balanced_baseline(
            economy, tol=tol, max_steps=max_steps, inner_iterations=inner_iterations, throw=throw
        )
        D_new = jnp.zeros(economy.n)
    elif deficits == "data":
        economy = data_baseline(
            economy, tol=tol, max_steps=max_steps, inner_iterations=inner_iterations, throw=throw
        )
        D_new = economy.D
    else:
        raise InputError(
            f"deficits={deficits!r}: choose 'data' (baseline deficits held "
            "fixed) or 'balanced' (re-base on a zero-deficit world first)"
        )
    sol = solve_core(
        anonymous(economy),
        t_new,
        d_hat,
        D_new,
        iterations=inner_iterations,
        tol=tol,
        max_steps=max_steps,
    )
    sol = sol._replace(baseline=economy)
    if throw:
        raise_if_failed(sol, "the multi-sector equilibrium", tol, inner_iterations)
    return sol


def equilibrium_at(
    economy: MultiSectorEconomy,
    t_new: Any,
    w_hat: Any,
    *,
    d_hat: Any | None = None,
    D_new: Any | None = None,
    tol: float = DEFAULT_TOL,
    inner_iterations: int = DEFAULT_INNER_ITERATIONS,
) -> MultiSectorEquilibrium:
    """Every outcome at given wages ``w_hat`` (prices and expenditure solved, no Newton).

    For checks: ``trade_balance_residual`` shows whether ``w_hat`` is an equilibrium under
    any numeraire (``converged`` = every country's trade balance and the inner systems hold
    to ``tol``; ``max_residual`` is the largest of them; ``iterations`` is 0). Scaling
    ``w_hat`` and ``D_new`` by the same factor is a change of numeraire: real outcomes must
    not move.

    Args:
        economy, t_new, d_hat: as in :func:`solve_multisector`.
        w_hat: wage changes, shape (N,).
        D_new: deficits in the units of ``w_hat`` (default: the economy's ``D``).
    """
    t_new, d_hat = check_shocks(economy, t_new, d_hat)
    D_new = economy.D if D_new is None else jnp.asarray(D_new, dtype=float)
    sol = evaluate_core(
        anonymous(economy),
        t_new,
        d_hat,
        D_new,
        jnp.asarray(w_hat, dtype=float),
        iterations=inner_iterations,
        tol=tol,
    )
    return sol._replace(baseline=economy)
