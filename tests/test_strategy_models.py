"""Strategic tariffs on the models of blocs (issue 7): optimal tariffs, Nash wars, talks.

Kinds of check (design.md §8): a published closed form (IMLS 2025, models.md §1) with the
gap explained; two methods that must agree (Newton on the stacked first-order conditions vs
Jacobi best responses; autodiff vs finite differences); properties (certificates, gains over
the threat point).
"""

from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import blocs
from blocs.cli.strategy import nash, optimal, talks
from blocs.economy import Economy
from blocs.models import imls
from blocs.models.caliendo_parro import MultiSectorEconomy, solve_multisector
from blocs.models.imls import IMLS, optimal_tariff_closed_form
from blocs.models.registry import get_model
from blocs.scenario import MultiSectorOptions, compile_policy, load_scenario
from blocs.strategy import (
    nash_for_scenario,
    nash_newton,
    nash_tariffs,
    optimal_for_scenario,
    optimal_retaliation,
    optimal_tariffs,
    tariff_game,
)
from blocs.strategy.foc_ift import ift_foc
from blocs.strategy.nash_newton import foc_gradient, foc_system

#: models.md §3: the largest unilateral gain a Nash equilibrium may leave (fraction of income).
CERTIFICATE_TOL = 1e-6
#: Newton on the FOCs and Jacobi best responses stop at different points of the same
#: equilibrium: best responses at |projected gradient| 1e-9 (DEFAULT_GTOL), Newton at FOC
#: 1e-9; with own curvatures of order 1e-2..1 the tariffs agree to ~1e-7.
METHODS_AGREE = 1e-6
#: Central finite differences with step h have error O(h^2 f''') ~ 1e-9 relative here
#: (h = 1e-5 on eps ~ 4) plus rounding ~1e-16 / h ~ 1e-11.
FD_RTOL = 1e-6
#: The closed form t* = 1 / ((1 + delta eps) phi - 1) evaluated on BASELINE shares is the
#: first-order condition of a simpler world: fixed labour (kappa = 0), balanced trade, and the
#: tariff's effect on third countries' wages ignored. In that world (kappa = 0, deficits
#: balanced) the numerical optimum is within this of it (measured 4.4e-4: the remaining gap is
#: baseline vs counterfactual shares and third-country wages).
CLOSED_FORM_SIMPLE_WORLD = 1e-3


def _closed_form_at(p: imls.Params, i: int) -> float:
    """The IMLS closed form on the calibrated arrays ``p`` (e.g. a balanced baseline)."""
    lam, E, nu, phi = (np.asarray(a) for a in (p.lam, p.E, p.nu, p.phi))
    X = lam * E[None, :] / (1.0 + np.asarray(p.t0))
    mask = np.ones(E.size)
    mask[i] = 0.0
    delta = np.sum(mask * X[i] * (1 - nu) * (1 - lam[i])) / ((1 - nu[i]) * (E[i] - X[i, i]))
    return float(1.0 / ((1.0 + delta * float(p.eps)) * phi[i] - 1.0))


#: A small world for fast tests of the user-data path: flows (exporter, importer, value)
#: with domestic flows, so GDP = total sales.
SMALL_CODES = ("USA", "CHN", "DEU", "JPN", "BRA")


@pytest.fixture(scope="module")
def small_scenario(tmp_path_factory):
    """A one-sector scenario on user data (5 countries), revenue rebated lump sum."""
    folder = tmp_path_factory.mktemp("small")
    rng = np.random.default_rng(3)
    rows = []
    for i, a in enumerate(SMALL_CODES):
        for k, b in enumerate(SMALL_CODES):
            value = rng.uniform(20.0, 60.0) if i == k else rng.uniform(1.0, 6.0)
            rows.append(f"{a},{b},{value:.6f}")
    (folder / "flows.csv").write_text("exporter,importer,value\n" + "\n".join(rows) + "\n")
    (folder / "small.toml").write_text(
        '[scenario]\nname = "small"\ndata = { flows = "flows.csv" }\nmodel = "imls"\n\n'
        '[model]\nrevenue = "lump_sum"\n'
    )
    return folder / "small.toml"


# ----------------------------------------------------------------------------------------
# 1. optimal tariffs vs the closed form


