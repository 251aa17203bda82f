"""The equations of the multi-sector model in the paper's notation (Caliendo & Parro 2015).

Every function is one equation of ``docs/models.md`` §2 and is written, as in the paper, with
``[importer, exporter, sector]`` arrays (``n``, ``i``, ``j``). The project's
``[exporter, importer, sector]`` arrays are transposed ONCE, by :func:`paper_baseline` and
:func:`shock_weights` (in), and once back when the results are built
(:func:`blocs.models.caliendo_parro.results.equilibrium_record`).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from blocs.economy import MultiSectorEconomy

__all__ = [
    "Baseline",
    "Weights",
    "cost_terms",
    "expenditure",
    "income",
    "log_price_index",
    "log_unit_cost",
    "paper_baseline",
    "price_weights",
    "revenue_rates",
    "sales",
    "shock_weights",
    "to_paper",
    "trade_balance",
    "trade_shares",
]

Array = jax.Array


class Baseline(NamedTuple):
    """Baseline arrays in the paper's ``[importer, exporter, sector]`` order."""

    pi: Array  # (N, N, S)  pi[n, i, j], tariff inclusive
    t: Array  # (N, N, S)  t[n, i, j]
    X: Array  # (N, S)     expenditure X[n, j]
    wL: Array  # (N,)
    theta: Array  # (S,)
    gamma_va: Array  # (N, S)
    gamma_io: Array | None  # (N, S, S) gamma[n, k, j]
    alpha: Array  # (N, S)


def to_paper(a: Array) -> Array:
    """``[exporter, importer, s]`` <-> ``[importer, exporter, s]`` (its own inverse)."""
    return jnp.swapaxes(a, 0, 1)


def paper_baseline(eco: MultiSectorEconomy) -> Baseline:
    """The baseline of ``eco`` in the paper's order (the one translation in): tariff-inclusive
    shares ``pi[n, i, j]``, expenditure ``X[n, j]`` and value added ``wL[n]``."""
    X_exp = eco.expenditure
    safe = jnp.where(X_exp > 0, X_exp, 1.0)
    pi = (1.0 + eco.t) * eco.X / safe[None, :, :]
    # a (country, sector) with no spending at all buys (nothing) at home
    eye = jnp.eye(eco.n)[:, :, None]
    pi = jnp.where((X_exp > 0)[None, :, :], pi, eye)
    return Baseline(
        pi=to_paper(pi),
        t=to_paper(eco.t),
        X=X_exp,
        wL=eco.value_added,
        theta=eco.theta,
        gamma_va=eco.gamma_va,
        gamma_io=eco.gamma_io,
        alpha=eco.alpha,
    )


# ----------------------------------------------------------------------------------------
# Equations (paper notation, [importer, exporter, sector]); one small function each


def log_unit_cost(
    log_w_hat: Array, log_P_hat: Array, gamma_va: Array, gamma_io: Array | None
) -> Array:
    """``log c_hat[n, j] = gamma[n, j] log w_hat[n] + sum_k gamma[n, k, j] log P_hat[n, k]``."""
    out = gamma_va * log_w_hat[:, None]
    if gamma_io is not None:
        out = out + jnp.einsum("nkj,nk->nj", gamma_io, log_P_hat)
    return out


class Weights(NamedTuple):
    """Trade-cost weights of one shock; they do not depend on wages, so the wage-dependent
    part of every trade share is a vector (``e``, ``s`` below), never an N*N*S array."""

    A: Array  # A[j, n, i] = pi[n, i, j] kappa_hat[n, i, j]**(-theta[j])
    B: Array  # B[j, n, i] = A[j, i, n] / (1 + t'[i, n, j])   (seller n, buyer i)
    C: Array  # C[j, n, i] = A[j, n, i] t'[n, i, j] / (1 + t'[n, i, j])


def price_weights(pi: Array, log_kappa_hat: Array, t_new: Array, theta: Array) -> Weights:
    """``A[j, n, i] = pi[n, i, j] kappa_hat[n, i, j]**(-theta[j])`` (sector axis first) and
    the same divided by ``1 + t'`` (seen from the seller) or times ``t' / (1 + t')``."""
    A = jnp.transpose(pi * jnp.exp(-theta[None, None, :] * log_kappa_hat), (2, 0, 1))
    tt = jnp.transpose(t_new, (2, 0, 1))  # [j, n, i]
    B = jnp.swapaxes(A / (1.0 + tt), 1, 2)
    C = A * tt / (1.0 + tt)
    return Weights(A, B, C)


