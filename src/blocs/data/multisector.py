"""Loaders of multi-sector data (:class:`blocs.economy.MultiSectorEconomy`).

- :func:`load_cp2015`: Caliendo & Parro (2015), 31 regions x 40 sectors, 1993, with
  input-output links; :func:`cp2015_nafta_tariffs` gives the paper's NAFTA experiment.
- :func:`load_icio2022`: OECD ICIO 2022, 81 economies x 28 sectors, applied tariffs, one of
  8 published sets of trade elasticities; no input-output links.
- :func:`load_io_coefficients` and :func:`with_io_links`: the user's input-output table.

Data ship inside the package (``blocs/data/cp2015``, ``blocs/data/icio2022``; sources and
licences in their README files) and are read with :mod:`importlib.resources`.
Flows are in millions of US dollars; arrays are ``[exporter, importer, sector]``.
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from blocs.economy import USER_DATASET, MultiSectorEconomy, trade_deficits
from blocs.errors import DataError, closest

__all__ = [
    "CP2015_ISO3",
    "CP2015_REGIONS",
    "CP2015_SECTORS",
    "ICIO2022_ELASTICITIES",
    "calibrate_final_demand",
    "cp2015_nafta_tariffs",
    "load_cp2015",
    "load_icio2022",
    "load_io_coefficients",
    "with_io_links",
]

#: Regions of the CP (2015) data, in the files' order.
CP2015_REGIONS = (
    "Argentina",
    "Australia",
    "Austria",
    "Brazil",
    "Canada",
    "Chile",
    "China",
    "Denmark",
    "Finland",
    "France",
    "Germany",
    "Greece",
    "Hungary",
    "India",
    "Indonesia",
    "Ireland",
    "Italy",
    "Japan",
    "Korea",
    "Mexico",
    "Netherlands",
    "New Zealand",
    "Norway",
    "Portugal",
    "South Africa",
    "Spain",
    "Sweden",
    "Turkey",
    "UK",
    "USA",
    "RoW",
)
#: ISO3 codes of :data:`CP2015_REGIONS` (ROW = rest of the world).
CP2015_ISO3 = (
    "ARG",
    "AUS",
    "AUT",
    "BRA",
    "CAN",
    "CHL",
    "CHN",
    "DNK",
    "FIN",
    "FRA",
    "DEU",
    "GRC",
    "HUN",
    "IND",
    "IDN",
    "IRL",
    "ITA",
    "JPN",
    "KOR",
    "MEX",
    "NLD",
    "NZL",
    "NOR",
    "PRT",
    "ZAF",
    "ESP",
    "SWE",
    "TUR",
    "GBR",
    "USA",
    "ROW",
)
#: Sectors of the CP (2015) data, in the files' order; the first 20 are tradable.
CP2015_SECTORS = (
    "Agriculture",
    "Mining",
    "Food",
    "Textile",
    "Wood",
    "Paper",
    "Petroleum",
    "Chemicals",
    "Plastic",
    "Minerals",
    "Basic metals",
    "Metal products",
    "Machinery n.e.c.",
    "Office",
    "Electrical",
    "Communication",
    "Medical",
    "Auto",
    "Other Transport",
    "Other",
    "Electricity",
    "Construction",
    "Retail",
    "Hotels",
    "Land Transport",
    "Water Transport",
    "Air Transport",
    "Aux Transport",
    "Post",
    "Finance",
    "Real Estate",
    "Renting Machinery",
    "Computer",
    "R&D",
    "Other Business",
    "Public",
    "Education",
    "Health",
    "Other services",
    "Private",
)
#: Tradable sectors in the CP data (the rest have domestic sourcing only).
_CP_TRADABLE = 20
#: The paper's trade elasticity for every non-tradable sector.
_CP_THETA_NONTRADABLE = 8.22
#: Trade files are in thousands of US dollars, GO.txt in dollars; we use millions.
_CP_TRADE_TO_MUSD = 1e-3
_CP_GO_TO_MUSD = 1e-6
#: The NAFTA members whose mutual tariffs move to their 2005 values.
_NAFTA = ("CAN", "MEX", "USA")

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
#: Slack on input-share column sums in a user's IO table.
_IO_SLACK = 1e-6


def _data_file(*parts: str) -> Path:
    return Path(str(resources.files("blocs.data").joinpath(*parts)))


def _read_cp(name: str, shape: tuple[int, ...]) -> np.ndarray:
    path = _data_file("cp2015", f"{name}.txt.gz")
    label = f"cp2015/{name}.txt"
    try:
        with gzip.open(path, "rt") as fh:
            a = np.loadtxt(fh, delimiter="\t", ndmin=2)
    except (OSError, ValueError) as exc:
        raise DataError(
            f"{label}: cannot read it as tab-separated numbers ({exc}); reinstall blocs"
        ) from None
    a = a.reshape(shape) if a.size == int(np.prod(shape)) else a
    if a.shape != shape:
        raise DataError(f"{label}: shape {a.shape}, expected {shape}; reinstall blocs")
    if not np.isfinite(a).all():
        r = int(np.argwhere(~np.isfinite(a.reshape(shape[0], -1)))[0][0])
        raise DataError(f"{label}: row {r + 1} has a missing or non-numeric value")
    return a


# ----------------------------------------------------------------------------------------
# Calibration shared by the loaders


def calibrate_final_demand(
    X: np.ndarray, t: np.ndarray, gamma_va: np.ndarray, gamma_io: np.ndarray | None, D: np.ndarray
) -> np.ndarray:
    """Final-demand shares ``alpha[n, s]`` (Caliendo & Parro's calibration).

    What remains of sectoral expenditure after intermediate use, over income:
    ``alpha[n, k] = (X[n, k] - sum_s gamma_io[n, k, s] GO[n, s]) / (wL[n] + R[n] + D[n])``;
    negatives are set to 0 and each row renormalised to sum to one.

    Args:
        X: flows ``[exporter, importer, sector]`` (customs value), shape (N, N, S).
        t: tariffs, same shape. gamma_va: (N, S). gamma_io: (N, S, S) or None. D: (N,).

    Returns:
        alpha, shape (N, S).
    """
    E = ((1.0 + t) * X).sum(axis=0)  # expenditure [n, s]
    GO = X.sum(axis=1)  # gross output [n, s]
    intermediate = 0.0 if gamma_io is None else np.einsum("nks,ns->nk", gamma_io, GO)
    income = (gamma_va * GO).sum(axis=1) + (t * X).sum(axis=(0, 2)) + D
    alpha = np.clip((E - intermediate) / income[:, None], 0.0, None)
    total = alpha.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        raise DataError(
            "final demand is non-positive in every sector for a country: the "
            "input-output shares exceed expenditure; check gamma_io"
        )
    return alpha / total


def _cp_blocks(a: np.ndarray, n: int) -> np.ndarray:
    """(S*N, N) blocks ``[s][importer n][exporter i]`` -> ``[exporter, importer, s]``."""
    S = a.shape[0] // n
    return np.transpose(a.reshape(S, n, n), (2, 1, 0))


@functools.lru_cache(maxsize=2)
def load_cp2015() -> MultiSectorEconomy:
    """Caliendo & Parro (2015): 31 regions x 40 sectors, 1993, input-output links.

    Built as in the paper's code (``data/README.md``, cp2015): domestic sales =
    max(GO, exports) - exports (so gross output is raised to exports where it is below);
    tariff-inclusive shares; value added = GO * B; ``gamma_io[n, k, s] = IO * (1 - B)``;
    ``alpha`` from :func:`calibrate_final_demand`; ``theta`` from ``T.txt`` and 8.22 for
    the 20 non-tradable sectors; deficits = imports - exports. Flows in millions of USD.

    The baseline is not an exact equilibrium (clipping negative ``alpha`` breaks the
    expenditure identity); use ``deficits="balanced"`` (the paper's Table 2) or rebase.

    Example:
        >>> eco = load_cp2015()
        >>> eco.n, eco.s, eco.iso3[19], eco.sectors[17]
        (31, 40, 'MEX', 'Auto')
    """
    N, S, T = len(CP2015_ISO3), len(CP2015_SECTORS), _CP_TRADABLE
    xbilat = _read_cp("xbilat1993", (T * N, N)) * _CP_TRADE_TO_MUSD
    tar = _read_cp("tariffs1993", (T * N, N)) / 100.0
    B = _read_cp("B", (S, N))
    GO = _read_cp("GO", (S, N)) * _CP_GO_TO_MUSD
    IO = _read_cp("IO", (N * S, S))
    theta_t = _read_cp("T", (T, 1))[:, 0]
    for name, a in (("xbilat1993", xbilat), ("tariffs1993", tar), ("GO", GO)):
        if (a < 0).any():
            r = int(np.argwhere(a < 0)[0][0])
            raise DataError(f"cp2015/{name}.txt: row {r + 1} has a negative value")
    X = np.zeros((N, N, S))
    t = np.zeros((N, N, S))
    X[:, :, :T] = _cp_blocks(xbilat, N)
    t[:, :, :T] = _cp_blocks(tar, N)
    idx = np.arange(N)
    X[idx, idx, :] = 0.0
    exports = X.sum(axis=1).T  # [s, n]
    GO = np.maximum(GO, exports)
    X[idx, idx, :] = (GO - exports).T
    gamma_va = B.T
    gamma_io = IO.reshape(N, S, S) * (1.0 - B.T)[:, None, :]
    # IO.txt has one negative entry (Canada, input Other, output Basic metals: -0.00085);
    # the paper's code uses it as is, and so do we (allow_negative_io below).
    D = trade_deficits(X)
    alpha = calibrate_final_demand(X, t, gamma_va, gamma_io, D)
    theta = np.concatenate([theta_t, np.full(S - T, _CP_THETA_NONTRADABLE)])
    return MultiSectorEconomy.from_arrays(
        X=X,
        t=t,
        theta=theta,
        alpha=alpha,
        gamma_va=gamma_va,
        gamma_io=gamma_io,
        D=D,
        iso3=CP2015_ISO3,
        names=CP2015_REGIONS,
        sectors=CP2015_SECTORS,
        tradable=[s < T for s in range(S)],
        label="cp2015",
        allow_negative_io=True,
        source="Caliendo & Parro (2015), REStud 82(1), supplementary material; 1993",
        dataset="cp2015",
    )


def cp2015_nafta_tariffs() -> jax.Array:
    """The NAFTA experiment's tariffs ``t'[i, n, s]`` on :func:`load_cp2015`, (31, 31, 40).

    Tariffs among Canada, Mexico and the USA (both directions) at their 2005 values, all
    other tariffs at their 1993 values.

    Example:
        >>> t = cp2015_nafta_tariffs()
        >>> t.shape
        (31, 31, 40)
    """
    N, S, T = len(CP2015_ISO3), len(CP2015_SECTORS), _CP_TRADABLE
    t93 = np.zeros((N, N, S))
    t05 = np.zeros((N, N, S))
    t93[:, :, :T] = _cp_blocks(_read_cp("tariffs1993", (T * N, N)) / 100.0, N)
    t05[:, :, :T] = _cp_blocks(_read_cp("tariffs2005", (T * N, N)) / 100.0, N)
    members = [CP2015_ISO3.index(c) for c in _NAFTA]
    block = np.ix_(members, members)
    t_new = t93.copy()
    t_new[block] = t05[block]
    t_new[np.arange(N), np.arange(N), :] = 0.0
    return jnp.asarray(t_new)


# ----------------------------------------------------------------------------------------
# icio2022


def _icio_elasticities(name: str) -> tuple[tuple[str, ...], np.ndarray]:
    label = "icio2022/elasticities.csv"
    el = pd.read_csv(_data_file("icio2022", "elasticities.csv"))
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
    sectors, theta = _icio_elasticities(elasticities)
    label = "icio2022/flows.csv.gz"
    f = pd.read_csv(_data_file("icio2022", "flows.csv.gz"))
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
                f"{label}: row {r + 2} ({_row(f, r)}): {col} is missing or not a number"
            )
        if col == "flow_musd" and (v < 0).any():
            r = int(np.argmax(v < 0))
            raise DataError(
                f"{label}: row {r + 2} ({_row(f, r)}): negative flow {v[r]:g}; flows must be >= 0"
            )
        if col == "tariff" and (v <= -1).any():
            r = int(np.argmax(v <= -1))
            raise DataError(
                f"{label}: row {r + 2} ({_row(f, r)}): tariff {v[r]:g} <= -1 "
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
            f"{label}: row {r + 2} ({_row(f, r)}) repeats an earlier "
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


def _row(f: pd.DataFrame, r: int) -> str:
    cols = [
        c
        for c in ("exporter", "importer", "sector", "country", "input_sector", "output_sector")
        if c in f.columns
    ]
    return ", ".join(f"{c}={f[c].iloc[r]}" for c in cols)


# ----------------------------------------------------------------------------------------
# The user's input-output coefficients


def load_io_coefficients(path: str | Path, economy: MultiSectorEconomy) -> jax.Array:
    """Read input-output shares ``gamma_io[n, k, s]`` for ``economy`` from a long table.

    The table (CSV, gzipped CSV or Parquet) has columns ``country, input_sector,
    output_sector, share``: the share of input ``k`` in the gross-output cost of sector
    ``s`` in ``country``. Missing combinations are 0. Combine with the economy with
    :func:`with_io_links`.

    Raises:
        DataError: unknown country or sector, missing or negative share, repeated key, or
            input shares of a (country, output sector) summing to more than 1 -- naming the
            file and row.

    Example:
        >>> gio = load_io_coefficients("io.csv", eco)              # doctest: +SKIP
        >>> eco = with_io_links(eco, gio)                           # doctest: +SKIP
    """
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise DataError(f"{label}: file not found")
    try:
        f = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{label}: cannot read it as a table ({exc})") from None
    need = ["country", "input_sector", "output_sector", "share"]
    missing = [c for c in need if c not in f.columns]
    if missing:
        raise DataError(f"{label}: missing columns {missing}; expected {need}")
    N, S = economy.n, economy.s
    ci = {c: k for k, c in enumerate(economy.iso3)}
    si = {s: k for k, s in enumerate(economy.sectors)}
    share = pd.to_numeric(f["share"], errors="coerce").to_numpy(dtype=float)
    gio = np.zeros((N, S, S))
    seen: dict[tuple[int, int, int], int] = {}
    for r in range(len(f)):
        c = str(f["country"].iloc[r]).upper()
        k, s = str(f["input_sector"].iloc[r]), str(f["output_sector"].iloc[r])
        where = f"{label}: row {r + 2} ({_row(f, r)})"
        if c not in ci:
            raise DataError(f"{where}: unknown country '{c}'{closest(c, economy.iso3)}")
        for col, v in (("input_sector", k), ("output_sector", s)):
            if v not in si:
                raise DataError(
                    f"{where}: unknown {col} '{v}'{closest(v, economy.sectors)}; "
                    f"sectors: {', '.join(economy.sectors)}"
                )
        if not np.isfinite(share[r]):
            raise DataError(f"{where}: share is missing or not a number")
        if share[r] < 0:
            raise DataError(f"{where}: negative share {share[r]:g}; shares are in [0, 1]")
        key = (ci[c], si[k], si[s])
        if key in seen:
            raise DataError(
                f"{where}: repeats row {seen[key] + 2}; one row per country, "
                "input and output sector"
            )
        seen[key] = r
        gio[key] = share[r]
    cols = gio.sum(axis=1)
    if (cols > 1.0 + _IO_SLACK).any():
        n_bad, s_bad = (int(v) for v in np.argwhere(cols > 1.0 + _IO_SLACK)[0])
        rows = [r for (nn, _, ss), r in seen.items() if nn == n_bad and ss == s_bad]
        raise DataError(
            f"{label}: input shares of {economy.iso3[n_bad]}, output sector "
            f"{economy.sectors[s_bad]} sum to {cols[n_bad, s_bad]:.6g} > 1 (rows "
            f"{', '.join(str(r + 2) for r in sorted(rows)[:10])}): the shares of one output "
            "sector's costs cannot exceed 1"
        )
    return jnp.asarray(gio)


def with_io_links(economy: MultiSectorEconomy, gamma_io: Any) -> MultiSectorEconomy:
    """``economy`` with input-output links: ``gamma_va = 1 - sum_k gamma_io``, ``alpha``
    recalibrated by :func:`calibrate_final_demand` (negatives clipped, renormalised).

    The result is user data (``dataset="user"``): it is no longer the embedded data set."""
    gio = np.asarray(gamma_io, dtype=float)
    X, t, D = (np.asarray(a) for a in (economy.X, economy.t, economy.D))
    gva = np.clip(1.0 - gio.sum(axis=1), 0.0, 1.0)
    alpha = calibrate_final_demand(X, t, gva, gio, D)
    return MultiSectorEconomy.from_arrays(
        X=X,
        t=t,
        theta=np.asarray(economy.theta),
        alpha=alpha,
        gamma_va=gva,
        gamma_io=gio,
        D=D,
        iso3=economy.iso3,
        names=economy.names,
        sectors=economy.sectors,
        tradable=economy.tradable,
        source=economy.source + " + user input-output table",
        dataset=USER_DATASET,
        country_data=economy.country_data,
    )
