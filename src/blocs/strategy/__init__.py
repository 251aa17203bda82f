"""Strategic tariffs, generic over models: optimal tariffs, Nash wars, cooperative deals.

Every function takes a :class:`Game` (players' objectives as a JAX function of the
instrument vector, who controls which instruments, bounds) and uses exact gradients through
the equilibrium (implicit differentiation), never finite differences.

Files: ``optimal`` (the :class:`Game` and one player's optimum), ``nash`` (best-response
wars), ``nash_newton`` (wars of one-instrument players by Newton on the first-order
conditions), ``cooperative`` (efficient tariffs, bargaining), ``game`` (tariff games on any
registered model), ``results`` (records), ``scenario_games`` (``blocs optimal`` / ``nash`` /
``talks`` on a scenario), ``retaliation`` (a group's optimal uniform response), ``ossa``
(the games of Ossa 2014).
"""

from __future__ import annotations

from blocs.strategy.cooperative import (
    CooperativeTariffs,
    cooperative_tariffs,
    equal_gains_tariffs,
    nash_bargaining,
)
from blocs.strategy.game import DEFAULT_MAX_TARIFF, SHAPES, TariffGame, tariff_game
from blocs.strategy.nash import NashTariffs, nash_tariffs
from blocs.strategy.nash_newton import nash_newton
from blocs.strategy.optimal import Game, OptimalTariffs, optimal_tariffs, projected_gradient
from blocs.strategy.ossa import (
    OssaGame,
    OssaStrategy,
    ossa_game,
    ossa_nash,
    ossa_optimal_tariffs,
    ossa_trade_talks,
)
from blocs.strategy.results import NashResult, OptimalResult, TalksResult
from blocs.strategy.retaliation import optimal_retaliation
from blocs.strategy.scenario_games import (
    nash_for_scenario,
    optimal_for_scenario,
    talks_for_scenario,
)

__all__ = [
    "DEFAULT_MAX_TARIFF",
    "SHAPES",
    "CooperativeTariffs",
    "Game",
    "NashResult",
    "NashTariffs",
    "OptimalResult",
    "OptimalTariffs",
    "OssaGame",
    "OssaStrategy",
    "TalksResult",
    "TariffGame",
    "cooperative_tariffs",
    "equal_gains_tariffs",
    "nash_bargaining",
    "nash_for_scenario",
    "nash_newton",
    "nash_tariffs",
    "optimal_for_scenario",
    "optimal_retaliation",
    "optimal_tariffs",
    "ossa_game",
    "ossa_nash",
    "ossa_optimal_tariffs",
    "ossa_trade_talks",
    "projected_gradient",
    "talks_for_scenario",
    "tariff_game",
]
