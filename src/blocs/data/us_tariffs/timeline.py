"""The shipped record of US tariff measures and foreign retaliation, 2025-2026.

:func:`load_timeline` reads ``timeline.csv.gz`` (a cleaned copy of the shared record, built by
``tools/build_us_tariffs.py``; sources in ``sources.md`` next to it) and validates it.
:data:`REGIMES` holds the seven regime dates of ``regimes.md``; :func:`latest_date` the last
documented date.
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from blocs.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RATE_TYPES", "REGIMES", "is_in_force", "latest_date", "load_timeline"]

#: The regime dates of ``regimes.md`` (US entry dates; each regime is in force on that day).
REGIMES: dict[str, dt.date] = {
    "us-2025-04-09": dt.date(2025, 4, 9),
    "us-2025-05-14": dt.date(2025, 5, 14),
    "us-2025-08-07": dt.date(2025, 8, 7),
    "us-2025-11-15": dt.date(2025, 11, 15),
    "us-2026-02-24": dt.date(2026, 2, 24),
    "us-2026-08-01": dt.date(2026, 8, 1),
    "us-2026-10-09": dt.date(2026, 10, 9),
}

#: ``additional`` (on top of MFN), ``total_floor`` (all-in X %: adds max(0, X - MFN)),
#: ``replaces`` (substitutes for a named earlier measure on the same goods).
RATE_TYPES = ("additional", "total_floor", "replaces")

_EFFECTIVE_STATUS = ("date", "scheduled", "unknown", "not_implemented")
_ENDED_STATUS = ("date", "open", "unknown")
_LABEL = "us_tariffs/timeline.csv.gz"


def latest_date() -> dt.date:
    """The latest documented date of the record (2026-10-09): nothing after it is covered."""
    return REGIMES["us-2026-10-09"]


@functools.lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    path = resources.files("blocs.data").joinpath("us_tariffs", "timeline.csv.gz")
    with resources.as_file(path) as p:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, compression="gzip")
    return _validate(raw)


def load_timeline() -> pd.DataFrame:
    """The record as a validated table, one row per measure (and exporter or group).

    Columns (types):

    - ``measure_id`` (str, unique), ``authority``, ``importer`` (ISO3 or ``EU27``),
      ``exporter`` (ISO3, ``EU27``, ``ALL``, ``DEAL_PARTNERS`` or ``;``-separated list),
      ``exporters`` (tuple of str, the split ``exporter``), ``scope``, ``hs_or_sector_note``,
      ``stacking_note``, ``confidence`` (high/medium/low), ``note``;
    - ``announced``, ``effective``, ``ended``: :class:`datetime.date` or ``None``;
    - ``effective_status``: ``date`` (collected from ``effective``), ``scheduled`` (a future
      date after the record's cut-off: never treated as in force), ``unknown`` (no evidence of
      implementation: never in force) or ``not_implemented`` (announced, never collected);
      ``effective_note`` keeps the record's wording;
    - ``ended_status``: ``date`` (first day no longer applied), ``open`` (in force at the latest
      documented date) or ``unknown`` (removal not documented: treated as still in force by
      the US compiler; the retaliation compiler asks for an explicit assumption);
    - ``rate_pct`` (float, percentage points; NaN where the record gives no single rate),
      ``rate_type`` (one of :data:`RATE_TYPES`), ``source_urls`` (tuple of str).

    Raises:
        DataError: the shipped file is malformed (names the row and column).

    Example:
        >>> tl = load_timeline()
        >>> len(tl), tl.loc[tl.measure_id == "S122-GLOBAL-10", "rate_pct"].item()
        (324, 10.0)
    """
    return _load().copy()


def _date(value: str, row: int, col: str) -> dt.date | None:
    if value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DataError(f"{_LABEL}: row {row}: {col} {value!r} is not a YYYY-MM-DD date") from None


def _has(value: object) -> bool:
    return isinstance(value, dt.date)


def _validate(d: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    need = [
        "measure_id", "authority", "announced", "effective", "effective_status",
        "effective_note", "ended", "ended_status", "importer", "exporter", "scope",
        "hs_or_sector_note", "rate_pct", "rate_type", "stacking_note", "source_urls",
        "confidence", "note",
    ]  # fmt: skip
    missing = [c for c in need if c not in d.columns]
    if missing:
        raise DataError(f"{_LABEL}: missing columns {missing}")
    dup = d["measure_id"].duplicated()
    if dup.any():
        r = int(np.argmax(dup.to_numpy()))
        raise DataError(f"{_LABEL}: row {r + 2}: measure_id {d.measure_id[r]!r} repeats")
    out = d.copy()
    for col in ("announced", "effective", "ended"):
        out[col] = [_date(v, k + 2, col) for k, v in enumerate(d[col])]
    for col, allowed in (
        ("effective_status", _EFFECTIVE_STATUS),
        ("ended_status", _ENDED_STATUS),
        ("rate_type", RATE_TYPES),
        ("confidence", ("high", "medium", "low")),
    ):
        bad = ~d[col].isin(allowed)
        if bad.any():
            r = int(np.argmax(bad.to_numpy()))
            raise DataError(
                f"{_LABEL}: row {r + 2} ({d.measure_id[r]}): {col} {d[col][r]!r} "
                f"not one of {', '.join(allowed)}"
            )
    for k, row in enumerate(out.itertuples(index=False)):
        where = f"{_LABEL}: row {k + 2} ({row.measure_id})"
        has_eff, has_end = _has(row.effective), _has(row.ended)
        if (row.effective_status in ("date", "scheduled")) != has_eff:
            raise DataError(f"{where}: effective date and status {row.effective_status} disagree")
        if (row.ended_status == "date") != has_end:
            raise DataError(f"{where}: ended date and status {row.ended_status} disagree")
        if has_eff and has_end and row.ended <= row.effective:
            raise DataError(f"{where}: ended {row.ended} is not after effective {row.effective}")
    rate = pd.to_numeric(d["rate_pct"].replace("", np.nan), errors="coerce")
    bad = rate.isna() & (d["rate_pct"] != "")
    if bad.any():
        r = int(np.argmax(bad.to_numpy()))
        raise DataError(f"{_LABEL}: row {r + 2}: rate_pct {d.rate_pct[r]!r} is not a number")
    if (rate < 0).any():
        r = int(np.argmax((rate < 0).to_numpy()))
        raise DataError(f"{_LABEL}: row {r + 2}: negative rate_pct")
    out["rate_pct"] = rate.astype(float)
    out["exporters"] = [tuple(x.strip() for x in v.split(";")) for v in d["exporter"]]
    out["source_urls"] = [
        tuple(u.strip() for u in v.split(" ; ") if u.strip()) for v in d["source_urls"]
    ]
    return out


def is_in_force(row: pd.Series, date: dt.date, *, unknown_end: str = "in_force") -> bool:
    """Whether a measure applies to entries on ``date``.

    Args:
        row: a row of :func:`load_timeline`.
        date: the entry date.
        unknown_end: for ``ended_status == "unknown"``: ``"in_force"`` (the default: no
            source on removal, so the measure is kept) or ``"ended"``.
    """
    if row.effective_status != "date" or not _has(row.effective) or row.effective > date:
        return False
    if row.ended_status == "date":
        return bool(date < row.ended)
    if row.ended_status == "unknown":
        return unknown_end == "in_force"
    return True
