"""Summaries of a sweep: percentiles across draws per country and group; the result record."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from blocs.errors import InputError, closest
from blocs.scenario import Scenario, row_members
from blocs.sweep.spec import SweepSpec

__all__ = ["SweepResult", "members", "percentile_name", "summarize"]


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """A finished sweep.

    Attributes:
        spec: the :class:`~blocs.sweep.SweepSpec`.
        table: one row per (draw, country), see :func:`blocs.sweep.solve_chunk`.
        manifest: spec (JSON), hash, chunk size, draws, data checksum, timing.
        economy: the baseline (labels and groups for summaries).
        scenario: the parsed scenario.
    """

    spec: SweepSpec
    table: pd.DataFrame
    manifest: dict[str, Any]
    economy: Any
    scenario: Scenario

    @property
    def n_failed(self) -> int:
        """Draws that did not converge (left out of summaries)."""
        return int((~self.table.groupby("draw")["converged"].first()).sum())

    def summary(
        self,
        rows: Sequence[str] | None = None,
        *,
        column: str = "welfare_pct",
        percentiles: Sequence[float] | None = None,
    ) -> pd.DataFrame:
        """Percentiles of ``column`` across draws per country or group (see :func:`summarize`)."""
        return summarize(
            self.table,
            self.economy,
            rows or self.spec.rows,
            column=column,
            percentiles=percentiles or self.spec.percentiles,
            groups=self.scenario.groups,
        )


def members(row: str, economy: Any, groups: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Country codes of a summary row: an ISO3 code, a group (``EU27``), ``non-US``/``non-X``."""
    return row_members(row, economy, groups, where="rows")


def percentile_name(q: float) -> str:
    """Column name of percentile ``q``: ``p5``, ``p50``, ``p97.5``."""
    return f"p{q:g}"


def summarize(
    table: pd.DataFrame,
    economy: Any,
    rows: Sequence[str],
    *,
    column: str = "welfare_pct",
    percentiles: Sequence[float] = (5.0, 50.0, 95.0),
    groups: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Percentiles across converged draws of ``column``, per country and group.

    A group's value in a draw is the mean over its members weighted by baseline
    expenditure (as in ``blocs run``); percentiles are then taken across draws.

    Returns:
        Index: the rows; columns ``members``, ``p<q>`` for each percentile, ``mean``,
        ``draws`` (converged) and ``failed``.
    """
    if column not in table.columns:
        outcomes = [c for c in table.columns if c.endswith("_pct")]
        raise InputError(
            f"unknown outcome column {column!r}{closest(column, outcomes)}; "
            f"available: {', '.join(outcomes)}"
        )
    ok = table[table["converged"]]
    failed = int(table.loc[~table["converged"], "draw"].nunique())
    out = []
    for row in rows:
        codes = members(row, economy, groups)
        sub = ok[ok["iso3"].isin(codes)]
        v = sub[column].to_numpy(dtype=float)
        w = sub["expenditure"].to_numpy(dtype=float)
        fin = np.isfinite(v)
        num = pd.Series(np.where(fin, v * w, 0.0)).groupby(sub["draw"].to_numpy()).sum()
        den = pd.Series(np.where(fin, w, 0.0)).groupby(sub["draw"].to_numpy()).sum()
        values = (num / den).to_numpy()
        rec: dict[str, Any] = {"row": row, "members": len(codes)}
        for q in percentiles:
            rec[percentile_name(q)] = (
                float(np.percentile(values, q)) if len(values) else float("nan")
            )
        rec["mean"] = float(values.mean()) if len(values) else float("nan")
        rec["draws"] = len(values)
        rec["failed"] = failed
        out.append(rec)
    return pd.DataFrame(out).set_index("row")