def cost_terms(log_c_hat: Array, W: Weights, theta: Array) -> tuple[Array, Array, Array]:
    """``e[i, j] = c_hat[i, j]**(-theta[j]) / m[j]`` and ``s[j, n] = sum_i A[j, n, i] e[i, j]``
    (``= P_hat[n, j]**(-theta[j]) / m[j]``), with ``m[j]`` a per-sector scale against overflow.

    Returns ``(e, s, log_m)``.
    """
    z = -theta[None, :] * log_c_hat  # [i, j]
    log_m = jax.lax.stop_gradient(jnp.max(z, axis=0))
    e = jnp.exp(z - log_m[None, :])
    s = jnp.matmul(W.A, e.T[:, :, None])[:, :, 0]  # [j, n]
    return e, s, log_m


def log_price_index(s: Array, log_m: Array, theta: Array) -> Array:
    """``log P_hat[n, j] = -1/theta[j] log sum_i pi[n, i, j] (kappa_hat c_hat[i, j])**(-theta[j])``."""
    return -(jnp.log(s.T) + log_m[None, :]) / theta[None, :]


def trade_shares(e: Array, s: Array, W: Weights) -> Array:
    """``pi'[n, i, j] = pi[n, i, j] (c_hat[i, j] kappa_hat[n, i, j] / P_hat[n, j])**-theta[j]``."""
    return jnp.transpose(W.A * e.T[:, None, :] / s[:, :, None], (1, 2, 0))


def sales(X_new: Array, e: Array, s: Array, W: Weights) -> Array:
    """Gross output ``Y'[n, j] = sum_i pi'[i, n, j] X'[i, j] / (1 + t'[i, n, j])``."""
    v = X_new.T / s  # [j, i]: buyer i's spending over its price term
    return e * jnp.matmul(W.B, v[:, :, None])[:, :, 0].T


def revenue_rates(e: Array, s: Array, W: Weights) -> Array:
    """``r[n, j] = sum_i t'[n, i, j] pi'[n, i, j] / (1 + t'[n, i, j])``: tariff revenue per
    unit of ``n``'s spending on ``j``."""
    return (jnp.matmul(W.C, e.T[:, :, None])[:, :, 0] / s).T


def income(w_hat: Array, wL: Array, r: Array, X_new: Array, D_new: Array) -> Array:
    """``I'[n] = w_hat[n] wL[n] + sum_j r[n, j] X'[n, j] + D'[n]``."""
    return w_hat * wL + jnp.sum(r * X_new, axis=1) + D_new


def expenditure(Y_new: Array, I_new: Array, alpha: Array, gamma_io: Array | None) -> Array:
    """``X'[n, j] = sum_k gamma[n, j, k] Y'[n, k] + alpha[n, j] I'[n]`` (right-hand side)."""
    out = alpha * I_new[:, None]
    if gamma_io is not None:
        out = out + jnp.einsum("njk,nk->nj", gamma_io, Y_new)
    return out


def trade_balance(X_new: Array, r: Array, Y_new: Array, D_new: Array) -> Array:
    """``imports'[n] - D'[n] - exports'[n]`` at pre-tariff values, shape (N,).

    Domestic sales cancel, so ``sum_j X'[n, j] (1 - r[n, j]) - D'[n] - sum_k Y'[n, k]``:
    spending net of tariffs minus sales (no N*N*S array needed).
    """
    return jnp.sum(X_new * (1.0 - r), axis=1) - D_new - jnp.sum(Y_new, axis=1)


def shock_weights(base: Baseline, t_new: Array, d_hat: Array) -> Weights:
    """The weights of a shock: ``kappa_hat = (1 + t') / (1 + t) * d_hat`` (project-order
    ``t_new`` and ``d_hat``, shape (N, N, S), transposed here)."""
    t_new_p = to_paper(t_new)
    log_kappa = jnp.log((1.0 + t_new_p) / (1.0 + base.t)) + jnp.log(to_paper(d_hat))
    return price_weights(base.pi, log_kappa, t_new_p, base.theta)
