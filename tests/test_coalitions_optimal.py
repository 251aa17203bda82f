"""The target's optimal response, and America First / credibility on icio2022 (models.md §4).

The batched best responses of :func:`blocs.coalitions.solve_coalitions` (a safeguarded
Newton method on dW/dr = 0, vmapped lanes, implicit derivatives) are checked against
:func:`blocs.strategy.optimal_retaliation`, which finds the same best response one
coalition at a time with a general optimiser (L-BFGS-B on JAX gradients).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import blocs
from blocs.cli.coalition import coalition
from blocs.coalitions import (
    RESPONSE_FOC_TOL,
    RESPONSE_RATE_TOL,
    CoalitionSpec,
    america_first_baseline,
    coalition_policies,
    goods_sectors,
    solve_coalitions,
)
from blocs.models.caliendo_parro import solve_multisector
from blocs.models.imls import IMLS
from blocs.models.registry import get_model
from blocs.scenario import MultiSectorOptions, us_tariffs_2025
from blocs.solvers import ScalarSearch, maximize_step
from blocs.strategy import optimal_retaliation

#: |batched rate - optimal_retaliation's rate|: both stop far below it (measured 4e-11 on
#: world2023, 4e-12 on icio2022).
RATE_AGREEMENT = 1e-6
#: The target's welfare (pp) at the two rates: flat at the optimum (measured 2e-12).
WELFARE_PP = 1e-8
#: optimal_retaliation's projected-gradient tolerance: tighter than its default (1e-9) so
#: the reference rate itself is good to ~1e-10.
REFERENCE_GTOL = 1e-12
#: A direct solve of a policy vs the batch (both converged to 1e-12): ~1e-9 pp.
DIRECT_SOLVE_PP = 1e-8
#: Rate offset of the "no better rate nearby" check.
NEARBY = 1e-3

ALLIES = ("KOR", "JPN")  # not in canonical order


@pytest.fixture(scope="module")
def opt(world):
    """Optimal response with the defaults: America First and credibility on."""
    return solve_coalitions(world, CoalitionSpec(allies=ALLIES, response="optimal", name="opt"))


@pytest.fixture(scope="module")
def icio():
    from blocs.data.multisector import load_icio2022

    return load_icio2022()


def _reference(economy, options, pol, mask: int, kind: str) -> np.ndarray:
    """optimal_retaliation's tariffs: the target best-responds to coalition ``mask``."""
    policy = blocs.Policy(
        t=jnp.asarray(pol.tariffs(mask)), d_hat=jnp.ones(np.shape(pol.baseline_t))
    )
    return np.asarray(
        optimal_retaliation(
            get_model(kind),
            economy,
            options,
            policy,
            list(pol.players.target_idx),
            pol.players.countries(mask),
            gtol=REFERENCE_GTOL,
        )
    )


def _player_welfare(world, row, codes):
    idx = world.indices(list(codes))
    w = np.asarray(world.E)[idx]
    return float(row[idx] @ w / w.sum())


@pytest.mark.slow
@pytest.mark.parametrize("members", [(), ("JPN", "KOR")], ids=["leader-alone", "two-allies"])
def test_optimal_response_matches_strategy_games(world, opt, members):
    pol = coalition_policies(world, "USA", "CHN", ALLIES, 0.5, "optimal")
    m = pol.players.mask_of(members)
    t = _reference(world, IMLS(), pol, m, "imls")
    cn = world.index("CHN")
    rate = t[pol.players.countries(m), cn]
    assert np.ptp(rate) == 0.0
    assert opt.response_rate[m] == pytest.approx(rate[0], abs=RATE_AGREEMENT)
    np.testing.assert_array_equal(pol.tariffs(m, float(rate[0])), t)  # the same instrument
    sol = blocs.solve(world, t)
    target = 100.0 * (float(sol.welfare_hat[cn]) - 1.0)
    assert opt.target_pct[m] == pytest.approx(target, abs=WELFARE_PP)
    assert opt.converged[m] and 0.0 < opt.response_rate[m] < 2.0  # an interior optimum


def test_optimal_outputs(opt):
    assert opt.converged.all() and not opt.failures
    assert np.isfinite(opt.response_rate).all() and (opt.iterations >= 1).all()
    assert set(opt.solver) <= {"best-response-newton", "best-response-newton+newton-continuation"}
    frame = opt.to_frames()["coalitions"]
    np.testing.assert_array_equal(frame["response_rate"], opt.response_rate)
    summary = opt.summary()
    assert summary["response_rate_grand"] == pytest.approx(opt.response_rate[-1])
    assert list(summary["response_rates"]) == [opt.label(m) for m in opt.masks]
    assert summary["america_first"]["response_rates"]


