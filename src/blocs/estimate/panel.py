"""The gravity panel: load a CSV or Parquet file of bilateral flows and check it.

A panel has one row per exporter, importer and year (and sector, when a ``sector`` column is
present) with the flow in ``trade`` and any number of policy variables in other columns.
Every problem is an :class:`~blocs.errors.InputError` naming the file, the row (1-based data
row; the header is line 1 of a CSV, so data row N is on line N + 1), the column and the fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from blocs.errors import InputError, closest

__all__ = ["KEY_COLUMNS", "Panel", "load_panel"]

#: Columns every panel must have (``sector`` is optional).
KEY_COLUMNS = ("exporter", "importer", "year", "trade")
PAIR = "pair"  # derived: exporter-importer, for fixed effects and clustering
MAX_LISTED = 5  # offending rows listed in a message


@dataclass(frozen=True)
class Panel:
    """A checked panel: the frame (original row numbers kept in its index) and its origin."""

    frame: pd.DataFrame = field(repr=False)
    source: str  # file path, or '<DataFrame>'
    sha256: str  # of the file's bytes, or of the frame's contents
    has_sector: bool

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def check_numeric(self, names: Iterable[str]) -> None:
        """Raise unless every column in ``names`` exists and is numeric and finite."""
        for name in names:
            if name not in self.frame.columns:
                raise InputError(
                    f"{self.source}: no column {name!r}{closest(name, self.columns)}; "
                    f"the panel has {', '.join(self.columns)}"
                )
            _require_finite(self.frame[name], name, self.source)

    def row_label(self, index: int) -> str:
        """'AUT->DEU 2005' (plus the sector) for an original row number."""
        r = self.frame.loc[index]
        label = f"{r['exporter']}->{r['importer']} {int(r['year'])}"
        return f"{label} {r['sector']}" if self.has_sector else label


def _rows(index: Iterable[int]) -> str:
    idx = [int(i) + 1 for i in index]
    shown = ", ".join(str(i) for i in idx[:MAX_LISTED])
    more = f" and {len(idx) - MAX_LISTED} more" if len(idx) > MAX_LISTED else ""
    return f"row{'s' if len(idx) > 1 else ''} {shown}{more}"


def _holds(index: Iterable[int], value: object) -> str:
    """'row 4 holds 'n/a'' / 'rows 6, 10 hold -1.0' (the first offending value)."""
    idx = list(index)
    if hasattr(value, "item"):
        value = value.item()  # numpy scalar -> Python, for a readable repr
    return f"{_rows(idx)} hold{'s' if len(idx) == 1 else ''} {value!r}"


def _require_finite(col: pd.Series, name: str, source: str) -> pd.Series:
    """The column as float64; raise naming the first bad rows if not numeric or not finite."""
    values = pd.to_numeric(col, errors="coerce")
    bad_text = values.isna() & col.notna()
    if bad_text.any():
        first = col[bad_text]
        raise InputError(
            f"{source}: column {name!r} must be numeric; {_holds(first.index, first.iloc[0])}."
            " Fix the value(s) or drop the row(s)."
        )
    missing = values.isna()
    if missing.any():
        raise InputError(
            f"{source}: column {name!r} is empty in {_rows(values.index[missing])}. "
            "Fill the value(s) (0 for no policy / no trade) or drop the row(s)."
        )
    arr = values.to_numpy(dtype=np.float64)
    inf = ~np.isfinite(arr)
    if inf.any():
        raise InputError(
            f"{source}: column {name!r} is infinite in {_rows(values.index[inf])}; "
            "replace it with a finite number."
        )
    return values.astype(np.float64)


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"panel file {path} not found; check the path")
    name = path.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        if name.endswith((".csv", ".csv.gz", ".txt")):
            return pd.read_csv(path, dtype={"exporter": str, "importer": str, "sector": str})
    except (OSError, ValueError) as exc:
        raise InputError(f"panel file {path}: cannot be read ({exc})") from None
    raise InputError(
        f"panel file {path}: unknown format; use a .csv (or .csv.gz) or a .parquet file"
    )


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sha256_frame(frame: pd.DataFrame) -> str:
    h = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def load_panel(source: str | Path | pd.DataFrame) -> Panel:
    """Read and check a panel (CSV, CSV.gz or Parquet file, or a DataFrame).

    Checks: the columns exporter, importer, year, trade exist; codes are non-empty; years are
    whole numbers; trade is numeric, finite and non-negative; no exporter-importer-year
    (-sector) appears twice. Adds the column ``pair`` (exporter-importer) unless present.
    """
    if isinstance(source, pd.DataFrame):
        raw, where, sha = source.copy(), "<DataFrame>", _sha256_frame(source)
    else:
        path = Path(source)
        raw, where, sha = _read(path), str(path), ""
        sha = _sha256_file(path)
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in KEY_COLUMNS if c not in raw.columns]
    if missing:
        hints = "".join(f"; {c!r}{closest(c, raw.columns) or ' is absent'}" for c in missing)
        raise InputError(
            f"{where}: missing column(s) {', '.join(missing)}{hints}. A panel needs columns "
            f"{', '.join(KEY_COLUMNS)} (and optionally sector), one row per flow."
        )
    if len(raw) == 0:
        raise InputError(f"{where}: the panel has no rows")
    has_sector = "sector" in raw.columns
    frame = raw.copy()
    for col in ("exporter", "importer", *(("sector",) if has_sector else ())):
        s = raw[col]
        empty = s.isna() | (s.astype(str).str.strip() == "")
        if empty.any():
            raise InputError(
                f"{where}: column {col!r} is empty in {_rows(s.index[empty])}; every row "
                "needs a country code (ISO3, e.g. DEU)"
                + (" and a sector" if col == "sector" else "")
            )
        frame[col] = s.astype(str).str.strip()
    year = _require_finite(raw["year"], "year", where)
    frac = year != np.round(year)
    if frac.any():
        raise InputError(
            f"{where}: column 'year' must hold whole years; {_holds(year.index[frac], year[frac].iloc[0])}"
        )
    frame["year"] = year.astype(np.int64)
    trade = _require_finite(raw["trade"], "trade", where)
    neg = trade < 0
    if neg.any():
        raise InputError(
            f"{where}: column 'trade' must be >= 0; {_holds(trade.index[neg], trade[neg].iloc[0])}."
            " Flows are levels (not logs); zeros are allowed."
        )
    frame["trade"] = trade
    keys = ["exporter", "importer", "year", *(["sector"] if has_sector else [])]
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        first = frame[dup].sort_values(keys).head(2)
        what = " ".join(str(first.iloc[0][k]) for k in keys)
        raise InputError(
            f"{where}: {int(dup.sum())} rows repeat an {'-'.join(keys)} key, e.g. "
            f"{_rows(first.index)} ({what}). Keep one row per flow (sum or drop duplicates)."
        )
    if PAIR not in frame.columns:
        frame[PAIR] = frame["exporter"] + "-" + frame["importer"]
    return Panel(frame=frame, source=where, sha256=sha, has_sector=has_sector)
