"""Strategic tariffs, generic over models: optimal tariffs, Nash wars, cooperative deals.

Every function takes a :class:`Game` (players' objectives as a JAX function of the
instrument vector, who controls which instruments, bounds) and uses exact gradients through
the equilibrium (implicit differentiation), never finite differences.
"""

from __future__ import annotations

from blocs.strategy.cooperative import (
    CooperativeTariffs,
    cooperative_tariffs,
    equal_gains_tariffs,
    nash_bargaining,
)
from blocs.strategy.games import (
    TariffGame,
    nash_for_scenario,
    optimal_for_scenario,
    optimal_retaliation,
    talks_for_scenario,
    tariff_game,
)
from blocs.strategy.nash import NashTariffs, nash_tariffs
from blocs.strategy.optimal import Game, OptimalTariffs, optimal_tariffs, projected_gradient

__all__ = [
    "CooperativeTariffs",
    "Game",
    "NashTariffs",
    "OptimalTariffs",
    "TariffGame",
    "cooperative_tariffs",
    "equal_gains_tariffs",
    "nash_bargaining",
    "nash_for_scenario",
    "nash_tariffs",
    "optimal_for_scenario",
    "optimal_retaliation",
    "optimal_tariffs",
    "projected_gradient",
    "talks_for_scenario",
    "tariff_game",
]
