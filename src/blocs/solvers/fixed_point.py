"""Fixed points of contractions and linear systems ``(I - M) x = b`` with ``rho(M) < 1``.

Method
    Plain fixed-point iteration ``x <- x - f(x)`` (that is ``x <- T(x)`` for
    ``f(x) = x - T(x)``) in a ``jax.lax.while_loop`` that stops when one step changes ``x`` by
    less than ``tol`` relative to ``max(max |x|, 1)`` (default :data:`FIXED_POINT_TOL`,
    machine precision) or after ``max_iter`` steps, whichever comes first. The number of
    steps is therefore data dependent; the routines return only ``x``, so a caller that must
    know whether the iteration converged measures the remaining error ``f(x)`` itself (the
    multi-sector model does, and counts it in its residual).

Derivatives
    Never run through the iterations (a ``while_loop`` is not reverse differentiable):

    - :func:`fixed_point_root` wraps the iteration in ``jax.lax.custom_root``, so the
      derivative of the fixed point ``x* = T(x*)`` comes from the implicit function theorem,
      a linear system in ``I - T'(x*)`` that is solved by :func:`linear_solve`;
    - :func:`linear_solve` wraps the Neumann iteration (:func:`neumann`) in
      ``jax.lax.custom_linear_solve``, so its derivatives (and transposes) are again
      Neumann solves with the same operator.

    Everything is jittable, vmappable (each batch member iterates until the slowest one
    stops), and forward and reverse differentiable.

The iteration converges for any start when ``T`` is a contraction, at the rate of its
Lipschitz constant (for a linear system: the spectral radius of ``M``); ``max_iter`` must
allow ``log(tol) / log(rate)`` steps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp

from blocs.solvers.defaults import FIXED_POINT_TOL

__all__ = ["fixed_point", "fixed_point_root", "linear_solve", "neumann"]

Fn = Callable[[jax.Array], jax.Array]


def fixed_point(f: Fn, x0: jax.Array, *, max_iter: int, tol: float = FIXED_POINT_TOL) -> jax.Array:
    """Solve ``f(x) = x - T(x) = 0`` by ``x <- x - f(x)`` (``T`` a contraction).

    Args:
        f: ``x -> x - T(x)``, any array shape.
        x0: the starting point.
        max_iter: cap on the steps.
        tol: stop when a step changes ``x`` by less than ``tol * max(max |x|, 1)``.

    Returns:
        The last iterate (not differentiable; see :func:`fixed_point_root`).

    Example:
        >>> import jax.numpy as jnp
        >>> x = fixed_point(lambda x: x - jnp.cos(x), jnp.array([1.0]), max_iter=200)
        >>> round(float(x[0]), 12)
        0.739085133215
    """

    def cond(state: tuple) -> jax.Array:
        _, step, k = state
        return (step > tol) & (k < max_iter)

    def body(state: tuple) -> tuple:
        x, _, k = state
        x_new = x - f(x)
        step = jnp.max(jnp.abs(x_new - x)) / jnp.maximum(jnp.max(jnp.abs(x_new)), 1.0)
        return x_new, step, k + 1

    x, _, _ = jax.lax.while_loop(cond, body, (x0, jnp.asarray(jnp.inf), 0))
    return x


def neumann(matvec: Fn, b: jax.Array, *, max_iter: int, tol: float = FIXED_POINT_TOL) -> jax.Array:
    """Solve ``(I - M) x = b`` given ``matvec(x) = (I - M) x`` with spectral radius of
    ``M`` below one: the Neumann series ``x <- M x + b`` from ``x = b``.

    Example:
        >>> import jax.numpy as jnp
        >>> M = jnp.array([[0.5, 0.1], [0.2, 0.3]])
        >>> x = neumann(lambda x: x - M @ x, jnp.array([1.0, 1.0]), max_iter=200)
        >>> bool(jnp.allclose(x - M @ x, 1.0, atol=1e-14))
        True
    """
    return fixed_point(lambda x: matvec(x) - b, b, max_iter=max_iter, tol=tol)


def linear_solve(
    matvec: Fn, b: jax.Array, *, max_iter: int, tol: float = FIXED_POINT_TOL
) -> jax.Array:
    """:func:`neumann` as a ``jax.lax.custom_linear_solve``: differentiable (with respect to
    ``b`` and whatever ``matvec`` closes over) without differentiating the iterations; the
    transpose solve is a Neumann iteration on the transposed operator."""
    solve = functools.partial(neumann, max_iter=max_iter, tol=tol)
    return jax.lax.custom_linear_solve(matvec, b, solve, transpose_solve=solve)


def fixed_point_root(
    T: Fn, x0: jax.Array, *, max_iter: int, tol: float = FIXED_POINT_TOL
) -> jax.Array:
    """The fixed point ``x* = T(x*)`` of a contraction, with implicit derivatives.

    ``jax.lax.custom_root`` on ``x - T(x)``: the forward solve is :func:`fixed_point` from
    ``x0``; derivatives solve ``(I - T'(x*)) dx = dT`` with :func:`linear_solve` (the same
    contraction rate), so they never run through the iterations.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> g = jax.grad(lambda a: fixed_point_root(lambda x: a * jnp.cos(x), jnp.zeros(()),
        ...                                          max_iter=500)
        ... )(0.5)
        >>> x = fixed_point_root(lambda x: 0.5 * jnp.cos(x), jnp.zeros(()), max_iter=500)
        >>> bool(jnp.isclose(g, jnp.cos(x) / (1 + 0.5 * jnp.sin(x))))
        True
    """
    return jax.lax.custom_root(
        lambda x: x - T(x),
        x0,
        functools.partial(fixed_point, max_iter=max_iter, tol=tol),
        lambda g, y: linear_solve(g, y, max_iter=max_iter, tol=tol),
    )
