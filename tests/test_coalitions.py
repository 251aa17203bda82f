"""Coalitions (models.md §4): identities, brute-force checks, errors and the CLI command.

Small ally sets on world2023 keep the suite fast: every coalition is solved for real and
checked against an independent computation (a direct solve, a permutation-average Shapley
value, set-based stability, the expected-welfare equation at p*).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import blocs
from blocs.cli.coalition import coalition
from blocs.coalitions import (
    MAX_ALLIES,
    STABILITY_TOL,
    CoalitionSpec,
    allied_front_spec,
    break_even,
    coalition_policies,
    solve_coalitions,
)
from blocs.errors import InputError
from blocs.scenario import BUILTIN_GROUPS

#: Welfare (percent) agreement between the batch solver and a direct blocs.solve: both
#: converge to 1e-12 relative residual, so welfare agrees to ~1e-9 pp.
DIRECT_SOLVE_PP = 1e-8
#: Identities computed from the same welfare table hold to rounding.
ROUNDING = 1e-10

ALLIES = ("KOR", "EU27", "JPN")  # deliberately not in canonical order


@pytest.fixture(scope="module")
def res(world):
    return solve_coalitions(world, CoalitionSpec(allies=ALLIES, name="test"))


def _tariffs(world, members, rate=0.5, mirror=True):
    """The coalition policy written out by hand (independent of coalition_policies)."""
    t = np.zeros((world.n, world.n))
    cn = world.index("CHN")
    for c in members:
        t[cn, world.index(c)] = rate
        if mirror:
            t[world.index(c), cn] = rate
    return t


def _codes(player):
    return list(BUILTIN_GROUPS.get(player, (player,)))


def _player_welfare(world, row, player):
    """Expenditure-weighted welfare of a player, from one row of welfare_pct."""
    idx = world.indices(_codes(player))
    w = np.asarray(world.E)[idx]
    return float(row[idx] @ w / w.sum())


def test_canonical_order_and_encoding(res):
    assert res.players.allies == ("EU27", "JPN", "KOR")
    assert res.label(0) == "USA" and res.label(5) == "USA+EU27+KOR"
    assert (res.response_rate == 0.5).all()  # mirror: the coalition's own rate
    assert res.welfare_pct.shape == (8, 194)
    assert res.converged.all() and res.max_residual.max() <= 1e-12
    assert not res.failures


def test_leader_alone_and_grand_match_direct_solves(world, res):
    for mask, members in ((0, ["USA"]), (7, ["USA", "JPN", "KOR", *BUILTIN_GROUPS["EU27"]])):
        sol = blocs.solve(world, _tariffs(world, members))
        direct = 100.0 * (np.asarray(sol.welfare_hat) - 1.0)
        np.testing.assert_allclose(res.welfare_pct[mask], direct, atol=DIRECT_SOLVE_PP, rtol=0)


def test_measures_from_the_welfare_table(world, res):
    cn, us = world.index("CHN"), world.index("USA")
    np.testing.assert_allclose(res.leverage_pct, -res.welfare_pct[:, cn], atol=ROUNDING)
    np.testing.assert_allclose(res.leader_pct, res.welfare_pct[:, us], atol=ROUNDING)
    for m in range(8):
        row = res.welfare_pct[m]
        for j, a in enumerate(res.players.allies):
            assert res.ally_pct[m, j] == pytest.approx(_player_welfare(world, row, a), abs=ROUNDING)
    # grand coalition cost: expenditure-weighted loss of USA + allies
    members = ["USA", "JPN", "KOR", *BUILTIN_GROUPS["EU27"]]
    idx = world.indices(members)
    w = np.asarray(world.E)[idx]
    assert res.cost_pct[7] == pytest.approx(-(res.welfare_pct[7, idx] @ w) / w.sum(), abs=ROUNDING)
    assert res.efficiency[7] == pytest.approx(res.leverage_bn[7] / res.cost_bn[7])


def test_mirror_war_hurts_the_target(res):
    assert (res.target_pct < 0).all()
    assert (res.leverage_pct > 0).all()
    # more members, more leverage here: every ally's marginal contribution is positive
    assert (res.marginal[np.isfinite(res.marginal)] > 0).all()


def test_shapley_adds_up_and_equals_permutation_average(res):
    k = res.players.k
    total = res.leverage_pct[-1] - res.leverage_pct[0]
    assert res.shapley.sum() == pytest.approx(total, abs=ROUNDING)
    perm = np.zeros(k)
    for order in itertools.permutations(range(k)):
        mask = 0
        for j in order:
            perm[j] += res.leverage_pct[mask | 1 << j] - res.leverage_pct[mask]
            mask |= 1 << j
    np.testing.assert_allclose(res.shapley, perm / math.factorial(k), atol=ROUNDING)


def _brute_force_stability(world, result):
    """d'Aspremont et al. (1983) on sets of ally names, welfare recomputed by hand."""
    allies = result.players.allies

    def mask(s):
        return sum(1 << allies.index(a) for a in s)

    def W(a, s):
        return _player_welfare(world, result.welfare_pct[mask(s)], a)

    verdicts = {}
    for r in range(len(allies) + 1):
        for combo in itertools.combinations(allies, r):
            s = frozenset(combo)
            internal = all(W(a, s) >= W(a, s - {a}) - STABILITY_TOL for a in s)
            external = all(W(a, s) >= W(a, s | {a}) - STABILITY_TOL for a in allies if a not in s)
            verdicts[mask(s)] = (internal, external)
    return verdicts


