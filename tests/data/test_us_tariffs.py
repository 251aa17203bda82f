"""The 2025-2026 US tariff record and its regime compiler (blocs.data.us_tariffs).

Rates below are those of regimes.md; where a measure is "all-in X %" the expected additional
rate is max(0, X - MFN) with the icio2022 MFN rate of that exporter and sector.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import numpy as np
import pandas as pd
import pytest

import blocs
from blocs.data.us_tariffs import (
    REGIMES,
    effective_us_tariff_rate,
    foreign_retaliation_in_force,
    latest_date,
    load_timeline,
    us_tariffs_in_force,
)
from blocs.data.us_tariffs import sectors as sec
from blocs.data.us_tariffs.baseline import cp2015_us_food_tariffs, us_mfn_baseline
from blocs.data.us_tariffs.record import icio_weights, us_import_weights
from tests.conftest import shared_dir


@pytest.fixture(scope="module")
def icio():
    return blocs.load_icio2022()


@pytest.fixture(scope="module")
def world2023():
    return blocs.load_world2023()


def test_timeline_is_typed_and_complete():
    tl = load_timeline()
    assert len(tl) == 324 and tl.measure_id.is_unique
    assert all(isinstance(d, dt.date) for d in tl.effective[tl.effective_status == "date"])
    assert set(tl.effective_status) == {"date", "scheduled", "unknown", "not_implemented"}
    assert set(tl.ended_status) == {"date", "open", "unknown"}
    assert tl.loc[tl.measure_id == "S122-GLOBAL-15", "effective_status"].item() == (
        "not_implemented"
    )
    assert all(len(u) > 0 for u in tl.source_urls)


def test_shipped_copy_matches_the_shared_record():
    path = shared_dir() / "data" / "us_tariffs_2025_2026" / "timeline.csv"
    if not path.exists():
        pytest.skip(f"shared record not found at {path} (set BLOCS_SHARED)")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    tl = load_timeline()
    assert list(raw.measure_id) == list(tl.measure_id)
    rate = pd.to_numeric(raw.rate_pct.replace("", np.nan))
    np.testing.assert_array_equal(rate.to_numpy(), tl.rate_pct.to_numpy())
    assert list(raw.rate_type) == list(tl.rate_type)


def test_regime_dates():
    assert list(REGIMES) == [
        "us-2025-04-09", "us-2025-05-14", "us-2025-08-07", "us-2025-11-15",
        "us-2026-02-24", "us-2026-08-01", "us-2026-10-09",
    ]  # fmt: skip
    assert latest_date() == dt.date(2026, 10, 9) == max(REGIMES.values())


def test_atoms_are_disjoint():
    for s in sec.SECTORS:
        assert sum(a.get(s, 0.0) for a in sec.ATOMS.values()) <= 1.0 + 1e-12, s


# -- regimes.md, non-232 goods (C22 rubber/plastics: no 232 or exempt product in it) ------

F = "floor"  # all-in rate: expected max(0, X - MFN)
NON232 = {  # date: {partner: rate % or (F, X)}; CHN without its 301 (added below)
    "2025-04-09": {"CHN": 104, "DEU": 20, "JPN": 24, "KOR": 25, "VNM": 46, "IND": 26,
                   "GBR": 10, "CHE": 31, "BRA": 10, "TWN": 32},
    "2025-05-14": {"CHN": 30, "DEU": 10, "JPN": 10, "KOR": 10, "VNM": 10, "IND": 10,
                   "GBR": 10, "CHE": 10, "BRA": 10, "TWN": 10},
    "2025-08-07": {"CHN": 30, "DEU": (F, 15), "JPN": (F, 15), "KOR": 15, "VNM": 20, "IND": 25,
                   "GBR": 10, "CHE": 39, "BRA": 50, "TWN": 20},
    "2025-11-15": {"CHN": 20, "DEU": (F, 15), "JPN": (F, 15), "KOR": (F, 15), "VNM": 20,
                   "IND": 50, "GBR": 10, "CHE": (F, 15), "BRA": 50, "TWN": 20},
    "2026-02-24": {"CHN": 10, "DEU": 10, "JPN": 10, "KOR": 10, "VNM": 10, "IND": 10,
                   "GBR": 10, "CHE": 10, "BRA": 10, "TWN": 10},
    "2026-08-01": {"CHN": 12.5, "DEU": (F, 10), "JPN": (F, 12.5), "KOR": (F, 12.5),
                   "VNM": 12.5, "IND": 10, "GBR": 10, "CHE": (F, 12.5), "BRA": 37.5,
                   "TWN": (F, 10)},
    "2026-10-09": {"CHN": 12.5, "DEU": (F, 10), "JPN": (F, 12.5), "KOR": (F, 12.5),
                   "VNM": 12.5, "IND": 10, "GBR": 10, "CHE": (F, 12.5), "BRA": 37.5,
                   "TWN": (F, 10)},
}  # fmt: skip
# CAN / MEX non-USMCA rate (USMCA goods pay 0)
NON_USMCA = {"2025-04-09": (25, 25), "2025-05-14": (25, 25), "2025-08-07": (35, 25),
             "2025-11-15": (35, 25), "2026-02-24": (10, 10), "2026-08-01": (10, 10),
             "2026-10-09": (10, 10)}  # fmt: skip


def _mfn(eco, c, s):
    return float(eco.t[eco.index(c), eco.index("USA"), eco.sectors.index(s)])


@pytest.mark.parametrize("date", list(NON232))
def test_non_232_rates_reproduce_regimes_md(icio, date):
    rec = us_tariffs_in_force(date, icio)
    for c, want in NON232[date].items():
        if isinstance(want, tuple):
            want = 100 * max(0.0, want[1] / 100 - _mfn(icio, c, "C22"))
        if c == "CHN":
            want += 100 * sec.CHINA_301_SECTOR_AVERAGE["C22"]  # 301 stacks
        assert 100 * rec.rate(c, "C22") == pytest.approx(want, abs=1e-9), (date, c)
    for c, want in zip(("CAN", "MEX"), NON_USMCA[date], strict=True):
        q = sec.USMCA_QUALIFYING_SHARE[c]["default"]
        assert 100 * rec.rate(c, "C22") == pytest.approx(want * (1 - q), abs=1e-9), (date, c)


# -- regimes.md, Section 232 goods ------------------------------------------------------

STEEL = {  # basic iron and steel (C24A is entirely 232 steel): rate for others / GBR
    "2025-04-09": (25, 25), "2025-05-14": (25, 25), "2025-08-07": (50, 25),
    "2025-11-15": (50, 25), "2026-02-24": (50, 25), "2026-08-01": (50, 25),
    "2026-10-09": (50, 25),
}  # fmt: skip
CHN_STACK = {
    "2025-04-09": 20,
    "2025-05-14": 20,
    "2025-08-07": 20,
    "2025-11-15": 10,
    "2026-02-24": 0,
    "2026-08-01": 0,
    "2026-10-09": 0,
}  # China fentanyl on 232


@pytest.mark.parametrize("date", list(STEEL))
def test_232_metals_and_stacking(icio, date):
    rec = us_tariffs_in_force(date, icio)
    other, gbr = STEEL[date]
    for c in ("CAN", "MEX", "DEU", "JPN", "KOR", "VNM", "IND", "CHE", "BRA", "TWN"):
        # 232 goods pay neither the reciprocal, Brazil's 40 %, India's 25 %, Section 122,
        # the forced-labour 301 nor (CAN/MEX) the fentanyl duty
        assert 100 * rec.rate(c, "C24A") == pytest.approx(other, abs=1e-9), (date, c)
    assert 100 * rec.rate("GBR", "C24A") == pytest.approx(gbr, abs=1e-9)
    # China: 232 + fentanyl + 301 stack
    want = other + CHN_STACK[date] + 100 * sec.CHINA_301_SECTOR_AVERAGE["C24A"]
    assert 100 * rec.rate("CHN", "C24A") == pytest.approx(want, abs=1e-9)


def _c29(vehicles, parts, mhdv, buses, rest):
    a = sec.ATOMS
    return (a["vehicles"]["C29"] * vehicles + a["auto_parts"]["C29"] * parts
            + a["mhdv"]["C29"] * mhdv + a["buses"]["C29"] * buses
            + (1 - a["vehicles"]["C29"] - a["auto_parts"]["C29"] - a["mhdv"]["C29"]
               - a["buses"]["C29"]) * rest)  # fmt: skip


def test_232_autos_deals_and_floors(icio):
    mfn = _mfn(icio, "DEU", "C29")
    floor = 100 * max(0.0, 0.15 - mfn)
    # 2025-05-14: autos and parts 25 % for everyone but USMCA; non-232 part at 10 %
    rec = us_tariffs_in_force("2025-05-14", icio)
    assert 100 * rec.rate("DEU", "C29") == pytest.approx(_c29(25, 25, 10, 10, 10))
    # 2025-08-07: EU autos all-in 15 % (retroactive to 08-01); JPN still 25 % + MFN
    rec = us_tariffs_in_force("2025-08-07", icio)
    rest = 100 * max(0.0, 0.15 - mfn)
    assert 100 * rec.rate("DEU", "C29") == pytest.approx(_c29(floor, floor, rest, rest, rest))
    assert 100 * rec.rate("KOR", "C29") == pytest.approx(_c29(25, 25, 15, 15, 15))
    # 2025-11-15: MHDV 25 %, buses 10 % (no deal caps); KOR autos all-in 15 %
    rec = us_tariffs_in_force("2025-11-15", icio)
    kor = 100 * max(0.0, 0.15 - _mfn(icio, "KOR", "C29"))
    assert 100 * rec.rate("KOR", "C29") == pytest.approx(_c29(kor, kor, 25, 10, kor))
    # GBR: vehicles 7.5 % in the TRQ (+2.5 % MFN), parts 10 %
    assert 100 * rec.rate("GBR", "C29") == pytest.approx(_c29(7.5, 10, 25, 10, 10))


# "standard 232" of regimes.md for a partner without a deal (VNM), product group by group:
# autos 25 % (parts from 2025-05-03); from 2025-10-14 / 11-01 softwood 10 %, upholstered
# furniture and cabinets 25 %, MHDV 25 %, buses 10 %; patented pharma all-in 100 % from
# 2026-09-29 (S232-PHARMA-ALL; the Annex III companies of 2026-07-31 are company-specific).
F232 = "floor"
STANDARD_232 = {
    "2025-04-09": {"vehicles": 25},
    "2025-05-14": {"vehicles": 25, "auto_parts": 25},
    "2025-08-07": {"vehicles": 25, "auto_parts": 25},
    "2025-11-15": {"vehicles": 25, "auto_parts": 25, "mhdv": 25, "buses": 10, "softwood": 10,
                   "upholstered_furniture": 25, "cabinets": 25},
    "2026-02-24": {"vehicles": 25, "auto_parts": 25, "mhdv": 25, "buses": 10, "softwood": 10,
                   "upholstered_furniture": 25, "cabinets": 25},
    "2026-08-01": {"vehicles": 25, "auto_parts": 25, "mhdv": 25, "buses": 10, "softwood": 10,
                   "upholstered_furniture": 25, "cabinets": 25},
    "2026-10-09": {"vehicles": 25, "auto_parts": 25, "mhdv": 25, "buses": 10, "softwood": 10,
                   "upholstered_furniture": 25, "cabinets": 25, "pharma_patented": (F232, 100)},
}  # fmt: skip
# product groups that pay no non-232 duty in these sectors (Annex II softwood before its 232;
# pharma is exempt from the reciprocal tariff, Section 122 and the forced-labour 301)
NEVER_NON232 = {"softwood", "pharma_patented", "pharma_generic"}


@pytest.mark.parametrize("date", list(STANDARD_232))
def test_standard_232_groups_reproduce_regimes_md(icio, date):
    rec = us_tariffs_in_force(date, icio)
    non232 = NON232[date]["VNM"]
    for s in ("C29", "C16", "C31T33", "C21"):
        mfn = _mfn(icio, "VNM", s)
        want, rest = 0.0, 1.0
        for atom, shares in sec.ATOMS.items():
            share = shares.get(s, 0.0)
            if share == 0.0 or atom in ("canada_s338_lines",):
                continue
            rate = STANDARD_232[date].get(atom)
            if rate is not None:
                rate = 100 * max(0.0, rate[1] / 100 - mfn) if isinstance(rate, tuple) else rate
                want += share * rate
                rest -= share
            elif atom in NEVER_NON232:
                rest -= share
        want += rest * non232
        assert 100 * rec.rate("VNM", s) == pytest.approx(want, abs=1e-9), (date, s)


def test_usmca_content_rule_for_autos(icio):
    rec = us_tariffs_in_force("2025-05-14", icio)
    q = sec.USMCA_QUALIFYING_SHARE["MEX"]["default"]
    veh = 25 * (q * (1 - sec.USMCA_US_CONTENT) + (1 - q))
    rest = 25 * (1 - q)  # non-USMCA fentanyl duty; MHDV/bus 232 not yet in force
    want = _c29(veh, rest, rest, rest, rest)
    assert 100 * rec.rate("MEX", "C29") == pytest.approx(want)


def test_annex_ii_and_agricultural_exemptions(icio):
    # energy (B06) pays no reciprocal; Annex II semis/electronics share of C26 is exempt
    rec = us_tariffs_in_force("2025-08-07", icio)
    assert rec.rate("VNM", "B06") == 0.0
    assert 100 * rec.rate("VNM", "C26") == pytest.approx(
        20 * (1 - sec.ATOMS["electronics_semis"]["C26"] - sec.ATOMS["semis_advanced"]["C26"])
    )
    # November-2025 ag exemptions: BRA agriculture pays neither reciprocal nor the 40 %
    before = us_tariffs_in_force("2025-11-12", icio).rate("BRA", "A01")
    after = us_tariffs_in_force("2025-11-15", icio).rate("BRA", "A01")
    ag = sec.ATOMS["ag_tropical"]["A01"] + sec.ATOMS["ag_beef_tomatoes_oranges"]["A01"]
    assert before == pytest.approx(0.50) and after == pytest.approx(0.50 * (1 - ag))


def test_counterfactual_flags(icio):
    d = "2026-03-15"
    base = us_tariffs_in_force(d, icio)
    assert base.rate("VNM", "C22") == pytest.approx(0.10)  # Section 122
    assert us_tariffs_in_force(d, icio, section122_rate=0.15).rate("VNM", "C22") == 0.15
    upheld = us_tariffs_in_force(d, icio, ieepa_upheld=True)
    assert upheld.rate("VNM", "C22") == pytest.approx(0.20)  # the Aug-2025 20 % stays
    assert "S122-GLOBAL-10" not in upheld.measures[("VNM", "C22")]
    later = "2026-08-01"
    ext = us_tariffs_in_force(later, icio, section122_extended=True)
    assert ext.rate("VNM", "C22") == pytest.approx(0.225)  # S122 10 % + forced-labour 12.5 %
    voided = us_tariffs_in_force("2025-11-15", icio, ieepa_voided=True)
    assert voided.rate("VNM", "C22") == 0.0
    with pytest.raises(blocs.errors.InputError):
        us_tariffs_in_force(d, icio, ieepa_upheld=True, ieepa_voided=True)


# -- traceability ------------------------------------------------------------------------


@pytest.mark.parametrize("date", list(REGIMES.values()))
def test_every_rate_traces_to_measure_ids(icio, world2023, date):
    ids = set(load_timeline().measure_id)
    for eco in (icio, world2023):
        for rec in (us_tariffs_in_force(date, eco), foreign_retaliation_in_force(date, eco)):
            rates = rec.rates if rec.sectors else rec.rates[:, None]
            secs = rec.sectors or ("goods",)
            for i, c in enumerate(rec.iso3):
                for k, s in enumerate(secs):
                    if rates[i, k] != 0.0:
                        got = rec.measures[(c, s)]
                        assert got and set(got) <= ids, (date, c, s, got)
            assert set(rec.measures) <= {
                (c, s) for i, c in enumerate(rec.iso3) for k, s in enumerate(secs)
                if rates[i, k] != 0.0
            }  # fmt: skip


def test_world2023_drops_taiwan_and_says_so(world2023):
    rec = us_tariffs_in_force("2025-08-07", world2023)
    assert rec.rates.shape == (world2023.n,) and rec.sectors is None
    assert any(n.startswith("TWN: no Taiwan") for n in rec.notes)
    assert rec.rate("USA") == 0.0
    t = rec.tariffs(world2023)
    us = world2023.index("USA")
    np.testing.assert_allclose(t[:, us], np.array(world2023.t)[:, us] + rec.rates)


def test_retaliation_in_force_and_unknown_assumption(icio):
    rec = foreign_retaliation_in_force("2025-04-15", icio)
    assert rec.rate("CHN", "C22") == pytest.approx(1.25)  # 125 % on all US goods
    rec = foreign_retaliation_in_force("2025-11-15", icio)
    assert rec.rate("CHN", "C22") == pytest.approx(0.10)
    assert rec.rate("DEU", "C29") == 0.0  # EU countermeasures suspended
    assert rec.rate("CAN", "C24A") == pytest.approx(0.25 * 0.80)
    d = "2026-08-01"  # China's 10 % and Canada's surtaxes: removal "unknown"
    assert foreign_retaliation_in_force(d, icio).rate("CHN", "C22") == pytest.approx(0.10)
    alt = foreign_retaliation_in_force(d, icio, unknown_end="ended")
    assert alt.rate("CHN", "C22") == 0.0 and alt.rate("CAN", "C24A") == 0.0


# -- effective rates against the Budget Lab anchors (data README) ----------------------
#
# Weights (``weights="baci2023"``, the default): each exporter's 2023 US goods imports from
# world2023 (CEPII BACI 2023; economies icio2022 holds in ROW summed into ROW), spread over
# goods sectors with the exporter's icio2022 2022 sector mix. China is 14.8 % of US goods
# imports with them (18.1 % in icio2022's 2022 flows). The effective rate = baseline US
# tariff + additional rates (``total_floor`` netted against the same baseline); the baseline
# is icio2022's with C10T12 corrected (blocs.data.us_tariffs.baseline). What separates the
# measure from the Budget Lab's HTS-10 figures is in docs/us_tariffs.md ("Effective rates
# against the published anchors").

ANCHORS = [  # (label, date, options, anchor low %, anchor high %)
    ("2024", "2024-12-31", {}, 2.4, 2.4),
    ("August 2025", "2025-08-07", {}, 17.4, 18.6),
    ("Nov 2025 to the ruling", "2026-02-20", {}, 16.9, 16.9),
    ("Feb 2026 without IEEPA", "2026-02-20", {"ieepa_voided": True}, 9.1, 9.1),
]


def _within(value, lo, hi, tol=2.0):
    return lo - tol <= value <= hi + tol


@pytest.mark.parametrize("label,date,opts,lo,hi", ANCHORS)
def test_effective_rate_near_anchor(label, date, opts, lo, hi):
    value = effective_us_tariff_rate(date, **opts)
    assert _within(value, lo, hi), f"{label}: {value:.2f} % vs anchor {lo}-{hi} %"


@pytest.mark.parametrize(
    "label,date,opts,lo,hi",
    [
        ANCHORS[1],
        pytest.param(
            *ANCHORS[2],
            marks=pytest.mark.xfail(
                strict=True,
                reason="+12.48 pp against the anchors' +14.5 (0.02 outside): with 2023 "
                "exporter weights China (fentanyl and reciprocal duties) weighs less and "
                "Canada and Mexico (mostly USMCA, exempt) more; docs/us_tariffs.md",
            ),
        ),
    ],
)
def test_effective_rate_increment_over_2024_near_anchor_increment(label, date, opts, lo, hi):
    """The policy part (rate minus the 2024 rate) against the anchors' own increments."""
    inc = effective_us_tariff_rate(date, **opts) - effective_us_tariff_rate("2024-12-31")
    assert _within(inc, lo - 2.4, hi - 2.4), f"{label}: +{inc:.2f} pp"


