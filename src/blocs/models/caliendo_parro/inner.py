"""The inner systems of the multi-sector model, given wages, and its scaled residual.

Given wage changes ``w_hat``, the price system (a contraction in ``log P_hat`` whose rate is
the spectral radius of the input-output-weighted trade shares, 0.55 on the CP data) and the
linear expenditure system are solved by fixed-point iteration to machine precision
(:func:`blocs.solvers.fixed_point_root` and :func:`blocs.solvers.linear_solve`: a
``while_loop`` that stops at a relative change of 1e-15 or after ``max_iter`` steps, inside
``custom_root`` / ``custom_linear_solve``), so derivatives never run through the iterations.
Their remaining error is measured after the last step (``Inner.inner_residual``) and the
solver counts it in ``max_residual``: a too-small cap shows as non-convergence, never as a
silent error.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from blocs.models.caliendo_parro.equations import (
    Baseline,
    Weights,
    cost_terms,
    expenditure,
    income,
    log_price_index,
    log_unit_cost,
    revenue_rates,
    sales,
    trade_balance,
)
from blocs.solvers import fixed_point_root, linear_solve

__all__ = ["DEFAULT_INNER_ITERATIONS", "Inner", "scaled_residual", "solve_inner"]

#: Cap on the fixed-point steps of the inner price and expenditure systems (they stop
#: earlier, at a relative change of 1e-15). The CP data contracts at rate 0.55 per step
#: (~60 steps); economies that contract more slowly show it in ``max_residual``.
DEFAULT_INNER_ITERATIONS = 1000

Array = jax.Array


class Inner(NamedTuple):
    """The inner systems' solution at given wages (paper order).

    Attributes:
        w_hat: wage changes, (N,). log_c: ``log c_hat[n, j]``, (N, S).
        log_P: ``log P_hat[n, j]``, (N, S). e: cost terms ``[i, j]`` and s: price terms
        ``[j, n]`` (see :func:`~blocs.models.caliendo_parro.equations.cost_terms`).
        X_new: expenditure ``X'[n, j]``, (N, S). I_new: income ``I'[n]``, (N,).
        Y_new: gross output ``Y'[n, j]``, (N, S). r: revenue rates ``r[n, j]``, (N, S).
        inner_residual: largest remaining relative error of the two systems (scalar).
    """

    w_hat: Array
    log_c: Array
    log_P: Array
    e: Array
    s: Array
    X_new: Array
    I_new: Array
    Y_new: Array
    r: Array
    inner_residual: Array


def solve_inner(log_w: Array, base: Baseline, W: Weights, D_new: Array, max_iter: int) -> Inner:
    """Prices, expenditure, income and sales at wages ``exp(log_w)`` (shock weights ``W``,
    deficits ``D_new``); ``max_iter`` caps each fixed-point iteration."""
    gio = base.gamma_io

    def price_step(log_P: Array) -> Array:
        log_c = log_unit_cost(log_w, log_P, base.gamma_va, gio)
        e, s, log_m = cost_terms(log_c, W, base.theta)
        return log_price_index(s, log_m, base.theta)

    log_P = price_step(jnp.zeros_like(base.X))
    if gio is not None:
        log_P = fixed_point_root(price_step, log_P, max_iter=max_iter)
        p_err = jnp.max(jnp.abs(price_step(log_P) - log_P))
    else:
        p_err = jnp.zeros(())
    log_c = log_unit_cost(log_w, log_P, base.gamma_va, gio)
    e, s, _ = cost_terms(log_c, W, base.theta)
    w_hat = jnp.exp(log_w)
    r = revenue_rates(e, s, W)
    b = base.alpha * (w_hat * base.wL + D_new)[:, None]
    if gio is None:
        # X'[n, j] = alpha[n, j] I'[n], with I' linear in itself: closed form.
        I_new = (w_hat * base.wL + D_new) / (1.0 - jnp.sum(base.alpha * r, axis=1))
        X_new = base.alpha * I_new[:, None]
        x_err = jnp.zeros(())
    else:

        def matvec(X: Array) -> Array:  # (I - M) X, the linear expenditure system
            spent = expenditure(sales(X, e, s, W), jnp.sum(r * X, axis=1), base.alpha, gio)
            return X - spent

        X_new = linear_solve(matvec, b, max_iter=max_iter)
        x_err = jnp.max(jnp.abs(matvec(X_new) - b)) / jnp.maximum(jnp.max(X_new), 1e-300)
        I_new = income(w_hat, base.wL, r, X_new, D_new)
    err = jax.lax.stop_gradient(jnp.maximum(p_err, x_err))
    return Inner(w_hat, log_c, log_P, e, s, X_new, I_new, sales(X_new, e, s, W), r, err)


def scaled_residual(log_w: Array, args: tuple, *, iterations: int) -> Array:
    """The Newton residual at ``log w_hat``, shape (N,): the trade balance over value added
    of every country but the last, then the numeraire (world value added fixed).
    ``args = (base, W, D_new)``."""
    base, W, D_new = args
    o = solve_inner(log_w, base, W, D_new, iterations)
    tb = trade_balance(o.X_new, o.r, o.Y_new, D_new) / base.wL
    numeraire = jnp.sum(o.w_hat * base.wL) / jnp.sum(base.wL) - 1.0
    return tb.at[-1].set(numeraire)
