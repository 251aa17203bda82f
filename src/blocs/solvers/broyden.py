"""Broyden's method with a given inverse-Jacobian estimate, and iterative refinement.

:func:`broyden` finds a root of a scaled residual from a good start and an estimate ``H`` of
the inverse Jacobian there (e.g. the exact inverse at a nearby solution): one residual per
iteration, no derivatives, ``H`` updated by the Sherman-Morrison formula. In a batch of
nearby problems (``jax.vmap``) this takes ~12 residuals where Newton takes 5-9 steps of one
Jacobian (``m`` directional derivatives) each. Each lane stops on its own when it converges.

:func:`refine` solves ``J v = b`` with matrix-vector products only, by iterative refinement
from an approximate inverse ``H`` (e.g. Broyden's): no factorisation per solve.

Both are pure and work under ``jit``/``vmap``; tolerances and step limits may be traced
values (changing them does not recompile). Neither is differentiated through (callers use
the implicit function theorem on the residual at the root).

Example:
    >>> import jax.numpy as jnp
    >>> res, H = broyden(lambda x, a: x**2 - a, jnp.array([1.5]), jnp.array([2.0]),
    ...                  H0=jnp.array([[1 / 3.0]]))
    >>> bool(res.converged), round(float(res.x[0]), 12)
    (True, 1.414213562373)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from blocs.solvers.defaults import DEFAULT_MAX_STEPS, DEFAULT_TOL
from blocs.solvers.result import SolverResult, status_code

__all__ = ["BLOCK", "LINEAR_STEPS", "LINEAR_STOP", "broyden", "refine"]

#: Relative residual at which :func:`refine` stops by default.
LINEAR_STOP = 1e-14
#: Most refinement steps of :func:`refine` by default.
LINEAR_STEPS = 60
#: Rank-one updates :func:`broyden` keeps apart (``H + U' V``, ``U``, ``V`` of shape
#: (BLOCK, m)) before it adds them to its dense estimate: each step then reads ``H`` twice
#: (``H f``, ``H' dx``) instead of rewriting it (in a vmapped batch the dense update, and
#: the selection of finished lanes, moved the whole (B, m, m) array several times a step).
BLOCK = 8


def _inf_norm(f: jax.Array) -> jax.Array:
    r = jnp.max(jnp.abs(f))
    return jnp.where(jnp.isfinite(r), r, jnp.inf)


def broyden(
    fn: Callable[[jax.Array, Any], jax.Array],
    x0: jax.Array,
    args: Any = None,
    *,
    H0: jax.Array,
    tol: Any = DEFAULT_TOL,
    max_steps: Any = DEFAULT_MAX_STEPS,
) -> tuple[SolverResult, jax.Array]:
    """Solve ``fn(x, args) = 0`` by Broyden's ("good") method on the inverse Jacobian.

    ``x <- x - H f(x)``; ``H`` is updated after each step so that it maps the last change
    of ``f`` to the last step (Sherman-Morrison), ``H <- H + u v'`` with
    ``u = (dx - H df) / (dx' H df)``, ``v = H' dx``; the updates are kept as low-rank
    factors for up to :data:`BLOCK` steps and then added to ``H``. It stops when
    ``max|f| <= tol``, after ``max_steps`` steps, or when ``f`` is not finite.

    Args:
        fn: scaled residual ``(x, args) -> r``, ``r.shape == x.shape == (m,)``.
        x0: start, shape (m,).
        args: passed to ``fn``.
        H0: estimate of the inverse Jacobian at ``x0``, shape (m, m).
        tol: tolerance on ``max|f|`` (may be traced).
        max_steps: most iterations, each one residual (may be traced).

    Returns:
        ``(result, H)``: :class:`~blocs.solvers.result.SolverResult` (status CONVERGED,
        MAX_STEPS or NONFINITE; never STALLED) and the updated inverse estimate (m, m).
    """

    def F(x: jax.Array) -> jax.Array:
        return fn(x, args)

    def going(f: jax.Array, k: jax.Array) -> jax.Array:
        r = jnp.max(jnp.abs(f))
        return (r > tol) & (k < max_steps) & jnp.isfinite(r)

    def block(s: tuple) -> tuple:
        """Up to ``BLOCK`` steps with ``H_i = H + U' V`` (the rank-one updates kept apart:
        two products with ``H`` per step, ``H`` itself is not rewritten), then ``H_i``."""
        x, f, H, k = s
        U = jnp.zeros((BLOCK, x.shape[0]), dtype=H.dtype)
        slots = jnp.arange(BLOCK)

        def cond(t: tuple) -> jax.Array:
            _, f, _, _, _, i, k = t
            return going(f, k) & (i < BLOCK)

        def body(t: tuple) -> tuple:
            x, f, Hf, U, V, i, k = t  # Hf = H_i f
            dx = -Hf
            x_new = x + dx
            f_new = F(x_new)
            Hf_new = H @ f_new + U.T @ (V @ f_new)  # H_i f_new
            Hdf = Hf_new - Hf
            denom = dx @ Hdf
            safe = jnp.where(jnp.abs(denom) > 0, denom, 1.0)
            u = (dx - Hdf) / safe
            v = dx @ H + (U @ dx) @ V  # H_i' dx
            here = (slots == i)[:, None]
            U, V = jnp.where(here, u, U), jnp.where(here, v, V)
            # H_{i+1} = H_i + u v': its product with f_new from the one above
            return x_new, f_new, Hf_new + u * (v @ f_new), U, V, i + 1, k + 1

        t = (x, f, H @ f, U, U, jnp.asarray(0), k)
        x, f, _, U, V, _, k = jax.lax.while_loop(cond, body, t)
        return x, f, H + U.T @ V, k

    x, f, H, k = jax.lax.while_loop(
        lambda s: going(s[1], s[3]), block, (x0, F(x0), H0, jnp.asarray(0))
    )
    r = _inf_norm(f)
    status = status_code(r, tol, jnp.asarray(False))
    return SolverResult(x=x, status=status, iterations=k.astype(jnp.int32), max_residual=r), H


def refine(
    J: jax.Array | Callable[[jax.Array], jax.Array],
    H: jax.Array,
    b: jax.Array,
    *,
    stop: Any = LINEAR_STOP,
    max_steps: Any = LINEAR_STEPS,
) -> tuple[jax.Array, jax.Array]:
    """Solve ``J v = b`` by iterative refinement ``v <- v + H (b - J v)``, ``H ~ J^-1``.

    Matrix-vector products only (a dense factorisation per solve is not needed when ``H``
    is close, and LAPACK factorisations are slow on a busy machine). Converges when the
    spectral radius of ``I - H J`` is below 1; stops when the relative residual is at most
    ``stop``, after ``max_steps`` steps, or when it is not finite.

    Args:
        J: the matrix, shape (m, m), or its product with a vector ``v -> J v`` (e.g. a
            Jacobian-vector product by ``jax.linearize``: no Jacobian to form).
        H: an approximate inverse, shape (m, m).
        b: right-hand side, shape (m,).

    Returns:
        ``v`` (m,) and the relative residual ``max|b - J v| / max|b|`` (inf if not finite):
        the caller decides whether it is good enough.

    Example:
        >>> import jax.numpy as jnp
        >>> J = jnp.array([[2.0, 1.0], [0.0, 3.0]])
        >>> v, r = refine(J, jnp.diag(jnp.array([0.5, 1 / 3])), jnp.array([3.0, 3.0]))
        >>> [round(float(a), 12) for a in v], bool(r <= 1e-14)
        ([1.0, 1.0], True)
    """
    scale = jnp.maximum(jnp.max(jnp.abs(b)), 1e-300)
    matvec = J if callable(J) else (lambda v: J @ v)

    def rel(d: jax.Array) -> jax.Array:
        r = jnp.max(jnp.abs(d)) / scale
        return jnp.where(jnp.isfinite(r), r, jnp.inf)

    def cond(s: tuple) -> jax.Array:
        _, _, r, k = s
        return (r > stop) & (k < max_steps) & jnp.isfinite(r)

    def body(s: tuple) -> tuple:
        v, d, _, k = s  # d = b - J v: one product per step
        v = v + H @ d
        d = b - matvec(v)
        return v, d, rel(d), k + 1

    v0 = H @ b
    d0 = b - matvec(v0)
    v, _, r, _ = jax.lax.while_loop(cond, body, (v0, d0, rel(d0), jnp.asarray(0)))
    return v, r
