"""The ``blocs optimal`` / ``nash`` / ``talks`` analyses of a scenario, one call each.

Each loads the scenario (a built-in name, a TOML path or a :class:`~blocs.scenario.Scenario`),
its model from the registry and its baseline (or takes the ``economy`` given), compiles its
policy (the starting point; it fixes the tariffs nobody plays with), builds the
:func:`~blocs.strategy.game.tariff_game` and runs the generic routines on it.

Example:
    >>> r = optimal_for_scenario("liberation-day-optimal", "USA")       # doctest: +SKIP
    >>> round(r.rate, 3)                                                 # doctest: +SKIP
    0.218
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from blocs.errors import ConvergenceError, InputError, ScenarioError
from blocs.models.base import Model, Policy
from blocs.models.registry import get_model
from blocs.scenario import Scenario, compile_policy, economy_for, load_scenario
from blocs.strategy.cooperative import (
    DEFAULT_COOPERATIVE_GTOL,
    cooperative_tariffs,
    nash_bargaining,
)
from blocs.strategy.game import (
    DEFAULT_MAX_TARIFF,
    INSTRUMENTS,
    TariffGame,
    player_members,
    tariff_game,
)
from blocs.strategy.nash import DEFAULT_CERTIFICATE_TOL, nash_tariffs
from blocs.strategy.nash_formula import formula_nash
from blocs.strategy.nash_newton import nash_newton
from blocs.strategy.optimal import DEFAULT_GTOL, optimal_tariffs
from blocs.strategy.results import NashResult, OptimalResult, TalksResult, pct

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NASH_METHODS", "nash_for_scenario", "optimal_for_scenario", "talks_for_scenario"]


def _load(scenario: Any, economy: Any) -> tuple[Scenario, Model, Any, Policy]:
    """(scenario, model, economy, policy) for a name, a path or a Scenario.

    The economy is ``economy`` if given, else the scenario's data
    (:func:`blocs.scenario.economy_for`).
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    model = get_model(sc.kind)
    economy = economy_for(sc) if economy is None else economy
    model.check_economy(economy, where=f"{sc.path}, data")
    return sc, model, economy, compile_policy(sc, economy)


#: Nash methods: exact first-order conditions (auto, newton, best-response) or the formula.
NASH_METHODS = ("auto", "newton", "best-response", "formula")


def _instruments(sc: Scenario, instruments: str | None) -> str:
    """The sectors the instruments cover: as given, else the scenario's ``[game]`` table's
    ``instruments``, else ``"goods"``."""
    table = sc.game or {}
    unknown = sorted(set(table) - {"instruments"})
    if unknown:
        raise ScenarioError(
            f"{sc.path}, game.{unknown[0]}: unknown key; the [game] table takes "
            "instruments (goods or all_sectors)"
        )
    if instruments is not None:
        return instruments  # checked by tariff_game
    value = table.get("instruments", "goods")
    if value not in INSTRUMENTS:
        raise ScenarioError(
            f"{sc.path}, game.instruments: {value!r} is not one of {', '.join(INSTRUMENTS)}"
        )
    return str(value)


def _countries_frame(tg: TariffGame, w_start: Any, w_end: Any) -> pd.DataFrame:
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    return pd.DataFrame(
        {"iso3": tg.iso3, "welfare_start_pct": pct(w_start), "welfare_pct": pct(w_end)}
    )


def _check_solved(tg: TariffGame, x: Any, what: str) -> np.ndarray:
    w, ok = tg.country_welfare(x)
    if not bool(ok):
        raise ConvergenceError(
            f"the equilibrium at {what} did not converge. Try revenue = 'lump_sum' in the "
            "scenario's [model] (income-tax relief is undefined when tariff revenue exceeds "
            "labour income), a smaller max_tariff, or a smaller starting shock."
        )
    return np.asarray(w)


def _scenario_welfare(model: Any, economy: Any, options: Any, policy: Any) -> np.ndarray:
    """Real income (hats) at the scenario's own tariffs, as ``blocs run`` reports it."""
    eq = model.solve_economy(economy, policy, options)
    return np.asarray(model.welfare_hat(eq))


