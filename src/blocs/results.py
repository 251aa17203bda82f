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

import numpy as np
import pandas as pd

from blocs.errors import InputError
from blocs.models.caliendo_parro import MULTISECTOR_COLUMNS, SECTOR_COLUMNS
from blocs.models.imls import COUNTRY_COLUMNS
from blocs.models.registry import model_for

__all__ = [
    "COUNTRY_COLUMNS",
    "MULTISECTOR_COLUMNS",
    "SECTOR_COLUMNS",
    "country_table",
    "group_summary",
    "weighted_mean",
]

Weights = Literal["expenditure", "gdp", "none"]


def country_table(economy: Any, sol: Any) -> pd.DataFrame:
    """Per-country outcomes of an equilibrium of the model that runs on ``economy``.

    One row per country: ``iso3``, ``name``, the model's outcome columns, and the baseline
    weights ``expenditure`` and ``gdp`` (used by group summaries).
    """
    return model_for(economy).tables(economy, sol).countries


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


def multisector_tables(eq: Any) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Country and country-sector tables of a multi-sector equilibrium (labels of its baseline).

    TODO(issue 11): callers move to ``model.tables(economy, eq)``; then this goes.
    """
    t = model_for(eq.baseline).tables(eq.baseline, eq)
    return t.countries, t.sectors
