"""Caliendo & Parro (2015): 31 regions x 40 sectors, 1993, with input-output links.

:func:`load_cp2015` builds the economy as the paper's code does; :func:`cp2015_nafta_tariffs`
gives the paper's NAFTA experiment. Files in ``blocs/data/cp2015`` (sources and licence in
its README); flows in millions of US dollars; arrays ``[exporter, importer, sector]``.
"""

from __future__ import annotations

import functools
import gzip

import jax
import jax.numpy as jnp
import numpy as np

from blocs.data.calibration import calibrate_final_demand
from blocs.data.files import data_path
from blocs.economy import MultiSectorEconomy, trade_deficits
from blocs.errors import DataError

__all__ = ["CP2015_ISO3", "CP2015_REGIONS", "CP2015_SECTORS", "cp2015_nafta_tariffs", "load_cp2015"]

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


def _read_cp(name: str, shape: tuple[int, ...]) -> np.ndarray:
    path = data_path("cp2015", f"{name}.txt.gz")
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
