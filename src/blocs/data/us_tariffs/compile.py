"""The regime compiler: the US tariffs (and the foreign retaliation) in force at a date.

:func:`us_tariffs_in_force` turns the record (:func:`~blocs.data.us_tariffs.load_timeline`)
into additional US tariffs on each exporter x icio2022 sector (or per exporter on the
one-sector world2023 data), each rate traced to the measure ids that produced it.
:func:`foreign_retaliation_in_force` does the same for the tariffs other countries levy on US
goods; :func:`effective_us_tariff_rate` gives the import-weighted average US tariff.
Modelling choices (product scopes, stacking, ``total_floor``, USMCA shares, China's 301
averages) are documented in ``docs/us_tariffs.md``; the numbers live in
:mod:`blocs.data.us_tariffs.sectors`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from blocs.errors import InputError

from . import sectors as sec
from .timeline import is_in_force, load_timeline

__all__ = [
    "EU27",
    "TariffsInForce",
    "effective_us_tariff_rate",
    "foreign_retaliation_in_force",
    "us_tariffs_in_force",
]

#: EU member states (``blocs/data/groups.toml``, EU27); EU27 rows of the record apply to each.
EU27: frozenset[str] = frozenset(
    "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL "
    "PRT ROU SVK SVN SWE".split()
)
_CHINA = frozenset({"CHN", "HKG", "MAC"})  # the IEEPA China EOs cover HKG and MAC
_NO_RECIPROCAL = frozenset({"CAN", "MEX", "CUB", "PRK", "BLR", "RUS"})
_RULING = dt.date(2026, 2, 24)
_USMCA_EXEMPTION = dt.date(2025, 3, 7)
_ONE_SECTOR = "goods"

# Section 232: atom -> candidate measures, country-specific first (the first in force that
# applies to the exporter sets the rate of that atom).
_EU_AUTO = ["S232-AUTO-EU27", "S232-AUTO-JPN", "S232-AUTO-KOR"]
_WOOD_DEAL = ["S232-WOOD-GBR", "S232-WOOD-EU27", "S232-WOOD-JPN", "S232-WOOD-KOR"]
_PHARMA_DEAL = [f"S232-PHARMA-{c}" for c in ("GBR", "EU27", "JPN", "KOR", "CHE", "LIE")]
_UAS_DEAL = [f"S232-UAS-{c}" for c in ("GBR", "EU27", "JPN", "KOR", "CHE", "LIE", "TWN")]
_S232: dict[str, list[str]] = {
    "steel_alu": ["S232-ALU-RUS", "S232-METALS26-GBR-IA", "S232-METALS26-IA",
                  "S232-METALS-GBR-25", "S232-METALS-50", "S232-STEEL-25"],
    "steel_alu_derivatives": ["S232-METALS26-GBR-IB", "S232-METALS26-IB",
                              "S232-METALS-GBR-25", "S232-METALS-50", "S232-STEEL-25"],
    "copper": ["S232-METALS26-GBR-IA", "S232-METALS26-IA", "S232-COPPER-50"],
    "metal_equipment": ["S232-METALS26-III"],
    "vehicles": _EU_AUTO + ["S232-AUTO-GBR-VEH", "S232-AUTO-VEH"],
    "auto_parts": _EU_AUTO + ["S232-AUTO-GBR-PARTS", "S232-AUTO-PARTS"],
    "mhdv": ["S232-MHDV"],
    "buses": ["S232-BUS"],
    "softwood": ["S232-WOOD-GBR", "S232-WOOD-SOFTWOOD"],
    "upholstered_furniture": _WOOD_DEAL + ["S232-WOOD-UPH"],
    "cabinets": _WOOD_DEAL + ["S232-WOOD-CAB"],
    "semis_advanced": ["S232-SEMI"],
    "pharma_patented": _PHARMA_DEAL + ["S232-PHARMA-ALL"],
    "uas_large": _UAS_DEAL + ["S232-UAS-100"],
    "uas_other": _UAS_DEAL + ["S232-UAS-25"],
}  # fmt: skip
# the aluminium part of "steel_alu" in 2025 was S232-ALU-25 (same rate as steel): listed too
_S232_COMEASURE = {"S232-STEEL-25": ("S232-ALU-25",)}
_USMCA_VEHICLES = frozenset({"vehicles", "mhdv", "buses"})
_USMCA_PARTS = frozenset({"auto_parts"})

_AG = frozenset({"ag_beef_tomatoes_oranges", "ag_tropical", "fertilizers"})
_PHARMA = frozenset({"pharma_patented", "pharma_generic"})
_EXEMPT_S122 = _PHARMA | {
    "energy", "critical_minerals", "bullion", "fertilizers", "ag_beef_tomatoes_oranges",
    "electronics_semis", "semis_advanced", "vehicles", "auto_parts", "mhdv", "buses",
    "civil_aircraft",
}  # fmt: skip
_EXEMPT_FL301 = _PHARMA | {
    "civil_aircraft", "energy", "critical_minerals", "bullion", "raw_materials", "fertilizers",
}  # fmt: skip
_EXEMPT_BRA = frozenset({"energy", "civil_aircraft", "fertilizers", "brazil_annex_other"})

# China Section 301: the list measures cover every sector (as averages); the 2024-review
# measures are attributed to the sectors holding their products.
_CN301_LISTS = ("S301-CN-L1", "S301-CN-L2", "S301-CN-L3-10", "S301-CN-L3-25",
                "S301-CN-L4A-15", "S301-CN-L4A-7.5")  # fmt: skip
_CN301_REVIEW_SECTOR = {
    "EV": "C29", "SOLAR": "C26", "LIB-EV": "C27", "BATTPARTS": "C27", "CRITMIN": "B07",
    "STEELALU": "C24A", "STSCRANE": "C28", "SYRINGES": "C31T33", "MASKS-1": "C13T15",
    "MASKS-2": "C13T15", "SEMIS": "C26", "POLYWAFER": "C20", "TUNGSTEN": "C24B",
    "GLOVES-1": "C22", "GLOVES-2": "C22", "LIB-NONEV": "C27", "GRAPHITE": "B09",
    "MAGNETS": "C27", "ENTERAL": "C31T33",
}  # fmt: skip

# Measures in the record that the compiler does not turn into rates (said in the notes).
_NOT_MODELLED = {
    "IEEPA-DEMINIMIS": "de minimis suspension (no ad valorem rate)",
    "IEEPA-RECIP-TRANSSHIP": "40 % on goods CBP finds transshipped (not a trade flow)",
    "IEEPA-ALL-TERMINATED": "the ruling: encoded in the IEEPA measures' end dates",
    "S201-CSPV": "Section 201 safeguard (TRQ, no single rate)",
    "S201-QUARTZ": "Section 201 safeguard (TRQ, no single rate)",
    "S232-ALU-ONSHORE": "importer-specific reduction (no rate in the record)",
    "S232-METALS26-USMETAL": "articles of US-melted metal (content-specific)",
    "S232-METALS26-JUN-AG": "farm equipment / HVAC reduction (below sector resolution)",
    "S232-METALS26-JUN-MOBILE": "mobile-equipment reduction for deal partners",
    "S232-PHARMA-ONSHORE": "company-specific pharma rate (20 %)",
    "S232-PHARMA-MFNDEAL": "company-specific pharma rate (0 %)",
    "S301-NIC": "Nicaragua 301 at 0 % until 2027",
    "RET-CHN-PORTFEES": "port fees on US ships (not a tariff)",
}

# Foreign retaliation on US goods: measure -> {sector: share of the importer's imports from
# the US}. Modelling assumption (documented in docs/us_tariffs.md).
_RETALIATION_SCOPE: dict[str, dict[str, float] | None] = {
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
def _icio() -> dict[str, Any]:
    """icio2022 US trade by partner and sector (imports, exports) and the baseline tariffs."""
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
def _world_us_imports() -> dict[str, float]:
    path = resources.files("blocs.data").joinpath("world2023", "trade.csv.gz")
    with resources.as_file(path) as p:
        f = pd.read_csv(p)
    g = f[(f.importer == "USA") & (f.exporter != "USA")]
    return dict(zip(g.exporter, g.value_kusd.astype(float), strict=True))


def _icio_row(code: str) -> int:
    iso3 = _icio()["iso3"]
    return iso3.index(code) if code in iso3 else iso3.index("ROW")


# -- the record at a date ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Options:
    date: dt.date
    ieepa_upheld: bool
    ieepa_voided: bool
    section122_rate: float | None
    section122_extended: bool
    usmca_share: Mapping[str, Mapping[str, float]]
    usmca_us_content: float
    china_301: Mapping[str, float]


def _in_force_rows(o: _Options) -> dict[str, pd.Series]:
    tl = load_timeline()
    rows: dict[str, pd.Series] = {}
    for _, r in tl[tl.importer == "USA"].iterrows():
        mid = r.measure_id
        ieepa = mid.startswith("IEEPA-")
        if ieepa and o.ieepa_voided:
            continue
        if o.ieepa_upheld and (mid.startswith(("S122-", "S301-FL-")) or mid == "S301-BRA"):
            continue  # measures adopted to replace IEEPA after the ruling
        if o.ieepa_upheld and ieepa and r.ended_status == "date" and r.ended == _RULING:
            r = r.copy()
            r["ended_status"], r["ended"] = "open", None
        if o.section122_extended and mid == "S122-GLOBAL-10":
            r = r.copy()
            r["ended_status"], r["ended"] = "open", None
        if is_in_force(r, o.date):
            rows[mid] = r
    return rows


def _applies(r: pd.Series, code: str) -> bool:
    ex = r.exporters
    if code in ex:
        return True
    if "EU27" in ex and code in EU27:
        return True
    if r.measure_id.startswith(("IEEPA-FENT-CHN", "IEEPA-RECIP-CHN")) and code in _CHINA:
        return True
    if "ALL" in ex:
        return not (
            r.measure_id == "IEEPA-RECIP-BASE" and (code in _NO_RECIPROCAL or code in _CHINA)
        )
    return False


def _cover(atoms: frozenset[str] | set[str]) -> np.ndarray:
    return np.array(sec.atoms_cover(frozenset(atoms)), dtype=float)


def _rate(r: pd.Series, mfn: np.ndarray, override: float | None = None) -> np.ndarray:
    x = (r.rate_pct / 100.0) if override is None else override
    if r.rate_type == "total_floor":
        return np.maximum(0.0, x - mfn)
    return np.full(mfn.shape, x)


def _compile_exporter(
    code: str, rows: dict[str, pd.Series], mfn: np.ndarray, o: _Options
) -> tuple[np.ndarray, list[list[str]], set[str]]:
    """Additional US tariff on one exporter by sector (S,), the ids per sector, used ids."""
    S = len(sec.SECTORS)
    total = np.zeros(S)
    ids: list[list[str]] = [[] for _ in range(S)]

    def add(mid: str | tuple[str, ...], cover: np.ndarray, rate: np.ndarray) -> None:
        contrib = cover * rate
        nz = contrib > 0
        if not nz.any():
            return
        total[:] += contrib
        for k in np.flatnonzero(nz):
            for m in (mid,) if isinstance(mid, str) else mid:
                if m not in ids[k]:
                    ids[k].append(m)

    usmca = code in ("CAN", "MEX") and o.date >= _USMCA_EXEMPTION
    q = np.zeros(S)
    if usmca:
        shares = o.usmca_share.get(code, {})
        q = np.array([shares.get(s, shares.get("default", 0.0)) for s in sec.SECTORS])
    nonq = 1.0 - q

    # Section 232, atom by atom
    in232: set[str] = set()
    for atom, candidates in _S232.items():
        for mid in candidates:
            r = rows.get(mid)
            if r is None or not _applies(r, code) or np.isnan(r.rate_pct):
                continue
            in232.add(atom)
            cover = _cover({atom})
            if usmca and atom in _USMCA_VEHICLES:
                cover = cover * (q * (1.0 - o.usmca_us_content) + nonq)
            elif usmca and atom in _USMCA_PARTS:
                cover = cover * nonq
            add((mid, *_S232_COMEASURE.get(mid, ())), cover, _rate(r, mfn))
            break

    def rest(exempt: set[str] | frozenset[str]) -> np.ndarray:
        """Share of each sector outside the 232 goods in force and the exempt atoms."""
        return 1.0 - _cover(in232 | set(exempt))

    def only(atoms: set[str]) -> np.ndarray:
        """Share of each sector in ``atoms`` but outside the 232 goods in force."""
        return _cover(in232 | atoms) - _cover(in232)

    # IEEPA reciprocal: the exporter's own rate, else the 10 % baseline
    recip = [
        m for m, r in rows.items()
        if m.startswith("IEEPA-RECIP-") and m not in ("IEEPA-RECIP-BASE",)
        and r.rate_type != "replaces" and _applies(r, code)
    ]  # fmt: skip
    if not recip and "IEEPA-RECIP-BASE" in rows and _applies(rows["IEEPA-RECIP-BASE"], code):
        recip = ["IEEPA-RECIP-BASE"]
    if len(recip) > 1:
        raise AssertionError(f"{code}: several reciprocal rates in force: {recip}")
    if recip:
        exempt = set(sec.ANNEX_II)
        if "IEEPA-RECIP-AG-EXEMPT" in rows:
            exempt |= _AG
        if "IEEPA-RECIP-EU27-EXEMPT" in rows and code in EU27:
            exempt |= {"civil_aircraft"}
        add(recip[0], rest(exempt), _rate(rows[recip[0]], mfn))

    # IEEPA fentanyl duties
    for mid, r in rows.items():
        if not mid.startswith("IEEPA-FENT-") or not _applies(r, code):
            continue
        if code in _CHINA:
            add(mid, np.ones(S), _rate(r, mfn))  # stacks with 232
        elif mid == "IEEPA-FENT-CAN-ENERGY":
            add(mid, only({"energy", "fertilizers"}) * nonq, _rate(r, mfn))
        else:
            exempt = {"energy", "fertilizers"} if code == "CAN" else set()
            add(mid, rest(exempt) * nonq, _rate(r, mfn))

    # other IEEPA country duties
    if "IEEPA-BRA-40" in rows and _applies(rows["IEEPA-BRA-40"], code):
        exempt = set(_EXEMPT_BRA) | (_AG if "IEEPA-BRA-40-AGEXEMPT" in rows else set())
        add("IEEPA-BRA-40", rest(exempt), _rate(rows["IEEPA-BRA-40"], mfn))
    if "IEEPA-IND-RUSOIL" in rows and _applies(rows["IEEPA-IND-RUSOIL"], code):
        add("IEEPA-IND-RUSOIL", rest(sec.ANNEX_II), _rate(rows["IEEPA-IND-RUSOIL"], mfn))

    # Section 122
    if "S122-GLOBAL-10" in rows:
        r = rows["S122-GLOBAL-10"]
        add("S122-GLOBAL-10", rest(_EXEMPT_S122) * nonq, _rate(r, mfn, o.section122_rate))

    # Section 301: forced labour, Brazil, China, maritime
    for mid, r in rows.items():
        if mid.startswith("S301-FL-") and _applies(r, code) and not np.isnan(r.rate_pct):
            add(mid, rest(_EXEMPT_FL301) * nonq, _rate(r, mfn))
    if "S301-BRA" in rows and _applies(rows["S301-BRA"], code):
        add("S301-BRA", rest(_EXEMPT_BRA | _PHARMA), _rate(rows["S301-BRA"], mfn))
    if code == "CHN":
        avg = np.array([o.china_301.get(s, 0.0) for s in sec.SECTORS])
        lists = tuple(m for m in _CN301_LISTS if m in rows)
        if lists:
            add(lists, np.ones(S), avg)
            for m in rows:
                key = m.removeprefix("S301-CN-2024REV-")
                if m.startswith("S301-CN-2024REV-") and key in _CN301_REVIEW_SECTOR:
                    k = sec.SECTORS.index(_CN301_REVIEW_SECTOR[key])
                    if avg[k] > 0 and m not in ids[k]:
                        ids[k].append(m)
        if "S301-CN-MARITIME-CRANES" in rows:
            add("S301-CN-MARITIME-CRANES", _cover({"cranes_chassis"}), np.ones(S))

    # Section 338 on Canada (any USMCA status); the ban is modelled as the 50 % rate
    if code == "CAN" and "S338-CAN-50" in rows:
        mids = ("S338-CAN-50", "S338-CAN-BAN") if "S338-CAN-BAN" in rows else "S338-CAN-50"
        add(mids, only({"canada_s338_lines"}), _rate(rows["S338-CAN-50"], mfn))
    used = {m for k in ids for m in k}
    return total, ids, used


def _options(date: dt.date | str, **kw: Any) -> _Options:
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    if kw["ieepa_upheld"] and kw["ieepa_voided"]:
        raise InputError("ieepa_upheld and ieepa_voided cannot both be true")
    r122 = kw["section122_rate"]
    if r122 is not None and not 0.0 <= r122 <= 0.15:
        raise InputError(f"section122_rate={r122}: Section 122 allows 0 to 0.15 (15 %)")
    return _Options(
        date=date,
        ieepa_upheld=bool(kw["ieepa_upheld"]),
        ieepa_voided=bool(kw["ieepa_voided"]),
        section122_rate=r122,
        section122_extended=bool(kw["section122_extended"]),
        usmca_share=kw["usmca_share"] or sec.USMCA_QUALIFYING_SHARE,
        usmca_us_content=sec.USMCA_US_CONTENT
        if kw["usmca_us_content"] is None
        else float(kw["usmca_us_content"]),
        china_301=kw["china_301"] or sec.CHINA_301_SECTOR_AVERAGE,
    )


_CACHE: dict[str, dict[str, Any]] = {}


def _sector_rates(o: _Options) -> dict[str, Any]:
    """Cached :func:`_compile_all` (options hold mappings, so the key is their repr)."""
    key = repr(sorted(_assumptions(o).items()))
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = _compile_all(o)
    return _CACHE[key]


def _compile_all(o: _Options) -> dict[str, Any]:
    """Rates (by sector) for every icio2022 economy and every world2023 economy outside it.

    Baseline MFN rates for ``total_floor``: the economy's own icio2022 US tariffs, ROW's for
    economies outside icio2022.
    """
    rows = _in_force_rows(o)
    data = _icio()
    codes = set(data["iso3"]) | set(_world_us_imports())
    codes.discard("USA")
    rates, ids, used = {}, {}, set()
    for c in sorted(codes):
        if c == "ROW":
            continue
        mfn = data["imp_tariff"][_icio_row(c)]
        rates[c], ids[c], u = _compile_exporter(c, rows, mfn, o)
        used |= u
    # ROW of icio2022: world2023 economies outside icio2022, weighted by US imports (2023)
    w = _world_us_imports()
    outside = [c for c in rates if c not in data["iso3"] and c in w]
    wt = np.array([w[c] for c in outside])
    rates["ROW"] = sum(wt[k] * rates[c] for k, c in enumerate(outside)) / wt.sum()
    ids["ROW"] = [sorted({m for c in outside for m in ids[c][k]}) for k in range(len(sec.SECTORS))]
    notes = []
    for mid, why in _NOT_MODELLED.items():
        if mid in rows:
            notes.append(f"{mid} in force but not modelled: {why}")
    if o.date > dt.date(2026, 10, 9):
        notes.append("the record ends on 2026-10-09: later changes are not covered")
    return {"rates": rates, "ids": ids, "rows": rows, "notes": notes, "outside": outside}


def _is_multisector(economy: Any) -> bool:
    return np.ndim(economy.t) == 3


def _assumptions(o: _Options) -> dict[str, Any]:
    d = {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
    d["date"] = o.date.isoformat()
    d["usmca_share"] = {k: dict(sorted(v.items())) for k, v in sorted(o.usmca_share.items())}
    d["china_301"] = dict(sorted(o.china_301.items()))
    return d


def us_tariffs_in_force(
    date: dt.date | str,
    economy: Any,
    *,
    ieepa_upheld: bool = False,
    ieepa_voided: bool = False,
    section122_rate: float | None = None,
    section122_extended: bool = False,
    usmca_share: Mapping[str, Mapping[str, float]] | None = None,
    usmca_us_content: float | None = None,
    china_301: Mapping[str, float] | None = None,
) -> TariffsInForce:
    """The additional US tariffs in force on ``date`` on every exporter of ``economy``.

    Args:
        date: US entry date (``datetime.date`` or ``"YYYY-MM-DD"``); a regime date is in
            :data:`~blocs.data.us_tariffs.REGIMES`.
        economy: an icio2022 :class:`~blocs.models.caliendo_parro.MultiSectorEconomy`
            (rates by exporter x sector; its ``t[:, USA, :]`` is the MFN baseline of
            ``total_floor``) or a one-sector :class:`~blocs.economy.Economy` such as world2023
            (rates by exporter: the average of the exporter's sectoral rates weighted by its
            2022 US imports by sector in icio2022 — the exporter's own where icio2022 has it,
            else ROW's, since icio2022 has no regional aggregates; ``total_floor`` then nets
            the exporter's own, or ROW's, icio2022 MFN rates).
        ieepa_upheld: the counterfactual where the Supreme Court upheld IEEPA: IEEPA measures
            that ended with the ruling (2026-02-24) stay in force, and the measures adopted
            to replace them (Section 122, the forced-labour 301s, Brazil's 301) are not.
        ieepa_voided: drop every IEEPA measure at every date (e.g. "February 2026 without
            IEEPA").
        section122_rate: the Section 122 surcharge (fraction) instead of the record's 10 %
            (the 15 % announced on 2026-02-21 was never implemented).
        section122_extended: Section 122 stays in force after its expiry on 2026-07-24 (as if
            Congress had extended it); it then stacks with the forced-labour 301.
        usmca_share: ``{"CAN": {"default": 0.9, "C29": ...}, "MEX": {...}}``, the
            USMCA-qualifying share of imports by sector; default
            :data:`~blocs.data.us_tariffs.sectors.USMCA_QUALIFYING_SHARE`.
        usmca_us_content: US content of USMCA vehicles (232 autos apply to the rest);
            default :data:`~blocs.data.us_tariffs.sectors.USMCA_US_CONTENT`.
        china_301: China's Section 301 average rate by sector (fraction); default
            :data:`~blocs.data.us_tariffs.sectors.CHINA_301_SECTOR_AVERAGE`.

    Returns:
        A :class:`TariffsInForce` with ``direction="us"``; ``rates`` has shape (N, S) on a
        multi-sector economy, (N,) on a one-sector one. Economies of the record absent from
        the data (Taiwan on world2023, small economies on icio2022 that sit in ROW) are
        reported in ``notes``.

    Example:
        >>> import blocs
        >>> rec = us_tariffs_in_force("2025-08-07", blocs.load_world2023())
        >>> round(rec.rate("CHE"), 3), rec.measures[("CHE", "goods")][0]
        (0.195, 'IEEPA-RECIP-CHE-39')
    """
    o = _options(
        date,
        ieepa_upheld=ieepa_upheld,
        ieepa_voided=ieepa_voided,
        section122_rate=section122_rate,
        section122_extended=section122_extended,
        usmca_share=usmca_share,
        usmca_us_content=usmca_us_content,
        china_301=china_301,
    )
    return _record(o, economy)


def _record(o: _Options, economy: Any) -> TariffsInForce:
    comp = _sector_rates(o)
    iso3 = tuple(economy.iso3)
    notes = list(comp["notes"])
    measures: dict[tuple[str, str], tuple[str, ...]] = {}
    named = {c for r in comp["rows"].values() for c in r.exporters} - {"ALL", "EU27"}
    named -= {"DEAL_PARTNERS", "USA"}
    missing = sorted(c for c in named if c not in iso3 and c not in ("MAC",))
    if _is_multisector(economy):
        secs = tuple(economy.sectors)
        if secs != sec.SECTORS:
            raise InputError(
                "us_tariffs_in_force needs the icio2022 sectors (28 ISIC Rev. 4 sectors); "
                f"this economy has {len(secs)} sectors ({secs[:3]} ...)"
            )
        us = iso3.index("USA")
        mfn = np.asarray(economy.t, dtype=float)[:, us, :]
        rates: np.ndarray = np.zeros((len(iso3), len(secs)))
        for i, c in enumerate(iso3):
            if c == "USA":
                continue
            if c == "ROW":
                rates[i] = comp["rates"]["ROW"]
                per = comp["ids"]["ROW"]
            else:
                # recompile against this economy's MFN (equal to icio2022's on icio2022)
                rates[i], per, _ = _compile_exporter(c, comp["rows"], mfn[i], o)
            for k, s in enumerate(secs):
                if rates[i, k] != 0.0:
                    measures[(c, s)] = tuple(per[k])
        inrow = [c for c in missing if c in comp["outside"]]
        if inrow:
            notes.append(
                "rates of economies that icio2022 holds in ROW enter ROW's rate (weighted by "
                f"their 2023 US imports): {', '.join(inrow)}"
            )
        dropped = [c for c in missing if c not in comp["outside"]]
        if dropped:
            notes.append(
                f"economies in the record but not in the data (dropped): {', '.join(dropped)}"
            )
        return TariffsInForce(o.date, "us", iso3, secs, rates, MappingProxyType(measures),
                              tuple(notes), MappingProxyType(_assumptions(o)))  # fmt: skip
    # one sector: import-weighted average of the sectoral rates, icio2022 weights
    data = _icio()
    goods = len(sec.GOODS)
    rates = np.zeros(len(iso3))
    for i, c in enumerate(iso3):
        if c == "USA" or c not in comp["rates"]:
            continue
        w = data["imp_value"][_icio_row(c), :goods]
        r = comp["rates"][c][:goods]
        rates[i] = float(w @ r / w.sum())
        ids = sorted({m for k in range(goods) if r[k] * w[k] > 0 for m in comp["ids"][c][k]})
        if rates[i] != 0.0:
            measures[(c, _ONE_SECTOR)] = tuple(ids)
    if ("TWN" in named or "TWN" in comp["rates"]) and "TWN" not in iso3:
        notes.append(
            "TWN: no Taiwan in this economy (world2023's trade source reports it as "
            "'Other Asia, n.e.s.'); the US rate on Taiwan is dropped "
            f"({100 * _one_sector_rate(comp, 'TWN'):.1f} % on icio2022 weights)"
        )
    dropped = [c for c in missing if c not in iso3 and c != "TWN"]
    if dropped:
        notes.append(f"economies in the record but not in the data (dropped): {', '.join(dropped)}")
    notes.append(
        "one-sector rates: icio2022 2022 US import weights by sector, the exporter's own "
        "where icio2022 has it, else ROW's"
    )
    return TariffsInForce(o.date, "us", iso3, None, rates, MappingProxyType(measures),
                          tuple(notes), MappingProxyType(_assumptions(o)))  # fmt: skip


def _one_sector_rate(comp: dict[str, Any], code: str) -> float:
    data = _icio()
    goods = len(sec.GOODS)
    w = data["imp_value"][_icio_row(code), :goods]
    return float(w @ comp["rates"][code][:goods] / w.sum())


def effective_us_tariff_rate(
    date: dt.date | str,
    *,
    include_baseline: bool = True,
    ieepa_upheld: bool = False,
    ieepa_voided: bool = False,
    section122_rate: float | None = None,
    section122_extended: bool = False,
    usmca_share: Mapping[str, Mapping[str, float]] | None = None,
    usmca_us_content: float | None = None,
    china_301: Mapping[str, float] | None = None,
) -> float:
    """The US import-weighted effective tariff rate on ``date``, in percent.

    Pre-substitution: the tariffs in force (icio2022 baseline MFN rates plus the additional
    rates of :func:`us_tariffs_in_force`) averaged over all US goods imports with icio2022's
    2022 weights (every exporter, ROW included, the 27 goods sectors; services are not
    tariffed and not counted). ``include_baseline=False`` gives the additional part only.
    Other arguments as in :func:`us_tariffs_in_force`.

    Example:
        >>> round(effective_us_tariff_rate("2024-12-31"), 1)
        6.6
    """
    o = _options(
        date,
        ieepa_upheld=ieepa_upheld,
        ieepa_voided=ieepa_voided,
        section122_rate=section122_rate,
        section122_extended=section122_extended,
        usmca_share=usmca_share,
        usmca_us_content=usmca_us_content,
        china_301=china_301,
    )
    comp = _sector_rates(o)
    data = _icio()
    goods = len(sec.GOODS)
    total = num = 0.0
    for i, c in enumerate(data["iso3"]):
        if c == "USA":
            continue
        w = data["imp_value"][i, :goods]
        t = comp["rates"][c][:goods]
        if include_baseline:
            t = t + data["imp_tariff"][i, :goods]
        num += float(w @ t)
        total += float(w.sum())
    return 100.0 * num / total


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
    mode = "in_force" if (unknown_end == "in_force" or date < _RULING) else "ended"
    active = [r for _, r in rows.iterrows() if is_in_force(r, date, unknown_end=mode)]
    S = len(sec.SECTORS)
    by: dict[str, np.ndarray] = {}
    ids: dict[str, list[list[str]]] = {}
    notes: list[str] = []
    for r in active:
        if r.measure_id in _NOT_MODELLED:
            notes.append(f"{r.measure_id} in force but not modelled: {_NOT_MODELLED[r.measure_id]}")
            continue
        if np.isnan(r.rate_pct):
            continue
        scope = _RETALIATION_SCOPE[r.measure_id]
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
    if unknown_end == "ended" and date >= _RULING:
        notes.append("measures with an undocumented removal assumed ended after 2026-02-24")
    iso3 = tuple(economy.iso3)
    measures: dict[tuple[str, str], tuple[str, ...]] = {}
    assumptions = MappingProxyType({"date": date.isoformat(), "unknown_end": unknown_end})

    def members(code: str) -> list[str]:
        return sorted(EU27) if code == "EU27" else [code]

    if _is_multisector(economy):
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
    data = _icio()
    goods = len(sec.GOODS)
    rates = np.zeros(len(iso3))
    for imp, v in by.items():
        for c in members(imp):
            if c not in iso3:
                notes.append(f"{c}: not in the data, its retaliation is dropped")
                continue
            w = data["exp_value"][_icio_row(c), :goods]
            rates[iso3.index(c)] = float(w @ v[:goods] / w.sum())
            measures[(c, _ONE_SECTOR)] = tuple(
                sorted({m for k in range(goods) if v[k] > 0 for m in ids[imp][k]})
            )
    notes.append("one-sector rates: icio2022 2022 US export weights by sector (own, else ROW's)")
    return TariffsInForce(date, "retaliation", iso3, None, rates,
                          MappingProxyType(measures), tuple(notes), assumptions)  # fmt: skip
