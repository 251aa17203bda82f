"""Equations of the Ossa (2014) model: baseline objects and one small function per condition.

Ralph Ossa, "Trade Wars and Trade Talks with Data", American Economic Review 104(12), 2014,
4104-46 (``docs/models.md`` §5).

Notation (see :mod:`blocs._conventions`): ``i`` exporter, ``n`` importer, ``s`` industry;
arrays ``[exporter, importer, industry]``. Hats are counterfactual over baseline.

One factor (labour, fixed, mobile across industries at one wage ``w[n]``), Cobb-Douglas
across industries, CES ``sigma[s]`` over the varieties of an industry, a **fixed** mass of
firms per (country, industry) pricing at the markup ``sigma/(sigma-1)``: labour earns
``(sigma-1)/sigma`` of sales and profits ``1/sigma``. Profits are domestic income (the
profit-shifting motive). Tariff revenue is rebated lump sum; net exports ``NX`` are
exogenous levels.

Baseline objects (:func:`baseline_objects`, recomputed whenever the baseline changes)::

    Y[i,s] = sum_n X[i,n,s]                  alpha[i,n,s] = X[i,n,s] / Y[i,s]
    E[n,s] = sum_i (1+t[i,n,s]) X[i,n,s]     E[n] = sum_s E[n,s]     mu[n,s] = E[n,s] / E[n]
    gamma[i,n,s] = (1+t[i,n,s]) X[i,n,s] / E[n,s]
    wL[i,s] = (sigma[s]-1)/sigma[s] Y[i,s]   wL[i] = sum_s wL[i,s]   delta[i,s] = wL[i,s] / wL[i]
    Pi[i,s] = Y[i,s] / sigma[s]              R[n] = sum_{i,s} t[i,n,s] X[i,n,s]
    NX[i] = sum_{n,s} X[i,n,s] - sum_{k,s} X[k,i,s]

Equilibrium in changes (unknowns ``w_hat``, ``E_hat``)::

    P_hat[n,s]^(1-sigma[s]) = sum_i gamma[i,n,s] (w_hat[i] tau_hat[i,n,s])^(1-sigma[s])
    X'[i,n,s] = X[i,n,s] w_hat[i]^(1-sigma[s]) tau_hat[i,n,s]^(-sigma[s]) P_hat[n,s]^(sigma[s]-1) E_hat[n]
    Y_hat[i,s] = sum_n alpha[i,n,s] X'[i,n,s] / X[i,n,s]
    (a) w_hat[i] = sum_s delta[i,s] Y_hat[i,s]                          (all i but the first)
    (b) E_hat[n] E[n] = w_hat[n] wL[n] + sum_s Pi[n,s] Y_hat[n,s] + sum_{i,s} t'[i,n,s] X'[i,n,s] - NX'[n]
    (c) sum_i wL[i] w_hat[i] = sum_i wL[i]        (numeraire: world labour income; replaces (a) for i = 0)

``X'`` is linear in ``E_hat``, so (b) is a linear system given ``w_hat``: Newton
(:func:`blocs.solvers.newton`) runs on ``log w_hat`` (N unknowns, (a) and (c)), with
``E_hat`` solved exactly inside (see :func:`evaluate`). Walras' law makes (a) for the first
country redundant.

Outcomes: ``P_hat[n] = prod_s P_hat[n,s]^mu[n,s]``, welfare ``W_hat = E_hat / P_hat`` and
government welfare ``G_hat[n] = (sum_s lam[n,s] V'[n,s] / sum_s lam[n,s] V[n,s]) / P_hat[n]``
with ``V[n,s] = Y[n,s] + delta[n,s] R[n]`` (sales plus the industry's per-worker share of
tariff revenue). With ``lam = 1`` and ``NX = NX' = 0``, ``G_hat = W_hat``.

Numeraire: world labour income (c). Real outcomes (``W_hat``, ``G_hat``) and the ratio
``Pi_hat / w_hat`` do not depend on it; the relative wage ``w_hat[n] - mean(w_hat)`` does.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from blocs.models.ossa.data import OssaEconomy

__all__ = [
    "OssaBaseline",
    "Shock",
    "State",
    "aggregate_price_index",
    "baseline_objects",
    "budget",
    "evaluate",
    "government_welfare",
    "labour_market",
    "numeraire",
    "residual",
    "sales_change",
    "sector_price_index",
    "shock",
    "tariff_revenue",
    "trade_flows",
]


class OssaBaseline(NamedTuple):
    """Baseline objects of models.md §5, computed from ``(X, t, sigma)``.

    Attributes:
        Y: sales ``Y[i, s]``, shape (N, S).
        alpha: sales shares ``alpha[i, n, s] = X[i, n, s] / Y[i, s]``, shape (N, N, S).
        E_s: expenditure by industry ``E[n, s]``, tariffs included, shape (N, S).
        E: total expenditure ``E[n]``, shape (N,).
        mu: Cobb-Douglas shares ``mu[n, s]``, shape (N, S).
        gamma: tariff-inclusive import shares ``gamma[i, n, s]``, shape (N, N, S).
        wL_s: labour income by industry ``wL[i, s]``, shape (N, S).
        wL: labour income ``wL[i]``, shape (N,).
        delta: employment shares ``delta[i, s]``, shape (N, S).
        Pi: profits ``Pi[i, s]``, shape (N, S).
        R: tariff revenue ``R[n]``, shape (N,).
        NX: net exports ``NX[i]``, shape (N,).
        V: industry stakeholder income ``V[n, s] = Y[n, s] + delta[n, s] R[n]``, shape (N, S).
    """

    Y: jax.Array
    alpha: jax.Array
    E_s: jax.Array
    E: jax.Array
    mu: jax.Array
    gamma: jax.Array
    wL_s: jax.Array
    wL: jax.Array
    delta: jax.Array
    Pi: jax.Array
    R: jax.Array
    NX: jax.Array
    V: jax.Array


def baseline_objects(economy: OssaEconomy) -> OssaBaseline:
    """Every baseline object of models.md §5 from ``economy.X``, ``economy.t``, ``sigma``."""
    X, t, sigma = economy.X, economy.t, economy.sigma
    Y = jnp.sum(X, axis=1)
    alpha = X / Y[:, None, :]
    gross = (1.0 + t) * X
    E_s = jnp.sum(gross, axis=0)
    E = jnp.sum(E_s, axis=1)
    wL_s = (sigma - 1.0) / sigma * Y
    wL = jnp.sum(wL_s, axis=1)
    delta = wL_s / wL[:, None]
    R = jnp.sum(t * X, axis=(0, 2))
    return OssaBaseline(
        Y=Y,
        alpha=alpha,
        E_s=E_s,
        E=E,
        mu=E_s / E[:, None],
        gamma=gross / E_s[None, :, :],
        wL_s=wL_s,
        wL=wL,
        delta=delta,
        Pi=Y / sigma,
        R=R,
        NX=jnp.sum(X, axis=(1, 2)) - jnp.sum(X, axis=(0, 2)),
        V=Y + delta * R[:, None],
    )


# ----------------------------------------------------------------------------------------
# Equations, one small function each (paper notation)


def sector_price_index(b: OssaBaseline, sigma, w_hat, tau_hat):
    """``P_hat[n, s] = (sum_i gamma[i,n,s] (w_hat[i] tau_hat[i,n,s])^(1-sigma))^(1/(1-sigma))``."""
    cost = (w_hat[:, None, None] * tau_hat) ** (1.0 - sigma)
    return jnp.sum(b.gamma * cost, axis=0) ** (1.0 / (1.0 - sigma))


def trade_flows(X, sigma, w_hat, tau_hat, P_hat_s, E_hat):
    """``X'[i,n,s] = X w_hat^(1-sigma) tau_hat^(-sigma) P_hat[n,s]^(sigma-1) E_hat[n]``."""
    return (
        X
        * w_hat[:, None, None] ** (1.0 - sigma)
        * tau_hat ** (-sigma)
        * P_hat_s[None, :, :] ** (sigma - 1.0)
        * E_hat[None, :, None]
    )


