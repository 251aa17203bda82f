"""The compiled record of tariffs in force, and the icio2022 weights the compilers share."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np

from blocs.errors import InputError

from . import sectors as sec

__all__ = [
    "EU27",
    "WEIGHTS",
    "TariffsInForce",
    "icio_row",
    "icio_weights",
    "us_import_weights",
    "world_us_imports",
]

#: US import weights of the effective-rate measure (:func:`us_import_weights`).
WEIGHTS = ("baci2023", "icio2022")

#: EU member states (``blocs/data/groups.toml``, EU27); EU27 rows of the record apply to each.
EU27: frozenset[str] = frozenset(
    "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL "
    "PRT ROU SVK SVN SWE".split()
)


@dataclasses.dataclass(frozen=True)
class TariffsInForce:
    """Tariffs in force at a date, as additional ad valorem rates (0.10 = 10 %).

    Attributes:
        date: the entry date.
        direction: ``"us"`` (the US tariff on each exporter's goods) or ``"retaliation"``
            (each importer's tariff on US goods).
        iso3: the economy's country codes (rows of ``rates``).
        sectors: the economy's sectors (columns of ``rates``), or ``None`` for a one-sector
            economy.
        rates: shape (N, S) on a multi-sector economy, (N,) on a one-sector economy: for
            ``"us"`` the tariff the US adds on goods from exporter ``i`` (zero for the US
            itself), for ``"retaliation"`` the tariff importer ``n`` adds on US goods. Rates
            are on top of the baseline tariffs of the data (``total_floor`` measures already
            net of the baseline).
        measures: ``(iso3, sector) -> measure ids`` that produced each nonzero rate (sector
            ``"goods"`` on a one-sector economy).
        notes: what was dropped, assumed or left out (e.g. Taiwan on world2023).
        assumptions: the options used (flags, shares), for the run record.
    """

    date: dt.date
    direction: str
    iso3: tuple[str, ...]
    sectors: tuple[str, ...] | None
    rates: np.ndarray
    measures: Mapping[tuple[str, str], tuple[str, ...]]
    notes: tuple[str, ...]
    assumptions: Mapping[str, Any]

    def rate(self, iso3: str, sector: str | None = None) -> float:
        """One rate (fraction); ``sector`` is required on a multi-sector economy."""
        i = self.iso3.index(iso3)
        if self.sectors is None:
            return float(self.rates[i])
        if sector is None:
            raise InputError("rate(): give a sector on a multi-sector economy")
        return float(self.rates[i, self.sectors.index(sector)])

    def tariffs(self, economy: Any) -> np.ndarray:
        """The economy's baseline tariffs with these rates added, same shape as ``economy.t``.

        ``"us"`` rates go on the US column (``t[i, USA]``), retaliation on the US row
        (``t[USA, n]``); every other pair keeps its baseline.
        """
        t = np.array(economy.t, dtype=float)
        us = tuple(economy.iso3).index("USA")
        if self.direction == "us":
            t[:, us] += self.rates
        else:
            t[us, :] += self.rates
        t[us, us] = 0.0
        return t


# -- data used for weights and baseline rates ------------------------------------------


@functools.lru_cache(maxsize=1)
def icio_weights() -> dict[str, Any]:
    """icio2022 US trade by partner and sector (imports, exports) and the baseline tariffs."""
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    path = resources.files("blocs.data").joinpath("icio2022", "flows.csv.gz")
    with resources.as_file(path) as p:
        f = pd.read_csv(p)
    iso3 = tuple(sorted(set(f.exporter) | set(f.importer)))
    out: dict[str, Any] = {"iso3": iso3}
    for key, col, who in (("imp", "importer", "exporter"), ("exp", "exporter", "importer")):
        g = f[(f[col] == "USA") & (f[who] != "USA")]
        X = g.pivot(index=who, columns="sector", values="flow_musd").reindex(
            index=list(iso3), columns=list(sec.SECTORS)
        )
        T = g.pivot(index=who, columns="sector", values="tariff").reindex(
            index=list(iso3), columns=list(sec.SECTORS)
        )
        out[f"{key}_value"] = X.fillna(0.0).to_numpy()
        out[f"{key}_tariff"] = T.fillna(0.0).to_numpy()
    return out


@functools.lru_cache(maxsize=1)
def world_us_imports() -> dict[str, float]:
    """US goods imports by exporter, 2023, thousand USD (world2023: CEPII BACI; no Taiwan)."""
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    path = resources.files("blocs.data").joinpath("world2023", "trade.csv.gz")
    with resources.as_file(path) as p:
        f = pd.read_csv(p)
    g = f[(f.importer == "USA") & (f.exporter != "USA")]
    return dict(zip(g.exporter, g.value_kusd.astype(float), strict=True))


@functools.lru_cache(maxsize=2)
def us_import_weights(kind: str = "baci2023") -> np.ndarray:
    """US goods imports by icio2022 exporter x goods sector, (81, 27), USD million; USA row 0.

    ``"icio2022"``: icio2022's 2022 flows as shipped. ``"baci2023"``: the same sector mix of
    each exporter, scaled to the exporter's 2023 US imports in world2023 (CEPII BACI, HS22,
    2023), the economies icio2022 holds in ROW summed into ROW. An exporter without BACI US
    imports (Taiwan, which BACI reports as "Other Asia, n.e.s."; Sao Tome and Principe, none
    recorded) keeps its 2022 flows scaled by the ratio of the BACI 2023 total to the icio2022
    total over the other exporters (1.19; a modelling choice). Only the exporter mix
    changes (China: 18.1 % of US goods imports in icio2022, 14.8 % here); each exporter's
    sector mix is icio2022's.
    """
    if kind not in WEIGHTS:
        raise InputError(f"weights={kind!r}: use one of {', '.join(WEIGHTS)}")
    data = icio_weights()
    iso3 = data["iso3"]
    goods = len(sec.GOODS)
    x = np.array(data["imp_value"][:, :goods], dtype=float)
    x[iso3.index("USA")] = 0.0
    if kind == "icio2022":
        return x
    target = np.zeros(len(iso3))
    for code, kusd in world_us_imports().items():
        target[icio_row(code)] += kusd / 1000.0
    have = x.sum(axis=1)
    both = (target > 0) & (have > 0)
    scale = np.where(both, target / np.where(have > 0, have, 1.0), 0.0)
    scale[~both] = target[both].sum() / have[both].sum()
    return x * scale[:, None]


def icio_row(code: str) -> int:
    iso3 = icio_weights()["iso3"]
    return iso3.index(code) if code in iso3 else iso3.index("ROW")


# -- the record at a date ----------------------------------------------------------------
