"""Nash equilibria of one-instrument-per-player games by Newton on the first-order conditions.

The uniform tariff war: every player ``p`` has one tariff ``x_p``. The stacked conditions
``g_p(x) = dW_p/dx_p = 0`` and their Jacobian come from JAX (one reverse-mode Jacobian of
every welfare w.r.t. every tariff gives the conditions, its "diagonal"; a forward-mode pass
over that gives their Jacobian); the iteration itself is the general
:func:`blocs.solvers.foc_newton`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np

from blocs.errors import ConvergenceError, InputError
from blocs.solvers import FOC_MAX_ITER, FOC_MAX_STEP, FOC_TOL, FocResult, Status, foc_newton
from blocs.strategy.foc_ift import NO_START, ift_foc
from blocs.strategy.optimal import Game

__all__ = ["foc_gradient", "foc_system", "nash_newton"]


@functools.partial(jax.jit, static_argnums=0)
def foc_system(welfare: Callable, x: jax.Array, own: jax.Array, args: Any):
    """``(u, g, H)`` of a one-instrument-per-player game at instruments ``x`` (m,).

    ``u``: every player's welfare (P,); ``g[p] = dW_p/dx_own[p]`` (the first-order
    conditions); ``H[p, q] = d g[p] / d x_own[q]`` (their Jacobian). Row ``p`` of ``H`` is a
    Hessian-vector product of ``W_p`` with the unit vector of its own instrument: one
    forward-over-reverse pass per player (vmapped), no P x m x m arrays.
    """
    P = own.shape[0]
    m = x.shape[0]

    def row(cot: jax.Array, tangent: jax.Array):
        def grad_p(z: jax.Array) -> jax.Array:
            _, vjp = jax.vjp(lambda y: welfare(y, args), z)
            return vjp(cot)[0]

        return jax.jvp(grad_p, (x,), (tangent,))

    grads, hvps = jax.vmap(row)(jnp.eye(P), jnp.eye(m)[own])
    u = welfare(x, args)
    rows = jnp.arange(P)
    return u, grads[rows, own], hvps[:, own]


@functools.partial(jax.jit, static_argnums=0)
def foc_gradient(welfare: Callable, x: jax.Array, own: jax.Array, args: Any):
    """``(u, g)`` of :func:`foc_system` without ``H``: one forward solve and ``P`` reverse
    passes (about a tenth of the cost of ``H`` on icio2022)."""
    u, vjp = jax.vjp(lambda y: welfare(y, args), x)
    J = jax.vmap(vjp)(jnp.eye(u.shape[0]))[0]
    return u, J[jnp.arange(u.shape[0]), own]


def nash_newton(
    game: Game,
    x0: Any,
    *,
    tol: float = FOC_TOL,
    max_iter: int = FOC_MAX_ITER,
    max_step: float = FOC_MAX_STEP,
    jacobian: Literal["broyden", "exact"] = "broyden",
    progress: Callable[[int, float], None] | None = None,
) -> FocResult:
    """Nash equilibrium of a game in which every player has ONE instrument.

    Newton's method on the first-order conditions ``g_p(x) = dW_p/dx_p = 0`` with bounds
    (:func:`blocs.solvers.foc_newton`: active set, steps limited to ``max_step`` per
    tariff, stop when the projected ``|g|`` is below ``tol``).

    ``jacobian="exact"`` computes ``J = dg/dx`` (forward-over-reverse, ``P`` Hessian-vector
    products) at every iterate; ``"broyden"`` (default) computes it at the start and then
    updates it with Broyden's rank-one formula, which costs only a gradient (``P`` reverse
    passes, ~10x cheaper on icio2022), recomputing it when a step makes too little progress.
    Both stop on the same test of ``g``, so they find the same equilibrium.

    Returns:
        :class:`blocs.solvers.FocResult` with ``x`` the full instrument vector (m,) and
        ``gains`` each player's second-order estimate of its unilateral gain (fraction of
        its welfare; ``inf`` where its own curvature is not negative).

    Raises:
        InputError: a player with more than one instrument, or an unknown ``jacobian``.
        ConvergenceError: an equilibrium inside the iteration did not converge.
    """
    if any(len(idx) != 1 for idx in game.players):
        raise InputError(
            "nash_newton needs one instrument per player (shape 'uniform'); use "
            "blocs.strategy.nash_tariffs for other layouts"
        )
    own = np.array([int(idx[0]) for idx in game.players])
    full = np.asarray(x0, dtype=float).copy()
    lo, hi = game.bounds(full.size)
    own_j = jnp.asarray(own)

    def embed(x_own: np.ndarray) -> jax.Array:
        z = full.copy()
        z[own] = x_own
        return jnp.asarray(z)

    parts = game.parts
    warm = [NO_START]  # the last equilibrium: the next solve starts there

    def system(x_own: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if parts is not None:
            (u, g, h), warm[0] = ift_foc(
                parts, embed(x_own), own_j, game.args, hessian=True, start=warm[0]
            )
        else:
            u, g, h = foc_system(game.welfare, embed(x_own), own_j, game.args)
        return np.asarray(u), np.asarray(g), np.asarray(h)

    def gradient(x_own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if parts is not None:
            (u, g), warm[0] = ift_foc(
                parts, embed(x_own), own_j, game.args, hessian=False, start=warm[0]
            )
        else:
            u, g = foc_gradient(game.welfare, embed(x_own), own_j, game.args)
        return np.asarray(u), np.asarray(g)

    res = foc_newton(
        system,
        gradient,
        full[own],
        lo[own],
        hi[own],
        tol=tol,
        max_iter=max_iter,
        max_step=max_step,
        jacobian=jacobian,
        progress=progress,
    )
    if res.status == Status.NONFINITE:
        raise ConvergenceError(
            "an equilibrium inside the Nash iteration did not converge (tariffs "
            f"{np.round(res.x, 3).tolist()[:8]}...). Try a smaller max_tariff, "
            "revenue='lump_sum' (income-tax relief is undefined where tariff revenue "
            "exceeds labour income) or a start closer to the equilibrium.",
            res,
        )
    return res._replace(x=np.asarray(embed(res.x)))