def sales_change(b: OssaBaseline, X, X_new):
    """``Y_hat[i, s] = sum_n alpha[i,n,s] X'[i,n,s] / X[i,n,s] = Y'[i, s] / Y[i, s]``."""
    return jnp.sum(X_new, axis=1) / b.Y


def labour_market(b: OssaBaseline, w_hat, Y_hat):
    """(a) as a relative residual: ``sum_s delta[i,s] Y_hat[i,s] / w_hat[i] - 1``."""
    return jnp.sum(b.delta * Y_hat, axis=1) / w_hat - 1.0


def tariff_revenue(t_new, X_new):
    """``R'[n] = sum_{i,s} t'[i,n,s] X'[i,n,s]``."""
    return jnp.sum(t_new * X_new, axis=(0, 2))


def budget(b: OssaBaseline, w_hat, E_hat, Y_hat, R_new, nx_new):
    """(b) as a relative residual: income over expenditure ``E_hat[n] E[n]``, minus 1."""
    income = w_hat * b.wL + jnp.sum(b.Pi * Y_hat, axis=1) + R_new - nx_new
    return income / (E_hat * b.E) - 1.0


def numeraire(b: OssaBaseline, w_hat):
    """(c) as a relative residual: world labour income unchanged."""
    return jnp.sum(b.wL * w_hat) / jnp.sum(b.wL) - 1.0


