"""Scenarios that start from the tariffs in force at a date, the regime built-ins, and the
timeline of every US tariff regime (``blocs.timeline``, ``blocs timeline``)."""

from __future__ import annotations

import datetime as dt
import json
import tomllib

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import blocs
from blocs.cli import app
from blocs.data.us_tariffs import (
    REGIMES,
    effective_us_tariff_rate,
    foreign_retaliation_in_force,
    latest_date,
    us_tariffs_in_force,
)
from blocs.errors import ScenarioError
from blocs.report import write_report
from blocs.report.timeline import timeline_section, write_timeline_report
from blocs.run import run_scenario
from blocs.scenario import (
    builtin_scenarios,
    compile_scenario,
    load_scenario,
    parse_scenario,
    provenance_json,
    resolve,
)
from blocs.scenario.program import Set
from blocs.timeline import REAL_INCOME_ROWS, regime_scenario, solve_timeline

RESIDUAL_TOL = 1e-10


@pytest.fixture(scope="module")
def world():
    return blocs.load_world2023()


@pytest.fixture(scope="module")
def icio():
    return blocs.load_icio2022()


def _sc(**tables):
    return parse_scenario({"scenario": {"name": "x"}, **tables})


# -- the syntax --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ({"date": "2024-06-01"}, "before the tariff record"),
        ({"date": "2027-01-01"}, "after the latest measure"),
        ({"date": "2025-13-01"}, "is not a YYYY-MM-DD date"),
        ({"date": 20250807}, "is not a date"),
    ],
)
def test_bad_dates_name_the_key_and_the_valid_range(table, needle):
    with pytest.raises(ScenarioError) as err:
        _sc(us_tariffs=table)
    msg = str(err.value)
    assert "us_tariffs.date" in msg and needle in msg
    assert f"2025-01-01 to {latest_date()}" in msg and '"latest"' in msg


def test_other_bad_keys_are_named():
    with pytest.raises(ScenarioError, match=r"us_tariffs\.ieepa: unknown value 'maybe'"):
        _sc(us_tariffs={"date": "2025-08-07", "ieepa": "maybe"})
    with pytest.raises(ScenarioError, match=r"us_tariffs\.section122_rate: .*0 to 0\.15"):
        _sc(us_tariffs={"date": "2026-03-01", "section122_rate": 0.2})
    with pytest.raises(ScenarioError, match=r"us_tariffs\.rate: unknown key"):
        _sc(us_tariffs={"date": "2025-08-07", "rate": 0.1})
    with pytest.raises(ScenarioError, match=r"retaliation_in_force\.date: give a date"):
        _sc(retaliation_in_force={"unknown": "ended"})
    with pytest.raises(ScenarioError, match=r"retaliation_in_force\.date: .*before the tariff"):
        _sc(retaliation_in_force={"date": "2020-01-01"})
    with pytest.raises(ScenarioError, match=r"retaliation_in_force\.unknown: unknown value"):
        _sc(us_tariffs={"date": "2025-08-07"}, retaliation_in_force={"unknown": "maybe"})


def test_toml_dates_and_latest():
    doc = tomllib.loads('[scenario]\nname = "x"\n[us_tariffs]\ndate = 2025-08-07\n')
    assert parse_scenario(doc).us_tariffs.on() == dt.date(2025, 8, 7)
    assert _sc(us_tariffs={"date": "latest"}).us_tariffs.on() == latest_date()


def test_us_tariffs_are_the_first_operation_and_rules_change_them(world):
    sc = _sc(
        us_tariffs={"date": "2025-08-07"},
        tariffs=[{"importers": ["USA"], "exporters": ["CHN"], "add": 0.10}],
    )
    prog = compile_scenario(sc, world)
    assert isinstance(prog.ops[0], Set) and prog.ops[0].where.endswith("us_tariffs")
    t = np.asarray(resolve(prog).policy.t)
    expected = us_tariffs_in_force("2025-08-07", world).tariffs(world)
    us, chn = world.index("USA"), world.index("CHN")
    other = [i for i in range(world.n) if i != chn]
    np.testing.assert_allclose(t[other, us], expected[other, us], atol=0)
    assert t[chn, us] == pytest.approx(expected[chn, us] + 0.10, abs=1e-15)
    # everything but the US column keeps the baseline
    mask = np.ones_like(t, dtype=bool)
    mask[:, us] = False
    np.testing.assert_array_equal(t[mask], np.asarray(world.t)[mask])


