"""Cooperative tariffs (trade talks), generic over models.

- :func:`cooperative_tariffs`: maximise a weighted sum of players' welfare.
- :func:`equal_gains_tariffs`: the efficient point at which every member gains the same
  percentage from the start ``x0`` (Ossa 2014, Table 5): maximise the first member's gain
  subject to equal gains, by an augmented Lagrangian whose inner problems are solved by
  L-BFGS-B with exact gradients.
- :func:`nash_bargaining`: the Nash bargaining solution of two players (or two blocs'
  representatives) with a threat point, typically the Nash war: maximise
  ``(u_a - d_a)(u_b - d_b)`` over their instruments, everyone else's fixed.

Gains are relative: ``g_p(x) = u_p(x) / u_p(x0) - 1`` (with hat-valued welfare re-based at
``x0``, ``u_p(x0) = 1`` and ``g_p`` is the fraction of income gained).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from blocs.errors import ConvergenceError, InputError
from blocs.strategy.optimal import (
    DEFAULT_GTOL,
    Game,
    OptimalTariffs,
    maximise,
    optimal_tariffs,
    projected_gradient,
)

__all__ = [
    "DEFAULT_CONSTRAINT_TOL",
    "DEFAULT_COOPERATIVE_GTOL",
    "CooperativeTariffs",
    "cooperative_tariffs",
    "equal_gains_tariffs",
    "nash_bargaining",
]

#: Largest allowed difference between members' relative gains at the equal-gains point.
DEFAULT_CONSTRAINT_TOL = 1e-10
#: Default inner tolerance (curvature-scaled projected gradient) of the equal-gains problem.
#: Looser than for one player's optimum: with all N(N-1)S instruments and the penalty term
#: the last digits cost hundreds of gradient steps, and 1e-7 already pins the common gain to
#: ~1e-15.
DEFAULT_COOPERATIVE_GTOL = 1e-7
#: Initial penalty of the augmented Lagrangian (gains are fractions, gradients ~1e-3).
_RHO0 = 1e2
#: Penalty growth when the constraint violation does not shrink by _SHRINK.
_RHO_GROWTH = 10.0
_SHRINK = 0.5
#: Loosest inner tolerance (the inner tolerance follows the constraint violation down to
#: ``gtol``).
_INNER_TOL_MAX = 1e-6
#: Largest penalty (beyond it the inner problems become ill-conditioned).
_RHO_MAX = 1e6
#: The log of the Nash product is continued quadratically below this fraction of the
#: starting gains, so that the objective stays finite if a trial point loses.
_LOG_FLOOR = 1e-3


@dataclasses.dataclass(frozen=True)
class CooperativeTariffs:
    """A cooperative outcome.

    Attributes:
        x: the instrument profile, shape (m,).
        members: the players whose gains define the outcome, shape (q,).
        gains: every player's relative gain ``u_p(x) / u_p(reference) - 1``, shape (P,).
        common_gain: the members' mean gain (equal across members at the equal-gains
            point), float.
        welfare: every player's objective at ``x``, shape (P,).
        constraint_violation: largest |g_p - g_first| over members (0 for bargaining), float.
        multipliers: augmented-Lagrangian multipliers of ``g_p - g_first = 0``, shape (q-1,).
        gradient_norm: projected gradient (inf-norm, curvature-scaled when the game has a
            curvature) of the final inner objective, float.
        outer_iterations: augmented-Lagrangian updates; iterations: L-BFGS-B iterations.
        converged: constraints and inner problem within tolerance.
        seconds: wall time.
    """

    x: np.ndarray
    members: np.ndarray
    gains: np.ndarray
    common_gain: float
    welfare: np.ndarray
    constraint_violation: float
    multipliers: np.ndarray
    gradient_norm: float
    outer_iterations: int
    iterations: int
    converged: bool
    seconds: float


def cooperative_tariffs(
    game: Game,
    x0,
    weights: Sequence[float] | None = None,
    *,
    instruments: Sequence[int] | None = None,
    gtol: float = DEFAULT_GTOL,
    max_iter: int = 20000,
    throw: bool = False,
) -> OptimalTariffs:
    """Maximise ``weights @ welfare`` over ``instruments`` (default: all, equal weights).

    Example:
        >>> import jax.numpy as jnp
        >>> def welfare(x, a):  # each player gains from its own instrument, loses from the other's
        ...     return jnp.array([x[0] - x[0]**2 - x[1], x[1] - x[1]**2 - x[0]])
        >>> g = Game(welfare, None, players=([0], [1]), lower=0.0, upper=1.0)
        >>> [round(float(v), 6) for v in cooperative_tariffs(g, jnp.full(2, 0.5)).x]
        [0.0, 0.0]
    """
    w = np.ones(game.n_players) if weights is None else np.asarray(weights, dtype=float)
    return optimal_tariffs(
        game, x0, weights=w, instruments=instruments, gtol=gtol, max_iter=max_iter, throw=throw
    )


@functools.partial(jax.jit, static_argnums=0)
def _al_value_and_grad(welfare, z, x, idx, args, u_ref, members, mu, rho):
    def lagrangian(z):
        u = welfare(x.at[idx].set(z), args)
        g = u[members] / u_ref[members] - 1.0
        c = g[1:] - g[0]
        return g[0] - mu @ c - 0.5 * rho * (c @ c), c

    (v, c), grad = jax.value_and_grad(lagrangian, has_aux=True)(z)
    return v, grad, c


def _log_floor(g, floor):
    """``log g`` for ``g >= floor``; below, its second-order expansion at ``floor``."""
    safe = jnp.maximum(g, floor)
    d = (g - floor) / floor
    return jnp.where(g >= floor, jnp.log(safe), jnp.log(floor) + d - 0.5 * d**2)


@functools.partial(jax.jit, static_argnums=0)
def _nash_product_value_and_grad(welfare, z, x, idx, args, d, members, floor):
    def objective(z):
        u = welfare(x.at[idx].set(z), args)
        return jnp.sum(_log_floor(u[members] - d, floor))

    return jax.value_and_grad(objective)(z)


def _members_and_instruments(game: Game, members, instruments):
    P = game.n_players
    mem = np.arange(P) if members is None else np.asarray(members, dtype=np.int64)
    if mem.size < 1 or np.any((mem < 0) | (mem >= P)) or len(set(mem.tolist())) != mem.size:
        raise InputError(f"members must be distinct players in 0..{P - 1}, got {mem.tolist()}")
    idx = (
        np.concatenate([game.players[p] for p in mem])
        if instruments is None
        else np.asarray(instruments, dtype=np.int64)
    )
    return mem, idx


def equal_gains_tariffs(
    game: Game,
    x0,
    *,
    members: Sequence[int] | None = None,
    instruments: Sequence[int] | None = None,
    constraint_tol: float = DEFAULT_CONSTRAINT_TOL,
    gtol: float = DEFAULT_COOPERATIVE_GTOL,
    max_outer: int = 30,
    max_iter: int = 20000,
    throw: bool = True,
    verbose: bool = False,
) -> CooperativeTariffs:
    """The efficient point at which every member gains the same fraction from ``x0``.

    Maximises ``g_first(x)`` subject to ``g_p(x) = g_first(x)`` for the other members, with
    ``g_p(x) = u_p(x) / u_p(x0) - 1``, over ``instruments`` (default: the members'), the
    rest fixed at ``x0``. Augmented Lagrangian: each outer step maximises
    ``g_first - mu @ c - rho/2 |c|^2`` (``c_p = g_p - g_first``) by L-BFGS-B from the
    previous point, then ``mu += rho c``; ``rho`` grows tenfold when ``|c|`` shrinks by less
    than 2x.

    Args:
        game: the :class:`Game`.
        x0: start and reference profile (Ossa: Nash, factual or free trade), shape (m,).
        members: players whose gains are equalised (default: all).
        instruments: indices optimised over (default: the members' instruments).
        constraint_tol: accepted max |g_p - g_first|.
        gtol: inner projected-gradient tolerance.
        max_outer, max_iter: outer updates and inner L-BFGS-B iterations (each).
        throw: raise :class:`ConvergenceError` if not converged.
        verbose: print one line per outer step.

    Returns:
        :class:`CooperativeTariffs` (``common_gain`` is the equal gain).
    """
    start = time.perf_counter()
    x0 = np.asarray(x0, dtype=float)
    mem, idx = _members_and_instruments(game, members, instruments)
    lo_all, hi_all = game.bounds(x0.shape[0])
    lo, hi = lo_all[idx], hi_all[idx]
    u_ref = jnp.asarray(game.welfare_at(x0))
    xj, idx_j, mem_j = jnp.asarray(x0), jnp.asarray(idx), jnp.asarray(mem)
    mu = np.zeros(mem.size - 1)
    rho = _RHO0
    z = x0[idx].copy()
    iterations = 0
    viol = np.inf
    prev_viol = np.inf
    gnorm = np.inf
    converged = False
    outer = 0
    for outer in range(1, max_outer + 1):
        mu_j, rho_j = jnp.asarray(mu), jnp.asarray(rho)

        def fun_vg(zz, mu_j=mu_j, rho_j=rho_j):
            v, g, _ = _al_value_and_grad(
                game.welfare, jnp.asarray(zz), xj, idx_j, game.args, u_ref, mem_j, mu_j, rho_j
            )
            return float(v), np.asarray(g, dtype=float)

        x_cur = x0.copy()
        x_cur[idx] = z
        # inexact inner solves while the constraints are far from holding
        inner_tol = max(gtol, min(_INNER_TOL_MAX, viol))
        res = maximise(fun_vg, z, lo, hi, inner_tol, max_iter, scale=game.scale_at(x_cur, idx))
        iterations += int(res.nit)
        z = np.clip(res.x, lo, hi)
        _, g, c = _al_value_and_grad(
            game.welfare,
            jnp.asarray(z),
            xj,
            idx_j,
            game.args,
            u_ref,
            mem_j,
            jnp.asarray(mu),
            jnp.asarray(rho),
        )
        c = np.asarray(c)
        gnorm = float(res.scaled_gradient)
        viol = float(np.max(np.abs(c), initial=0.0))
        if verbose:
            print(
                f"outer {outer:2d}: |c| {viol:.3e}, rho {rho:.0e}, inner iterations "
                f"{res.nit}, projected gradient {gnorm:.2e}, "
                f"{time.perf_counter() - start:.1f} s"
            )
        mu = mu + rho * c
        if viol < constraint_tol and gnorm <= gtol:
            converged = True
            break
        if viol > _SHRINK * prev_viol and viol > constraint_tol:
            rho = min(_RHO_GROWTH * rho, _RHO_MAX)
        prev_viol = viol
    x = x0.copy()
    x[idx] = z
    u = game.welfare_at(x)
    gains = u / np.asarray(u_ref) - 1.0
    out = CooperativeTariffs(
        x=x,
        members=mem,
        gains=gains,
        common_gain=float(np.mean(gains[mem])),
        welfare=u,
        constraint_violation=viol,
        multipliers=mu,
        gradient_norm=gnorm,
        outer_iterations=outer,
        iterations=iterations,
        converged=converged,
        seconds=time.perf_counter() - start,
    )
    if throw and not converged:
        raise ConvergenceError(
            f"equal-gains tariffs did not converge after {outer} augmented-Lagrangian steps "
            f"(gain differences {viol:.3g}, tolerance {constraint_tol:g}; projected gradient "
            f"{gnorm:.3g}). Try more max_outer / max_iter or a looser constraint_tol.",
            out,
        )
    return out


def nash_bargaining(
    game: Game,
    threat,
    pair: Sequence[int],
    *,
    instruments: Sequence[int] | None = None,
    start=None,
    gtol: float = DEFAULT_COOPERATIVE_GTOL,
    max_iter: int = 20000,
    throw: bool = True,
) -> CooperativeTariffs:
    """Nash bargaining between two players with threat point ``threat`` (e.g. the Nash war).

    Maximises ``log(u_a - d_a) + log(u_b - d_b)`` with ``d = welfare(threat)`` over
    ``instruments`` (default: both players' instruments), everyone else's at ``threat``.
    It starts from ``start`` or, by default, from the pair's equal-gains point
    (:func:`equal_gains_tariffs` with ``members=pair``), where both gain.

    Returns:
        :class:`CooperativeTariffs`; ``gains`` are relative to the threat point.

    Example:
        >>> import jax.numpy as jnp
        >>> def welfare(x, a):  # symmetric tariff war: free trade is efficient
        ...     return jnp.array([1 + x[0] - x[0]**2 - 1.5 * x[1],
        ...                       1 + x[1] - x[1]**2 - 1.5 * x[0]])
        >>> g = Game(welfare, None, players=([0], [1]), lower=0.0, upper=1.0)
        >>> nb = nash_bargaining(g, jnp.full(2, 0.5), pair=(0, 1))
        >>> [round(float(v), 5) for v in nb.x]
        [0.0, 0.0]
    """
    t0 = time.perf_counter()
    threat = np.asarray(threat, dtype=float)
    mem, idx = _members_and_instruments(game, pair, instruments)
    if mem.size != 2:
        raise InputError(f"Nash bargaining needs exactly two players, got {mem.tolist()}")
    d = game.welfare_at(threat)
    iterations = 0
    if start is None:
        eg = equal_gains_tariffs(
            game, threat, members=mem, instruments=idx, gtol=gtol, max_iter=max_iter, throw=throw
        )
        start = eg.x
        iterations += eg.iterations
    start = np.asarray(start, dtype=float)
    surplus0 = game.welfare_at(start)[mem] - d[mem]
    if np.any(surplus0 <= 0):
        raise InputError(
            f"the bargaining start gives no gain to both players over the threat point "
            f"(surpluses {surplus0.tolist()}); pass start= a profile where both gain"
        )
    floor = jnp.asarray(_LOG_FLOOR * float(np.min(surplus0)))
    lo_all, hi_all = game.bounds(threat.shape[0])
    lo, hi = lo_all[idx], hi_all[idx]
    xj, idx_j, mem_j, dj = (
        jnp.asarray(threat),
        jnp.asarray(idx),
        jnp.asarray(mem),
        jnp.asarray(d[mem]),
    )

    def fun_vg(zz):
        v, g = _nash_product_value_and_grad(
            game.welfare, jnp.asarray(zz), xj, idx_j, game.args, dj, mem_j, floor
        )
        return float(v), np.asarray(g, dtype=float)

    res = maximise(fun_vg, start[idx], lo, hi, gtol, max_iter, scale=game.scale_at(start, idx))
    iterations += int(res.nit)
    z = np.clip(res.x, lo, hi)
    _, g = fun_vg(z)
    x = threat.copy()
    x[idx] = z
    u = game.welfare_at(x)
    gains = u / d - 1.0
    gnorm = float(np.max(np.abs(projected_gradient(g, z, lo, hi)), initial=0.0))
    out = CooperativeTariffs(
        x=x,
        members=mem,
        gains=gains,
        common_gain=float(np.mean(gains[mem])),
        welfare=u,
        constraint_violation=0.0,
        multipliers=np.zeros(0),
        gradient_norm=gnorm,
        outer_iterations=1,
        iterations=iterations,
        converged=bool(res.success),
        seconds=time.perf_counter() - t0,
    )
    if throw and not out.converged:
        raise ConvergenceError(
            f"Nash bargaining did not converge: {res.message} (projected gradient "
            f"{gnorm:.3g}). Try another start= or a larger max_iter.",
            out,
        )
    return out
