"""Multi-industry Krugman model with profit shifting (Ossa 2014).

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
``E_hat`` solved exactly inside (see :func:`_evaluate`). Walras' law makes (a) for the first
country redundant.

Outcomes: ``P_hat[n] = prod_s P_hat[n,s]^mu[n,s]``, welfare ``W_hat = E_hat / P_hat`` and
government welfare ``G_hat[n] = (sum_s lam[n,s] V'[n,s] / sum_s lam[n,s] V[n,s]) / P_hat[n]``
with ``V[n,s] = Y[n,s] + delta[n,s] R[n]`` (sales plus the industry's per-worker share of
tariff revenue). With ``lam = 1`` and ``NX = NX' = 0``, ``G_hat = W_hat``.

Numeraire: world labour income (c). Real outcomes (``W_hat``, ``G_hat``) and the ratio
``Pi_hat / w_hat`` do not depend on it; the relative wage ``w_hat[n] - mean(w_hat)`` does.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from blocs.errors import ConvergenceError, DataError, InputError
from blocs.solvers import newton
from blocs.strategy.cooperative import (
    DEFAULT_COOPERATIVE_GTOL,
    CooperativeTariffs,
    equal_gains_tariffs,
)
from blocs.strategy.nash import NashTariffs, nash_tariffs
from blocs.strategy.optimal import DEFAULT_GTOL, Game, OptimalTariffs, optimal_tariffs

__all__ = [
    "OSSA_REGIONS",
    "OssaBaseline",
    "OssaEconomy",
    "OssaEquilibrium",
    "balance",
    "baseline_objects",
    "load_ossa",
    "OssaGame",
    "OssaStrategy",
    "median_tariffs",
    "ossa_game",
    "ossa_nash",
    "ossa_optimal_tariffs",
    "ossa_outcomes",
    "ossa_trade_talks",
    "rebase",
    "solve_ossa",
]

#: Region labels of the Ossa (2014) data, in data order.
OSSA_REGIONS = ("Brazil", "China", "EU", "India", "Japan", "ROW", "US")
#: Default Newton steps of :func:`solve_ossa` (the balanced-baseline solves take 5-8;
#: prohibitive tariffs of 1000 % about 15).
DEFAULT_MAX_STEPS = 100
#: Default tolerance on the largest relative residual.
DEFAULT_TOL = 1e-12
#: |net exports| allowed in a file that claims to be balanced (numeraire units, README check).
BALANCED_NX_TOL = 1e-4
#: Allowed deviation of a row mean of the political-economy weights from 1.
LAMBDA_MEAN_TOL = 1e-9


# ----------------------------------------------------------------------------------------
# Data


@dataclasses.dataclass(frozen=True)
class OssaEconomy:
    """A multi-industry world economy at its baseline (a JAX PyTree).

    Attributes:
        X: flows ``X[i, n, s]`` at customs value, domestic sales on the diagonal ``i = n``,
            shape (N, N, S).
        t: baseline tariffs ``t[i, n, s]`` levied by importer ``n``, zero diagonal,
            shape (N, N, S).
        sigma: elasticities of substitution ``sigma[s] > 1``, shape (S,).
        lam: political-economy weights ``lam[n, s] >= 0`` (1 = none), shape (N, S).
        regions: region labels (static), length N.
        sectors: industry labels (static), length S.

    Example:
        >>> import jax.numpy as jnp
        >>> eco = OssaEconomy(X=jnp.ones((2, 2, 1)), t=jnp.zeros((2, 2, 1)),
        ...                   sigma=jnp.array([4.0]), lam=jnp.ones((2, 1)),
        ...                   regions=("A", "B"), sectors=("x",))
        >>> eco.n, eco.s
        (2, 1)
    """

    X: jax.Array
    t: jax.Array
    sigma: jax.Array
    lam: jax.Array
    regions: tuple[str, ...] = dataclasses.field(default=(), metadata={"static": True})
    sectors: tuple[str, ...] = dataclasses.field(default=(), metadata={"static": True})

    @property
    def n(self) -> int:
        """Number of regions N."""
        return int(self.X.shape[0])

    @property
    def s(self) -> int:
        """Number of industries S."""
        return int(self.X.shape[2])

    def index(self, region: str) -> int:
        """Position of a region label; raises :class:`InputError` naming the choices."""
        try:
            return self.regions.index(region)
        except ValueError:
            raise InputError(
                f"unknown region {region!r}; the economy has {', '.join(self.regions)}"
            ) from None


jax.tree_util.register_dataclass(
    OssaEconomy, data_fields=["X", "t", "sigma", "lam"], meta_fields=["regions", "sectors"]
)


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
# Solving


class _Shock(NamedTuple):
    """Tariff terms that stay fixed while solving (computed once per solve).

    ``a = gamma tau_hat^(1-sigma)`` and ``c = X tau_hat^(-sigma)``, shape (N, N, S).
    """

    a: jax.Array
    c: jax.Array
    t_new: jax.Array
    nx_new: jax.Array


def _shock(economy: OssaEconomy, b: OssaBaseline, t_new, nx_new) -> _Shock:
    sigma = economy.sigma
    log_tau = jnp.log1p(t_new) - jnp.log1p(economy.t)
    return _Shock(
        a=b.gamma * jnp.exp((1.0 - sigma) * log_tau),
        c=economy.X * jnp.exp(-sigma * log_tau),
        t_new=t_new,
        nx_new=nx_new,
    )


class _State(NamedTuple):
    w_hat: jax.Array
    E_hat: jax.Array
    P_hat_s: jax.Array
    X_new: jax.Array
    Y_hat: jax.Array
    R_new: jax.Array


def _evaluate(log_w, b: OssaBaseline, sigma, sh: _Shock) -> _State:
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
    return _State(w_hat, E_hat, P_hat_s, X_new, Y_hat, r * E_hat)


def residual(log_w, args):
    """Scaled residual of (a) for all countries but the first, and (c); shape (N,).

    ``log_w = log w_hat``; ``args = (baseline, sigma, shock)``; (b) holds exactly (solved).
    """
    b, sigma, sh = args
    st = _evaluate(log_w, b, sigma, sh)
    return labour_market(b, st.w_hat, st.Y_hat).at[0].set(numeraire(b, st.w_hat))


@dataclasses.dataclass(frozen=True)
class OssaEquilibrium:
    """An equilibrium of the Ossa (2014) model, hats relative to the economy's baseline.

    Attributes:
        w_hat: wage changes, shape (N,) (numeraire: world labour income).
        E_hat: expenditure changes, shape (N,).
        P_hat: aggregate price-index changes ``prod_s P_hat[n,s]^mu[n,s]``, shape (N,).
        P_hat_s: industry price-index changes, shape (N, S).
        X_new: counterfactual flows ``X'[i, n, s]`` at customs value, shape (N, N, S).
        R_new: counterfactual tariff revenue ``R'[n]``, shape (N,).
        G_hat: government welfare changes (weights ``economy.lam``), shape (N,).
        W_hat: welfare (real income) changes ``E_hat / P_hat``, shape (N,).
        profit_wage: ``Pi_hat[n] / w_hat[n]``, total profits relative to the wage, shape (N,)
            (the paper reports ``100 (profit_wage - 1)``).
        relative_wage: ``w_hat[n] - mean_k w_hat[k]``, shape (N,) (the paper reports 100x).
        converged: bool scalar; iterations: int scalar (Newton steps);
        max_residual: float scalar, largest relative residual.
    """

    w_hat: jax.Array
    E_hat: jax.Array
    P_hat: jax.Array
    P_hat_s: jax.Array
    X_new: jax.Array
    R_new: jax.Array
    G_hat: jax.Array
    W_hat: jax.Array
    profit_wage: jax.Array
    relative_wage: jax.Array
    converged: jax.Array
    iterations: jax.Array
    max_residual: jax.Array


jax.tree_util.register_dataclass(
    OssaEquilibrium,
    data_fields=[f.name for f in dataclasses.fields(OssaEquilibrium)],
    meta_fields=[],
)


def ossa_outcomes(
    economy: OssaEconomy,
    t_new,
    nx_new=None,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> OssaEquilibrium:
    """The equilibrium at tariffs ``t_new`` and net exports ``nx_new``: pure, never raises.

    Jittable, vmappable and differentiable (implicit function theorem) with respect to
    ``t_new``, ``nx_new`` and the economy's arrays. Check ``converged``. ``nx_new`` defaults
    to zeros (a balanced world); diagonal entries of ``t_new`` are ignored (set to 0).
    """
    n = economy.n
    t_new = jnp.asarray(t_new) * (1.0 - jnp.eye(n))[:, :, None]
    nx_new = jnp.zeros(n) if nx_new is None else jnp.asarray(nx_new)
    b = baseline_objects(economy)
    sh = _shock(economy, b, t_new, nx_new)
    res = newton(residual, jnp.zeros(n), (b, economy.sigma, sh), tol=tol, max_steps=max_steps)
    st = _evaluate(res.x, b, economy.sigma, sh)
    P_hat = aggregate_price_index(b, st.P_hat_s)
    Pi_hat = jnp.sum(b.Pi * st.Y_hat, axis=1) / jnp.sum(b.Pi, axis=1)
    return OssaEquilibrium(
        w_hat=st.w_hat,
        E_hat=st.E_hat,
        P_hat=P_hat,
        P_hat_s=st.P_hat_s,
        X_new=st.X_new,
        R_new=st.R_new,
        G_hat=government_welfare(b, economy.lam, economy.sigma, st.X_new, st.R_new, P_hat),
        W_hat=st.E_hat / P_hat,
        profit_wage=Pi_hat / st.w_hat,
        relative_wage=st.w_hat - jnp.mean(st.w_hat),
        converged=res.converged,
        iterations=res.iterations,
        max_residual=res.max_residual,
    )


_outcomes_jit = jax.jit(ossa_outcomes, static_argnames=("tol", "max_steps"))


def _is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


def solve_ossa(
    economy: OssaEconomy,
    t_new,
    nx_new=None,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    throw: bool = True,
) -> OssaEquilibrium:
    """Solve the Ossa (2014) model at new tariffs (models.md §5).

    Args:
        economy: the baseline (use :func:`balance` first to purge trade imbalances).
        t_new: new tariffs ``t'[i, n, s]``, shape (N, N, S); the diagonal is ignored.
        nx_new: new net exports in levels (numeraire units), shape (N,), summing to 0;
            default zeros (balanced trade).
        tol: tolerance on the largest relative residual.
        max_steps: Newton steps before giving up.
        throw: raise :class:`ConvergenceError` if the solve fails. Under ``jax`` transforms
            (grad, vmap) nothing can be raised: check ``converged``.

    Returns:
        :class:`OssaEquilibrium`.

    Example:
        >>> import jax.numpy as jnp
        >>> X = jnp.array([[8.0, 2.0], [2.0, 8.0]])[:, :, None]
        >>> eco = OssaEconomy(X=X, t=jnp.zeros((2, 2, 1)), sigma=jnp.array([4.0]),
        ...                   lam=jnp.ones((2, 1)), regions=("H", "F"), sectors=("x",))
        >>> t = jnp.array([[0.0, 0.0], [0.2, 0.0]])[:, :, None]   # H taxes imports from F
        >>> eq = solve_ossa(eco, t)
        >>> bool(eq.W_hat[0] > 1 > eq.W_hat[1])
        True
    """
    t_new = jnp.asarray(t_new, dtype=float)
    if t_new.shape != economy.X.shape:
        raise InputError(
            f"t_new has shape {t_new.shape}, expected {economy.X.shape} "
            "ordered [exporter, importer, industry]"
        )
    if nx_new is not None:
        nx_new = jnp.asarray(nx_new, dtype=float)
        if nx_new.shape != (economy.n,):
            raise InputError(f"nx_new has shape {nx_new.shape}, expected ({economy.n},)")
    if _is_concrete(t_new):
        bad = np.asarray(t_new) <= -1.0
        if bad.any():
            i, n, s = map(int, np.argwhere(bad)[0])
            raise InputError(
                f"tariff of importer {n} on exporter {i}, industry {s} is "
                f"{float(t_new[i, n, s]):.4g} (<= -100 %): tariffs must be > -1"
            )
    eq = _outcomes_jit(economy, t_new, nx_new, tol=tol, max_steps=max_steps)
    if throw and _is_concrete(eq.converged) and not bool(eq.converged):
        raise ConvergenceError(
            f"the Ossa equilibrium did not converge in {int(eq.iterations)} Newton steps "
            f"(largest relative residual {float(eq.max_residual):.3g}, tolerance {tol:g}). "
            "Try: max_steps larger, tol larger, moving to the new tariffs in smaller steps "
            "(solve, rebase, repeat), or check for industries with zero flows.",
            eq,
        )
    return eq


def rebase(
    economy: OssaEconomy,
    t_new,
    nx_new=None,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> OssaEconomy:
    """The economy re-based at ``t_new``: flows ``X'`` and tariffs ``t_new`` as the baseline.

    Every baseline object is recomputed from the new ``(X, t)``, so hats of later solves are
    relative to ``t_new`` (Ossa's trade talks start from Nash, factual or free trade).
    Raises :class:`ConvergenceError` if the solve fails.
    """
    n = economy.n
    eq = solve_ossa(economy, t_new, nx_new, tol=tol, max_steps=max_steps, throw=True)
    t_clean = jnp.asarray(t_new, dtype=float) * (1.0 - jnp.eye(n))[:, :, None]
    return dataclasses.replace(economy, X=eq.X_new, t=t_clean)


def balance(
    economy: OssaEconomy, *, tol: float = DEFAULT_TOL, max_steps: int = DEFAULT_MAX_STEPS
) -> OssaEconomy:
    """Purge trade imbalances (Ossa 2014; models.md §5 "Purging imbalances").

    Solves the model at unchanged tariffs with ``NX' = 0`` and returns the economy whose
    flows are that equilibrium's ``X'`` (same tariffs). The result depends on ``sigma``.

    Example:
        >>> import jax.numpy as jnp
        >>> X = jnp.array([[8.0, 3.0], [2.0, 8.0]])[:, :, None]   # H runs a surplus
        >>> eco = OssaEconomy(X=X, t=jnp.zeros((2, 2, 1)), sigma=jnp.array([4.0]),
        ...                   lam=jnp.ones((2, 1)), regions=("H", "F"), sectors=("x",))
        >>> nx = baseline_objects(balance(eco)).NX
        >>> bool(jnp.max(jnp.abs(nx)) < 1e-9)
        True
    """
    return rebase(economy, economy.t, jnp.zeros(economy.n), tol=tol, max_steps=max_steps)


def median_tariffs(t, economy_or_n) -> np.ndarray:
    """Median over ``i != n`` and ``s`` of the tariffs importer ``n`` imposes, shape (N,).

    Even counts use the mean of the middle two (``numpy.median``), as Ossa's Tables 3-4.
    """
    t = np.asarray(t)
    n_reg = economy_or_n if isinstance(economy_or_n, int) else economy_or_n.n
    out = np.empty(n_reg)
    for n in range(n_reg):
        col = np.delete(t[:, n, :], n, axis=0)
        out[n] = np.median(col)
    return out


# ----------------------------------------------------------------------------------------
# Loading the replication files


def _read_matrix(path: Path, shape: tuple[int, int]) -> np.ndarray:
    if not path.is_file():
        raise DataError(f"{path}: file not found (expected the Ossa 2014 replication files)")
    rows = []
    with path.open() as fh:
        for k, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            fields = line.strip().split(",")
            if len(fields) != shape[1]:
                raise DataError(f"{path.name}, row {k}: {len(fields)} columns, expected {shape[1]}")
            try:
                rows.append([float(v) for v in fields])
            except ValueError:
                raise DataError(f"{path.name}, row {k}: not a number in {line.strip()!r}") from None
    arr = np.asarray(rows, dtype=float)
    if arr.shape != shape:
        raise DataError(f"{path.name}: {arr.shape[0]} rows, expected {shape[0]}")
    bad = ~np.isfinite(arr)
    if bad.any():
        r, c = map(int, np.argwhere(bad)[0])
        raise DataError(f"{path.name}, row {r + 1}, column {c + 1}: value is NaN or infinite")
    return arr


def _read_labels(path: Path) -> list[str]:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    return [ln.strip().strip('"') for ln in path.read_text().splitlines() if ln.strip()]


def _stacked_location(i: int, n: int, s: int, n_reg: int) -> str:
    return f"row {s * n_reg + i + 1}, column {n + 1}"


def load_ossa(
    path: str | Path,
    *,
    balanced: bool = True,
    sigma_column: int = 1,
    political_weights: bool = False,
) -> OssaEconomy:
    """Read the Ossa (2014) replication files (``validation/ossa2014`` layout).

    Args:
        path: the folder holding ``trade_ijs*.csv``, ``tariff_ijs.csv``, ``sigma_s.csv``,
            ``labels.csv``, ``regions.csv`` (and ``lambda_pol.csv`` for POL weights).
        balanced: read ``trade_ijs_balanced.csv`` (Ossa's balanced baseline) instead of the
            raw ``trade_ijs.csv``.
        sigma_column: column of ``sigma_s.csv`` (1-based; 1 is the main specification).
        political_weights: ``lam`` from ``lambda_pol.csv`` (Panel B) instead of ones.

    The stacked layout holds exporter ``i``, importer ``n``, industry ``s`` at row
    ``s * N + i`` and column ``n`` (0-based). Checks (:class:`DataError` naming file and row):
    shapes; flows finite and non-negative; ``t[i, i, s] == 0``; a balanced file has
    ``|NX| < 1e-4``; each row of ``lambda_pol`` has mean 1; ``sigma > 1``.

    The data derive from the proprietary GTAP database: use them for validation only.
    """
    root = Path(path)
    regions = [r.split(",", 1)[1].strip() for r in _read_labels(root / "regions.csv")[1:]]
    sectors = _read_labels(root / "labels.csv")
    n_reg, n_sec = len(regions), len(sectors)
    if n_reg == 0 or n_sec == 0:
        raise DataError(f"{root}: regions.csv or labels.csv is empty")
    trade_name = "trade_ijs_balanced.csv" if balanced else "trade_ijs.csv"

    def stacked(name: str) -> np.ndarray:
        raw = _read_matrix(root / name, (n_sec * n_reg, n_reg))
        return raw.reshape(n_sec, n_reg, n_reg).transpose(1, 2, 0)

    X = stacked(trade_name)
    t = stacked("tariff_ijs.csv")
    for arr, name, what in ((X, trade_name, "flow"), (t, "tariff_ijs.csv", "tariff")):
        neg = arr < 0
        if neg.any():
            i, n, s = map(int, np.argwhere(neg)[0])
            raise DataError(
                f"{name}, {_stacked_location(i, n, s, n_reg)} (exporter {regions[i]}, "
                f"importer {regions[n]}, industry {sectors[s]}): {what} {arr[i, n, s]:g} "
                "is negative"
            )
    diag = t[np.arange(n_reg), np.arange(n_reg), :]
    if np.any(diag != 0):
        i, s = map(int, np.argwhere(diag != 0)[0])
        raise DataError(
            f"tariff_ijs.csv, {_stacked_location(i, i, s, n_reg)}: tariff of {regions[i]} on "
            f"its own {sectors[s]} is {diag[i, s]:g}; domestic tariffs must be 0"
        )
    if balanced:
        nx = X.sum(axis=(1, 2)) - X.sum(axis=(0, 2))
        worst = int(np.argmax(np.abs(nx)))
        if abs(nx[worst]) >= BALANCED_NX_TOL:
            raise DataError(
                f"{trade_name}: net exports of {regions[worst]} are {nx[worst]:.3g}, but a "
                f"balanced baseline needs |NX| < {BALANCED_NX_TOL:g}; use balanced=False and "
                "blocs.models.ossa.balance()"
            )
    sig_all = _read_matrix(root / "sigma_s.csv", (n_sec, 5))
    if not 1 <= sigma_column <= sig_all.shape[1]:
        raise InputError(f"sigma_column must be 1..{sig_all.shape[1]}, got {sigma_column}")
    sigma = sig_all[:, sigma_column - 1]
    if np.any(sigma <= 1.0):
        k = int(np.argmax(sigma <= 1.0))
        raise DataError(f"sigma_s.csv, row {k + 1}: sigma {sigma[k]:g} must exceed 1")
    if political_weights:
        lam = _read_matrix(root / "lambda_pol.csv", (n_reg, n_sec))
        if np.any(lam < 0):
            r, c = map(int, np.argwhere(lam < 0)[0])
            raise DataError(f"lambda_pol.csv, row {r + 1}, column {c + 1}: weight is negative")
        means = lam.mean(axis=1)
        for r, m in enumerate(means):
            if abs(m - 1.0) > LAMBDA_MEAN_TOL:
                raise DataError(
                    f"lambda_pol.csv, row {r + 1} ({regions[r]}): mean weight {m:.12g}, expected 1"
                )
    else:
        lam = np.ones((n_reg, n_sec))
    return OssaEconomy(
        X=jnp.asarray(X),
        t=jnp.asarray(t),
        sigma=jnp.asarray(sigma),
        lam=jnp.asarray(lam),
        regions=tuple(regions),
        sectors=tuple(sectors),
    )


# ----------------------------------------------------------------------------------------
# Strategic tariffs: the instrument layout of Ossa (2014)


def _offdiagonal_positions(n: int, s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices ``(i, n, s)`` of the off-diagonal tariffs, importer-major: importer ``n``'s
    (N-1)·S tariffs are the ``n``-th block, exporters ``i != n`` in order, then industries."""
    ii: list[int] = []
    nn: list[int] = []
    ss: list[int] = []
    for imp in range(n):
        for exp in range(n):
            if exp == imp:
                continue
            ii.extend([exp] * s)
            nn.extend([imp] * s)
            ss.extend(range(s))
    return np.asarray(ii), np.asarray(nn), np.asarray(ss)


def _tariffs_from_x(x, economy: OssaEconomy, base_t, free, mfn: bool):
    n, s = economy.n, economy.s
    offdiag = (1.0 - jnp.eye(n))[:, :, None]
    if mfn:
        t_x = jnp.broadcast_to(x.reshape(n, s)[None, :, :], (n, n, s)) * offdiag
    else:
        ii, nn, ss = _offdiagonal_positions(n, s)
        t_x = jnp.zeros((n, n, s)).at[ii, nn, ss].set(x)
    return jnp.where(free[None, :, None] > 0, t_x, base_t) * offdiag


@functools.cache
def _welfare_function(mfn: bool, objective: str) -> Callable:
    """One function object per (layout, objective), so compiled code is shared by games."""

    def welfare(x, args):
        economy, base_t, free = args
        eq = ossa_outcomes(economy, _tariffs_from_x(x, economy, base_t, free, mfn))
        return eq.G_hat if objective == "G" else eq.W_hat

    return welfare


@functools.cache
def _curvature_function(mfn: bool) -> Callable:
    """Typical second derivative of the importer's welfare in each of its tariffs.

    ``sigma[s] X'[i,n,s] / ((1 + t'[i,n,s])^2 E'[n])`` (summed over ``i`` for MFN
    instruments), at the equilibrium of ``x``: the own-effect of a tariff scales with the
    flow it taxes. Used only to precondition the optimisers (it is within a factor of about
    3 of the diagonal of the Hessian at Ossa's optima). A partial-equilibrium version without
    the solve preconditions the trade-talks problem much worse.
    """

    def curvature(x, args):
        economy, base_t, free = args
        t = _tariffs_from_x(x, economy, base_t, free, mfn)
        eq = ossa_outcomes(economy, t)
        E_new = jnp.sum((1.0 + t) * eq.X_new, axis=(0, 2))
        h = economy.sigma * eq.X_new / (1.0 + t) ** 2 / E_new[None, :, None]
        n, s = economy.n, economy.s
        if mfn:
            h = jnp.sum(h * (1.0 - jnp.eye(n))[:, :, None], axis=0)
            return h.ravel()
        ii, nn, ss = _offdiagonal_positions(n, s)
        return h[ii, nn, ss]

    return curvature


class OssaGame(NamedTuple):
    """The Ossa (2014) tariff game and its instrument layout.

    Attributes:
        game: the :class:`blocs.strategy.Game` (players = importers, in region order;
            welfare = ``G_hat`` or ``W_hat`` relative to the economy's baseline).
        to_tariffs: ``x -> t'``, instruments (m,) to tariffs (N, N, S) (NumPy).
        from_tariffs: ``t -> x``, tariffs (N, N, S) to instruments (m,) (NumPy; MFN layout:
            the import-weighted mean of each importer's off-diagonal tariffs).
    """

    game: Game
    to_tariffs: Callable[[Any], np.ndarray]
    from_tariffs: Callable[[Any], np.ndarray]


def ossa_game(
    economy: OssaEconomy,
    *,
    mfn: bool = False,
    objective: str = "G",
    base_tariffs=None,
    free: Sequence[int] | None = None,
    lower: float = 0.0,
    upper: float = 10.0,
) -> OssaGame:
    """The tariff game of Ossa (2014, Tables 3-5) on ``economy``.

    Importer ``n`` controls its (N-1)·S tariffs ``t[i, n, s]``, ``i != n`` (discriminatory
    by partner and industry, no export instruments), or with ``mfn=True`` its S tariffs
    ``t[i, n, s] = t_mfn[n, s]`` for all ``i != n``. The instrument vector ``x`` stacks the
    importers' blocks in region order. Welfare is ``G_hat`` (``objective="G"``, with
    ``economy.lam``) or ``W_hat`` (``"W"``), with ``NX' = 0``.

    Args:
        economy: the (balanced) baseline.
        mfn: uniform-across-partners instruments.
        objective: ``"G"`` or ``"W"``.
        base_tariffs: tariffs of importers not in ``free`` (default: the baseline's).
        free: importers whose tariffs are set by ``x`` (default: all). An MFN optimum of
            ``n`` with everyone else at factual tariffs uses ``mfn=True, free=[n]``.
        lower, upper: bounds on every tariff (Ossa: 0 and 10).
    """
    if objective not in ("G", "W"):
        raise InputError(f"objective must be 'G' or 'W', got {objective!r}")
    n, s = economy.n, economy.s
    base_t = jnp.asarray(economy.t if base_tariffs is None else base_tariffs, dtype=float)
    free_mask = np.zeros(n)
    free_mask[list(range(n)) if free is None else list(free)] = 1.0
    args = (economy, base_t, jnp.asarray(free_mask))
    block = s if mfn else (n - 1) * s
    players = tuple(np.arange(k * block, (k + 1) * block) for k in range(n))
    game = Game(
        _welfare_function(mfn, objective),
        args,
        players,
        lower=lower,
        upper=upper,
        names=economy.regions,
        curvature=_curvature_function(mfn),
    )

    def to_tariffs(x: Any) -> np.ndarray:
        return np.asarray(
            _tariffs_from_x(
                jnp.asarray(x, dtype=float), economy, base_t, jnp.asarray(free_mask), mfn
            )
        )

    def from_tariffs(t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        if mfn:
            X = np.asarray(economy.X) * (1.0 - np.eye(n))[:, :, None]
            return (np.sum(X * t, axis=0) / np.sum(X, axis=0)).ravel()
        ii, nn, ss = _offdiagonal_positions(n, s)
        return t[ii, nn, ss]

    return OssaGame(game, to_tariffs, from_tariffs)


class OssaStrategy(NamedTuple):
    """Tariffs chosen strategically in the Ossa model, and the equilibrium they give.

    Attributes:
        tariffs: the tariff profile ``t'[i, n, s]``, shape (N, N, S).
        equilibrium: :class:`OssaEquilibrium` at ``tariffs``, hats relative to ``baseline``.
        baseline: the economy the hats refer to (re-based at the start for trade talks).
        result: the optimiser's record (:class:`~blocs.strategy.OptimalTariffs`,
            :class:`~blocs.strategy.NashTariffs` or
            :class:`~blocs.strategy.CooperativeTariffs`).
    """

    tariffs: np.ndarray
    equilibrium: OssaEquilibrium
    baseline: OssaEconomy
    result: OptimalTariffs | NashTariffs | CooperativeTariffs


def ossa_optimal_tariffs(
    economy: OssaEconomy,
    importer: int | str,
    *,
    base_tariffs=None,
    mfn_start=None,
    objective: str = "G",
    gtol: float = DEFAULT_GTOL,
    upper: float = 10.0,
) -> OssaStrategy:
    """Importer ``n``'s optimal tariffs, everyone else at ``base_tariffs`` (Table 3).

    As Ossa (models.md §5): first the MFN optimum (S instruments), started from
    ``mfn_start`` (shape (S,); default: ``n``'s import-weighted mean base tariff by
    industry; Panel B: the targets ``tariff_noncoop_filled.csv``), then the discriminatory
    optimum ((N-1)·S instruments) started from the MFN optimum repeated across partners.
    Bounds ``[0, upper]``.

    Example:
        >>> import jax.numpy as jnp
        >>> X = jnp.array([[8.0, 2.0], [2.0, 8.0]])[:, :, None]
        >>> eco = OssaEconomy(X=X, t=jnp.zeros((2, 2, 1)), sigma=jnp.array([5.0]),
        ...                   lam=jnp.ones((2, 1)), regions=("H", "F"), sectors=("x",))
        >>> opt = ossa_optimal_tariffs(eco, "H")
        >>> lam_FF = float(opt.equilibrium.X_new[1, 1, 0] / opt.equilibrium.X_new[:, 1, 0].sum())
        >>> abs(float(opt.tariffs[1, 0, 0]) - 1 / (4 * lam_FF)) < 1e-6   # t* = 1/(eps lam_FF)
        True
    """
    n = economy.index(importer) if isinstance(importer, str) else int(importer)
    base = np.asarray(economy.t if base_tariffs is None else base_tariffs, dtype=float)
    mg = ossa_game(economy, mfn=True, objective=objective, base_tariffs=base, free=[n], upper=upper)
    xm = mg.from_tariffs(base)
    if mfn_start is not None:
        xm.reshape(economy.n, economy.s)[n] = np.asarray(mfn_start, dtype=float)
    mfn = optimal_tariffs(mg.game, xm, player=n, gtol=gtol)
    og = ossa_game(economy, objective=objective, upper=upper)
    x0 = og.from_tariffs(base)
    start = og.from_tariffs(mg.to_tariffs(mfn.x))
    idx = og.game.players[n]
    x0[idx] = start[idx]
    res = optimal_tariffs(og.game, x0, player=n, gtol=gtol)
    t = og.to_tariffs(res.x)
    return OssaStrategy(t, solve_ossa(economy, t), economy, res)


def ossa_nash(
    economy: OssaEconomy,
    *,
    start=None,
    objective: str = "G",
    tol: float = 1e-7,
    gtol: float = DEFAULT_GTOL,
    upper: float = 10.0,
    max_rounds: int = 100,
    verbose: bool = False,
) -> OssaStrategy:
    """The Nash tariff war of Ossa (2014, Table 4), tightly converged.

    Jacobi best responses (:func:`blocs.strategy.nash_tariffs`) over each importer's
    (N-1)·S tariffs, started from ``start`` (tariffs (N, N, S); default: every importer's
    unilateral optimum against the baseline tariffs, :func:`ossa_optimal_tariffs`), until no
    tariff moves by more than ``tol`` in a round. Ossa stopped at a signed mean change of
    0.01 (a looser Nash; his median tariffs differ by up to 0.45 pp).
    """
    og = ossa_game(economy, objective=objective, upper=upper)
    if start is None:
        x0 = og.from_tariffs(np.asarray(economy.t))
        for n in range(economy.n):
            opt = ossa_optimal_tariffs(economy, n, objective=objective, gtol=gtol, upper=upper)
            idx = og.game.players[n]
            x0[idx] = og.from_tariffs(opt.tariffs)[idx]
    else:
        x0 = og.from_tariffs(start)
    res = nash_tariffs(og.game, x0, tol=tol, gtol=gtol, max_rounds=max_rounds, verbose=verbose)
    t = og.to_tariffs(res.x)
    return OssaStrategy(t, solve_ossa(economy, t), economy, res)


def ossa_trade_talks(
    economy: OssaEconomy,
    start,
    *,
    objective: str = "G",
    gtol: float = DEFAULT_COOPERATIVE_GTOL,
    upper: float = 10.0,
    verbose: bool = False,
) -> OssaStrategy:
    """The efficient equal-gains agreement from ``start`` (Ossa 2014, Table 5).

    Re-bases the economy at ``start`` (tariffs (N, N, S): Nash, factual or zeros), then
    chooses all N(N-1)S tariffs in ``[0, upper]`` to maximise the first government's welfare
    subject to every government gaining the same percentage
    (:func:`blocs.strategy.equal_gains_tariffs`). Hats are relative to the re-based start.
    """
    base = rebase(economy, start)
    og = ossa_game(base, objective=objective, upper=upper)
    res = equal_gains_tariffs(og.game, og.from_tariffs(start), gtol=gtol, verbose=verbose)
    t = og.to_tariffs(res.x)
    return OssaStrategy(t, solve_ossa(base, t), base, res)