@pytest.mark.slow
def test_us_uniform_optimum_vs_closed_form(world):
    """The numerical US optimum is NOT the closed form's 0.218 (IMLS Table 1 case 3).

    Measured (benchmark model: kappa = 0.5, income-tax relief, deficits a fixed share of
    world income): numerical optimum 0.2512 vs closed form 0.2180, a gap of 0.033; US welfare
    +1.806 % at the optimum vs +1.79 % (the paper's case 3) at the closed form: welfare is
    flat near the optimum. Why: the closed form is the first-order condition with baseline
    shares, fixed labour, balanced trade and no effect on third countries' wages. Removing
    the model's departures one at a time (numerical optima): kappa = 0 gives 0.195 (elastic
    labour with income-tax relief raises the optimum: revenue cuts a distorting labour tax);
    kappa = 0 with a balanced baseline 0.1724 vs the closed form on that baseline 0.1728.
    The rest is third countries: with two countries the formula is exact (next test).
    """
    us = world.index("USA")
    model = IMLS()
    tg = tariff_game(get_model("imls"), world, model, ["USA"])
    res = optimal_tariffs(tg.game, np.array([0.2]), player=0)
    cf = optimal_tariff_closed_form(world, model, "USA")
    assert res.converged
    w_cf = tg.game.welfare_at(np.array([cf]))[0]
    # a true optimum: better than the closed form and than small moves either way
    assert res.objective > w_cf
    for dx in (-0.01, 0.01):
        assert res.objective > tg.game.welfare_at(res.x + dx)[0]
    # the paper's case-3 welfare at the closed form (validation A, +1.79 %)
    assert 100 * (w_cf - 1) == pytest.approx(1.79, abs=0.005 + 1e-3 * 1.79)
    gap = float(res.x[0]) - cf
    assert gap > 1e-2  # documented above: the closed form is not this model's optimum

    # in the closed form's own world the gap nearly closes
    simple = IMLS(labour_supply_elasticity=0.0, deficits="balanced")
    tg2 = tariff_game(get_model("imls"), world, simple, ["USA"])
    res2 = optimal_tariffs(tg2.game, np.array([0.2]), player=0)
    cf2 = _closed_form_at(tg2.game.args[0], us)
    assert res2.converged
    assert abs(float(res2.x[0]) - cf2) < CLOSED_FORM_SIMPLE_WORLD


def _two_regions(economy: Economy, code: str) -> Economy:
    """``code`` against the rest of the world as one region (flows summed, no tariffs)."""
    i = economy.index(code)
    A = np.zeros((2, economy.n))
    A[1, :] = 1.0
    A[:, i] = [1.0, 0.0]
    X2 = A @ np.asarray(economy.X) @ A.T
    E = np.asarray(economy.E)
    nu = np.asarray(economy.nu)
    nu2 = (A @ (nu * E)) / (A @ E)
    return Economy(
        X=jnp.asarray(X2),
        t=jnp.zeros((2, 2)),
        nu=jnp.asarray(nu2),
        gdp=jnp.asarray(X2.sum(axis=1)),
        iso3=(code, "ROW"),
        names=(code, "rest of the world"),
    )


#: In the closed form's own world (two countries, fixed labour, balanced trade) the formula
#: is the exact first-order condition at the optimum's equilibrium: measured gaps 2e-14
#: (IMLS profit shares and pass-through) and 2e-15 (Eaton-Kortum); the issue asks 1e-4.
CLOSED_FORM_EXACT = 1e-9


@pytest.mark.parametrize(
    "options",
    [
        {"labour_supply_elasticity": 0.0, "deficits": "balanced"},
        {
            "labour_supply_elasticity": 0.0,
            "deficits": "balanced",
            "profit_shares": "zero",
            "pass_through": "none",
        },
    ],
    ids=["imls", "eaton-kortum"],
)
def test_closed_form_is_the_optimum_of_a_two_country_world(world, options):
    """models.md §1's closed form == the numerical uniform optimum (issue #7: 1e-4).

    US vs the rest of world2023 as one region. The formula evaluated at the optimum's own
    equilibrium (``at="equilibrium"``, a fixed point) is the numerical optimum to 1e-9; on
    baseline shares (the paper's use) it is a first-order approximation, 1e-3 away here.
    """
    eco = _two_regions(world, "USA")
    model = IMLS(**options)
    # the US, and the rest of the world's optimal retaliation against it
    for player in ("USA", "ROW"):
        tg = tariff_game(get_model("imls"), eco, model, [player])
        res = optimal_tariffs(tg.game, np.array([0.2]), player=0, gtol=1e-13)
        assert res.converged
        t_num = float(res.x[0])
        t_cf = optimal_tariff_closed_form(eco, model, player, at="equilibrium")
        assert abs(t_num - t_cf) < CLOSED_FORM_EXACT
        assert abs(t_num - optimal_tariff_closed_form(eco, model, player)) > 1e-4
        # and it is a maximum: welfare falls either side
        for dx in (-0.01, 0.01):
            assert res.objective > tg.game.welfare_at(res.x + dx)[0]


