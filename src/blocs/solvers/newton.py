"""Root finding for equilibrium systems: damped Newton with exact (autodiff) Jacobians.

:func:`newton` is pure and jittable, works under ``jax.vmap`` (each batch member stops when
it converges) and is differentiable with respect to whatever the residual function closes
over or receives in ``args``: derivatives come from the implicit function theorem
(``jax.lax.custom_root``), never from differentiating the iterations.

Residual functions must be *scaled*: each component a relative error (dimensionless), so
that one tolerance means the same thing for every equation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from blocs.solvers.defaults import DEFAULT_MAX_STEPS, DEFAULT_TOL
from blocs.solvers.result import SolverResult, status_code

__all__ = ["newton"]

#: Armijo constant of the backtracking line search on ||F||_2.
_ARMIJO = 1e-4
#: Maximum number of step halvings in one line search.
_MAX_HALVINGS = 30


def _inf_norm(f: jax.Array) -> jax.Array:
    return jnp.where(jnp.all(jnp.isfinite(f)), jnp.max(jnp.abs(f)), jnp.inf)


def _two_norm(f: jax.Array) -> jax.Array:
    return jnp.where(jnp.all(jnp.isfinite(f)), jnp.linalg.norm(f), jnp.inf)


def _value_and_jacobian(
    F: Callable[[jax.Array], jax.Array], x: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """``F(x)`` and its Jacobian, shapes (m,) and (m, m): one forward-mode pass per column,
    as ``jax.jacfwd`` (the same Jacobian), keeping the value those passes compute anyway."""
    basis = jnp.eye(x.size, dtype=x.dtype)
    f, J = jax.vmap(lambda t: jax.jvp(F, (x,), (t,)), out_axes=(None, -1))(basis)
    return f, J


def _iterate(
    F: Callable[[jax.Array], jax.Array],
    x0: jax.Array,
    tol: float,
    max_steps: int,
) -> tuple[jax.Array, tuple[jax.Array, jax.Array, jax.Array]]:
    """Damped Newton iterations; returns (x, (iterations, max_residual, stalled)).

    ``F`` appears twice in the compiled program (issue 13: XLA's compilation of the solve is
    most of a run without compile cache): once in the Jacobian's pass, whose value is the
    residual at ``x0`` on the first pass, and once in the line search, which tries
    ``alpha = 1`` on its first pass. The residual at the accepted point is carried to the
    next iteration and its convergence test.
    """

    def cond(state: tuple) -> jax.Array:
        _, f, k, stalled, started = state
        r = _inf_norm(f)
        return ~started | ((r > tol) & (k < max_steps) & jnp.isfinite(r) & ~stalled)

    def body(state: tuple) -> tuple:
        x, f, k, _, started = state
        f_at_x, J = _value_and_jacobian(F, x)
        f = jnp.where(started, f, f_at_x)  # the first pass has no residual yet
        r = _inf_norm(f)
        # false only on the first pass, at a root already (or max_steps = 0): no step
        step = (r > tol) & (k < max_steps) & jnp.isfinite(r)
        dx = jnp.linalg.solve(J, -f)
        dx = jnp.where(jnp.isfinite(dx), dx, 0.0)
        n0 = _two_norm(f)

        # the trial points x + alpha dx, alpha = 1, 1/2, 1/4, ...
        def ls_cond(s: tuple) -> jax.Array:
            alpha, f_new, j, tried = s
            ok = _two_norm(f_new) <= (1.0 - _ARMIJO * alpha) * n0
            return step & (~tried | ((~ok) & (j < _MAX_HALVINGS)))

        def ls_body(s: tuple) -> tuple:
            alpha, _, j, tried = s
            alpha = jnp.where(tried, 0.5 * alpha, alpha)
            return alpha, F(x + alpha * dx), j + tried.astype(j.dtype), jnp.asarray(True)

        start = (jnp.asarray(1.0, x.dtype), f, jnp.asarray(0), jnp.asarray(False))
        alpha, f_new, j, _ = jax.lax.while_loop(ls_cond, ls_body, start)
        # the line search found no decrease: Newton has stalled (stop rather than loop)
        stalled = (j >= _MAX_HALVINGS) & ~(_two_norm(f_new) < n0)
        keep = stalled | ~step
        x_new = jnp.where(keep, x, x + alpha * dx)
        f_new = jnp.where(keep, f, f_new)
        return x_new, f_new, k + step.astype(k.dtype), stalled, jnp.asarray(True)

    k0, no = jnp.asarray(0), jnp.asarray(False)
    x, f, k, stalled, _ = jax.lax.while_loop(cond, body, (x0, jnp.zeros_like(x0), k0, no, no))
    # aux values are floats: custom_root differentiates them (with zero tangent)
    return x, (k.astype(x.dtype), _inf_norm(f), stalled.astype(x.dtype))


def _iterate_joint(
    value_and_jacobian: Callable[[jax.Array], tuple[jax.Array, jax.Array]],
    x0: jax.Array,
    tol: float,
    max_steps: int,
) -> tuple[jax.Array, tuple[jax.Array, jax.Array, jax.Array]]:
    """The iterations of :func:`_iterate` when the residual comes with its Jacobian
    (``value_and_jacobian``: ``x -> (F(x), dF/dx)``, closed form): the same trial points,
    steps and stopping rules, in one loop that evaluates ``(F, dF/dx)`` once per pass.

    Each pass evaluates the next trial point (the start ``x0`` on the first pass, then
    ``x + alpha dx`` with ``alpha = 1, 1/2, ...``); an accepted point keeps its Jacobian
    for the next Newton direction. The compiled program holds the residual and its
    Jacobian once (issue 13: XLA's compile time grows with the program), at the price
    of a Jacobian at every trial point (cheap in closed form).
    """

    # state: x, f, J, r = ||f||_inf, n0 = ||f||_2 (at the accepted x), dx, alpha, j
    # (halvings), k (steps), stalled, searching (a direction is being tried), started
    def cond(s: tuple) -> jax.Array:
        return ~s[-1] | s[-2]

    def body(s: tuple) -> tuple:
        x, f, J, r, n0, dx, alpha, j, k, stalled, searching, started = s
        y = jnp.where(started, x + alpha * dx, x)
        fy, Jy = value_and_jacobian(y)
        r_y, n_y = _norms(fy)
        ok = n_y <= (1.0 - _ARMIJO * alpha) * n0
        # the line search ends on a decrease or after _MAX_HALVINGS halvings; it stalls
        # when the last trial does not decrease ||F|| at all
        done = ok | (j >= _MAX_HALVINGS)
        stalled = searching & done & ~ok & ~(n_y < n0)
        accept = ~started | (searching & done & ~stalled)
        x, f, J = jnp.where(accept, y, x), jnp.where(accept, fy, f), jnp.where(accept, Jy, J)
        r, n0 = jnp.where(accept, r_y, r), jnp.where(accept, n_y, n0)
        k = k + (started & accept).astype(k.dtype)
        # the next direction, from an accepted point
        step = (r > tol) & (k < max_steps) & jnp.isfinite(r)
        # an LU only where a new direction is needed (not at trial points the line search
        # rejects, nor at the converged point); under vmap both branches run
        new_dx = jax.lax.cond(accept & step, lambda: jnp.linalg.solve(J, -f), lambda: dx)
        dx = jnp.where(accept, jnp.where(jnp.isfinite(new_dx), new_dx, 0.0), dx)
        alpha = jnp.where(accept, 1.0, 0.5 * alpha)
        j = jnp.where(accept, 0, j + 1)
        searching = jnp.where(accept, step, searching & ~done)
        return x, f, J, r, n0, dx, alpha, j, k, stalled, searching, jnp.asarray(True)

    zero, one, no = jnp.zeros_like(x0), jnp.asarray(1.0, x0.dtype), jnp.asarray(False)
    J0 = jnp.zeros((x0.shape[0],) * 2, x0.dtype)
    i0 = jnp.asarray(0)
    start = (x0, zero, J0, one, one, zero, one, i0, i0, no, no, no)
    x, _, _, r, _, _, _, _, k, stalled, _, _ = jax.lax.while_loop(cond, body, start)
    return x, (k.astype(x.dtype), r, stalled.astype(x.dtype))


def _norms(f: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(_inf_norm(f), _two_norm(f))`` with one finiteness test."""
    finite = jnp.all(jnp.isfinite(f))
    inf = jnp.asarray(jnp.inf, f.dtype)
    return jnp.where(finite, jnp.max(jnp.abs(f)), inf), jnp.where(finite, jnp.linalg.norm(f), inf)


def _stop_gradient(leaf: Any) -> Any:
    return jax.lax.stop_gradient(leaf) if isinstance(leaf, jax.Array) else leaf


def _dense_solve(matvec: Callable[[jax.Array], jax.Array], b: jax.Array) -> jax.Array:
    """Solve ``A x = b`` for the linear map ``matvec`` by materialising ``A`` (LU)."""
    return jnp.linalg.solve(jax.jacfwd(matvec)(b), b)


def newton(
    fn: Callable[[jax.Array, Any], jax.Array],
    x0: jax.Array,
    args: Any = None,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    jacobian: Callable[[jax.Array, Any], tuple[jax.Array, jax.Array]] | None = None,
) -> SolverResult:
    """Solve ``fn(x, args) = 0`` by damped Newton with an exact Jacobian.

    Args:
        fn: scaled residual, ``(x, args) -> r`` with ``r.shape == x.shape`` (1-D).
        x0: initial guess, shape (m,).
        args: a PyTree of parameters; the root is differentiable with respect to it.
        tol: convergence tolerance on ``max(abs(r))``.
        max_steps: maximum number of Newton steps.
        jacobian: optional ``(x, args) -> (fn(x, args), dfn/dx)``, shapes (m,) and (m, m):
            the residual and its Jacobian in closed form, used by the Newton steps instead
            of ``m`` forward-mode passes through ``fn`` (it must agree with them). The
            derivatives of the root still come from ``fn`` (implicit function theorem).

    Returns:
        :class:`~blocs.solvers.result.SolverResult`; never raises (check ``status``).

    Example:
        >>> import jax.numpy as jnp
        >>> res = newton(lambda x, a: x**2 - a, jnp.array([1.0]), jnp.array([2.0]))
        >>> round(float(res.x[0]), 12)
        1.414213562373
    """

    def F(x: jax.Array) -> jax.Array:
        return fn(x, args)

    def solve(g: Callable[[jax.Array], jax.Array], y0: jax.Array):
        if jacobian is None:
            return _iterate(g, y0, tol, max_steps)
        # the iterations are not differentiated (custom_root): no tangents into them
        fixed = jax.tree.map(_stop_gradient, args)
        return _iterate_joint(lambda y: jacobian(y, fixed), y0, tol, max_steps)

    def tangent_solve(g: Callable[[jax.Array], jax.Array], y: jax.Array) -> jax.Array:
        # custom_linear_solve: derivatives of the solve need only directional derivatives
        # of ``g`` (one pass each), never the derivative of the dense Jacobian (N passes),
        # so Hessian-vector products through equilibria stay cheap.
        return jax.lax.custom_linear_solve(g, y, _dense_solve, transpose_solve=_dense_solve)

    x, (k, r, stalled) = jax.lax.custom_root(F, x0, solve, tangent_solve, has_aux=True)
    r = jax.lax.stop_gradient(r)
    return SolverResult(
        x=x,
        status=status_code(r, tol, jax.lax.stop_gradient(stalled) > 0.5),
        iterations=jax.lax.stop_gradient(k).astype(jnp.int32),
        max_residual=r,
    )
