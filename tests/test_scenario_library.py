"""Every built-in scenario on the real data: it solves, and identities and signs hold."""

from __future__ import annotations

import numpy as np
import pytest

import blocs

#: Solver precision required of every built-in scenario.
RESIDUAL_TOL = 1e-10


@pytest.fixture(scope="module")
def runs(builtin_runs):
    """Every built-in's ``run_scenario(name)`` (shared with other modules: conftest.py)."""
    return {name: builtin_runs[name] for name in blocs.builtin_scenarios()}


def test_every_builtin_solves(runs):
    assert len(runs) >= 17
    for name, run in runs.items():
        solver = run.manifest["solver"]
        assert solver["status"] == "converged", name
        assert solver["max_residual"] <= RESIDUAL_TOL, name
        assert np.isfinite(run.countries["welfare_pct"]).all(), name
        assert run.scenario.scenario.description, name
        assert run.scenario.scenario.source, name


def _revenue_and_flows(run):
    sol = run.solution
    if run.sectors is None:
        t, X = np.asarray(sol.policy.t), np.asarray(sol.X_new)
        revenue = np.asarray(sol.R)
        base = np.asarray(sol.params.E)
    else:
        t, X = np.asarray(sol.t_new), np.asarray(sol.X_new)
        revenue = (
            run.countries["tariff_revenue_pct"].to_numpy()
            / 100
            * run.countries["expenditure"].to_numpy()
        )
        base = None
    return t, X, revenue, base


@pytest.mark.parametrize(
    "name",
    ["liberation-day", "us-china-2025", "allied-front", "liberation-day-icio", "section-232"],
)
def test_revenue_equals_sum_over_taxed_flows(runs, name):
    run = runs[name]
    t, X, revenue, _ = _revenue_and_flows(run)
    axes = (0,) if t.ndim == 2 else (0, 2)
    direct = np.sum(t * X, axis=axes)
    np.testing.assert_allclose(revenue, direct, rtol=1e-10, atol=1e-9 * direct.max())
    assert direct[run.economy.index("USA")] > 0


@pytest.mark.parametrize(
    ("name", "sides"),
    [
        ("us-vs-china", ("USA", "CHN")),
        ("us-vs-china-108", ("USA", "CHN")),
        ("us-vs-eu-china", ("USA", "CHN", "DEU")),
    ],
)
def test_mirror_war_both_sides_lose(runs, name, sides):
    welfare = runs[name].countries.set_index("iso3")["welfare_pct"]
    for code in sides:
        assert welfare[code] < 0, (name, code)


def test_escalation_hurts_china_more(runs):
    w = {
        k: runs[k].countries.set_index("iso3")["welfare_pct"]["CHN"]
        for k in ("us-vs-china", "us-vs-china-108")
    }
    assert w["us-vs-china-108"] < w["us-vs-china"]


@pytest.mark.parametrize(
    ("name", "members"),
    [("ttip", "TTIP"), ("tpp-with-us", "TPP12"), ("north-american-bloc", "USMCA")],
)
def test_free_trade_raises_intra_member_trade(runs, name, members):
    run = runs[name]
    idx = [run.economy.index(c) for c in blocs.scenario.resolve_group(members, {}, run.economy)]
    X0 = np.asarray(run.solution.baseline.X)
    X1 = np.asarray(run.solution.X_new)
    block = np.ix_(idx, idx)
    off = ~np.eye(len(idx), dtype=bool)
    assert X1[block].sum(axis=-1)[off].sum() > X0[block].sum(axis=-1)[off].sum()


def test_allied_front_china_loses_most(runs):
    w = runs["allied-front"].countries.set_index("iso3")["welfare_pct"]
    assert w["CHN"] < 0 and w["CHN"] < w["USA"]


def test_nafta_builtin_matches_validation_b(runs):
    """The built-in reproduces Caliendo & Parro (2015), Table 2 (see validation tests)."""
    c = runs["nafta-cp2015"].countries.set_index("iso3")
    assert c.loc["MEX", "welfare_linear_pct"] == pytest.approx(1.31, abs=0.005 + 1e-5)
    assert c.loc["MEX", "vot_pct"] == pytest.approx(1.72, abs=0.005 + 1e-5)
    assert c.loc["CAN", "real_wage_pct"] == pytest.approx(0.32, abs=0.005 + 1e-5)


def test_section_232_only_touches_autos_and_metals_from_non_usmca(runs):
    run = runs["section-232"]
    t0 = np.asarray(run.economy.t)
    t1 = np.asarray(run.solution.t_new)
    changed = np.argwhere(~np.isclose(t0, t1))
    eco = run.economy
    assert len(changed) > 0
    for i, n, s in changed:
        assert eco.iso3[n] == "USA"
        assert eco.iso3[i] not in ("CAN", "MEX", "USA")
        assert eco.sectors[s] in ("C29", "C24A")
    assert np.allclose(t1[changed[:, 0], changed[:, 1], changed[:, 2]], 0.25)


def test_optimal_retaliation_rate_is_uniform(runs):
    run = runs["liberation-day-optimal-retaliation"]
    t = np.asarray(run.solution.policy.t)
    us = run.economy.index("USA")
    rates = np.delete(t[us, :], us)
    assert np.allclose(rates, rates[0]) and 0.0 < rates[0] < 1.0


#: The built-ins of the US tariff regimes (tools/build_regime_scenarios.py).
REGIME_BUILTINS = sorted(n for n in blocs.builtin_scenarios() if n.startswith(("us-20", "us-now")))


@pytest.mark.parametrize("name", REGIME_BUILTINS)
def test_regime_builtin_solves(name, runs):
    """Each regime built-in solved by :func:`runs` (``run_scenario(name)``, once for the
    module): converged, finite, and the manifest lists the measures in force."""
    sc = blocs.scenario.load_scenario(name)
    run = runs[name]
    solver = run.manifest["solver"]
    assert solver["status"] == "converged", name
    assert solver["max_residual"] <= RESIDUAL_TOL, name
    assert np.isfinite(run.countries["welfare_pct"]).all(), name
    assert run.manifest["tariffs_in_force"][0]["measures"], name
    if sc.retaliation_in_force is not None:
        assert run.manifest["tariffs_in_force"][-1]["direction"] == "retaliation", name