# ----------------------------------------------------------------------------------------
# A small multi-sector world (fast): 4 countries x 3 sectors, no input-output links


def _small_multisector() -> MultiSectorEconomy:
    rng = np.random.default_rng(7)
    n, s = 4, 3
    X = rng.uniform(0.5, 2.0, (n, n, s))
    X[np.arange(n), np.arange(n), :] += rng.uniform(8.0, 15.0, (n, s))
    t = rng.uniform(0.0, 0.08, (n, n, s))
    E = np.sum((1 + t) * X * (1 - np.eye(n))[:, :, None], axis=0) + X[np.arange(n), np.arange(n), :]
    alpha = E / E.sum(axis=1, keepdims=True)
    return MultiSectorEconomy.from_arrays(
        X=X,
        t=t,
        theta=[4.0, 6.0, 8.0],
        alpha=alpha,
        iso3=["AAA", "BBB", "CCC", "DDD"],
        sectors=["s1", "s2", "s3"],
    )


def test_multisector_nash_newton_agrees_with_best_responses():
    eco = _small_multisector()
    tg = tariff_game(get_model("caliendo_parro"), eco, MultiSectorOptions(), list(eco.iso3))
    nr = nash_newton(tg.game, np.full(tg.m, 0.2))
    assert nr.converged
    assert np.max(nr.gains) < CERTIFICATE_TOL
    br = nash_tariffs(tg.game, nr.x)
    assert br.certificate < CERTIFICATE_TOL
    np.testing.assert_allclose(br.x, nr.x, atol=METHODS_AGREE)
    # quasi-Newton (the default, Broyden updates) and exact Jacobians: the same equilibrium
    ex = nash_newton(tg.game, np.full(tg.m, 0.2), jacobian="exact")
    assert ex.converged and ex.exact_jacobians == ex.iterations
    assert nr.exact_jacobians < nr.iterations
    np.testing.assert_allclose(ex.x, nr.x, atol=1e-8)
    with pytest.raises(blocs.InputError, match="broyden"):
        nash_newton(tg.game, np.full(tg.m, 0.2), jacobian="secant")  # type: ignore[arg-type]
    # by partner and sector: best responses, certificate from full best responses
    tg3 = tariff_game(
        get_model("caliendo_parro"),
        eco,
        MultiSectorOptions(),
        ["AAA", "BBB"],
        shape="by-partner-sector",
    )
    assert tg3.m == 2 * 3 * 3
    nt = nash_tariffs(tg3.game, np.full(tg3.m, 0.2))
    assert nt.converged and nt.certificate < CERTIFICATE_TOL


