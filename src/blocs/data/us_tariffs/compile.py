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
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from blocs.errors import InputError

from . import sectors as sec
from .baseline import us_mfn_baseline
from .record import (
    EU27,
    TariffsInForce,
    icio_row,
    icio_weights,
    us_import_weights,
    world_us_imports,
)
from .timeline import is_in_force, load_timeline

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "NOT_MODELLED",
    "ONE_SECTOR",
    "RULING",
    "effective_us_tariff_rate",
    "is_multisector",
    "us_tariffs_in_force",
]

_CHINA = frozenset({"CHN", "HKG", "MAC"})  # the IEEPA China EOs cover HKG and MAC
_NO_RECIPROCAL = frozenset({"CAN", "MEX", "CUB", "PRK", "BLR", "RUS"})
RULING = dt.date(2026, 2, 24)
_USMCA_EXEMPTION = dt.date(2025, 3, 7)
ONE_SECTOR = "goods"

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
NOT_MODELLED = {
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
        if o.ieepa_upheld and ieepa and r.ended_status == "date" and r.ended == RULING:
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


def _sector_rates(o: _Options, mfn_baseline: str = "icio2022") -> dict[str, Any]:
    """Cached :func:`_compile_all` (options hold mappings, so the key is their repr)."""
    key = repr((mfn_baseline, sorted(_assumptions(o).items())))
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = _compile_all(o, mfn_baseline)
    return _CACHE[key]


def _compile_all(o: _Options, mfn_baseline: str = "icio2022") -> dict[str, Any]:
    """Rates (by sector) for every icio2022 economy and every world2023 economy outside it.

    Baseline MFN rates for ``total_floor``: the economy's own US tariffs in
    :func:`~blocs.data.us_tariffs.baseline.us_mfn_baseline`, ROW's outside icio2022.
    """
    base = us_mfn_baseline(mfn_baseline)
    rows = _in_force_rows(o)
    data = icio_weights()
    codes = set(data["iso3"]) | set(world_us_imports())
    codes.discard("USA")
    rates, ids, used = {}, {}, set()
    for c in sorted(codes):
        if c == "ROW":
            continue
        mfn = base[icio_row(c)]
        rates[c], ids[c], u = _compile_exporter(c, rows, mfn, o)
        used |= u
    # ROW of icio2022: world2023 economies outside icio2022, weighted by US imports (2023)
    w = world_us_imports()
    outside = [c for c in rates if c not in data["iso3"] and c in w]
    wt = np.array([w[c] for c in outside])
    rates["ROW"] = sum(wt[k] * rates[c] for k, c in enumerate(outside)) / wt.sum()
    ids["ROW"] = [sorted({m for c in outside for m in ids[c][k]}) for k in range(len(sec.SECTORS))]
    notes = []
    for mid, why in NOT_MODELLED.items():
        if mid in rows:
            notes.append(f"{mid} in force but not modelled: {why}")
    if o.date > dt.date(2026, 10, 9):
        notes.append("the record ends on 2026-10-09: later changes are not covered")
    return {"rates": rates, "ids": ids, "rows": rows, "notes": notes, "outside": outside}


def is_multisector(economy: Any) -> bool:
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
    if is_multisector(economy):
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
    data = icio_weights()
    goods = len(sec.GOODS)
    rates = np.zeros(len(iso3))
    for i, c in enumerate(iso3):
        if c == "USA" or c not in comp["rates"]:
            continue
        w = data["imp_value"][icio_row(c), :goods]
        r = comp["rates"][c][:goods]
        rates[i] = float(w @ r / w.sum())
        ids = sorted({m for k in range(goods) if r[k] * w[k] > 0 for m in comp["ids"][c][k]})
        if rates[i] != 0.0:
            measures[(c, ONE_SECTOR)] = tuple(ids)
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
    data = icio_weights()
    goods = len(sec.GOODS)
    w = data["imp_value"][icio_row(code), :goods]
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
    mfn_baseline: str = "corrected",
    weights: str = "baci2023",
) -> float:
    """The US import-weighted effective tariff rate on ``date``, in percent.

    Pre-substitution: the tariffs in force (baseline MFN rates plus the additional rates of
    :func:`us_tariffs_in_force`, ``total_floor`` netted against the same baseline) averaged
    over all US goods imports (every exporter, ROW included, the 27 goods sectors; services
    are not tariffed and not counted). ``weights``: ``"baci2023"`` (each exporter's 2023 US
    imports from world2023, CEPII BACI, with icio2022's 2022 sector mix) or ``"icio2022"``
    (icio2022's 2022 flows), see :func:`~blocs.data.us_tariffs.record.us_import_weights`.
    ``mfn_baseline``: ``"corrected"`` (icio2022's US tariffs with the C10T12 aggregation
    artifact replaced by cp2015's food rate, :mod:`blocs.data.us_tariffs.baseline`) or
    ``"icio2022"`` (as shipped). ``include_baseline=False`` gives the additional part only.
    Other arguments as in :func:`us_tariffs_in_force`.

    Example:
        >>> round(effective_us_tariff_rate("2024-12-31"), 1)
        4.0
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
    comp = _sector_rates(o, mfn_baseline)
    data, base = icio_weights(), us_mfn_baseline(mfn_baseline)
    weight = us_import_weights(weights)
    goods = len(sec.GOODS)
    total = num = 0.0
    for i, c in enumerate(data["iso3"]):
        if c == "USA":
            continue
        w = weight[i]
        t = comp["rates"][c][:goods]
        if include_baseline:
            t = t + base[i, :goods]
        num += float(w @ t)
        total += float(w.sum())
    return 100.0 * num / total