@pytest.mark.parametrize("variant", ["plain", "america_first"])
def test_stability_matches_brute_force(world, res, variant):
    result = res if variant == "plain" else res.america_first
    for m, (internal, external) in _brute_force_stability(world, result).items():
        assert result.internally_stable[m] == internal, result.label(m)
        assert result.externally_stable[m] == external, result.label(m)
        assert result.stable[m] == (internal and external)
    assert result.stable_coalitions == [result.label(m) for m in np.flatnonzero(result.stable)]


def test_america_first_policies(world, res):
    af = res.america_first
    pol = coalition_policies(
        world,
        "USA",
        "CHN",
        ALLIES,
        0.5,
        "mirror",
        baseline_t=blocs.liberation_day_tariffs(world),
        member_relief=True,
    )
    t = pol.tariffs(pol.players.mask_of(["JPN"]))
    us, jp, kr, cn = (world.index(c) for c in ("USA", "JPN", "KOR", "CHN"))
    assert t[jp, us] == 0.0  # member: relief
    assert t[kr, us] == pytest.approx(blocs.scenario.us_tariffs_2025(world)[kr])  # outsider
    assert t[cn, us] == 0.5 and t[cn, jp] == 0.5 and t[us, cn] == 0.5 and t[jp, cn] == 0.5
    assert af.converged.all()
    # members escape the 2025 tariffs: the leader-alone row is the 2025 world plus the war
    sol = blocs.solve(world, pol.tariffs(0))
    np.testing.assert_allclose(
        af.welfare_pct[0], 100 * (np.asarray(sol.welfare_hat) - 1), atol=DIRECT_SOLVE_PP
    )


def test_results_do_not_depend_on_ally_order(world, res):
    again = solve_coalitions(
        world,
        CoalitionSpec(allies=("JPN", "KOR", "EU27"), america_first=False, punishment=None),
    )
    assert again.players.allies == res.players.allies
    np.testing.assert_allclose(again.welfare_pct, res.welfare_pct, atol=ROUNDING)
    np.testing.assert_allclose(again.shapley, res.shapley, atol=ROUNDING)


@pytest.mark.parametrize("variant", ["plain", "america_first"])
def test_p_star_equalises_expected_welfare(res, variant):
    result = res if variant == "plain" else res.america_first
    c = result.credibility
    g = result.grand
    interior = 0
    for j in range(result.players.k):
        inside, outside = result.ally_pct[g, j], result.ally_pct[g ^ 1 << j, j]
        p = c.p_star_grand[j]
        betrayed = c.betrayed_grand_pct[j]
        if 0 < p < 1:
            interior += 1
            assert (1 - p) * inside + p * betrayed == pytest.approx(outside, abs=ROUNDING)
        elif p == 0:
            assert inside <= outside + STABILITY_TOL
        else:
            assert betrayed >= outside - STABILITY_TOL
        inside, outside = result.ally_pct[1 << j, j], result.ally_pct[0, j]
        p = c.p_star_alone[j]
        if 0 < p < 1:
            interior += 1
            expected = (1 - p) * inside + p * c.betrayed_alone_pct[j]
            assert expected == pytest.approx(outside, abs=ROUNDING)
    if variant == "america_first":
        assert interior > 0  # the check above was not vacuous
    assert c.converged.all()


@pytest.mark.slow
def test_failures_are_reported_not_dropped(world, monkeypatch):
    """Broyden capped at 2 steps and Newton at 1: nothing converges, everything is listed."""
    import blocs.coalitions.settings as mod

    monkeypatch.setattr(mod, "BROYDEN_MAX_STEPS", 2)
    spec = CoalitionSpec(allies=ALLIES, america_first=False, punishment=None)
    bad = solve_coalitions(world, spec, max_steps=1)
    labels = [bad.label(m) for m in range(8)]
    assert bad.failures == labels
    assert np.isnan(bad.welfare_pct).all() and not bad.stable.any()
    assert np.isnan(bad.shapley).all()
    assert set(bad.solver) == {"newton-continuation"}  # the fallback was tried
    assert bad.summary()["failures"] == labels
    assert len(bad.to_frames()["coalitions"]) == 8


def test_break_even_cases():
    assert break_even(1.0, -1.0, 0.0) == pytest.approx(0.5)
    assert break_even(-0.1, -1.0, 0.0) == 0.0
    assert break_even(1.0, 0.5, 0.0) == 1.0
    assert math.isnan(break_even(float("nan"), 0.0, 0.0))


