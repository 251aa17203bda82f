"""From an equilibrium to labelled tables: per-country outcomes and group summaries.

Columns of :func:`country_table` (percent changes unless noted; models.md §1):

- ``welfare_pct``: real income (the model's welfare measure).
- ``deficit_change_pct``: ``100 (D' - D) / |D|`` with ``D = imports - exports`` (customs value).
- ``exports_gdp_pct``, ``imports_gdp_pct``: change of foreign exports / imports over GDP
  (``Y' = w_hat L_hat Y``).
- ``employment_pct``: ``L_hat``; ``cpi_pct``: ``P_hat`` (numeraire-dependent).
- ``tariff_revenue_pct``: counterfactual revenue over baseline expenditure, ``100 R' / E``
  (a level, not a change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import jax.numpy as jnp
import numpy as np
import pandas as pd

from blocs.economy import Economy
from blocs.errors import InputError
from blocs.models.imls import Solution

__all__ = [
    "COUNTRY_COLUMNS",
    "MULTISECTOR_COLUMNS",
    "SECTOR_COLUMNS",
    "country_table",
    "imls_outcomes",
    "multisector_outcomes",
    "group_summary",
    "multisector_tables",
    "weighted_mean",
]

COUNTRY_COLUMNS = (
    "iso3",
    "name",
    "welfare_pct",
    "deficit_change_pct",
    "exports_gdp_pct",
    "imports_gdp_pct",
    "employment_pct",
    "cpi_pct",
    "tariff_revenue_pct",
)

Weights = Literal["expenditure", "gdp", "none"]


def _pct_change(x1: Any, x0: Any) -> Any:
    """``100 (x1 / x0 - 1)`` (jnp; traceable)."""
    return 100.0 * (x1 / x0 - 1.0)


def _deficit_change(D1: Any, D0: Any) -> Any:
    """``100 (D' - D) / |D|``, NaN where the baseline deficit is 0 (jnp; traceable)."""
    safe = jnp.where(jnp.abs(D0) > 0, jnp.abs(D0), 1.0)
    return jnp.where(jnp.abs(D0) > 0, 100.0 * (D1 - D0) / safe, jnp.nan)


def imls_outcomes(sol: Solution) -> dict[str, Any]:
    """The outcome columns of :func:`country_table` as arrays of shape (N,).

    Pure ``jax.numpy``: usable inside ``jit`` / ``grad`` (see :mod:`blocs.gradients`).
    """
    p = sol.params
    off = 1.0 - jnp.eye(p.E.shape[0])
    X0 = p.lam * p.E[None, :] / (1.0 + p.t0)
    X1 = sol.X_new
    Y0 = p.Y
    Y1 = sol.w_hat * sol.L_hat * Y0
    imp0, imp1 = (X0 * off).sum(0), (X1 * off).sum(0)
    exp0, exp1 = (X0 * off).sum(1), (X1 * off).sum(1)
    return {
        "welfare_pct": 100.0 * (sol.welfare_hat - 1.0),
        "deficit_change_pct": _deficit_change(imp1 - exp1, imp0 - exp0),
        "exports_gdp_pct": _pct_change(exp1 / Y1, exp0 / Y0),
        "imports_gdp_pct": _pct_change(imp1 / Y1, imp0 / Y0),
        "employment_pct": 100.0 * (sol.L_hat - 1.0),
        "cpi_pct": 100.0 * (sol.P_hat - 1.0),
        "tariff_revenue_pct": 100.0 * sol.R / p.E,
    }


def country_table(economy: Economy, sol: Solution) -> pd.DataFrame:
    """Per-country outcomes of ``sol`` (one row per country, columns :data:`COUNTRY_COLUMNS`).

    Also carries the baseline weights ``expenditure`` and ``gdp`` (used by group summaries).
    """
    out = {k: np.asarray(v) for k, v in imls_outcomes(sol).items()}
    return pd.DataFrame(
        {
            "iso3": list(economy.iso3),
            "name": list(economy.names),
            **out,
            "expenditure": np.asarray(sol.params.E),
            "gdp": np.asarray(sol.params.Y),
        }
    )


def weighted_mean(values: pd.Series, weights: pd.Series | None) -> float:
    """Mean of ``values`` with ``weights`` (None = equal), ignoring NaN values."""
    v = values.to_numpy(dtype=float)
    w = np.ones_like(v) if weights is None else weights.to_numpy(dtype=float)
    ok = np.isfinite(v)
    if not ok.any():
        return float("nan")
    return float(np.sum(v[ok] * w[ok]) / np.sum(w[ok]))


def group_summary(
    table: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    weights: Weights = "expenditure",
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Averages of the outcome columns over groups of countries.

    Args:
        table: from :func:`country_table`.
        groups: group name -> ISO3 codes.
        weights: ``"expenditure"`` (baseline ``E``, the IMLS paper's choice), ``"gdp"`` or
            ``"none"`` (simple mean).
        columns: outcome columns (default: every ``*_pct`` column).

    Returns:
        One row per group, indexed by group name, with a ``members`` count.
    """
    if weights not in ("expenditure", "gdp", "none"):
        raise InputError(f"weights must be expenditure, gdp or none, not {weights!r}")
    cols = list(columns or [c for c in table.columns if c.endswith("_pct")])
    rows = []
    for name, members in groups.items():
        sub = table[table["iso3"].isin(list(members))]
        w = None if weights == "none" else sub["expenditure" if weights == "expenditure" else "gdp"]
        row: dict[str, object] = {"group": name, "members": len(sub)}
        for c in cols:
            row[c] = weighted_mean(sub[c], w)
        rows.append(row)
    return pd.DataFrame(rows).set_index("group")


#: Extra country columns of the multi-sector model (models.md §2).
MULTISECTOR_COLUMNS = ("tot_pct", "vot_pct", "welfare_linear_pct", "real_wage_pct")
SECTOR_COLUMNS = ("iso3", "sector", "output_pct", "exports_pct", "imports_pct", "price_pct")


def multisector_outcomes(eq: Any) -> dict[str, Any]:
    """The outcome columns of :func:`multisector_tables` (country level), arrays of shape (N,).

    Pure ``jax.numpy``: usable inside ``jit`` / ``grad`` (see :mod:`blocs.gradients`).
    """
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
        "deficit_change_pct": _deficit_change(eq.D_new, base.D),
        "exports_gdp_pct": _pct_change(exp1 / va1, exp0 / va0),
        "imports_gdp_pct": _pct_change(imp1 / va1, imp0 / va0),
        "employment_pct": jnp.zeros(n),
        "cpi_pct": 100.0 * (cpi - 1.0),
        "tariff_revenue_pct": 100.0 * revenue1 / base.income,
        "tot_pct": eq.tot_pct,
        "vot_pct": eq.vot_pct,
        "welfare_linear_pct": eq.welfare_linear_pct,
        "real_wage_pct": eq.real_wage_pct,
    }


def multisector_tables(eq: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Country and country-sector tables of a multi-sector equilibrium.

    Country columns: :data:`COUNTRY_COLUMNS` (``employment_pct`` is 0: labour is fixed;
    ``cpi_pct`` is the change of ``prod_s P[n, s]**alpha[n, s]``; revenue is over baseline
    income) plus :data:`MULTISECTOR_COLUMNS`: ``welfare_pct`` is the exact real-income
    change, ``welfare_linear_pct = tot_pct + vot_pct`` the paper's first-order decomposition.
    """
    base = eq.baseline
    out = {k: np.asarray(v) for k, v in multisector_outcomes(eq).items()}
    countries = pd.DataFrame(
        {
            "iso3": list(base.iso3),
            "name": list(base.names),
            **out,
            "expenditure": np.asarray(base.income),
            "gdp": np.asarray(base.value_added),
        }
    )
    n = base.n
    S = len(base.sectors)
    sectors = pd.DataFrame(
        {
            "iso3": np.repeat(list(base.iso3), S),
            "sector": list(base.sectors) * n,
            "output_pct": np.asarray(eq.output_pct).reshape(-1),
            "exports_pct": np.asarray(eq.exports_pct).reshape(-1),
            "imports_pct": np.asarray(eq.imports_pct).reshape(-1),
            "price_pct": np.asarray(eq.price_pct).reshape(-1),
        }
    )
    return countries, sectors