def test_options_reach_the_compiler(icio):
    for date, table, kwargs in [
        ("2026-03-01", {"ieepa": "upheld"}, {"ieepa_upheld": True}),
        ("2025-11-15", {"ieepa": "never"}, {"ieepa_voided": True}),
        ("2026-03-01", {"section122_rate": 0.15}, {"section122_rate": 0.15}),
        ("2026-08-01", {"section122_extended": True}, {"section122_extended": True}),
    ]:
        sc = _sc(scenario={"name": "x", "data": "icio2022"},
                 us_tariffs={"date": date, **table})  # fmt: skip
        t = np.asarray(resolve(compile_scenario(sc, icio)).policy.t)
        us = icio.index("USA")
        expected = us_tariffs_in_force(date, icio, **kwargs).tariffs(icio)
        np.testing.assert_allclose(t[:, us, :], expected[:, us, :], atol=0)
        base = us_tariffs_in_force(date, icio).tariffs(icio)
        assert not np.allclose(expected[:, us, :], base[:, us, :]), table


def _parse(doc):
    return parse_scenario(doc, path="test")


def test_retaliation_in_force_sets_the_us_row_and_unknown_is_one_key_away(icio):
    doc = {"scenario": {"name": "x", "data": "icio2022"}, "us_tariffs": {"date": "latest"},
           "retaliation_in_force": {}}  # fmt: skip
    kept = np.asarray(resolve(compile_scenario(_parse(doc), icio)).policy.t)
    doc["retaliation_in_force"] = {"unknown": "ended"}
    ended = np.asarray(resolve(compile_scenario(_parse(doc), icio)).policy.t)
    us, chn, can = icio.index("USA"), icio.index("CHN"), icio.index("CAN")
    rec = foreign_retaliation_in_force(latest_date(), icio)
    np.testing.assert_allclose(kept[us, :, :], rec.tariffs(icio)[us, :, :], atol=0)
    assert (kept[us, chn, :27] > ended[us, chn, :27]).all()  # China's 10 % on all goods
    assert kept[us, can].sum() > ended[us, can].sum()
    np.testing.assert_array_equal(ended[us, chn], np.asarray(icio.t)[us, chn])


def test_every_rate_traces_back_to_measure_ids(icio):
    sc = parse_scenario({"scenario": {"name": "x", "data": "icio2022"},
                         "us_tariffs": {"date": "2025-11-15"},
                         "retaliation_in_force": {}}, path="f.toml")  # fmt: skip
    prog = compile_scenario(sc, icio)
    assert list(prog.provenance) == ["f.toml, us_tariffs", "f.toml, retaliation_in_force"]
    us_rec = prog.provenance["f.toml, us_tariffs"]
    for i, s in zip(*np.nonzero(us_rec.rates), strict=True):
        assert us_rec.measures[(icio.iso3[i], icio.sectors[s])]
    js = provenance_json(prog.provenance)
    assert js[0]["date"] == "2025-11-15" and js[1]["direction"] == "retaliation"
    assert "S232-METALS-50" in js[0]["measures"]["CHN/C24A"]
    assert "RET-CHN-10" in js[1]["measures"]["CHN/C10T12"]
    json.dumps(js)


def test_in_force_needs_the_us_and_matching_sectors():
    eco = blocs.load_cp2015()
    sc = parse_scenario({"scenario": {"name": "x", "data": "cp2015"},
                         "us_tariffs": {"date": "2025-08-07"}}, path="f")  # fmt: skip
    with pytest.raises(ScenarioError, match=r"f, us_tariffs: .*icio2022 sectors"):
        compile_scenario(sc, eco)


def test_run_json_records_the_measures(tmp_path, builtin_runs):
    run = builtin_runs["us-2025-08-07-world"]  # run_scenario(name), shared
    assert run.manifest["solver"]["max_residual"] <= RESIDUAL_TOL
    rec = run.manifest["tariffs_in_force"]
    assert len(rec) == 1 and rec[0]["date"] == "2025-08-07"
    assert rec[0]["measures"]["CHE/goods"][0] == "IEEPA-RECIP-CHE-39"
    assert any("Taiwan" in n for n in rec[0]["notes"])
    blocs.run.write_run(run, tmp_path)
    assert json.loads((tmp_path / "run.json").read_text())["tariffs_in_force"][0]["measures"]