def test_smallest_coalitions_reaching_target(res):
    thr = 2.0 * res.leverage_pct[0]
    assert res.threshold == pytest.approx(thr)
    sizes = [bin(m).count("1") for m in range(8) if res.leverage_pct[m] >= thr]
    best = min(sizes)
    expect = {m for m in range(8) if res.leverage_pct[m] >= thr and bin(m).count("1") == best}
    assert set(res.reaching) == expect


def test_frames_and_write(tmp_path, res):
    frames = res.to_frames()
    assert frames["welfare"].shape == (8, 3 + 194)
    assert list(frames["allies"]["ally"]) == ["EU27", "JPN", "KOR"]
    assert {"shapley", "p_star_grand", "af_p_star_grand", "join_gain_alone"} <= set(
        frames["allies"].columns
    )
    assert len(frames["credibility"]) == 11
    paths = res.write(tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").exists()
    back = pd.read_parquet(tmp_path / "out" / "coalitions.parquet")
    np.testing.assert_allclose(back["leverage_pct"], res.leverage_pct)
    assert len(paths) == 2 * len(frames) + 1
    hidden = [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    assert hidden == [".blocs-complete.json"]  # no temp files; the marker written last


def test_errors_name_the_culprit(world):
    with pytest.raises(InputError, match="did you mean 'JPN'"):
        coalition_policies(world, "USA", "CHN", ["JPX"], 0.5, "mirror")
    with pytest.raises(InputError, match="target 'CHN' is in the ally list"):
        coalition_policies(world, "USA", "CHN", ["JPN", "CHN"], 0.5, "mirror")
    with pytest.raises(InputError, match="DEU is in both"):
        coalition_policies(world, "USA", "CHN", ["EU27", "DEU"], 0.5, "mirror")
    many = [c for c in world.iso3 if c not in ("USA", "CHN")][: MAX_ALLIES + 1]
    with pytest.raises(InputError, match="doubles the number"):
        coalition_policies(world, "USA", "CHN", many, 0.5, "mirror")
    with pytest.raises(InputError, match="max_response"):
        CoalitionSpec(allies=("JPN",), response="optimal", max_response=0.0)
    with pytest.raises(InputError, match="response"):
        CoalitionSpec(allies=("JPN",), response="tit-for-tat")
    with pytest.raises(InputError, match="leader is 'JPN'"):
        solve_coalitions(world, CoalitionSpec(leader="JPN", allies=("KOR",), america_first=True))


def test_multisector_policies_tariff_goods_only():
    from blocs.data.multisector import load_icio2022

    eco = load_icio2022()
    pol = coalition_policies(eco, "USA", "CHN", ["JPN", "EU27"], 0.5, "none")
    t = pol.tariffs(pol.players.mask_of(["EU27"]))
    base = np.asarray(eco.t)
    cn, us, de, jp = (eco.index(c) for c in ("CHN", "USA", "DEU", "JPN"))
    services = eco.sectors.index("Services (aggregate)")
    goods = [s for s in range(eco.s) if s != services]
    assert (t[cn, us, goods] == 0.5).all() and (t[cn, de, goods] == 0.5).all()
    assert t[cn, us, services] == base[cn, us, services]
    np.testing.assert_array_equal(t[cn, jp], base[cn, jp])  # not a member
    np.testing.assert_array_equal(t[us, cn], base[us, cn])  # no response


def test_allied_front_spec():
    spec = allied_front_spec()
    assert spec.leader == "USA" and spec.target == "CHN" and spec.tariff == 0.5
    assert set(spec.allies) == {"JPN", "KOR", "IND", "VNM", "EU27", "CAN", "MEX", "GBR", "AUS"}
    assert spec.response == "mirror" and spec.data == "world2023"
    assert spec.america_first and spec.punishment == "us_tariffs_2025"


# ----------------------------------------------------------------------------------------
# CLI (the command registered on a local app, as the main app will)

runner = CliRunner()


def _app():
    app = typer.Typer()
    app.command("coalition")(coalition)

    @app.command()
    def other() -> None:  # a second command keeps `coalition` a sub-command
        pass

    return app


def test_cli_summary_and_files(tmp_path, res):
    out = tmp_path / "out"
    result = runner.invoke(_app(), ["coalition", "--allies", "JPN,KOR,EU27", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Leverage" in result.output and "Stable coalitions" in result.output
    assert all(a in result.output for a in ("EU27", "JPN", "KOR"))
    assert f"{res.leverage_pct[0]:.2f}" in result.output
    assert (out / "allies.csv").exists() and (out / "summary.json").exists()


def test_cli_bad_input_exit_2():
    app = _app()
    result = runner.invoke(app, ["coalition", "--allies", "JPX,KOR"])
    assert result.exit_code == 2 and "did you mean 'JPN'" in result.output
    result = runner.invoke(app, ["coalition", "allied-frnt"])
    assert result.exit_code == 2 and "allied-front" in result.output
    result = runner.invoke(app, ["coalition", "--allies", "JPN", "--response", "tit-for-tat"])
    assert result.exit_code == 2 and "mirror" in result.output and "optimal" in result.output
