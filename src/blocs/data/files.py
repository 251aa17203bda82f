"""Files of the embedded data sets and tables of the user's, read with errors that name them.

Data ship inside the package (``blocs/data/<name>/``; sources and licences in the README
files there) and are found with :mod:`importlib.resources`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from blocs.errors import DataError

__all__ = ["data_path", "describe_row", "read_table"]


def data_path(*parts: str) -> Path:
    """Path of a file shipped in ``blocs/data``."""
    return Path(str(resources.files("blocs.data").joinpath(*parts)))


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or Parquet file, with errors that name the file."""
    import pandas as pd  # on use: `blocs run` on the embedded data needs no pandas (issue 13)

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read it as a table ({exc})") from None


def describe_row(f: pd.DataFrame, r: int) -> str:
    """The key columns of row ``r`` of a long table, ``"exporter=USA, importer=CAN, ..."``
    (for error messages)."""
    cols = [
        c
        for c in ("exporter", "importer", "sector", "country", "input_sector", "output_sector")
        if c in f.columns
    ]
    return ", ".join(f"{c}={f[c].iloc[r]}" for c in cols)
