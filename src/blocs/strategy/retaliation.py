"""Optimal retaliation: a group's best response with one uniform rate on some partners.

The numerical counterpart, for any model, of the closed form used for ``[[retaliation]]
rule = "optimal"`` on the one-sector model's two-region aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from blocs.errors import ConvergenceError, InputError
from blocs.models.base import Model, Policy
from blocs.strategy.game import DEFAULT_MAX_TARIFF, restrict_sectors, tariff_game
from blocs.strategy.optimal import DEFAULT_GTOL, optimal_tariffs

__all__ = ["optimal_retaliation"]


def optimal_retaliation(
    model: Model,
    economy: Any,
    options: Any,
    policy: Policy,
    by: Sequence[int | str],
    against: Sequence[int | str],
    sectors: Sequence[int] | None = None,
    *,
    max_tariff: float = DEFAULT_MAX_TARIFF,
    gtol: float = DEFAULT_GTOL,
) -> np.ndarray:
    """The tariffs after ``by`` (one player) best-responds with one uniform rate on ``against``.

    ``by`` maximises its members' income-weighted real income over a single rate levied by
    every member on every country of ``against`` (in ``sectors``; default every goods
    sector of multi-sector data), everyone else's tariffs at ``policy.t``.

    Args:
        model: the model (:func:`blocs.models.registry.get_model`).
        economy: the baseline (data the model runs on).
        options: the model's options.
        policy: the policy before the response (``t`` and ``d_hat``, the model's shape).
        by, against: country positions or codes (``by`` minus ``against`` responds).
        sectors: sector positions the rate applies to (multi-sector models; ignored for
            one-sector ones).
        max_tariff: upper bound of the rate.
        gtol: projected-gradient tolerance of the optimum.

    Returns:
        The tariff array of ``policy`` with the optimal rate inserted, shape (N, N) or
        (N, N, S).

    Raises:
        InputError: nobody in ``by`` or ``against``.
        ConvergenceError: the optimum or an equilibrium did not converge.
    """
    iso = economy.iso3

    def codes(items: Sequence[int | str]) -> list[str]:
        return [
            iso[i] if isinstance(i, (int, np.integer)) else economy.iso3[economy.index(i)]
            for i in items
        ]

    against_c = codes(against)
    by_c = [c for c in codes(by) if c not in set(against_c)]
    if not by_c or not against_c:
        raise InputError("optimal retaliation needs at least one country in 'by' and in 'against'")
    tg = tariff_game(
        model,
        economy,
        options,
        [by_c],
        base_tariffs=policy.t,
        d_hat=policy.d_hat,
        shape="uniform",
        max_tariff=max_tariff,
        partners={"+".join(by_c): against_c},
    )
    if sectors is not None and model.multisector:
        tg = restrict_sectors(tg, sectors)
    x0 = np.clip(tg.from_tariffs(tg.base_tariffs), 0.0, max_tariff)
    res = optimal_tariffs(tg.game, x0, player=0, gtol=gtol)
    if not res.converged or not np.all(np.isfinite(res.welfare)):
        raise ConvergenceError(
            f"the optimal retaliation of {', '.join(by_c[:5])}... did not converge "
            f"({res.message}). Try revenue = 'lump_sum' or a smaller shock.",
            res,
        )
    return tg.to_tariffs(res.x)