@pytest.mark.slow
def test_ift_conditions_equal_derivatives_through_the_solver():
    """First-order conditions and their Jacobian by the implicit function theorem with one
    LU (what nash_newton uses) against JAX's derivatives through the solver (foc_system:
    reverse passes through custom_root, a forward pass over them), on both model families,
    from a cold and a warm start; and against central finite differences of g."""
    eco = _small_multisector()
    cases = [tariff_game(get_model("caliendo_parro"), eco, MultiSectorOptions(), list(eco.iso3))]
    rng = np.random.default_rng(5)
    X = rng.uniform(1.0, 6.0, (4, 4)) + np.diag(rng.uniform(20.0, 60.0, 4))
    small = Economy(
        X=jnp.asarray(X),
        t=jnp.asarray(rng.uniform(0.0, 0.1, (4, 4)) * (1 - np.eye(4))),
        nu=jnp.full(4, 0.1),
        gdp=jnp.asarray(X.sum(axis=1)),
        iso3=("AAA", "BBB", "CCC", "DDD"),
        names=("a", "b", "c", "d"),
    )
    cases.append(tariff_game(get_model("imls"), small, IMLS(), list(small.iso3)))
    for tg in cases:
        own = jnp.asarray([int(i[0]) for i in tg.game.players])
        x = jnp.linspace(0.1, 0.3, tg.m)
        ref = foc_system(tg.game.welfare, x, own, tg.game.args)
        (u, g, H), warm = ift_foc(tg.game.parts, x, own, tg.game.args, hessian=True)
        for a, b in zip((u, g, H), ref, strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-12)
        # a warm start from a nearby equilibrium: the same numbers
        x2 = x + 0.01
        (u2, g2), _ = ift_foc(tg.game.parts, x2, own, tg.game.args, hessian=False, start=warm)
        ref2 = foc_gradient(tg.game.welfare, x2, own, tg.game.args)
        np.testing.assert_allclose(np.asarray(g2), np.asarray(ref2[1]), rtol=0, atol=1e-12)
        np.testing.assert_allclose(np.asarray(u2), np.asarray(ref2[0]), rtol=0, atol=1e-12)
        # column q of H: central differences of g in player q's instrument
        h = 1e-5
        q = int(own[0])
        gp = ift_foc(tg.game.parts, x.at[q].add(h), own, tg.game.args, hessian=False)[0][1]
        gm = ift_foc(tg.game.parts, x.at[q].add(-h), own, tg.game.args, hessian=False)[0][1]
        fd = (np.asarray(gp) - np.asarray(gm)) / (2 * h)
        np.testing.assert_allclose(np.asarray(H)[:, 0], fd, rtol=FD_RTOL, atol=1e-9)


def test_group_objective_and_errors(world):
    tg = tariff_game(get_model("imls"), world, IMLS(), ["EU27", "USA"], shape="by-partner")
    eu = tg.members[0]
    assert len(eu) == 27 and tg.weights[0].sum() == pytest.approx(1.0)
    E = np.asarray(world.E)
    idx = [world.index(c) for c in eu]
    np.testing.assert_allclose(tg.weights[0][idx], E[idx] / E[idx].sum())
    assert tg.m == (world.n - 27) + (world.n - 1)
    with pytest.raises(blocs.InputError, match="by-partner-sector"):
        tariff_game(get_model("imls"), world, IMLS(), ["USA"], shape="by-partner-sector")
    with pytest.raises(blocs.InputError, match="two players"):
        tariff_game(get_model("imls"), world, IMLS(), ["EU27", "DEU"])
    with pytest.raises(blocs.ScenarioError, match="did you mean 'CHN'"):
        tariff_game(get_model("imls"), world, IMLS(), ["CHA"])


# ----------------------------------------------------------------------------------------
# 2. Nash war among a few players of world2023


@pytest.mark.slow
def test_nash_subset_world2023_certificate():
    r = nash_for_scenario("global-tariff-war", ["USA", "CHN", "EU27"], verify=3)
    assert r.converged and r.method == "newton"
    assert set(r.verified) == {"USA", "CHN", "EU27"}
    assert r.certificate < CERTIFICATE_TOL
    assert np.all(r.rates > 0.05) and np.all(r.rates < 0.5)
    frame = r.to_frame()
    assert list(frame["player"]) == ["USA", "CHN", "EU27"]
    assert frame.loc[2, "members"] == 27
    # the war moves every player's welfare away from the start
    assert np.all(np.abs(r.welfare_pct - r.welfare_start_pct) > 1e-3)


# ----------------------------------------------------------------------------------------
# 4. numerical optimal retaliation vs the closed form


