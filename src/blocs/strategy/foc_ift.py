"""First-order conditions of one-instrument games by the implicit function theorem, one LU.

The conditions ``g_p = dW_p/dx_p`` of a tariff game and their Jacobian ``H[p, q] =
dg_p/dx_q`` (:func:`blocs.strategy.nash_newton`), computed from ONE equilibrium solve and
ONE factorisation of the residual's Jacobian, instead of differentiating every player's
welfare through the solver (``P`` reverse passes, each with its own linear solves, and a
forward pass over each: 2.9 GB for the 194 players of world2023).

With ``F(e, x) = 0`` the equilibrium conditions in the unknowns ``e`` (n,) at instruments
``x`` (m,) and ``W(e, x)`` the players' objectives (P,), at the solved ``e``:

- ``J = F_e`` (n, n), factorised once (LU); ``F_e, W_e, F_x, W_x`` by forward mode, in
  chunks of :data:`CHUNK` directions (memory);
- ``E = de/dx_own = -J^-1 F_x[:, own]`` (n, P) and the adjoints ``lam_p = J^-T W_p,e``
  (n, P), so ``g_p = W_p,x[own_p] - lam_p . F_x[:, own_p]``;
- with ``v_q = (E[:, q], unit own_q)`` (the total derivative of ``(e, x)`` along player
  ``q``'s instrument) and the Lagrangian ``L_p = W_p - lam_p . F``:
  ``H[p, q] = v_p' (Hess L_p) v_q`` (the second total derivative of ``W_p``: its term
  ``W_p,e d2e`` equals ``-lam_p . D2F`` because ``J d2e = -D2F``). One Hessian-vector
  product of ``L_p`` per player (forward over reverse through the residual and the
  objective only, never through the solver), in chunks of :data:`CHUNK` players.

The solve, the first derivatives and the second are three compiled programs (the first two
shared by the gradient-only and the full calls). The same solve program (fixed shapes, so
one executable) also gives the players' objectives (:func:`objective_at`) and one weighted
objective with its gradient in any instruments (:func:`weighted_value_and_grad`, the
objective of a best response): the equilibrium is solved by one compiled program in a
whole game, and only small programs without a solve are added around it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np

__all__ = [
    "CHUNK",
    "NO_START",
    "Parts",
    "Start",
    "ift_foc",
    "objective_at",
    "solve_cold",
    "weighted_value_and_grad",
]

#: Directions (forward-mode Jacobian columns, Hessian-vector products) computed together:
#: bounds the memory of the derivatives (each holds the residual's intermediate arrays).
CHUNK = 16


class Parts(NamedTuple):
    """A game's equilibrium, as functions of its instruments (hashable: jit static).

    Attributes:
        start: ``args -> e0``, the default start of a solve (n,).
        solve: ``(x, args, e0) -> (e, converged)``: the equilibrium's unknowns (n,) at
            instruments ``x`` (m,) from ``e0``.
        residual: ``(e, x, args) -> F`` (n,), zero at the equilibrium.
        objective: ``(e, x, args) -> W`` (P,), the players' objectives at unknowns ``e``.
    """

    start: Callable[..., Any]
    solve: Callable[..., Any]
    residual: Callable[..., Any]
    objective: Callable[..., Any]


class Start(NamedTuple):
    """The unknowns of the last equilibrium found (a warm start), or None."""

    e: np.ndarray | None = None


#: No warm start: the solve starts from ``parts.start``.
NO_START = Start()


def _chunked(f: Callable[[Any], jax.Array], xs: Any, k: int) -> jax.Array:
    """``vmap(f)(xs)`` computed ``CHUNK`` rows at a time (a loop of vmapped chunks); the
    rows are padded to a multiple of the chunk so that one copy of ``f`` is compiled."""
    size = k
    chunk = min(CHUNK, size)
    pad = -size % chunk
    padded = jax.tree.map(
        lambda a: jnp.concatenate([a, jnp.zeros((pad, *a.shape[1:]), a.dtype)]), xs
    )
    blocks = jax.tree.map(lambda a: a.reshape(-1, chunk, *a.shape[1:]), padded)
    out = jax.lax.map(jax.vmap(f), blocks)
    return out.reshape(-1, *out.shape[2:])[:size]


def _columns(f: Callable[[jax.Array], jax.Array], z: jax.Array) -> jax.Array:
    """The Jacobian of ``f`` at ``z`` by forward mode, ``CHUNK`` columns at a time,
    shape (out, len(z))."""
    basis = jnp.eye(z.shape[0], dtype=z.dtype)
    return _chunked(lambda v: jax.jvp(f, (z,), (v,))[1], basis, z.shape[0]).T


@functools.partial(jax.jit, static_argnames=("parts",))
def _solve(parts: Parts, x: jax.Array, args: Any, e0: jax.Array) -> tuple:
    return parts.solve(x, args, e0)


@functools.partial(jax.jit, static_argnames=("parts",))
def _start(parts: Parts, args: Any) -> jax.Array:
    return parts.start(args)


@functools.partial(jax.jit, static_argnames=("parts",))
def _first(parts: Parts, e: jax.Array, x: jax.Array, own: jax.Array, args: Any) -> tuple:
    """``u, g`` and what the second derivatives need: ``lam`` (n, P), ``E`` (n, P)."""
    n = e.shape[0]

    def G(e_: jax.Array, x_: jax.Array) -> jax.Array:
        return jnp.concatenate([parts.residual(e_, x_, args), parts.objective(e_, x_, args)])

    u = parts.objective(e, x, args)
    Ge = _columns(lambda z: G(z, x), e)  # (n + P, n)
    Gx = _columns(lambda z: G(e, z), x)[:, own]  # (n + P, P)
    J, We = Ge[:n], Ge[n:]
    Fx, Wx = Gx[:n], Gx[n:]
    lu = jsl.lu_factor(J)
    lam = jsl.lu_solve(lu, We.T, trans=1)  # J' lam_p = W_p,e
    rows = jnp.arange(own.shape[0])
    g = Wx[rows, rows] - jnp.sum(lam * Fx, axis=0)
    E = -jsl.lu_solve(lu, Fx)
    return u, g, lam, E


@functools.partial(jax.jit, static_argnames=("parts",))
def _second(parts: Parts, e: jax.Array, x: jax.Array, own: jax.Array, args: Any,
            lam: jax.Array, E: jax.Array) -> jax.Array:  # fmt: skip
    """``H`` (P, P): one Hessian-vector product of each player's Lagrangian."""
    P = own.shape[0]
    rows = jnp.arange(P)
    Vx = jnp.zeros((x.shape[0], P), dtype=x.dtype).at[own, rows].set(1.0)  # (m, P)

    def lagrangian(z: tuple, lam_p: jax.Array, c_p: jax.Array) -> jax.Array:
        return c_p @ parts.objective(*z, args) - lam_p @ parts.residual(*z, args)

    def row(a: tuple) -> jax.Array:
        lam_p, c_p, ve, vx = a
        grad = jax.grad(lagrangian)
        _, (he, hx) = jax.jvp(lambda z: grad(z, lam_p, c_p), ((e, x),), ((ve, vx),))
        return he @ E + hx @ Vx

    eye = jnp.eye(P, dtype=e.dtype)
    return _chunked(row, (lam.T, eye, E.T, Vx.T), P)