# -- the built-ins -------------------------------------------------------------------------

NAMES = [*REGIMES, "us-now"]


def test_every_regime_has_its_builtins():
    have = builtin_scenarios()
    for name in NAMES:
        for ret in ("", "-retaliation"):
            for data, suffix in (("icio2022", ""), ("world2023", "-world")):
                sc = load_scenario(f"{name}{ret}{suffix}")
                assert sc.scenario.data == data
                assert (sc.retaliation_in_force is not None) == bool(ret)
                day = latest_date() if name == "us-now" else REGIMES[name]
                assert sc.us_tariffs.on() == day
    for name in ("us-2026-02-24-ieepa-upheld", "us-now-ieepa-upheld", "us-2026-02-24-s122-15",
                 "us-now-s122-extended", "us-now-allies-vs-china"):  # fmt: skip
        assert name in have


def test_unknown_retaliation_is_said_and_one_key_away():
    for name in builtin_scenarios():
        sc = load_scenario(name)
        rif = sc.retaliation_in_force
        if rif is None or sc.us_tariffs.on() < dt.date(2026, 2, 24):
            continue
        text = sc.scenario.description
        assert 'unknown = "in_force"' in text and 'unknown = "ended"' in text, name
        assert rif.unknown == "in_force"


def test_builtin_is_the_timeline_scenario(icio):
    a = compile_scenario(load_scenario("us-2025-11-15-retaliation"), icio)
    b = compile_scenario(regime_scenario("2025-11-15", "icio2022", retaliation=True), icio)
    np.testing.assert_array_equal(resolve(a).policy.t, resolve(b).policy.t)


def test_the_counterfactuals_change_what_they_say(icio):
    def us_col(name):
        t = np.asarray(resolve(compile_scenario(load_scenario(name), icio)).policy.t)
        return t[:, icio.index("USA"), :]

    assert us_col("us-2026-02-24-ieepa-upheld").sum() > us_col("us-2026-02-24").sum()
    assert us_col("us-2026-02-24-s122-15").sum() > us_col("us-2026-02-24").sum()
    assert us_col("us-now-s122-extended").sum() > us_col("us-now").sum()
    chn = icio.index("CHN")
    allies = us_col("us-now-allies-vs-china")
    assert (allies[chn, :27] >= 0.5).all()


# -- the timeline --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def timeline():
    return solve_timeline()


def test_timeline_rows_and_residuals(timeline):
    t = timeline.table
    # 2 data x 2 retaliation x (baseline + 7 regimes + 3 regimes with IEEPA upheld)
    assert len(t) == 44
    assert (t.status == "converged").all()
    assert (t.max_residual <= RESIDUAL_TOL).all()
    base = t[t.regime == "baseline"]
    solved = t[t.regime != "baseline"]
    for row in REAL_INCOME_ROWS:
        assert np.isfinite(solved[f"real_income_{row}_pct"]).all()
        np.testing.assert_allclose(base[f"real_income_{row}_pct"], 0.0, atol=1e-9)
    assert (solved.us_tariff_revenue_pct > base.us_tariff_revenue_pct.max()).all()
    assert timeline.seconds < 600


def test_timeline_effective_rate_is_the_compilers(timeline):
    t = timeline.table
    for r in t[t.path == "enacted"].itertuples():
        assert r.effective_tariff_pct == pytest.approx(effective_us_tariff_rate(r.date))
    aug = t[(t.regime == "us-2025-08-07") & (t.path == "enacted")]
    assert aug.effective_tariff_pct.iloc[0] > t[t.regime == "baseline"].effective_tariff_pct.max()


def test_timeline_agrees_with_the_builtin_run(timeline):
    run = run_scenario("us-2025-08-07-retaliation-world")
    c = run.countries.set_index("iso3")
    t = timeline.table
    row = t[(t.data == "world2023") & t.retaliation & (t.regime == "us-2025-08-07")
            & (t.path == "enacted")].iloc[0]  # fmt: skip
    assert row.scenario == "us-2025-08-07-retaliation-world"
    assert row.real_income_USA_pct == pytest.approx(c.loc["USA", "welfare_pct"], abs=1e-8)
    assert row.us_prices_pct == pytest.approx(c.loc["USA", "cpi_pct"], abs=1e-8)


