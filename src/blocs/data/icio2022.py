"""OECD ICIO 2022: 81 economies x 28 sectors, applied tariffs, 8 sets of trade elasticities.

Files in ``blocs/data/icio2022`` (sources and licence in its README); flows in millions of
US dollars; arrays ``[exporter, importer, sector]``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from blocs.data.calibration import calibrate_final_demand
from blocs.data.files import data_path, describe_row
from blocs.economy import USER_DATASET, MultiSectorEconomy, trade_deficits
from blocs.errors import DataError, closest

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ICIO2022_ELASTICITIES", "load_icio2022"]

#: Elasticity sets of icio2022 (columns of ``elasticities.csv``) and their sources.
ICIO2022_ELASTICITIES = {
    "bagwell_staiger_yurukoglu_2021": "Bagwell, Staiger & Yurukoglu (2021), Econometrica",
    "caliendo_parro_2015": "Caliendo & Parro (2015), Review of Economic Studies",
    "fontagne_2022": "Fontagne, Guimbard & Orefice (2022), J. Int. Econ.",
    "giri_yi_yilmazkuday_2021": "Giri, Yi & Yilmazkuday (2021), J. Int. Econ.",
    "in_sample": "in-sample (CP triple difference on this data)",
    "lashkaripour_lugovskyy_2023": "Lashkaripour & Lugovskyy (2023), American Economic Review",
    "shapiro_2016": "Shapiro (2016), American Economic Journal: Economic Policy",
    "uniform_4": "uniform 4 (Simonovska & Waugh 2014)",
}


def _icio_elasticities(name: str) -> tuple[tuple[str, ...], np.ndarray]:
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    label = "icio2022/elasticities.csv"
    el = pd.read_csv(data_path("icio2022", "elasticities.csv"))
    if name not in ICIO2022_ELASTICITIES:
        raise DataError(
            f"unknown elasticity set {name!r}{closest(name, ICIO2022_ELASTICITIES)}; "
            f"choose one of: {', '.join(ICIO2022_ELASTICITIES)}"
        )
    if name not in el.columns or "sector" not in el.columns:
        raise DataError(f"{label}: column {name!r} or 'sector' missing; reinstall blocs")
    theta = el[name].to_numpy(dtype=float)
    bad = ~np.isfinite(theta) | (theta <= 0)
    if bad.any():
        r = int(np.argmax(bad))
        raise DataError(
            f"{label}: row {r + 2} (sector {el['sector'].iloc[r]}), column "
            f"{name}: {theta[r]} is not a positive number"
        )
    return tuple(str(s) for s in el["sector"]), theta


@functools.lru_cache(maxsize=8)
def load_icio2022(elasticities: str = "caliendo_parro_2015") -> MultiSectorEconomy:
    """OECD ICIO 2022: 81 economies x 28 sectors (27 goods + services), applied tariffs.

    No input-output links (``gamma_va = 1``, ``gamma_io = None``): the multi-sector
    Eaton-Kortum / Costinot-Donaldson-Komunjer model. ``alpha[n, s]`` = expenditure share
    (exact: this baseline is an equilibrium). Countries sorted by ISO3 code; sectors as in
    ``elasticities.csv``. Flows in millions of USD.

    Args:
        elasticities: one of :data:`ICIO2022_ELASTICITIES` (the columns of
            ``elasticities.csv``).

    Raises:
        DataError: an unknown elasticity set (the message lists the allowed ones), or bad
            data (names the row).

    Example:
        >>> eco = load_icio2022("uniform_4")
        >>> eco.n, eco.s, float(eco.theta[0])
        (81, 28, 4.0)
    """
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    sectors, theta = _icio_elasticities(elasticities)
    label = "icio2022/flows.csv.gz"
    f = pd.read_csv(data_path("icio2022", "flows.csv.gz"))
    return _economy_from_long(
        f,
        sectors,
        theta,
        label,
        source=f"OECD ICIO 2023 edition (2022), Teti GTD tariffs, via "
        f"tariffwar; elasticities: {elasticities}",
        dataset="icio2022",
    )


def _economy_from_long(
    f: pd.DataFrame,
    sectors: tuple[str, ...],
    theta: np.ndarray,
    label: str,
    source: str,
    dataset: str = USER_DATASET,
) -> MultiSectorEconomy:
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    need = ["exporter", "importer", "sector", "flow_musd", "tariff"]
    missing = [c for c in need if c not in f.columns]
    if missing:
        raise DataError(f"{label}: missing columns {missing}; expected {need}")
    for col in ("flow_musd", "tariff"):
        v = pd.to_numeric(f[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(v)
        if bad.any():
            r = int(np.argmax(bad))
            raise DataError(
                f"{label}: row {r + 2} ({describe_row(f, r)}): {col} is missing or not a number"
            )
        if col == "flow_musd" and (v < 0).any():
            r = int(np.argmax(v < 0))
            raise DataError(
                f"{label}: row {r + 2} ({describe_row(f, r)}): negative flow {v[r]:g}; flows must be >= 0"
            )
        if col == "tariff" and (v <= -1).any():
            r = int(np.argmax(v <= -1))
            raise DataError(
                f"{label}: row {r + 2} ({describe_row(f, r)}): tariff {v[r]:g} <= -1 "
                "(tariffs are ad valorem, 0.05 = 5 %)"
            )
    unknown = sorted(set(f["sector"].astype(str)) - set(sectors))
    if unknown:
        r = int(np.argmax(~f["sector"].astype(str).isin(sectors).to_numpy()))
        raise DataError(
            f"{label}: row {r + 2}: unknown sector {unknown[0]!r}"
            f"{closest(unknown[0], sectors)}; sectors: {', '.join(sectors)}"
        )
    iso3 = tuple(sorted(set(f["exporter"].astype(str)) | set(f["importer"].astype(str))))
    N, S = len(iso3), len(sectors)
    ci = {c: k for k, c in enumerate(iso3)}
    si = {s: k for k, s in enumerate(sectors)}
    i = f["exporter"].astype(str).map(ci).to_numpy()
    n = f["importer"].astype(str).map(ci).to_numpy()
    s = f["sector"].astype(str).map(si).to_numpy()
    dup = pd.Series(list(zip(i, n, s, strict=True))).duplicated()
    if dup.any():
        r = int(np.argmax(dup.to_numpy()))
        raise DataError(
            f"{label}: row {r + 2} ({describe_row(f, r)}) repeats an earlier "
            "exporter-importer-sector key; aggregate duplicates first"
        )
    X = np.zeros((N, N, S))
    t = np.zeros((N, N, S))
    X[i, n, s] = f["flow_musd"].to_numpy(dtype=float)
    t[i, n, s] = f["tariff"].to_numpy(dtype=float)
    D = trade_deficits(X)
    gamma_va = np.ones((N, S))
    alpha = calibrate_final_demand(X, t, gamma_va, None, D)
    return MultiSectorEconomy.from_arrays(
        X=X,
        t=t,
        theta=theta,
        alpha=alpha,
        gamma_va=gamma_va,
        gamma_io=None,
        D=D,
        iso3=iso3,
        sectors=sectors,
        label=label,
        source=source,
        dataset=dataset,
    )