def ift_foc(parts: Parts, x: jax.Array, own: jax.Array, args: Any, *, hessian: bool,
            start: Start = NO_START) -> tuple[tuple, Start]:  # fmt: skip
    """``((u, g, H), start)`` (``hessian=True``) or ``((u, g), start)`` at instruments ``x``.

    Args:
        parts: the game's equilibrium (:class:`Parts`).
        x: every instrument, shape (m,). own: each player's instrument, shape (P,).
        args: the data ``parts`` take (a PyTree).
        hessian: also return ``H`` (P, P).
        start: a warm start (the ``start`` an earlier call returned); the solve is
            repeated from ``parts.start`` when it fails from there.

    Returns:
        ``u`` (P,) the objectives, ``g`` (P,) the conditions, ``H`` (P, P), NaN when the
        equilibrium did not converge (as the objective of the game is); and the warm start
        for the next call.
    """
    cold = _start(parts, args)
    e, ok = _solve(parts, x, args, cold if start.e is None else jnp.asarray(start.e))
    if not bool(ok) and start.e is not None:
        e, ok = _solve(parts, x, args, cold)
    if not bool(ok):
        P = own.shape[0]
        nan = np.full(P, np.nan)
        return ((nan, nan, np.full((P, P), np.nan)) if hessian else (nan, nan)), start
    u, g, lam, E = _first(parts, e, x, own, args)
    nxt = Start(np.asarray(e))
    if not hessian:
        return (u, g), nxt
    return (u, g, _second(parts, e, x, own, args, lam, E)), nxt