def test_timeline_files_and_report(timeline, tmp_path):
    paths = timeline.write(tmp_path / "out")
    csv = pd.read_csv(paths[0])
    assert {"date", "effective_tariff_pct", "real_income_world_pct"} <= set(csv.columns)
    pq = pd.read_parquet(paths[1])
    assert len(pq) == len(csv) == len(timeline.table)
    page = write_timeline_report(timeline, tmp_path / "rep")
    for d in ("icio2022", "world2023"):
        png = (tmp_path / "rep" / f"timeline_{d}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text()
    assert "data:image/png;base64," in text and "http" not in text.split("</style>")[1]
    assert "<section>" in timeline_section(timeline.table, {})


def test_cli_timeline(tmp_path, timeline):
    res = CliRunner().invoke(
        app,
        [
            "timeline",
            "--data",
            "world2023",
            "--retaliation",
            "off",
            "--no-upheld",
            "--out",
            str(tmp_path),
            "--format",
            "csv",
        ],
    )
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "timeline.csv")
    assert len(out) == 8 and set(out.data) == {"world2023"}
    bad = CliRunner().invoke(app, ["timeline", "--data", "cp2015"])
    assert bad.exit_code == 2 and "--data" in bad.output


def test_run_report_of_a_regime_has_the_timeline_section(tmp_path, builtin_runs):
    """`blocs run --report` on a `[us_tariffs]` scenario places it on the timeline."""
    run = builtin_runs["us-2025-08-07-world"]  # run_scenario(name), shared
    page = write_report(run, tmp_path / "r").read_text()
    assert "US tariff regimes, 2025-2026" in page and "blocs timeline --report" in page
    assert f"{effective_us_tariff_rate('2025-08-07'):.1f} %" in page
    assert "Geneva truce" in page and "IEEPA ruling" not in page
    plain = write_report(builtin_runs["liberation-day"], tmp_path / "p").read_text()
    assert "US tariff regimes, 2025-2026" not in plain


COUNTERFACTUALS = {  # built-in -> the regime it changes
    "us-2026-02-24-ieepa-upheld": "us-2026-02-24",
    "us-now-ieepa-upheld": "us-now",
    "us-2026-02-24-s122-15": "us-2026-02-24",
    "us-now-s122-extended": "us-now",
    "us-now-allies-vs-china": "us-now",
}


@pytest.mark.slow
def test_the_counterfactual_builtins_run(builtin_runs):
    """The Court upholding IEEPA, Section 122 at 15 % or extended, and allies against China:
    each solves to the usual residual and moves China's real income from its regime's."""
    runs = {n: builtin_runs[n] for n in {*COUNTERFACTUALS, *COUNTERFACTUALS.values()}}
    for name, run in runs.items():
        solver = run.manifest["solver"]
        assert solver["status"] == "converged", name
        assert solver["max_residual"] <= RESIDUAL_TOL, name

    def chn(name):
        return runs[name].countries.set_index("iso3").loc["CHN", "welfare_pct"]

    for name, base in COUNTERFACTUALS.items():
        assert abs(chn(name) - chn(base)) > 1e-6, name
    assert chn("us-now-allies-vs-china") < chn("us-now")


@pytest.mark.slow
def test_cli_unknown_retaliation_is_one_flag_away(tmp_path):
    """`--unknown ended` drops the retaliation without a documented removal from 2026-02-24
    (China's 10 %, Canada's surtaxes); earlier regimes are unchanged."""

    def run(flag):
        out = tmp_path / flag
        args = ["timeline", "--data", "world2023", "--retaliation", "on", "--no-upheld",
                "--unknown", flag, "--out", str(out), "--format", "csv"]  # fmt: skip
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        return pd.read_csv(out / "timeline.csv").set_index("regime")

    kept, ended = run("in_force"), run("ended")
    before = ["us-2025-08-07", "us-2025-11-15"]
    after = ["us-2026-02-24", "us-2026-08-01", "us-2026-10-09"]
    col = "real_income_CHN_pct"
    np.testing.assert_allclose(kept.loc[before, col], ended.loc[before, col], rtol=0, atol=1e-12)
    assert (np.abs(kept.loc[after, col] - ended.loc[after, col]) > 1e-6).all()
    bad = CliRunner().invoke(app, ["timeline", "--unknown", "maybe"])
    assert bad.exit_code == 2 and "unknown" in bad.output