def test_america_first_target_best_responds(world, opt):
    """Each America-First rate is the target's best response to its own status quo."""
    af = opt.america_first
    assert af.converged.all() and np.isfinite(af.response_rate).all()
    base = america_first_baseline(world, af.players, us_tariffs_2025(world))
    pol = coalition_policies(
        world, "USA", "CHN", ALLIES, 0.5, "optimal", baseline_t=base, member_relief=True
    )
    g, cn = af.grand, world.index("CHN")
    r = float(af.response_rate[g])
    best, lower, higher = (
        100.0 * (float(blocs.solve(world, pol.tariffs(g, x)).welfare_hat[cn]) - 1.0)
        for x in (r, r - NEARBY, r + NEARBY)
    )
    assert best == pytest.approx(af.target_pct[g], abs=DIRECT_SOLVE_PP)
    assert best > lower and best > higher


@pytest.mark.parametrize("variant", ["plain", "america_first"])
def test_betrayal_keeps_the_chosen_rate(world, opt, variant):
    """p*: the betrayed grand coalition keeps the rate the target chose against it."""
    res = opt if variant == "plain" else opt.america_first
    base = None
    if variant == "america_first":
        base = america_first_baseline(world, res.players, us_tariffs_2025(world))
    pol = coalition_policies(
        world,
        "USA",
        "CHN",
        ALLIES,
        0.5,
        "optimal",
        baseline_t=base,
        member_relief=variant == "america_first",
    )
    g, j = res.grand, 0
    t = pol.betrayed(g, j, us_tariffs_2025(world), float(res.response_rate[g]))
    assert t[world.index("JPN"), world.index("CHN")] == res.response_rate[g]
    row = 100.0 * (np.asarray(blocs.solve(world, t).welfare_hat) - 1.0)
    ally = res.players.allies[j]
    assert res.credibility.betrayed_grand_pct[j] == pytest.approx(
        _player_welfare(world, row, [ally]), abs=DIRECT_SOLVE_PP
    )
    assert res.credibility.converged.all()


def test_failed_searches_are_reported_not_dropped(world, monkeypatch):
    """One best-response step allowed: no search converges; every coalition is listed and
    the betrayal equilibria that need a chosen rate are skipped, not guessed."""
    import blocs.coalitions.settings as mod

    monkeypatch.setattr(mod, "RESPONSE_MAX_ITERATIONS", 1)
    spec = CoalitionSpec(allies=ALLIES, response="optimal", america_first=False)
    bad = solve_coalitions(world, spec)
    labels = [bad.label(m) for m in range(4)]
    assert bad.failures == labels and bad.summary()["failures"] == labels
    assert np.isnan(bad.welfare_pct).all() and np.isnan(bad.response_rate).all()
    assert set(bad.solver) == {"best-response-newton: no convergence"}
    assert len(bad.to_frames()["coalitions"]) == 4
    assert not bad.credibility.converged.any() and np.isnan(bad.credibility.p_star_grand).all()


@pytest.mark.slow
@pytest.mark.parametrize(
    "setting", [("BROYDEN_MAX_STEPS", 0), ("LINEAR_TOL", -1.0)], ids=["newton", "inverse"]
)
def test_repaired_steps_find_the_same_optimum(world, opt, monkeypatch, setting):
    """Broyden never converges (every step repeated after Newton with continuation), or no
    linear solve is trusted (every step repeated with the exact inverse): same optimum."""
    import blocs.coalitions.settings as mod

    monkeypatch.setattr(mod, *setting)
    spec = CoalitionSpec(allies=ALLIES, response="optimal", america_first=False, punishment=None)
    again = solve_coalitions(world, spec)
    assert again.converged.all()
    np.testing.assert_allclose(again.response_rate, opt.response_rate, atol=1e-9, rtol=0)
    np.testing.assert_allclose(again.welfare_pct, opt.welfare_pct, atol=DIRECT_SOLVE_PP, rtol=0)
    if setting[0] == "BROYDEN_MAX_STEPS":
        assert set(again.solver) == {"best-response-newton+newton-continuation"}


def _next_rate(st, g, h, upper):
    """The coalition search's step (:func:`blocs.solvers.maximize_step` with its
    tolerances): ``(done, state)``."""
    st, out = maximize_step(st, g, h, x_tol=RESPONSE_RATE_TOL, g_tol=RESPONSE_FOC_TOL, max_steps=40)
    return out is not None, st


def _Search(row, rate, lo, hi):
    return ScalarSearch.start(rate, lo, hi)


