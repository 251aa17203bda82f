"""The formula-based tariff war of Lashkaripour (2021) and his ``tariffwar`` package.

Instead of the exact first-order conditions (:func:`blocs.strategy.nash_newton`), every
player imposes the closed-form optimal tariff of its model
(:meth:`blocs.models.base.Model.formula_optimal_tariffs`) evaluated at the equilibrium the
tariffs produce: a fixed point ``x = f(x)``, found by iterating ``x <- f(x)`` (on icio2022
the map contracts by about 0.2 a step: 16 steps to 1e-12). It is not an exact Nash
equilibrium (the formula takes the partners' prices as the only channel); the exact
deviation gains at it say how far (docs/models.md, "tariffwar's conventions").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from blocs.errors import ConvergenceError, InputError
from blocs.strategy.game import TariffGame

__all__ = ["FORMULA_MAX_ITER", "FORMULA_TOL", "FormulaNash", "formula_nash"]

#: Largest change of any tariff at which the fixed point is accepted.
FORMULA_TOL = 1e-12
#: Iterations before giving up.
FORMULA_MAX_ITER = 200


class FormulaNash(NamedTuple):
    """The fixed point of the formula tariffs.

    Attributes:
        x: the instruments (m,). iterations: steps of ``x <- f(x)``.
        change: the largest ``|f(x) - x|`` at the last step. converged: ``change <= tol``.
    """

    x: np.ndarray
    iterations: int
    change: float
    converged: bool


def formula_nash(
    tg: TariffGame,
    x0: np.ndarray,
    *,
    tol: float = FORMULA_TOL,
    max_iter: int = FORMULA_MAX_ITER,
    progress: Callable[[int, float], None] | None = None,
) -> FormulaNash:
    """Every player's tariff at its formula value, given everyone's (module docstring).

    Needs one country per player and one tariff on all its imports (``shape="uniform"``,
    ``instruments="all_sectors"``, every partner): what the formula is the optimum of.
    The result is clipped to the game's bounds.

    Raises:
        InputError: a game the formula does not apply to.
        ConvergenceError: an equilibrium along the way did not converge.
    """
    inst = tg.instruments
    if tg.shape != "uniform" or any(len(m) != 1 for m in tg.members):
        raise InputError(
            "the optimal-tariff formula is one country's uniform tariff: use shape "
            "'uniform' with countries (not groups) as players, or the exact equilibrium"
        )
    if not ((inst["partner"] == "all").all() and (inst["sector"] == "all").all()):
        raise InputError(
            "the optimal-tariff formula is the optimum of a tariff on all imports: use "
            "instruments 'all_sectors' (services included) on every partner, or the exact "
            "equilibrium"
        )
    lo, hi = tg.game.bounds(tg.m)
    own = np.array([int(idx[0]) for idx in tg.game.players])
    country = np.array([tg.iso3.index(m[0]) for m in tg.members])
    x = np.clip(np.asarray(x0, dtype=float), lo, hi)
    change = np.inf
    for k in range(1, max_iter + 1):
        f, ok = tg.formula_tariffs(x)
        if not bool(ok):
            raise ConvergenceError(
                f"an equilibrium inside the formula iteration did not converge (step {k}); "
                "try a start closer to the equilibrium or a smaller max_tariff"
            )
        new = x.copy()
        new[own] = np.clip(np.asarray(f)[country], lo[own], hi[own])
        change = float(np.max(np.abs(new - x)))
        x = new
        if progress:
            progress(k, change)
        if change <= tol:
            return FormulaNash(x, k, change, True)
    return FormulaNash(x, max_iter, change, False)
