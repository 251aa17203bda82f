"""Results of the multi-sector model: the equilibrium record, the paper's terms-of-trade /
volume-of-trade decomposition, per-country outcomes and labelled tables.

Welfare: ``welfare_pct`` is the exact real-income change
``I_hat / prod_j P_hat[n, j]**alpha[n, j]``. ``tot_pct`` and ``vot_pct`` are the paper's decomposition in its one-step linear form
(baseline weights, ``x_hat - 1``); ``welfare_linear_pct = tot_pct + vot_pct`` is what the
paper's Table 2 calls "welfare". It is a first-order approximation and can differ a lot
from the exact change (NAFTA, Mexico: +1.31 % vs +0.007 %).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from blocs.economy import MultiSectorEconomy
from blocs.models.base import Tables, deficit_change, pct_change
from blocs.models.caliendo_parro.equations import (
    Baseline,
    Weights,
    to_paper,
    trade_balance,
    trade_shares,
)
from blocs.models.caliendo_parro.inner import Inner
from blocs.models.columns import MULTISECTOR_COLUMNS, SECTOR_COLUMNS
from blocs.solvers import Status

__all__ = [
    "MULTISECTOR_COLUMNS",
    "SECTOR_COLUMNS",
    "MultiSectorEquilibrium",
    "equilibrium_record",
    "outcomes",
    "tables",
    "tot_vot",
]

Array = jax.Array


class MultiSectorEquilibrium(NamedTuple):
    """An equilibrium of the multi-sector model; hats relative to ``baseline``.

    Arrays are in this project's order (``[exporter, importer, sector]``); ``[n, s]``
    arrays are per country and sector. Percent changes are ``100 * (x_hat - 1)``; a flow
    that is zero in the baseline (e.g. exports of a non-traded sector) reports 0.

    Attributes:
        w_hat: wage change, shape (N,). Numeraire: world value added fixed.
        P_hat: sectoral price-index change ``P_hat[n, s]``, shape (N, S).
        c_hat: unit-cost change ``c_hat[n, s]``, shape (N, S).
        pi_new: counterfactual tariff-inclusive shares ``pi'[i, n, s]`` of ``n``'s spending
            on goods from ``i`` (sum over ``i`` is 1), shape (N, N, S).
        X_new: counterfactual flows at customs value ``X'[i, n, s]``, shape (N, N, S).
        expenditure_new: counterfactual expenditure ``X'[n, s]`` (tariff inclusive),
            shape (N, S).
        income_new: counterfactual income ``I'[n]`` (value added + revenue + deficit),
            shape (N,).
        welfare_pct: exact real-income change ``I_hat / prod_s P_hat**alpha``, shape (N,).
        real_wage_pct: ``w_hat / prod_s P_hat**alpha``, shape (N,).
        tot_pct: terms-of-trade effect (linear, baseline weights, models.md §2), shape (N,).
        vot_pct: volume-of-trade effect (linear, baseline weights), shape (N,).
        welfare_linear_pct: ``tot_pct + vot_pct`` (the paper's Table 2 "welfare"), shape (N,).
        output_pct: gross output (customs value) change per country and sector, shape (N, S).
        exports_pct: foreign sales change (customs value), shape (N, S).
        imports_pct: foreign purchases change (customs value), shape (N, S).
        price_pct: ``100 (P_hat - 1)``, shape (N, S).
        trade_balance_residual: ``(imports' - D' - exports') / wL'`` of every country
            (including the one Walras' law drops), shape (N,).
        status: :class:`blocs.solvers.Status` code (why the solver stopped), int32 scalar.
        converged: bool scalar. iterations: Newton steps, int scalar.
        max_residual: largest scaled residual, inner fixed points included, float scalar.
        baseline: the :class:`MultiSectorEconomy` the hats refer to (the re-based balanced
            world when ``deficits="balanced"``).
        t_new: counterfactual tariffs ``t'[i, n, s]``, shape (N, N, S).
        d_hat: iceberg shocks ``d_hat[i, n, s]``, shape (N, N, S).
        D_new: counterfactual deficits, shape (N,).
    """

    w_hat: Array
    P_hat: Array
    c_hat: Array
    pi_new: Array
    X_new: Array
    expenditure_new: Array
    income_new: Array
    welfare_pct: Array
    real_wage_pct: Array
    tot_pct: Array
    vot_pct: Array
    welfare_linear_pct: Array
    output_pct: Array
    exports_pct: Array
    imports_pct: Array
    price_pct: Array
    trade_balance_residual: Array
    status: Array
    converged: Array
    iterations: Array
    max_residual: Array
    baseline: MultiSectorEconomy
    t_new: Array
    d_hat: Array
    D_new: Array


def _pct(new: Array, old: Array) -> Array:
    """``100 (new / old - 1)``, 0 where ``old`` is 0."""
    safe = jnp.where(old > 0, old, 1.0)
    return jnp.where(old > 0, 100.0 * (new / safe - 1.0), 0.0)


def tot_vot(eco: MultiSectorEconomy, c_hat: Array, X_new: Array) -> tuple[Array, Array]:
    """The paper's linear terms-of-trade and volume-of-trade effects (percent), shape (N,).

    ``ToT[n] = (1/I[n]) sum_j sum_{i != n} (Ex[n, i, j](c_hat[n, j] - 1) - M[n, i, j](c_hat[i, j] - 1))``
    ``VoT[n] = (1/I[n]) sum_j sum_{i != n} t[n, i, j] M[n, i, j] (M_hat[n, i, j] - c_hat[i, j])``

    ``X_new`` are the counterfactual flows in project order; ``X`` and ``t`` in ``eco`` are
    the baseline ones, so ``M[n, i, j] = X[i, n, j]`` and ``Ex[n, i, j] = X[n, i, j]``.
    """
    foreign = 1.0 - jnp.eye(eco.n)[:, :, None]
    Xf = foreign * eco.X  # [exporter, importer, j]
    exports_term = jnp.sum(Xf * (c_hat[:, None, :] - 1.0), axis=(1, 2))  # by exporter
    imports_term = jnp.sum(Xf * (c_hat[:, None, :] - 1.0), axis=(0, 2))  # by importer
    M_hat_minus_c = (
        jnp.where(Xf > 0, X_new / jnp.where(Xf > 0, eco.X, 1.0), 0.0) - c_hat[:, None, :]
    )
    vot = jnp.sum(eco.t * Xf * M_hat_minus_c, axis=(0, 2))
    I = eco.income
    return 100.0 * (exports_term - imports_term) / I, 100.0 * vot / I


def equilibrium_record(
    eco: MultiSectorEconomy,
    base: Baseline,
    o: Inner,
    W: Weights,
    D_new: Array,
    t_new: Array,
    d_hat: Array,
    status: Array,
    iterations: Array,
    max_residual: Array,
) -> MultiSectorEquilibrium:
    """The equilibrium record from the inner solution ``o`` (the one translation back to
    ``[exporter, importer, sector]``); ``eco`` is the baseline the hats refer to."""
    c_hat = jnp.exp(o.log_c)
    P_hat = jnp.exp(o.log_P)
    pi_new = to_paper(trade_shares(o.e, o.s, W))  # back to [exporter, importer, sector]
    X_new = pi_new * o.X_new[None, :, :] / (1.0 + t_new)
    log_P_agg = jnp.sum(eco.alpha * o.log_P, axis=1)
    I_hat = o.I_new / eco.income
    foreign = 1.0 - jnp.eye(eco.n)[:, :, None]
    tot, vot = tot_vot(eco, c_hat, X_new)
    tb = trade_balance(o.X_new, o.r, o.Y_new, D_new) / (o.w_hat * base.wL)
    return MultiSectorEquilibrium(
        w_hat=o.w_hat,
        P_hat=P_hat,
        c_hat=c_hat,
        pi_new=pi_new,
        X_new=X_new,
        expenditure_new=o.X_new,
        income_new=o.I_new,
        welfare_pct=100.0 * (I_hat * jnp.exp(-log_P_agg) - 1.0),
        real_wage_pct=100.0 * (o.w_hat * jnp.exp(-log_P_agg) - 1.0),
        tot_pct=tot,
        vot_pct=vot,
        welfare_linear_pct=tot + vot,
        output_pct=_pct(jnp.sum(X_new, axis=1), eco.gross_output),
        exports_pct=_pct(jnp.sum(foreign * X_new, axis=1), jnp.sum(foreign * eco.X, axis=1)),
        imports_pct=_pct(jnp.sum(foreign * X_new, axis=0), jnp.sum(foreign * eco.X, axis=0)),
        price_pct=100.0 * (P_hat - 1.0),
        trade_balance_residual=tb,
        status=status,
        converged=status == Status.CONVERGED,
        iterations=iterations,
        max_residual=max_residual,
        baseline=eco,
        t_new=t_new,
        d_hat=d_hat,
        D_new=D_new,
    )


def outcomes(eq: MultiSectorEquilibrium) -> dict[str, Array]:
    """Country-level percent changes of an equilibrium, arrays of shape (N,) (traceable)."""
    base = eq.baseline
    n = base.n
    off = (1.0 - jnp.eye(n))[:, :, None]
    X0, X1 = base.X, eq.X_new
    va0 = base.value_added
    va1 = eq.w_hat * va0
    exp0, exp1 = (X0 * off).sum(axis=(1, 2)), (X1 * off).sum(axis=(1, 2))
    imp0, imp1 = (X0 * off).sum(axis=(0, 2)), (X1 * off).sum(axis=(0, 2))
    cpi = jnp.exp(jnp.sum(base.alpha * jnp.log(eq.P_hat), axis=1))
    revenue1 = jnp.sum(eq.t_new * X1, axis=(0, 2))
    return {
        "welfare_pct": eq.welfare_pct,
        "deficit_change_pct": deficit_change(eq.D_new, base.D, imp0 + exp0),
        "exports_gdp_pct": pct_change(exp1 / va1, exp0 / va0),
        "imports_gdp_pct": pct_change(imp1 / va1, imp0 / va0),
        "employment_pct": jnp.zeros(n),
        "cpi_pct": 100.0 * (cpi - 1.0),
        "tariff_revenue_pct": 100.0 * revenue1 / base.income,
        "tot_pct": eq.tot_pct,
        "vot_pct": eq.vot_pct,
        "welfare_linear_pct": eq.welfare_linear_pct,
        "real_wage_pct": eq.real_wage_pct,
    }


def tables(economy: Any, eq: MultiSectorEquilibrium) -> Tables:
    """Country and country-sector tables (labels from ``economy``).

    Country columns: ``employment_pct`` is 0 (labour is fixed); ``cpi_pct`` is the change of
    ``prod_s P[n, s]**alpha[n, s]``; revenue is over baseline income; ``welfare_pct`` is the
    exact real-income change, ``welfare_linear_pct = tot_pct + vot_pct`` the paper's
    first-order decomposition.
    """
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    base = eq.baseline
    out = {k: np.asarray(v) for k, v in outcomes(eq).items()}
    countries = pd.DataFrame(
        {
            "iso3": list(economy.iso3),
            "name": list(economy.names),
            **out,
            "expenditure": np.asarray(base.income),
            "gdp": np.asarray(base.value_added),
        }
    )
    n = economy.n
    S = len(economy.sectors)
    sectors = pd.DataFrame(
        {
            "iso3": np.repeat(list(economy.iso3), S),
            "sector": list(economy.sectors) * n,
            "output_pct": np.asarray(eq.output_pct).reshape(-1),
            "exports_pct": np.asarray(eq.exports_pct).reshape(-1),
            "imports_pct": np.asarray(eq.imports_pct).reshape(-1),
            "price_pct": np.asarray(eq.price_pct).reshape(-1),
        }
    )
    return Tables(countries=countries, sectors=sectors)
