"""Embedded data sets and loaders for the user's own data.

- :func:`load_world2023`: 194 economies, 2023 (BACI flows, WDI GDP, April-2025 US tariffs).
- :func:`load_economy`: the user's long flow table (CSV or Parquet) and countries table.
- :func:`load_icio2022_one_sector`: icio2022 summed over sectors (``icio2022-agg``; 81
  economies, Taiwan included) for one-sector runs.
- :func:`load_dataset`: an embedded data set by name (:data:`DATASETS`); multi-sector
  loaders are in :mod:`blocs.data.multisector`.
- :func:`us_tariffs_2025_04`: the April-2025 US tariffs a data set carries per country.

Every economy records which data set it is (``economy.dataset``: a name of
:data:`DATASETS`, or ``"user"``).

See ``data/README.md`` in the package for sources and licences.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from blocs.data import multisector
from blocs.data.files import data_path, read_table
from blocs.data.icio2022_agg import ICIO2022_AGG, load_icio2022_one_sector
from blocs.data.ready import ready_economy, write_ready
from blocs.economy import Economy, economy_from_tables
from blocs.errors import DataError

__all__ = [
    "DATASETS",
    "US_TARIFF_2025_COLUMN",
    "WORLD2023_FILES",
    "build_world2023",
    "data_path",
    "load_dataset",
    "load_economy",
    "load_icio2022_one_sector",
    "load_world2023",
    "read_table",
    "us_tariffs_2025_04",
    "write_ready_economies",
]

#: Names of the embedded data sets (the ``dataset`` of the economies their loaders build).
DATASETS = ("world2023", "icio2022", "cp2015", ICIO2022_AGG)
#: The countries-table column of the US tariffs announced in April 2025 (world2023 has it).
US_TARIFF_2025_COLUMN = "us_tariff_2025_04"


#: The tables world2023 is built from (``blocs/data/world2023/``).
WORLD2023_FILES = ("trade.csv.gz", "countries.csv.gz")


@functools.lru_cache(maxsize=4)
def load_world2023(calibrate: str = "auto") -> Economy:
    """The embedded world2023 data: 194 economies, one sector, thousand USD.

    Domestic flows and profit shares are calibrated as in IMLS (2025), models.md §1. The
    default calibration is read ready-made from ``world2023/economy.npz``
    (:mod:`blocs.data.ready`), which equals a build from the tables.

    Example:
        >>> eco = load_world2023()
        >>> eco.n, eco.iso3[:2]
        (194, ('ABW', 'AFG'))
    """
    if calibrate == "auto":
        return ready_economy("world2023", WORLD2023_FILES, build_world2023)
    return build_world2023(calibrate)


def build_world2023(calibrate: str = "auto") -> Economy:
    """world2023 built from its tables (what :func:`load_world2023` stores ready-made)."""
    import pandas as pd  # only when the tables are read (issue 13: `blocs run` needs none)

    flows = pd.read_csv(data_path("world2023", WORLD2023_FILES[0]))
    countries = pd.read_csv(data_path("world2023", WORLD2023_FILES[1]))
    return economy_from_tables(
        flows,
        countries,
        calibrate=calibrate,
        flows_label="world2023/trade.csv",
        countries_label="world2023/countries.csv",
        source="world2023: CEPII BACI 2023 (HS22, V202501) via IMLS (2025); WDI GDP",
        dataset="world2023",
    )


def write_ready_economies() -> list[Path]:
    """Rebuild the ready-made economies (``economy.npz``) from the tables shipped."""
    return [write_ready(build_world2023(), "world2023", WORLD2023_FILES)]


def load_economy(
    flows: str | Path, countries: str | Path | None = None, *, calibrate: str = "auto"
) -> Economy:
    """Load the user's data as an :class:`Economy`.

    Args:
        flows: CSV/Parquet with ``exporter, importer, value`` (and optional ``tariff``).
        countries: CSV/Parquet with ``iso3, gdp`` (optional ``name``). May be omitted when
            ``flows`` holds domestic flows for every country (then GDP = total sales).
        calibrate: see :func:`blocs.economy.economy_from_tables`.
    """
    import pandas as pd  # the user's tables (not needed by the embedded data sets)

    f = read_table(flows)
    if countries is None:
        exp_col = "exporter" if "exporter" in f.columns else None
        if exp_col is None or "importer" not in f.columns:
            raise DataError(f"{flows}: needs columns exporter, importer, value")
        if not (f["exporter"] == f["importer"]).any():
            raise DataError(
                f"{flows}: no domestic flows (exporter == importer), so GDP is needed: "
                "pass a countries table with iso3, gdp"
            )
        val = next((c for c in ("value", "value_kusd", "flow", "trade") if c in f.columns), None)
        if val is None:
            raise DataError(f"{flows}: no value column (value, value_kusd, flow or trade)")
        bad = pd.to_numeric(f[val], errors="coerce").isna() & f[val].notna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise DataError(
                f"{flows}, row {row + 2}, column {val}: {str(f[val].iloc[row])!r} is not a number"
            )
        values = pd.to_numeric(f[val], errors="coerce").fillna(0.0)
        sales = values.groupby(f["exporter"].astype(str).str.strip().str.upper()).sum()
        codes = sorted(
            set(f["exporter"].dropna().astype(str).str.strip().str.upper())
            | set(f["importer"].dropna().astype(str).str.strip().str.upper())
        )
        c = pd.DataFrame({"iso3": codes, "gdp": [float(sales.get(k, 0.0)) for k in codes]})
        clabel = f"{flows} (GDP from total sales)"
    else:
        c = read_table(countries)
        clabel = str(countries)
    return economy_from_tables(
        f,
        c,
        calibrate=calibrate,
        flows_label=str(flows),
        countries_label=clabel,
        source=f"user data: {flows}",
    )


def load_dataset(name: str, *, elasticities: str | None = None) -> Any:
    """An embedded data set by name: ``world2023`` (one sector), ``icio2022``, ``cp2015``,
    ``icio2022-agg`` (one sector).

    ``elasticities``: the set of sectoral trade elasticities icio2022 carries (default: its
    loader's).
    """
    if name == "world2023":
        return load_world2023()
    if name == "icio2022":
        if elasticities is None:
            return multisector.load_icio2022()
        return multisector.load_icio2022(elasticities)
    if name == "cp2015":
        return multisector.load_cp2015()
    if name == ICIO2022_AGG:
        return load_icio2022_one_sector()
    raise DataError(f"unknown data set {name!r}; embedded data sets: {', '.join(DATASETS)}")


def us_tariffs_2025_04(economy: Any) -> np.ndarray | None:
    """The US tariff announced in April 2025 on each country's exports, from the data.

    Reads the :data:`US_TARIFF_2025_COLUMN` column of the economy's countries table
    (``economy.country_data``; world2023 has it, a user's countries table may).

    Returns:
        The rates (0.25 = 25 %), shape (N,), NaN where the table has no value; None when the
        data has no such column (icio2022, cp2015, most user data).

    Example:
        >>> us_tariffs_2025_04(load_world2023()).shape
        (194,)
        >>> us_tariffs_2025_04(load_dataset("cp2015")) is None
        True
    """
    column = economy.country_data.get(US_TARIFF_2025_COLUMN)
    return None if column is None else np.asarray(column, dtype=float)
