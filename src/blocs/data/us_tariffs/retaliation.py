"""The foreign retaliation on US goods in force at a date (the counterpart of
:func:`blocs.data.us_tariffs.compile.us_tariffs_in_force`)."""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import Any

import numpy as np

from blocs.errors import InputError

from . import sectors as sec
from .compile import NOT_MODELLED, ONE_SECTOR, RULING, is_multisector
from .record import EU27, TariffsInForce, icio_row, icio_weights
from .timeline import is_in_force, load_timeline

__all__ = ["RETALIATION_SCOPE", "foreign_retaliation_in_force"]

# Foreign retaliation on US goods: measure -> {sector: share of the importer's imports from
# the US}. Modelling assumption (documented in docs/us_tariffs.md).
RETALIATION_SCOPE: dict[str, dict[str, float] | None] = {
    "RET-CHN-ENERGY": {"B05": 1.0, "B06": 0.5},  # coal, LNG
    "RET-CHN-OIL": {"B06": 0.5, "C28": 0.05, "C29": 0.30},  # crude, ag machinery, cars
    "RET-CHN-AG15": {"A01": 0.40, "C10T12": 0.10},  # chicken, wheat, corn, cotton
    "RET-CHN-AG10": {"A01": 0.60, "A03": 1.0, "C10T12": 0.50},  # soybeans, pork, beef, ...
    "RET-CHN-84": None,  # None = all US goods
    "RET-CHN-125": None,
    "RET-CHN-10": None,
    "RET-CAN-1": {"C10T12": 0.30, "C13T15": 0.30, "C17_18": 0.10, "C22": 0.10,
                  "C27": 0.10, "C31T33": 0.20},  # C$30 bn: food, apparel, appliances, ...
    "RET-CAN-STEELALU": {"C24A": 0.80, "C24B": 0.50, "C25": 0.20},
    "RET-CAN-OTHER2": {"C25": 0.10, "C26": 0.15, "C28": 0.05, "C31T33": 0.10},
    "RET-CAN-AUTO": {"C29": 0.40},  # non-CUSMA vehicles and non-CA/MX content
}  # fmt: skip


def foreign_retaliation_in_force(
    date: dt.date | str,
    economy: Any,
    *,
    unknown_end: str = "in_force",
) -> TariffsInForce:
    """The tariffs other countries levy on US goods on ``date`` (same record as the US side).

    Args:
        date: entry date.
        economy: icio2022 (rates by importer x sector) or a one-sector economy (rates by
            importer: the average over sectors weighted by the importer's 2022 imports from
            the US in icio2022, its own or ROW's).
        unknown_end: the record has no removal date ("unknown") for China's February-2025
            energy/vehicle lists and its 10 % general counter-tariff, and for Canada's steel,
            aluminium and vehicle surtaxes. ``"in_force"`` (the default: no source says they
            ended; regimes.md calls China's 10 % "probable") keeps them; ``"ended"`` drops
            them from the first date the record stops confirming them (used for dates after
            2026-02-24, when the record says "unknown"); before that they are in force either
            way.

    Sector scopes of each retaliation list are modelling assumptions (docs/us_tariffs.md).
    Measures adopted but suspended (EU), proposed (India) or absent (Mexico, Brazil) add 0.
    """
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    if unknown_end not in ("in_force", "ended"):
        raise InputError(f"unknown_end={unknown_end!r}: use 'in_force' or 'ended'")
    tl = load_timeline()
    rows = tl[(tl.importer != "USA") & (tl.exporter == "USA")]
    # "unknown" removals: in force until the record's last confirmation (the ruling date)
    mode = "in_force" if (unknown_end == "in_force" or date < RULING) else "ended"
    active = [r for _, r in rows.iterrows() if is_in_force(r, date, unknown_end=mode)]
    S = len(sec.SECTORS)
    by: dict[str, np.ndarray] = {}
    ids: dict[str, list[list[str]]] = {}
    notes: list[str] = []
    for r in active:
        if r.measure_id in NOT_MODELLED:
            notes.append(f"{r.measure_id} in force but not modelled: {NOT_MODELLED[r.measure_id]}")
            continue
        if np.isnan(r.rate_pct):
            continue
        scope = RETALIATION_SCOPE[r.measure_id]
        cover = (
            np.array([1.0] * (S - 1) + [0.0])
            if scope is None
            else np.array([scope.get(s, 0.0) for s in sec.SECTORS])
        )
        imp = r.importer
        by.setdefault(imp, np.zeros(S))
        ids.setdefault(imp, [[] for _ in range(S)])
        by[imp] += cover * r.rate_pct / 100.0
        for k in np.flatnonzero(cover > 0):
            ids[imp][k].append(r.measure_id)
        if r.ended_status == "unknown":
            notes.append(f"{r.measure_id}: removal undocumented, assumed in force (unknown_end)")
    if unknown_end == "ended" and date >= RULING:
        notes.append("measures with an undocumented removal assumed ended after 2026-02-24")
    iso3 = tuple(economy.iso3)
    measures: dict[tuple[str, str], tuple[str, ...]] = {}
    assumptions = MappingProxyType({"date": date.isoformat(), "unknown_end": unknown_end})

    def members(code: str) -> list[str]:
        return sorted(EU27) if code == "EU27" else [code]

    if is_multisector(economy):
        secs = tuple(economy.sectors)
        if secs != sec.SECTORS:
            raise InputError("foreign_retaliation_in_force needs the icio2022 sectors")
        rates: np.ndarray = np.zeros((len(iso3), S))
        for imp, v in by.items():
            for c in members(imp):
                if c not in iso3:
                    notes.append(f"{c}: not in the data, its retaliation is dropped")
                    continue
                i = iso3.index(c)
                rates[i] += v
                for k in np.flatnonzero(v > 0):
                    measures[(c, secs[k])] = tuple(ids[imp][k])
        return TariffsInForce(date, "retaliation", iso3, secs, rates,
                              MappingProxyType(measures), tuple(notes), assumptions)  # fmt: skip
    data = icio_weights()
    goods = len(sec.GOODS)
    rates = np.zeros(len(iso3))
    for imp, v in by.items():
        for c in members(imp):
            if c not in iso3:
                notes.append(f"{c}: not in the data, its retaliation is dropped")
                continue
            w = data["exp_value"][icio_row(c), :goods]
            rates[iso3.index(c)] = float(w @ v[:goods] / w.sum())
            measures[(c, ONE_SECTOR)] = tuple(
                sorted({m for k in range(goods) if v[k] > 0 for m in ids[imp][k]})
            )
    notes.append("one-sector rates: icio2022 2022 US export weights by sector (own, else ROW's)")
    return TariffsInForce(date, "retaliation", iso3, None, rates,
                          MappingProxyType(measures), tuple(notes), assumptions)  # fmt: skip