def _package_csv(*parts):
    with resources.as_file(resources.files("blocs.data").joinpath(*parts)) as p:
        return pd.read_csv(p)


@pytest.fixture(scope="module")
def independent_weights():
    """US goods imports by icio2022 exporter x goods sector rebuilt from the shipped files."""
    flows = _package_csv("icio2022", "flows.csv.gz")
    g = flows[(flows.importer == "USA") & (flows.exporter != "USA")]
    g = g[g.sector.isin(sec.GOODS)]
    x = g.pivot(index="exporter", columns="sector", values="flow_musd")[list(sec.GOODS)]
    x = x.fillna(0.0)
    baci = _package_csv("world2023", "trade.csv.gz")
    b = baci[(baci.importer == "USA") & (baci.exporter != "USA")]
    b = b.assign(row=[c if c in x.index else "ROW" for c in b.exporter])
    total = b.groupby("row").value_kusd.sum() / 1000.0
    ok = [c for c in x.index if total.get(c, 0.0) > 0]
    ratio = total[ok].sum() / x.loc[ok].to_numpy().sum()
    scale = pd.Series({c: total[c] / x.loc[c].sum() if c in ok else ratio for c in x.index})
    return x.mul(scale, axis=0), total


def test_weights_are_baci_2023_totals_with_icio_sector_mix(independent_weights):
    w, total = independent_weights
    iso3 = icio_weights()["iso3"]
    got = us_import_weights()
    for c in ("CHN", "MEX", "CAN", "DEU", "VNM", "ROW"):
        i = iso3.index(c)
        assert got[i].sum() == pytest.approx(total[c], rel=1e-12), c
        np.testing.assert_allclose(got[i], w.loc[c].to_numpy(), rtol=1e-12)
    # Taiwan is not in BACI: its 2022 mix, scaled by the ratio of totals
    assert "TWN" not in total and got[iso3.index("TWN")].sum() > 0
    assert got[iso3.index("USA")].sum() == 0.0
    chn = got[iso3.index("CHN")].sum() / got.sum()
    assert chn == pytest.approx(total["CHN"] / w.to_numpy().sum(), rel=1e-12)
    assert 0.14 < chn < 0.16  # 2022: 18 % (icio2022's own flows)
    raw = us_import_weights("icio2022")
    assert raw[iso3.index("CHN")].sum() / raw.sum() > 0.18
    with pytest.raises(blocs.errors.InputError, match="weights"):
        us_import_weights("census2024")