@pytest.mark.slow
def test_optimal_retaliation_vs_closed_form(world):
    """Every other country (one player) best-responds to the April-2025 US tariffs.

    The built-in scenario uses the closed form on the two-region aggregate (rest of world vs
    US, baseline shares, income-weighted nu and phi): 0.18269. The numerical best response of
    the same player (193 countries, income-weighted welfare, one rate on US goods, US tariffs
    in place) in the full model: 0.18195, a gap of 7.4e-4. The closeness is partly offsetting
    departures, not an identity: with fixed labour (kappa = 0) the numerical optimum is 0.138,
    with kappa = 0 and a balanced baseline 0.213, while the closed form stays at 0.183 (it
    depends on neither). Hence the check: the numerical rate beats the closed form for the
    player, and the two agree to RETALIATION_GAP in the benchmark model.
    """
    sc = load_scenario("liberation-day-optimal-retaliation")
    policy = compile_policy(sc, world)
    us = world.index("USA")
    others = [k for k in range(world.n) if k != us]
    model = get_model("imls")
    by = np.ones(world.n, dtype=bool)
    by[us] = False
    params = model.calibrate(world, sc.options)
    cf = float(model.closed_form_retaliation(params, by))
    # the built-in applies the paper's code's convention (GDP in delta's denominator, 22.74 %)
    paper = float(model.closed_form_retaliation(params, by, convention="gdp"))
    assert float(np.asarray(policy.t)[others[0], us]) != paper  # the policy's US tariff
    np.testing.assert_allclose(np.asarray(policy.t)[us, others], paper)
    t = optimal_retaliation(get_model("imls"), world, sc.options, policy, others, [us])
    rate = np.asarray(t)[us, others]
    assert np.ptp(rate) == 0.0  # one uniform rate
    # everything else untouched
    mask = np.ones_like(t, dtype=bool)
    mask[us, others] = False
    np.testing.assert_array_equal(np.asarray(t)[mask], np.asarray(policy.t)[mask])
    assert abs(float(rate[0]) - cf) < RETALIATION_GAP
    # the numerical rate is the better response for the player
    tg = tariff_game(
        get_model("imls"),
        world,
        sc.options,
        [[world.iso3[k] for k in others]],
        base_tariffs=policy.t,
        partners={"+".join(world.iso3[k] for k in others): ["USA"]},
    )
    w = tg.game.welfare_at(np.array([rate[0]]))[0], tg.game.welfare_at(np.array([cf]))[0]
    assert w[0] >= w[1]


def test_optimal_retaliation_multisector():
    """On multi-sector data: one rate on the goods of ``against`` in the given sectors."""
    eco = _small_multisector()
    policy = blocs.Policy(t=jnp.asarray(eco.t), d_hat=jnp.ones((eco.n, eco.n, eco.s)))
    t = optimal_retaliation(
        get_model("caliendo_parro"),
        eco,
        MultiSectorOptions(),
        policy,
        ["AAA", "BBB"],
        ["CCC"],
        sectors=[0, 2],
    )
    rates = np.asarray(t)[2, :2][:, [0, 2]]
    assert np.ptp(rates) == 0.0 and 0.0 < rates[0, 0] < 2.0
    changed = np.zeros(t.shape, dtype=bool)
    changed[2, :2, 0] = changed[2, :2, 2] = True
    np.testing.assert_array_equal(np.asarray(t)[~changed], np.asarray(eco.t)[~changed])
    # a best response: a small move either way does not help the pair
    income = np.asarray(eco.income)[:2]

    def pair_welfare(dt):
        tt = np.asarray(t).copy()
        tt[changed] += dt
        w = np.asarray(solve_multisector(eco, tt).welfare_pct)[:2]
        return float(income @ w / income.sum())

    best = pair_welfare(0.0)
    assert best > pair_welfare(0.01) and best > pair_welfare(-0.01)


#: |numerical - closed form| allowed for the rest of the world's optimal retaliation against
#: the US in the benchmark model (measured 7.4e-4; see the test's docstring for why they
#: differ at all).
RETALIATION_GAP = 1e-3


# ----------------------------------------------------------------------------------------
# 5. gradients w.r.t. elasticities through the solved equilibrium


def test_grad_wrt_eps_one_sector(small_scenario):
    eco = blocs.load_economy(small_scenario.parent / "flows.csv")
    p0 = imls.calibrate(eco, IMLS())
    t = 0.2 * (1.0 - np.eye(eco.n))  # a 20 % tariff war
    policy = imls.Policy(t=jnp.asarray(t), d_hat=jnp.ones((eco.n, eco.n)))
    us = eco.index("USA")

    @jax.jit  # one program for the three evaluations (eager: many small ones, 2.7x the CPU)
    def w_us(eps):
        return imls.solve_params(p0._replace(eps=eps), policy).welfare_hat[us]

    eps = jnp.asarray(4.0)
    g = float(jax.jit(jax.grad(w_us))(eps))
    h = 1e-5
    fd = (float(w_us(eps + h)) - float(w_us(eps - h))) / (2 * h)
    assert g == pytest.approx(fd, rel=FD_RTOL)
    assert abs(g) > 1e-6