def _split_players(players: str | Sequence[str] | None, economy: Any) -> list[str]:
    if players is None:
        return list(economy.iso3)
    if isinstance(players, str):
        players = [p for p in (s.strip() for s in players.split(",")) if p]
    if not players:
        raise InputError("give at least one player (e.g. USA,CHN,EU27)")
    return list(players)


def _start(tg: TariffGame, hi: float) -> np.ndarray:
    return np.clip(tg.from_tariffs(tg.base_tariffs), 0.0, hi)


def optimal_for_scenario(
    scenario: Any,
    player: str | Sequence[str],
    *,
    shape: str = "uniform",
    max_tariff: float = DEFAULT_MAX_TARIFF,
    weights: Mapping[str, float] | None = None,
    start: float | None = None,
    gtol: float = DEFAULT_GTOL,
    progress: Callable[[str], None] | None = None,
    economy: Any = None,
    instruments: str | None = None,
) -> OptimalResult:
    """``player``'s optimal tariffs against the scenario's policy (``blocs optimal``).

    Args:
        scenario: built-in name, TOML path or :class:`~blocs.scenario.Scenario`; its policy
            is the starting point and fixes everyone else's tariffs.
        player: a country code or group name (or a list of codes) acting as one player.
        shape: ``uniform``, ``by-partner`` or ``by-partner-sector`` (multi-sector only).
        max_tariff: upper bound of every instrument.
        weights: group member weights (default: baseline income).
        start: starting rate of every instrument (default: the scenario's tariffs; a
            by-partner optimum starts from the uniform optimum).
        gtol: projected-gradient tolerance.
        progress: called with a short status line.
        economy: the scenario's baseline, if already loaded (default: loaded from the
            scenario's data).
        instruments: sectors the tariffs cover on multi-sector data, ``"goods"`` or
            ``"all_sectors"`` (default: the scenario's ``[game]`` table, else goods).

    Example:
        >>> r = optimal_for_scenario("liberation-day", "USA")          # doctest: +SKIP
        >>> r.to_frame().tariff.round(3).tolist()                      # doctest: +SKIP
        [0.251]
    """
    t0 = time.perf_counter()
    sc, model, economy, policy = _load(scenario, economy)
    kw: dict[str, Any] = dict(
        base_tariffs=policy.t,
        d_hat=policy.d_hat,
        max_tariff=max_tariff,
        weights=weights,
        groups=sc.groups,
        instruments=_instruments(sc, instruments),
    )
    if isinstance(player, str) and "," in player:
        player = [c.strip() for c in player.split(",") if c.strip()]
    pl = [player] if isinstance(player, str) else [list(player)]
    tg = tariff_game(model, economy, sc.options, pl, shape=shape, **kw)
    x0 = _start(tg, max_tariff) if start is None else np.full(tg.m, float(start))
    if start is None and shape != "uniform":
        if progress:
            progress("uniform optimum (start of the detailed one) ...")
        ug = tariff_game(model, economy, sc.options, pl, shape="uniform", **kw)
        u = optimal_tariffs(ug.game, _start(ug, max_tariff), player=0, gtol=gtol)
        x0 = np.clip(tg.from_tariffs(ug.to_tariffs(u.x)), 0.0, max_tariff)
    if progress:
        progress(f"optimising {tg.m} tariff(s) of {tg.players[0]} ...")
    x_start = tg.from_tariffs(tg.base_tariffs)
    w_start = _scenario_welfare(model, economy, sc.options, policy)
    res = optimal_tariffs(tg.game, x0, player=0, gtol=gtol)
    w_end = _check_solved(tg, res.x, "the optimum")
    inst = tg.instruments.copy()
    inst["start"] = x_start
    inst["tariff"] = res.x
    weights_row = tg.weights[0]
    closed = None
    if shape == "uniform" and len(tg.members[0]) == 1:
        closed = model.closed_form_optimal_tariff(economy, sc.options, tg.members[0][0])
    out = OptimalResult(
        scenario=sc.name,
        kind=model.name,
        shape=shape,
        player=tg.players[0],
        members=tg.members[0],
        instruments=inst,
        tariffs=tg.to_tariffs(res.x),
        rate=float(tg.player_rates(res.x)[0]),
        welfare_pct=float(100.0 * (weights_row @ w_end - 1.0)),
        welfare_start_pct=float(100.0 * (weights_row @ w_start - 1.0)),
        countries=_countries_frame(tg, w_start, w_end),
        gradient_norm=res.gradient_norm,
        iterations=res.iterations,
        converged=res.converged,
        seconds=time.perf_counter() - t0,
        closed_form=closed,
    )
    if not out.converged:
        raise ConvergenceError(
            f"the optimal tariffs of {out.player} did not converge ({res.message}; "
            f"projected gradient {res.gradient_norm:.3g}). Try another shape, a smaller "
            "max_tariff, or revenue = 'lump_sum'.",
            out,
        )
    return out