@pytest.mark.parametrize("date,opts", [("2024-12-31", {}), ("2026-02-20", {"ieepa_voided": True})])
def test_effective_rate_recomputed_from_the_compiled_policy(icio, independent_weights, date, opts):
    """Second method: the policy compiled on the icio2022 economy, its own t[:, USA] with the
    food cell corrected independently, and the independently rebuilt weights."""
    w, _ = independent_weights
    rec = us_tariffs_in_force(date, icio, **opts)
    us, k = icio.index("USA"), sec.SECTORS.index("C10T12")
    food = cp2015_us_food_tariffs()
    num = den = 0.0
    for c in w.index:
        i = icio.index(c)
        base = np.array(icio.t, dtype=float)[i, us, : len(sec.GOODS)]
        base[k] = min(base[k], food.get(c, food["ROW"]))
        t = base + rec.rates[i, : len(sec.GOODS)]
        num += float(w.loc[c].to_numpy() @ t)
        den += float(w.loc[c].sum())
    assert effective_us_tariff_rate(date, **opts) == pytest.approx(100 * num / den, rel=1e-9)


def test_effective_rate_without_any_measure_is_the_baseline():
    """Before the 2018 actions nothing of the record is in force: zero additional rate."""
    assert effective_us_tariff_rate("2018-01-01", include_baseline=False) == 0.0
    assert effective_us_tariff_rate("2018-01-01", weights="icio2022", include_baseline=False) == 0