def test_grad_wrt_theta_multisector():
    eco = _small_multisector()
    t_new = np.asarray(eco.t) + 0.2 * (1 - np.eye(eco.n))[:, :, None]

    @jax.jit  # one program for the 2 s + 1 evaluations
    def w0(theta):
        e = eco.__class__(**{**eco.__dict__, "theta": theta})
        return solve_multisector(e, t_new, throw=False).welfare_pct[0]

    theta = jnp.asarray(eco.theta)
    g = np.asarray(jax.jit(jax.grad(w0))(theta))
    h = 1e-5
    fd = np.array(
        [
            (float(w0(theta.at[k].add(h))) - float(w0(theta.at[k].add(-h)))) / (2 * h)
            for k in range(eco.s)
        ]
    )
    np.testing.assert_allclose(g, fd, rtol=FD_RTOL, atol=1e-9)
    assert np.max(np.abs(g)) > 1e-4


# ----------------------------------------------------------------------------------------
# 3. trade talks and the commands (CliRunner on our own app)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("optimal")(optimal)
    app.command("nash")(nash)
    app.command("talks")(talks)
    return app


def test_talks_gains_over_war_cli(small_scenario, tmp_path):
    res = CliRunner().invoke(
        _app(), ["talks", str(small_scenario), "--players", "USA,CHN", "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    import pandas as pd

    table = pd.read_csv(tmp_path / "talks.csv")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["converged"] and summary["war_certificate"] < CERTIFICATE_TOL
    nb = table[table.outcome == "bargaining"]
    assert (nb["gain_vs_war_pp"] >= -1e-9).all()
    war = table[table.outcome == "war"]
    assert (war["tariff"] > 0.05).all()
    eff = table[table.outcome == "efficient"]
    # joint income-weighted welfare is highest at the efficient point
    w = np.array(summary["efficient_weights"])
    for label in ("war", "bargaining", "status quo"):
        other = table[table.outcome == label]
        assert w @ eff["welfare_pct"].to_numpy() >= w @ other["welfare_pct"].to_numpy() - 1e-8


def test_cli_errors_and_optimal_multisector(tmp_path):
    runner = CliRunner()
    res = runner.invoke(_app(), ["optimal", "global-tariff-war", "--player", "CHA"])
    assert res.exit_code == 2 and "CHN" in res.output
    res = runner.invoke(
        _app(), ["optimal", "global-tariff-war", "--player", "USA", "--shape", "by-partner-sector"]
    )
    assert res.exit_code == 2 and "multi-sector" in res.output
    res = runner.invoke(_app(), ["talks", "global-tariff-war", "--players", "USA"])
    assert res.exit_code == 2 and "two players" in res.output


def test_optimal_and_nash_cli_user_data(small_scenario, tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        _app(),
        [
            "optimal",
            str(small_scenario),
            "--player",
            "USA",
            "--shape",
            "by-partner",
            "--out",
            str(tmp_path / "opt"),
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "opt" / "summary.json").read_text())
    assert summary["converged"] and summary["welfare_pct"] > summary["welfare_start_pct"]
    r = optimal_for_scenario(small_scenario, "USA", shape="by-partner")
    assert r.rate == pytest.approx(summary["rate"], abs=1e-8)
    assert len(r.to_frame()) == len(SMALL_CODES) - 1
    assert r.closed_form is None  # by partner: no closed form
    res = runner.invoke(_app(), ["optimal", str(small_scenario), "--player", "USA"])
    assert res.exit_code == 0, res.output
    assert "closed form of IMLS (2025)" in res.output
    res = runner.invoke(
        _app(), ["nash", str(small_scenario), "--verify", "5", "--out", str(tmp_path / "nash")]
    )
    assert res.exit_code == 0, res.output
    nash_summary = json.loads((tmp_path / "nash" / "summary.json").read_text())
    assert nash_summary["certificate"] < CERTIFICATE_TOL
    assert len(nash_summary["verified_players"]) == len(SMALL_CODES)


def test_by_partner_optimum_weakly_dominates_uniform():
    """A uniform tariff is one point of the by-partner instrument set, so the by-partner
    optimum gives the player at least the uniform optimum's welfare."""
    from blocs.strategy import optimal_for_scenario

    uniform = optimal_for_scenario("global-tariff-war", "USA", shape="uniform")
    by_partner = optimal_for_scenario("global-tariff-war", "USA", shape="by-partner")
    assert uniform.converged and by_partner.converged
    assert by_partner.welfare_pct >= uniform.welfare_pct - 1e-9
    assert uniform.welfare_pct > uniform.welfare_start_pct
