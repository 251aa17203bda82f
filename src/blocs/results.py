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

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from blocs.errors import InputError
from blocs.models.columns import MULTISECTOR_COLUMNS, SECTOR_COLUMNS
from blocs.models.imls import COUNTRY_COLUMNS
from blocs.models.registry import model_for

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COUNTRY_COLUMNS",
    "MULTISECTOR_COLUMNS",
    "SECTOR_COLUMNS",
    "country_table",
    "Summary",
    "group_summary",
    "mean_of",
    "summarize",
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
    return mean_of(v, None if weights is None else weights.to_numpy(dtype=float))


def mean_of(values: np.ndarray, weights: np.ndarray | None) -> float:
    """:func:`weighted_mean` of NumPy arrays."""
    v = np.asarray(values, dtype=float)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    ok = np.isfinite(v)
    if not ok.any():
        return float("nan")
    return float(np.sum(v[ok] * w[ok]) / np.sum(w[ok]))


@dataclasses.dataclass(frozen=True)
class Summary:
    """Averages of outcome columns over groups of countries (:func:`summarize`).

    Attributes:
        rows: the group names, in order.
        members: how many countries of the data each group has, shape (G,).
        columns: ``{outcome: shape (G,)}``, the averages.
    """

    rows: tuple[str, ...]
    members: np.ndarray
    columns: dict[str, np.ndarray]

    def to_frame(self) -> pd.DataFrame:
        """The summary as :func:`group_summary` returns it (indexed by ``group``)."""
        import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

        frame = pd.DataFrame({"group": list(self.rows), "members": self.members, **self.columns})
        return frame.set_index("group")


def summarize(
    columns: Mapping[str, np.ndarray],
    groups: Mapping[str, Sequence[str]],
    *,
    weights: Weights = "expenditure",
    outcomes: Sequence[str] | None = None,
) -> Summary:
    """:func:`group_summary` of a countries table given as NumPy columns (``iso3``, the
    outcome columns, ``expenditure`` and ``gdp``); no pandas.

    ``outcomes``: the columns averaged (default: every ``*_pct`` column).
    """
    if weights not in ("expenditure", "gdp", "none"):
        raise InputError(f"weights must be expenditure, gdp or none, not {weights!r}")
    cols = list(outcomes or [c for c in columns if c.endswith("_pct")])
    iso3 = np.asarray(columns["iso3"], dtype=object)
    means: dict[str, list[float]] = {c: [] for c in cols}
    members = []
    for members_of in groups.values():
        mask = np.isin(iso3, list(members_of))
        w = None if weights == "none" else np.asarray(columns[weights], dtype=float)[mask]
        members.append(int(mask.sum()))
        for c in cols:
            means[c].append(mean_of(np.asarray(columns[c], dtype=float)[mask], w))
    return Summary(
        rows=tuple(groups),
        members=np.asarray(members, dtype=np.int64),
        columns={c: np.asarray(v, dtype=float) for c, v in means.items()},
    )


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
    cols = list(columns or [c for c in table.columns if c.endswith("_pct")])
    data = {str(c): table[c].to_numpy() for c in table.columns}
    return summarize(data, groups, weights=weights, outcomes=cols).to_frame()


def multisector_tables(eq: Any) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Country and country-sector tables of a multi-sector equilibrium (labels of its baseline).

    TODO(issue 11): callers move to ``model.tables(economy, eq)``; then this goes.
    """
    t = model_for(eq.baseline).tables(eq.baseline, eq)
    return t.countries, t.sectors