def test_corrected_baseline_changes_only_us_food_cells():
    data = icio_weights()
    raw, fixed = us_mfn_baseline("icio2022"), us_mfn_baseline("corrected")
    k = sec.SECTORS.index("C10T12")
    other = [j for j in range(len(sec.SECTORS)) if j != k]
    np.testing.assert_array_equal(raw[:, other], fixed[:, other])
    assert raw[data["iso3"].index("FRA"), k] == pytest.approx(0.9134, abs=1e-4)  # the artifact
    food = cp2015_us_food_tariffs()
    assert fixed[data["iso3"].index("FRA"), k] == pytest.approx(food["FRA"])  # 1.67 %
    assert fixed[data["iso3"].index("POL"), k] == pytest.approx(food["ROW"])  # not in cp2015
    assert fixed[data["iso3"].index("KOR"), k] == raw[data["iso3"].index("KOR"), k]  # FTA kept
    assert (fixed[:, k] <= raw[:, k]).all() and fixed[:, k].max() < 0.12
    goods = len(sec.GOODS)
    w = data["imp_value"][:, :goods].copy()
    w[data["iso3"].index("USA")] = 0.0
    assert 0.010 < float((w * fixed[:, :goods]).sum() / w.sum()) < 0.020
    with pytest.raises(blocs.errors.InputError, match="mfn_baseline"):
        us_mfn_baseline("customs")