def aggregate_price_index(b: OssaBaseline, P_hat_s):
    """``P_hat[n] = prod_s P_hat[n,s]^mu[n,s]``."""
    return jnp.exp(jnp.sum(b.mu * jnp.log(P_hat_s), axis=1))


def government_welfare(b: OssaBaseline, lam, sigma, X_new, R_new, P_hat):
    """``G_hat[n] = (sum_s lam V'[n,s] / sum_s lam V[n,s]) / P_hat[n]``.

    ``V'[n,s] = Y'[n,s] + delta'[n,s] R'[n]``, ``delta'`` the employment shares of ``Y'``.
    """
    Y_new = jnp.sum(X_new, axis=1)
    wL_new = (sigma - 1.0) / sigma * Y_new
    delta_new = wL_new / jnp.sum(wL_new, axis=1, keepdims=True)
    V_new = Y_new + delta_new * R_new[:, None]
    return jnp.sum(lam * V_new, axis=1) / jnp.sum(lam * b.V, axis=1) / P_hat


# ----------------------------------------------------------------------------------------
# The system solved: log w_hat -> residual


class Shock(NamedTuple):
    """Tariff terms that stay fixed while solving (computed once per solve).

    ``a = gamma tau_hat^(1-sigma)`` and ``c = X tau_hat^(-sigma)``, shape (N, N, S).
    """

    a: jax.Array
    c: jax.Array
    t_new: jax.Array
    nx_new: jax.Array


def shock(economy: OssaEconomy, b: OssaBaseline, t_new, nx_new, d_hat=None) -> Shock:
    """The fixed terms of a counterfactual: tariffs ``t_new`` (N, N, S), net exports
    ``nx_new`` (N,) and iceberg trade-cost changes ``d_hat`` (N, N, S; None = none), so that
    ``tau_hat = (1 + t') / (1 + t) d_hat``."""
    sigma = economy.sigma
    log_tau = jnp.log1p(t_new) - jnp.log1p(economy.t)
    if d_hat is not None:
        log_tau = log_tau + jnp.log(d_hat)
    return Shock(
        a=b.gamma * jnp.exp((1.0 - sigma) * log_tau),
        c=economy.X * jnp.exp(-sigma * log_tau),
        t_new=t_new,
        nx_new=nx_new,
    )


class State(NamedTuple):
    """Every equilibrium object given ``log w_hat`` (shapes: (N,), (N,), (N, S), (N, N, S),
    (N, S), (N,))."""

    w_hat: jax.Array
    E_hat: jax.Array
    P_hat_s: jax.Array
    X_new: jax.Array
    Y_hat: jax.Array
    R_new: jax.Array


def evaluate(log_w, b: OssaBaseline, sigma, sh: Shock) -> State:
    """Everything given ``log w_hat``; ``E_hat`` solves (b), which is linear in it.

    Factored form of the equations above (identical algebra, fewer transcendental
    operations): with ``W[i,s] = w_hat[i]^(1-sigma[s])``,
    ``P_hat[n,s]^(1-sigma) = sum_i a[i,n,s] W[i,s]`` and
    ``X'[i,n,s] = K[i,n,s] E_hat[n]``, ``K = c W / P_hat^(1-sigma)``. Then (b) reads
    ``(diag(E - r) - M) E_hat = w_hat wL - NX'`` with ``r[n] = sum_{i,s} t' K[i,n,s]`` and
    ``M[n,m] = sum_s (Pi[n,s] / Y[n,s]) K[n,m,s]``.
    """
    W = jnp.exp((1.0 - sigma)[None, :] * log_w[:, None])
    P_pow = jnp.sum(sh.a * W[:, None, :], axis=0)
    K = sh.c * W[:, None, :] / P_pow[None, :, :]
    r = jnp.sum(sh.t_new * K, axis=(0, 2))
    M = jnp.einsum("ns,nms->nm", b.Pi / b.Y, K)
    w_hat = jnp.exp(log_w)
    A = jnp.diag(b.E - r) - M
    E_hat = jnp.linalg.solve(A, w_hat * b.wL - sh.nx_new)
    X_new = K * E_hat[None, :, None]
    Y_hat = jnp.sum(X_new, axis=1) / b.Y
    P_hat_s = P_pow ** (1.0 / (1.0 - sigma))
    return State(w_hat, E_hat, P_hat_s, X_new, Y_hat, r * E_hat)


def residual(log_w, args):
    """Scaled residual of (a) for all countries but the first, and (c); shape (N,).

    ``log_w = log w_hat``; ``args = (baseline, sigma, shock)``; (b) holds exactly (solved).
    """
    b, sigma, sh = args
    st = evaluate(log_w, b, sigma, sh)
    return labour_market(b, st.w_hat, st.Y_hat).at[0].set(numeraire(b, st.w_hat))