def _verify_players(tg: TariffGame, x: np.ndarray, which: Sequence[int], gtol: float):
    """Full numerical best responses (L-BFGS-B) of players ``which`` at ``x``: gains."""
    u = tg.game.welfare_at(x)
    gains = {}
    for p in which:
        br = optimal_tariffs(tg.game, x, player=p, gtol=gtol)
        gains[p] = max(0.0, (br.objective - u[p]) / abs(u[p]))
    return gains


def nash_for_scenario(
    scenario: Any,
    players: str | Sequence[str] | None = None,
    *,
    shape: str = "uniform",
    max_tariff: float = DEFAULT_MAX_TARIFF,
    method: str = "auto",
    verify: int = 3,
    certificate_tol: float = DEFAULT_CERTIFICATE_TOL,
    start: float | None = None,
    gtol: float = DEFAULT_GTOL,
    progress: Callable[[str], None] | None = None,
    economy: Any = None,
    instruments: str | None = None,
) -> NashResult:
    """A Nash tariff war among ``players`` (``blocs nash``); others keep the scenario's tariffs.

    Args:
        scenario: built-in name, TOML path or :class:`~blocs.scenario.Scenario`.
        players: codes or groups, a list or a comma-separated string (default: every
            country of the data).
        shape: instrument layout; ``uniform`` uses Newton on the stacked first-order
            conditions (:func:`nash_newton`), the others Jacobi best responses.
        max_tariff: upper bound of every tariff.
        method: the exact equilibrium by ``"auto"``, ``"newton"`` (uniform only) or
            ``"best-response"``; or ``"formula"``: every country imposes its model's
            closed-form optimal tariff at the equilibrium (Lashkaripour 2021, ``tariffwar``;
            :func:`~blocs.strategy.nash_formula.formula_nash`). The formula war is not an
            exact equilibrium: its certificate (exact deviation gains of the ``verify``
            players) is reported, not required.
        verify: with Newton or the formula, check this many players (the largest by
            baseline income) by a full numerical best response (L-BFGS-B).
        certificate_tol: the largest unilateral gain (fraction of income) accepted.
        start: starting rate of every instrument (default: the scenario's tariffs, or 0.2
            where they are all zero).
        gtol: best-response tolerance.
        progress: called with a short status line.
        economy: the scenario's baseline, if already loaded.
        instruments: sectors the tariffs cover on multi-sector data, ``"goods"`` or
            ``"all_sectors"`` (default: the scenario's ``[game]`` table, else goods).

    Raises:
        ConvergenceError: no equilibrium within tolerance (the result is attached).
    """
    t0 = time.perf_counter()
    sc, model, economy, policy = _load(scenario, economy)
    names = _split_players(players, economy)
    tg = tariff_game(
        model,
        economy,
        sc.options,
        names,
        base_tariffs=policy.t,
        d_hat=policy.d_hat,
        shape=shape,
        max_tariff=max_tariff,
        groups=sc.groups,
        instruments=_instruments(sc, instruments),
    )
    if method == "auto":
        method = "newton" if shape == "uniform" else "best-response"
    if method not in NASH_METHODS:
        raise InputError(f"unknown method '{method}'; choose one of {', '.join(NASH_METHODS)}")
    x_start = tg.from_tariffs(tg.base_tariffs)
    if start is not None:
        x0 = np.full(tg.m, float(start))
    else:
        x0 = np.clip(x_start, 0.0, max_tariff)
        if not np.any(x0 > 0):
            x0 = np.full(tg.m, min(0.2, max_tariff))
    w_start = _scenario_welfare(model, economy, sc.options, policy)
    verified: tuple[str, ...] = ()
    income = tg.player_income()
    check = [int(p) for p in np.argsort(-income)[: max(0, verify)]]
    if method == "formula":

        def step(k: int, r: float) -> None:
            if progress:
                progress(f"formula iteration {k}: largest tariff change {r:.2e}")

        fr = formula_nash(tg, x0, progress=step)
        x, iterations, ok = fr.x, fr.iterations, fr.converged
        # not known for players not checked (the formula gives no estimate)
        gains = np.full(len(tg.players), np.nan)
        if check:
            if progress:
                progress(f"exact deviation gains of {len(check)} player(s) ...")
            for p, gain in _verify_players(tg, x, check, gtol).items():
                gains[p] = gain
            verified = tuple(tg.players[p] for p in check)
    elif method == "newton":

        def report(k: int, r: float) -> None:
            if progress:
                progress(f"Newton iteration {k}: largest first-order condition {r:.2e}")

        nr = nash_newton(tg.game, x0, progress=report)
        x, gains, iterations, ok = nr.x, nr.gains.copy(), nr.iterations, nr.converged
        if check:
            if progress:
                progress(f"verifying {len(check)} player(s) by full best responses ...")
            for p, gain in _verify_players(tg, x, check, gtol).items():
                gains[p] = max(gains[p], gain)
            verified = tuple(tg.players[p] for p in check)
    else:
        if progress:
            progress(f"best responses of {len(tg.players)} players ...")
        nt = nash_tariffs(tg.game, x0, certificate_tol=certificate_tol, gtol=gtol, throw=False)
        x, gains, iterations, ok = nt.x, np.maximum(nt.gains, 0.0), nt.rounds, nt.converged
        verified = tg.players
    w_end = _check_solved(tg, x, "the Nash equilibrium")
    certificate = float(np.nanmax(gains)) if np.isfinite(gains).any() else float("nan")
    inst = tg.instruments.copy()
    inst["start"] = x_start
    inst["tariff"] = x
    out = NashResult(
        scenario=sc.name,
        kind=model.name,
        shape=shape,
        players=tg.players,
        members=tg.members,
        method=method,
        instruments=inst,
        tariffs=tg.to_tariffs(x),
        rates=tg.player_rates(x),
        welfare_pct=100.0 * (tg.weights @ w_end - 1.0),
        welfare_start_pct=100.0 * (tg.weights @ w_start - 1.0),
        gains=gains,
        certificate=certificate,
        verified=verified,
        iterations=iterations,
        converged=bool(ok and (method == "formula" or certificate <= certificate_tol)),
        seconds=time.perf_counter() - t0,
        countries=_countries_frame(tg, w_start, w_end),
        income=income,
    )
    if not out.converged and method == "formula":
        raise ConvergenceError(
            f"the formula tariffs reached no fixed point in {iterations} steps (largest "
            f"change {fr.change:.3g}); try a start closer to the equilibrium",
            out,
        )
    if not out.converged:
        raise ConvergenceError(
            f"no Nash equilibrium to tolerance after {iterations} iterations ({method}; "
            f"largest unilateral gain {certificate:.3g}, tolerance {certificate_tol:g}). "
            "Try method='best-response', a smaller max_tariff, or revenue = 'lump_sum'.",
            out,
        )
    return out