def test_next_rate_steps():
    upper = 2.0
    st = _Search(row=0, rate=0.3, lo=0.0, hi=upper)
    done, st = _next_rate(st, g=0.01, h=-0.1, upper=upper)  # Newton step inside the bracket
    assert not done and st.x == pytest.approx(0.4) and st.lo == 0.3 and st.lo_seen
    done, st = _next_rate(st, g=-0.01, h=0.1, upper=upper)  # not concave: bisect
    assert not done and st.x == pytest.approx(0.35) and st.hi == pytest.approx(0.4)
    done, same = _next_rate(st, g=1e-3 * RESPONSE_RATE_TOL, h=-1.0, upper=upper)
    assert done and same.x == st.x  # the Newton step is below the tolerance
    corner = _Search(row=0, rate=1.5, lo=0.0, hi=upper)
    done, corner = _next_rate(corner, g=1.0, h=-0.1, upper=upper)  # past 2: try the bound
    assert not done and corner.x == upper
    assert _next_rate(corner, g=0.5, h=-0.1, upper=upper)[0]  # W'(upper) >= 0: corner
    zero = _Search(row=0, rate=0.2, lo=0.0, hi=upper)
    done, zero = _next_rate(zero, g=-1.0, h=-1.0, upper=upper)
    assert not done and zero.x == 0.0
    assert _next_rate(zero, g=-0.5, h=-1.0, upper=upper)[0]  # W'(0) <= 0: corner


# ----------------------------------------------------------------------------------------
# icio2022


@pytest.mark.slow
def test_optimal_response_on_icio2022(icio):
    spec = CoalitionSpec(
        allies=ALLIES,
        response="optimal",
        data="icio2022",
        america_first=False,
        punishment=None,
    )
    res = solve_coalitions(icio, spec)
    assert res.converged.all()
    pol = coalition_policies(icio, "USA", "CHN", ALLIES, 0.5, "optimal")
    g, cn = res.grand, icio.index("CHN")
    t = _reference(icio, MultiSectorOptions(), pol, g, "caliendo_parro")
    goods = goods_sectors(icio)
    block = t[np.ix_(pol.players.countries(g), [cn], np.flatnonzero(goods))]
    assert np.ptp(block) == 0.0
    assert res.response_rate[g] == pytest.approx(block.flat[0], abs=RATE_AGREEMENT)
    np.testing.assert_array_equal(pol.tariffs(g, float(block.flat[0])), t)  # services untouched
    target = float(solve_multisector(icio, t).welfare_pct[cn])
    assert res.target_pct[g] == pytest.approx(target, abs=WELFARE_PP)


@pytest.fixture(scope="module")
def icio_af(icio):
    """Mirror response with the defaults: on icio2022 America First and p* are on too."""
    return solve_coalitions(icio, CoalitionSpec(allies=ALLIES, data="icio2022"))


def test_america_first_on_icio2022(icio, icio_af):
    res = icio_af
    assert res.spec.america_first and res.spec.punishment == "us_tariffs_2025"
    af = res.america_first
    assert af is not None and af.converged.all() and res.converged.all()
    assert res.credibility.converged.all() and af.credibility.converged.all()
    assert np.isfinite(af.credibility.p_star_grand).all()
    rates = us_tariffs_2025(icio)
    pol = coalition_policies(
        icio,
        "USA",
        "CHN",
        ALLIES,
        0.5,
        "mirror",
        baseline_t=america_first_baseline(icio, af.players, rates),
        member_relief=True,
    )
    t = pol.tariffs(pol.players.mask_of(["JPN"]))
    data = np.asarray(icio.t)
    us, jp, kr, tw = (icio.index(c) for c in ("USA", "JPN", "KOR", "TWN"))
    goods = goods_sectors(icio)
    services = ~goods
    # a member's goods enter the US at the status-quo (2022 applied) rates again
    np.testing.assert_array_equal(t[jp, us], data[jp, us])
    # non-members keep the 2025 rates on goods (TWN 32 %); services stay at the data's
    assert (t[kr, us, goods] == rates[kr]).all() and rates[kr] > 0.1
    assert (t[tw, us, goods] == 0.32).all()
    np.testing.assert_array_equal(t[kr, us, services], data[kr, us, services])
    # the leader-alone America-First row is that world solved directly
    eq = solve_multisector(icio, pol.tariffs(0))
    np.testing.assert_allclose(af.welfare_pct[0], eq.welfare_pct, atol=DIRECT_SOLVE_PP)
    # relief pays: joining the leader is worth more to JPN under America First
    j = af.players.allies.index("JPN")
    assert af.join_gain[0, j] > res.join_gain[0, j]


# ----------------------------------------------------------------------------------------
# CLI

runner = CliRunner()


def _app():
    app = typer.Typer()
    app.command("coalition")(coalition)

    @app.command()
    def other() -> None:
        pass

    return app


def test_cli_optimal_prints_the_targets_rate(opt):
    args = ["coalition", "--allies", "JPN,KOR", "--response", "optimal"]
    result = runner.invoke(_app(), [*args, "--no-america-first", "--punishment", "none"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # rich wraps lines at the terminal width
    assert "response optimal" in text and "CHN's best response" in text
    assert f"{100 * opt.response_rate[0]:.1f} % on USA alone" in text
    assert f"{100 * opt.response_rate[-1]:.1f} % on the grand coalition" in text


def test_cli_icio2022(icio_af):
    result = runner.invoke(_app(), ["coalition", "--allies", "JPN,KOR", "--data", "icio2022"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "(icio2022)" in text and "America First" in text and "p* grand" in text
    assert f"{icio_af.leverage_pct[0]:.2f}" in text