def solve_cold(parts: Parts, x: Any, args: Any) -> tuple[jax.Array, bool]:
    """``(e, converged)``: the equilibrium's unknowns (n,) at instruments ``x`` (m,),
    solved from ``parts.start`` (the program :func:`ift_foc` solves with)."""
    e, ok = _solve(parts, jnp.asarray(x, dtype=float), args, _start(parts, args))
    return e, bool(ok)


@functools.partial(jax.jit, static_argnames=("parts",))
def _objective(parts: Parts, e: jax.Array, x: jax.Array, args: Any) -> jax.Array:
    return parts.objective(e, x, args)


def objective_at(parts: Parts, x: Any, args: Any) -> np.ndarray:
    """The players' objectives (P,) at instruments ``x`` (m,); NaN when the equilibrium did
    not converge."""
    x = jnp.asarray(x, dtype=float)
    e, ok = solve_cold(parts, x, args)
    u = np.asarray(_objective(parts, e, x, args))
    return u if ok else np.full(u.shape, np.nan)


@functools.partial(jax.jit, static_argnames=("parts",))
def _weighted(parts: Parts, e: jax.Array, x: jax.Array, idx: jax.Array, w: jax.Array,
              args: Any) -> tuple[jax.Array, jax.Array]:  # fmt: skip
    """``w . W`` and its total derivative in ``x[idx]``: ``W_x - lam . F_x`` with the
    adjoint ``J' lam = (w . W)_e`` (one LU of ``J = F_e``, by forward-mode columns)."""
    J = _columns(lambda z: parts.residual(z, x, args), e)  # (n, n)
    v, (We, Wx) = jax.value_and_grad(
        lambda e_, x_: w @ parts.objective(e_, x_, args), argnums=(0, 1)
    )(e, x)
    lam = jsl.lu_solve(jsl.lu_factor(J), We, trans=1)
    _, pullback = jax.vjp(lambda x_: parts.residual(e, x_, args), x)
    return v, (Wx - pullback(lam)[0])[idx]


def weighted_value_and_grad(parts: Parts, x: Any, idx: Any, w: Any,
                            args: Any) -> tuple[float, np.ndarray]:  # fmt: skip
    """``(w . W(x), d(w . W)/dx[idx])`` at instruments ``x`` (m,), weights ``w`` (P,),
    instruments ``idx`` (k,): value and gradient (k,) by the implicit function theorem;
    NaN when the equilibrium did not converge."""
    x = jnp.asarray(x, dtype=float)
    e, ok = solve_cold(parts, x, args)
    v, g = _weighted(parts, e, x, jnp.asarray(idx), jnp.asarray(w, dtype=float), args)
    if not ok:
        return float("nan"), np.full(g.shape, np.nan)
    return float(v), np.asarray(g, dtype=float)
