"""The tariffs of every coalition: the coalition's rate on the target, the target's response,
the America-First status quo and the leader's betrayal of a member.

From the status-quo tariffs ``baseline_t`` (default: the data's), every country of
``{leader} ∪ S`` levies ``tariff`` on the target (the rate *replaces* the status-quo rate;
multi-sector data: on every goods sector, services untouched). The target responds with
``none``, ``mirror`` (the same rate on every coalition country), a number (that rate on
every coalition country) or ``optimal``: its best response, one uniform rate on every
coalition country (every goods sector), found per coalition by
:mod:`blocs.coalitions.response`.

America First: the leader keeps its April-2025 tariffs (``us_tariffs_2025``) on every country
that is not a member, members get them removed. On multi-sector data (icio2022) the 2025
rates (mapped onto its codes by :func:`blocs.scenario.us_tariffs_2025`: TWN 32 %, ROW
import-weighted) replace the leader's tariffs on goods sectors only, services untouched, as
in the built-in ``liberation-day-icio``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from blocs.coalitions.players import Players, resolve_players
from blocs.coalitions.spec import CoalitionSpec, finite_rate, parse_response
from blocs.data import us_tariffs_2025_04
from blocs.errors import InputError
from blocs.models.registry import model_for
from blocs.scenario import us_tariffs_2025

__all__ = [
    "CoalitionPolicies",
    "america_first_baseline",
    "coalition_policies",
    "goods_sectors",
    "has_2025_rates",
    "leader_2025_rates",
]


def goods_sectors(economy: Any) -> np.ndarray | None:
    """Sectors a coalition tariffs: traded and not services (name contains 'servic').

    Returns:
        bool mask, shape (S,), or None for one-sector data (no sector axis).
    """
    sectors = model_for(economy).sectors(economy)
    if sectors is None:
        return None
    return np.array(
        [tr and "servic" not in s.lower() for s, tr in zip(sectors, economy.tradable, strict=True)]
    )


@dataclasses.dataclass(frozen=True)
class CoalitionPolicies:
    """The 2**k coalition policies of one variant, built on demand (bounded memory).

    Attributes:
        players: the players (:class:`Players`).
        baseline_t: status-quo tariffs, shape (N, N) or (N, N, S).
        reset_t: with member relief, the tariffs the leader's rates on members return to
            (the data's), same shape; else None.
        tariff: the coalition's rate on the target.
        response_rate: the target's fixed rate on coalition countries, or None (no response,
            or an optimal one).
        goods: sectors tariffed, shape (S,), or None (one sector).
        optimal: the target best-responds (its rate is found per coalition and passed to
            :meth:`tariffs`).
    """

    players: Players
    baseline_t: np.ndarray
    reset_t: np.ndarray | None
    tariff: float
    response_rate: float | None
    goods: np.ndarray | None
    optimal: bool = False

    @property
    def masks(self) -> np.ndarray:
        """All coalitions, shape (2**k,)."""
        return np.arange(2**self.players.k)

    def _block(self, rows: Sequence[int], cols: Sequence[int]) -> tuple:
        if self.goods is None:
            return np.ix_(np.asarray(rows, dtype=int), np.asarray(cols, dtype=int))
        return np.ix_(
            np.asarray(rows, dtype=int), np.asarray(cols, dtype=int), np.flatnonzero(self.goods)
        )

    def tariffs(self, mask: int, response: float | None = None) -> np.ndarray:
        """Counterfactual tariffs of coalition ``mask``, shape (N, N) or (N, N, S).

        Args:
            mask: the coalition.
            response: the target's rate on the coalition's countries (goods), overriding
                ``response_rate``; with an optimal response, the rate it chose (None: the
                policy before its response).
        """
        pl = self.players
        t = np.array(self.baseline_t, dtype=float, copy=True)
        if self.reset_t is not None:
            for j, idx in enumerate(pl.ally_idx):
                if mask >> j & 1:
                    blk = np.ix_(list(idx), list(pl.leader_idx))
                    t[blk] = self.reset_t[blk]
        members = pl.countries(mask)
        t[self._block(pl.target_idx, members)] = self.tariff
        rate = self.response_rate if response is None else response
        if rate is not None:
            t[self._block(members, pl.target_idx)] = rate
        return t

    def response_positions(self, mask: int) -> np.ndarray:
        """Where the target's response rate applies: exporters in the coalition, importers
        in the target, goods sectors; bool, shape (N, N) or (N, N, S)."""
        pos = np.zeros(np.shape(self.baseline_t), dtype=bool)
        pos[self._block(self.players.countries(mask), self.players.target_idx)] = True
        return pos

    def betrayed(
        self, mask: int, ally: int, rates: np.ndarray, response: float | None = None
    ) -> np.ndarray:
        """Tariffs of ``mask`` when the leader also tariffs member ``ally`` at ``rates``.

        Args:
            rates: the leader's rate on each exporter, shape (N,).
            response: the target's rate (see :meth:`tariffs`).
        """
        t = self.tariffs(mask, response)
        pl = self.players
        for c in pl.ally_idx[ally]:
            t[self._block([c], pl.leader_idx)] = rates[c]
        return t


def coalition_policies(
    economy: Any,
    leader: str,
    target: str,
    allies: Sequence[str],
    tariff: float,
    response: str | float,
    baseline_t: Any | None = None,
    *,
    member_relief: bool = False,
) -> CoalitionPolicies:
    """The policies of every coalition ``{leader} ∪ S``, ``S`` a subset of the allies.

    Args:
        economy: one-sector :class:`~blocs.economy.Economy` or
            :class:`~blocs.models.caliendo_parro.MultiSectorEconomy` (any data a
            registered model runs on).
        leader, target: codes or groups.
        allies: codes or groups (sorted canonically; see the module docstring).
        tariff: rate every coalition country levies on the target (all goods sectors).
        response: ``"none"``, ``"mirror"`` (the same rate on every coalition country), a
            rate, or ``"optimal"``: the target's best response, found numerically per
            coalition by :func:`solve_coalitions` (no closed form exists for a tariff on a
            subset of countries: trade diverts to outsiders); ``tariffs(mask)`` is then the
            policy before the response and ``tariffs(mask, rate)`` the one after.
        baseline_t: status-quo tariffs (default: the data's), shape (N, N) or (N, N, S).
        member_relief: the leader's ``baseline_t`` rates on member countries return to the
            data's (the America-First variant).

    Returns:
        :class:`CoalitionPolicies`; ``tariffs(mask)`` gives one policy.

    Example:
        >>> import blocs
        >>> eco = blocs.load_world2023()
        >>> pol = coalition_policies(eco, "USA", "CHN", ["KOR", "JPN"], 0.5, "mirror")
        >>> pol.players.allies, pol.players.label(3)
        (('JPN', 'KOR'), 'USA+JPN+KOR')
        >>> t = pol.tariffs(1)
        >>> float(t[eco.index("CHN"), eco.index("JPN")]), float(t[eco.index("KOR"), eco.index("CHN")])
        (0.5, 0.0)
    """
    players = resolve_players(economy, leader, target, allies)
    try:
        parsed = parse_response(response)
    except ValueError as exc:
        raise InputError(f"response={response!r}: {exc}") from None
    optimal = parsed == "optimal"
    rate: float | None = parsed if not isinstance(parsed, str) else None
    if parsed == "mirror":
        rate = float(tariff)
    if not finite_rate(tariff):
        raise InputError(f"tariff={tariff!r}: give a finite ad-valorem rate > -1 (0.5 = 50 %)")
    data_t = np.asarray(economy.t, dtype=float)
    base = data_t.copy() if baseline_t is None else np.array(baseline_t, dtype=float)
    if base.shape != data_t.shape:
        raise InputError(
            f"baseline_t has shape {base.shape}; the economy's tariffs have shape "
            f"{data_t.shape} (ordered [exporter, importer{', sector' if base.ndim == 3 else ''}])"
        )
    goods = goods_sectors(economy)
    if goods is not None and not goods.any():
        raise InputError("the economy has no traded goods sector to tariff")
    return CoalitionPolicies(
        players=players,
        baseline_t=base,
        reset_t=data_t if member_relief else None,
        tariff=float(tariff),
        response_rate=rate,
        goods=goods,
        optimal=optimal,
    )


def has_2025_rates(economy: Any, leader: str, data: str) -> bool:
    """Whether the America-First variant and the 2025 punishment can run by default: the
    leader is USA and the data carries the April-2025 US rates (a complete
    ``us_tariff_2025_04`` column, as world2023) or is ``icio2022`` (mapped by code)."""
    if leader.strip().upper() != "USA":
        return False
    if data == "icio2022":
        return True
    rates = us_tariffs_2025_04(economy)
    return rates is not None and not np.isnan(np.asarray(rates, dtype=float)).any()


def leader_2025_rates(economy: Any, spec: CoalitionSpec, what: str) -> np.ndarray:
    """The April-2025 US rate on each exporter, shape (N,) (icio2022: mapped by code)."""
    fix = (
        ", or give punishment a rate (e.g. 0.25) or None"
        if what == "punishment"
        else ", or set america_first=False"
    )
    if spec.leader.upper() != "USA":
        raise InputError(
            f"{what} uses the April-2025 US tariffs, but the leader is '{spec.leader}': "
            f"make the leader USA{fix}"
        )
    try:
        return us_tariffs_2025(economy)
    except InputError as exc:
        raise InputError(f"{what} uses the April-2025 US tariffs: {exc}{fix}") from None


def america_first_baseline(economy: Any, players: Players, rates: np.ndarray) -> np.ndarray:
    """Status quo of the America-First variant: the leader levies ``rates`` on every
    exporter (multi-sector: on goods sectors, services untouched), nothing on itself.

    Args:
        rates: the leader's rate on each exporter, shape (N,).

    Returns:
        tariffs, shape (N, N) or (N, N, S).

    Example:
        >>> import blocs
        >>> eco = blocs.load_world2023()
        >>> pl = resolve_players(eco, "USA", "CHN", ["JPN"])
        >>> t = america_first_baseline(eco, pl, us_tariffs_2025(eco))
        >>> round(float(t[eco.index("JPN"), eco.index("USA")]), 2)
        0.24
    """
    base = np.asarray(economy.t, dtype=float).copy()
    lead = np.asarray(players.leader_idx, dtype=int)
    everyone = np.arange(economy.n)
    goods = goods_sectors(economy)
    if goods is not None:
        base[np.ix_(everyone, lead, np.flatnonzero(goods))] = np.asarray(rates)[:, None, None]
    else:
        base[np.ix_(everyone, lead)] = np.asarray(rates)[:, None]
    base[np.ix_(lead, lead)] = 0.0
    return base