def talks_for_scenario(
    scenario: Any,
    players: str | Sequence[str],
    *,
    shape: str = "uniform",
    max_tariff: float = DEFAULT_MAX_TARIFF,
    efficient_weights: Sequence[float] | None = None,
    gtol: float = DEFAULT_COOPERATIVE_GTOL,
    progress: Callable[[str], None] | None = None,
    economy: Any = None,
    instruments: str | None = None,
) -> TalksResult:
    """Trade talks between two players (``blocs talks``); everyone else keeps the scenario's.

    The instruments are the two players' tariffs ON EACH OTHER (in ``shape``: one rate, by
    partner country, or by partner and sector); their tariffs on third countries and
    everyone else's stay at the scenario's.

    1. The war: the two players' Nash tariff war (threat point).
    2. Efficient tariffs: maximise ``w_a W_a + w_b W_b`` over both players' tariffs
       (``efficient_weights``; default: baseline incomes, i.e. their joint real income).
    3. Nash bargaining: maximise ``(W_a - W_a^war)(W_b - W_b^war)``.

    Gains are reported in percentage points of baseline real income relative to the status
    quo (the scenario's tariffs) and to the war.
    """
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    t0 = time.perf_counter()
    sc, model, economy, policy = _load(scenario, economy)
    names = _split_players(players, economy)
    if len(names) != 2:
        raise InputError(
            f"trade talks need exactly two players (countries or groups), got {len(names)}: "
            f"{', '.join(names)}; e.g. USA,CHN or USA,EU27"
        )
    labels, members = player_members(economy, names, sc.groups)
    tg = tariff_game(
        model,
        economy,
        sc.options,
        names,
        base_tariffs=policy.t,
        d_hat=policy.d_hat,
        shape=shape,
        max_tariff=max_tariff,
        groups=sc.groups,
        # what the two negotiate: their tariffs on each other (third countries keep theirs)
        partners={labels[0]: members[1], labels[1]: members[0]},
        instruments=_instruments(sc, instruments),
    )
    x_sq = tg.from_tariffs(tg.base_tariffs)
    w_sq = _check_solved(tg, x_sq, "the scenario's tariffs")
    if progress:
        progress("the war (Nash equilibrium of the two) ...")
    x0 = np.clip(x_sq, 0.0, max_tariff)
    if not np.any(x0 > 0):
        x0 = np.full(tg.m, min(0.2, max_tariff))
    if shape == "uniform":
        nr = nash_newton(tg.game, x0)
        x_war, war_ok = nr.x, nr.converged
        gains = _verify_players(tg, x_war, [0, 1], DEFAULT_GTOL)
        cert = max(float(np.max(nr.gains)), *gains.values())
    else:
        nt = nash_tariffs(tg.game, x0, throw=False)
        x_war, war_ok, cert = nt.x, nt.converged, float(np.max(nt.gains))
    w_war = _check_solved(tg, x_war, "the war")
    income = tg.player_income()
    ew = np.asarray(efficient_weights if efficient_weights is not None else income, dtype=float)
    if ew.shape != (2,) or (ew < 0).any() or ew.sum() <= 0:
        raise InputError(f"efficient weights must be two non-negative numbers, got {ew.tolist()}")
    ew = ew / ew.sum()
    if progress:
        progress("efficient tariffs ...")
    eff = cooperative_tariffs(tg.game, x_war, weights=ew)
    w_eff = _check_solved(tg, eff.x, "the efficient tariffs")
    if progress:
        progress("Nash bargaining ...")
    # start the bargaining where both gain over the war: the efficient point if it does
    # (income weights can favour one side so much that the other loses), else free trade
    # between the two, else the equal-gains point (nash_bargaining's default)
    bargain_start = None
    for cand in (eff.x, np.zeros(tg.m)):
        if np.all(tg.game.welfare_at(cand) > tg.game.welfare_at(x_war)):
            bargain_start = cand
            break
    nb = nash_bargaining(tg.game, x_war, pair=(0, 1), start=bargain_start, gtol=gtol, throw=False)
    w_nb = _check_solved(tg, nb.x, "the bargaining outcome")
    rows = []
    u_sq, u_war = tg.weights @ w_sq, tg.weights @ w_war
    for label, x, w in (
        ("status quo", x_sq, w_sq),
        ("war", x_war, w_war),
        ("efficient", eff.x, w_eff),
        ("bargaining", nb.x, w_nb),
    ):
        u = tg.weights @ w
        rates = tg.player_rates(x)
        for p in range(2):
            rows.append(
                {
                    "outcome": label,
                    "player": tg.players[p],
                    "tariff": rates[p],
                    "welfare_pct": 100.0 * (u[p] - 1.0),
                    "gain_vs_status_quo_pp": 100.0 * (u[p] - u_sq[p]),
                    "gain_vs_war_pp": 100.0 * (u[p] - u_war[p]),
                }
            )
    return TalksResult(
        scenario=sc.name,
        kind=model.name,
        shape=shape,
        players=tg.players,
        members=tg.members,
        efficient_weights=(float(ew[0]), float(ew[1])),
        outcomes=pd.DataFrame(rows),
        war_certificate=cert,
        converged=bool(war_ok and eff.converged and nb.converged),
        seconds=time.perf_counter() - t0,
    )
