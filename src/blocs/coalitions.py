"""Coalitions against a target: leverage, cost, Shapley values, stability and reliability.

``docs/models.md`` §4. "If the US and its allies act together against China, how much more
leverage do they get than the US alone, what does each ally pay, who would join, and how
reliable must the US be?"

Players and the coalition encoding
    A *leader* (always in), a *target* and ``k`` candidate *allies*. A player is a country
    code or a group (``EU27``: all its member countries join or none). Allies are sorted
    canonically (alphabetically by their upper-case label), so results never depend on the
    order in which they are listed. A coalition ``S`` of allies is the bitmask
    ``m = sum_{j in S} 2**j`` where ``j`` is the ally's position in the canonical order; row
    ``m`` of every ``(2**k, ...)`` array belongs to ``S``. ``m = 0`` is the leader alone,
    ``m = 2**k - 1`` the grand coalition. The coalition's countries are the leader's and
    the members' countries.

Policies (:func:`coalition_policies`)
    From the status-quo tariffs ``baseline_t`` (default: the data's), every country of
    ``{leader} ∪ S`` levies ``tariff`` on the target (the rate *replaces* the status-quo
    rate; multi-sector data: on every goods sector, services untouched). The target
    responds with ``none``, ``mirror`` (the same rate on every coalition country), a
    number (that rate on every coalition country) or ``optimal``: its best response, one
    uniform rate ``r`` on every coalition country (every goods sector) that maximises its
    welfare, all other tariffs fixed, ``0 <= r <= max_response`` (see "Optimal response"
    below). The target's rate is recorded per coalition (``response_rate``).

Measures per coalition (percent changes from the baseline; groups weighted by baseline
expenditure: ``E`` in the one-sector model, final expenditure = income ``I`` in the
multi-sector one)
    - ``leverage_pct`` = the target's welfare loss (positive = loss).
    - ``cost_pct`` = the coalition's (leader and members) welfare loss, weighted.
    - ``leverage_bn``, ``cost_bn``, ``outsiders_bn``: the same in billions of USD
      (``pct / 100 * baseline expenditure``), and ``efficiency = leverage_bn / cost_bn``:
      dollars of target loss per dollar the coalition loses (NaN when the coalition gains).
    - ``outsiders_pct``: welfare change of the countries neither in the coalition nor the
      target (trade diversion gains), weighted.
    - ``leader_pct``: the leader's own welfare change.

Analysis
    - Marginal contribution of ally ``a`` to ``S`` (``a`` not in ``S``):
      ``leverage(S ∪ a) - leverage(S)``; exact Shapley value of the game
      ``v(S) = leverage(S) - leverage(∅)`` (so values add up to grand minus leader alone).
    - Participation: ``join_gain[S, a] = W_a(S ∪ a) - W_a(S)`` (percentage points).
    - Stability (d'Aspremont, Jacquemin, Gabszewicz & Weymark 1983): ``S`` is internally
      stable if no member gains by leaving (``W_a(S) >= W_a(S \\ a)`` for ``a`` in ``S``),
      externally stable if no outsider gains by joining (``W_a(S) >= W_a(S ∪ a)``), stable
      if both; comparisons allow :data:`STABILITY_TOL`. A coalition whose verdict needs an
      unconverged solve is not stable (the failure is listed).
    - The smallest coalitions whose leverage reaches ``leverage_multiple`` times the
      leader's alone.
    - America First: the leader keeps its April-2025 tariffs (``us_tariffs_2025``) on every
      country that is not a member, members get them removed; the same analysis is run.
      On multi-sector data (icio2022) the 2025 rates (mapped onto its codes by
      :func:`blocs.scenario.us_tariffs_2025`: TWN 32 %, ROW import-weighted) replace the
      leader's tariffs on goods sectors only, services untouched, as in the built-in
      ``liberation-day-icio``. With an optimal response the target best-responds in every
      America-First coalition too.

Credibility
    With probability ``p`` the leader re-imposes its tariffs (default: the April-2025 rates)
    on a member ``a`` after the coalition ``S`` forms. Joining pays iff
    ``(1 - p) W_a(S) + p W_a(S, a tariffed) >= W_a(S \\ a)``: the break-even
    ``p* = dW / (dW - dW_b)`` with ``dW = W_a(S) - W_a(S \\ a)`` and
    ``dW_b = W_a(S, a tariffed) - W_a(S \\ a)``; ``p* = 0`` if joining does not pay even
    with a reliable leader, ``1`` if it pays even when betrayal is sure. Reported for the
    grand coalition and for joining the leader alone, in both variants (in the America-First
    variant betrayal takes back the member's tariff relief). The expected-leverage curve is
    described in :class:`Credibility`. With an optimal response, the betrayal equilibria
    keep the rate the target chose against ``S``: the target responds to the coalition as
    formed, and the betrayal comes later (the leader's tariff on ``a`` is then the only
    difference between ``W_a(S)`` and ``W_a(S, a tariffed)``).

Solving
    One-sector (:class:`~blocs.models.imls.IMLS`): every batch is ``jax.vmap``-ed over
    tariff matrices in chunks of ``chunk_size``. Each equilibrium is found by Broyden's
    method on the model's own residual, started from the leader-alone equilibrium with its
    exact inverse Jacobian (12 iterations of one residual each on average, against 5-9
    Newton steps of ~400 directional derivatives each); convergence is then checked on the
    exact residual at the model's tolerance. Failures are re-solved one by one by
    :func:`blocs.models.imls.solve` (Newton with continuation); what still fails is reported
    per coalition (``converged``), never dropped. Multi-sector
    (:class:`~blocs.models.caliendo_parro.MultiSectorEconomy`, e.g. ``icio2022``):
    :func:`~blocs.models.caliendo_parro.solve_multisector` ``vmap``-ed over tariff arrays.

Optimal response (``response="optimal"``)
    For each coalition the target's welfare ``W(r)`` (income-weighted real income of its
    members, as in :mod:`blocs.strategy.games`: baseline ``E`` one-sector, ``I``
    multi-sector) is maximised over one rate ``r`` by a safeguarded 1-D Newton method on
    the first-order condition ``W'(r) = 0`` (:func:`_next_rate`): a bracket ``[lo, hi]``
    of the optimum is kept, a Newton step that leaves it is replaced by a visit to the
    unexplored bound it points at (corner optima) or by bisection. ``W'`` and ``W''`` are
    exact derivatives through the equilibrium by the implicit function theorem, never
    finite differences. One-sector: with ``F(x, r) = 0`` the model's residual,
    ``x' = -J^-1 F_r`` and ``x'' = -J^-1 D2F[(x', 1), (x', 1)]`` (JAX forward-mode
    derivatives of the residual, ``J`` its exact Jacobian at the solved equilibrium), so
    ``W' = DW[(x', 1)]`` and ``W'' = D2W[(x', 1), (x', 1)] + W_x x''``. The two solves
    with ``J`` use iterative refinement from Broyden's inverse-Jacobian estimate
    (matrix-vector products only, :func:`_refine`); a lane gets the exact inverse (one
    LAPACK call) only when that estimate has drifted (:data:`REFRESH_CONTRACTION`) or a
    solve did not reach :data:`LINEAR_TOL`. Dense factorisations in every step would
    dominate the cost, and they slow down badly when other jobs share the cores. The
    equilibrium at the next rate is found by Broyden's method from the second-order
    predictor ``x + x' dr + x'' dr^2 / 2`` (a few residuals instead of Newton steps);
    Newton with continuation takes over when Broyden fails.
    Multi-sector: ``W'`` and ``W''`` by nested ``jax.jvp`` through
    :func:`~blocs.models.caliendo_parro.solve_multisector` (``lax.custom_root``).
    Coalitions are searched in ``chunk_size`` vmapped lanes; a lane that finishes takes the
    next coalition and starts from the equilibrium and rate it just found. A coalition
    converges when ``|W'/W''| <= RESPONSE_RATE_TOL`` (``W'' < 0``), ``|W'| <=
    RESPONSE_FOC_TOL``, at a corner (``r = 0`` with ``W' <= 0``, ``r = max_response`` with
    ``W' >= 0``), or when the bracket is narrower than ``RESPONSE_RATE_TOL``; otherwise it
    is a failure after :data:`RESPONSE_MAX_ITERATIONS` steps (NaN welfare and rate, listed
    in ``failures``). ``iterations`` counts these steps, ``response_foc`` is the final
    ``W'`` (hat units per unit of tariff).

Example:
    >>> import blocs
    >>> from blocs.coalitions import CoalitionSpec, solve_coalitions
    >>> spec = CoalitionSpec(allies=("JPN", "KOR"), america_first=False)
    >>> res = solve_coalitions(None, spec)                      # doctest: +SKIP
    >>> res.leverage_pct[-1] > res.leverage_pct[0]             # doctest: +SKIP
    True
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from blocs.economy import Economy
from blocs.errors import InputError
from blocs.models import imls
from blocs.models.caliendo_parro import MultiSectorEconomy, solve_multisector
from blocs.run import atomic_write_parquet, atomic_write_text
from blocs.scenario import resolve_group, us_tariffs_2025
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL

__all__ = [
    "MAX_ALLIES",
    "MAX_RESPONSE",
    "STABILITY_TOL",
    "CoalitionPolicies",
    "CoalitionResults",
    "CoalitionSpec",
    "Credibility",
    "Players",
    "allied_front_spec",
    "america_first_baseline",
    "break_even",
    "coalition_policies",
    "resolve_players",
    "shapley_values",
    "solve_coalitions",
]

#: Most allies accepted: 2**12 = 4096 equilibria per variant (and the exact Shapley value
#: sums over all of them). Each further ally doubles the work.
MAX_ALLIES = 12
#: Welfare differences (percentage points) below this count as ties in stability verdicts,
#: participation and break-even probabilities (solver noise is ~1e-10 pp).
STABILITY_TOL = 1e-9
#: Broyden iterations before a one-sector solve is handed to Newton with continuation.
BROYDEN_MAX_STEPS = 60
#: Grid of leader-betrayal probabilities of the expected-leverage curve.
P_GRID = tuple(round(0.1 * i, 1) for i in range(11))
#: Billions of USD per data unit of the embedded data sets (world2023: thousand USD,
#: icio2022: million USD).
DATA_UNITS_TO_BN = {"world2023": 1e-6, "icio2022": 1e-3}
#: Responses of the target accepted by name.
RESPONSES = ("none", "mirror", "optimal")
#: Default upper bound of the target's optimal response (200 %), as strategy.games.
MAX_RESPONSE = 2.0
#: Rate at which the first best-response search starts (later ones start from the rate the
#: lane found for its previous coalition).
RESPONSE_START = 0.25
#: Best-response search stops when the Newton step on the rate is below this (the rate is
#: then within ~1e-10 of the optimum; measured agreement with strategy.games: 4e-11).
RESPONSE_RATE_TOL = 1e-10
#: ... or when |dW/dr| is below this (hat units per unit of tariff: 1e-14 of income).
RESPONSE_FOC_TOL = 1e-14
#: Best-response steps before a coalition is reported as a failure (bisection alone would
#: narrow [0, 2] to 1e-10 in 35).
RESPONSE_MAX_ITERATIONS = 40

Progress = Callable[[int, int], None]
AnyEconomy = Economy | MultiSectorEconomy


# ----------------------------------------------------------------------------------------
# Specification


@dataclasses.dataclass(frozen=True)
class CoalitionSpec:
    """What to compute: players, instruments and variants.

    Attributes:
        leader: code or group always in the coalition (default ``USA``).
        target: code or group tariffed by the coalition (default ``CHN``).
        allies: candidate allies, codes or groups (order irrelevant; 1 to 12).
        tariff: the coalition's tariff on the target (0.5 = 50 %; replaces the status quo).
        response: the target's response: ``"none"``, ``"mirror"``, ``"optimal"`` (its best
            response: one welfare-maximising rate on every coalition country, see the module
            docstring) or a rate (float) on every coalition country.
        data: embedded data set loaded when no economy is given (``world2023``,
            ``icio2022``); a label otherwise.
        america_first: also run the America-First variant; it needs the April-2025 US rates
            (leader USA; world2023 has them, on icio2022 they are mapped by code and apply
            to goods sectors). None (default): run it when the leader is USA and the data is
            world2023-like (with the rates) or ``icio2022``.
        punishment: what an unreliable leader re-imposes on a member: ``"us_tariffs_2025"``
            (the April-2025 rates, leader USA; goods sectors on multi-sector data), a rate,
            None (no credibility analysis) or ``"auto"`` (default: the 2025 rates when
            ``america_first`` would default on, else None).
        leverage_multiple: the leverage target of the "smallest coalitions" search, as a
            multiple of the leader-alone leverage.
        name: a label for outputs.
        max_response: upper bound of the target's optimal response (lower bound 0).
    """

    leader: str = "USA"
    target: str = "CHN"
    allies: tuple[str, ...] = ()
    tariff: float = 0.5
    response: str | float = "mirror"
    data: str = "world2023"
    america_first: bool | None = None
    punishment: str | float | None = "auto"
    leverage_multiple: float = 2.0
    name: str = "coalition"
    max_response: float = MAX_RESPONSE

    def __post_init__(self) -> None:
        allies = self.allies.split(",") if isinstance(self.allies, str) else self.allies
        object.__setattr__(self, "allies", tuple(str(a).strip() for a in allies if str(a).strip()))
        if not _finite_rate(self.tariff):
            raise InputError(
                f"tariff={self.tariff!r}: give a finite ad-valorem rate > -1 (0.5 = 50 %)"
            )
        if isinstance(self.response, str):
            object.__setattr__(self, "response", self.response.strip().lower())
        if isinstance(self.response, str) and self.response not in RESPONSES:
            raise InputError(
                f"response={self.response!r}: choose one of {', '.join(RESPONSES)} or a rate"
            )
        if not isinstance(self.response, str) and not _finite_rate(self.response):
            raise InputError(f"response={self.response!r}: a rate must be finite and > -1")
        if self.punishment is not None and not (
            self.punishment in ("us_tariffs_2025", "auto") or _finite_rate(self.punishment)
        ):
            raise InputError(
                f"punishment={self.punishment!r}: use 'us_tariffs_2025', 'auto', a rate > -1, "
                "or None"
            )
        if not (math.isfinite(self.leverage_multiple) and self.leverage_multiple > 0):
            raise InputError(f"leverage_multiple={self.leverage_multiple!r}: must be > 0")
        if not (_finite_rate(self.max_response) and float(self.max_response) > 0):
            raise InputError(
                f"max_response={self.max_response!r}: the upper bound of the target's optimal "
                "rate must be a finite number > 0 (2.0 = 200 %)"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return dataclasses.asdict(self)


def _finite_rate(x: Any) -> bool:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and v > -1.0 and not isinstance(x, bool)


def allied_front_spec() -> CoalitionSpec:
    """The built-in "allied front": the US and nine allies against China, mirror response.

    Example:
        >>> allied_front_spec().allies[:3]
        ('JPN', 'KOR', 'IND')
    """
    return CoalitionSpec(
        leader="USA",
        target="CHN",
        allies=("JPN", "KOR", "IND", "VNM", "EU27", "CAN", "MEX", "GBR", "AUS"),
        tariff=0.5,
        response="mirror",
        data="world2023",
        america_first=True,
        punishment="us_tariffs_2025",
        name="allied-front",
    )


# ----------------------------------------------------------------------------------------
# Players and policies


@dataclasses.dataclass(frozen=True)
class Players:
    """Who is who, in the canonical order.

    Attributes:
        leader, target: labels (upper case).
        allies: ally labels sorted alphabetically; ally ``j`` is bit ``2**j``, shape (k,).
        leader_idx, target_idx: country positions in the economy.
        ally_idx: country positions of each ally, in the order of ``allies``.
    """

    leader: str
    target: str
    allies: tuple[str, ...]
    leader_idx: tuple[int, ...]
    target_idx: tuple[int, ...]
    ally_idx: tuple[tuple[int, ...], ...]

    @property
    def k(self) -> int:
        """Number of allies."""
        return len(self.allies)

    def members(self, mask: int) -> tuple[str, ...]:
        """Ally labels of coalition ``mask``."""
        return tuple(a for j, a in enumerate(self.allies) if mask >> j & 1)

    def label(self, mask: int) -> str:
        """``USA+EU27+JPN``: the leader and the members of ``mask``."""
        return "+".join((self.leader, *self.members(mask)))

    def countries(self, mask: int) -> list[int]:
        """Country positions of the coalition (leader included)."""
        out = list(self.leader_idx)
        for j, idx in enumerate(self.ally_idx):
            if mask >> j & 1:
                out.extend(idx)
        return out

    def mask_of(self, allies: Sequence[str]) -> int:
        """The bitmask of a set of ally labels."""
        m = 0
        for a in allies:
            key = a.strip().upper()
            if key not in self.allies:
                raise InputError(f"'{a}' is not one of the allies ({', '.join(self.allies)})")
            m |= 1 << self.allies.index(key)
        return m


def resolve_players(
    economy: AnyEconomy, leader: str, target: str, allies: Sequence[str]
) -> Players:
    """Check and resolve the players; allies sorted canonically.

    Raises:
        InputError: unknown code (with a suggestion), the target or the leader among the
            allies, overlapping players, duplicates, no allies or more than
            :data:`MAX_ALLIES`.
    """
    allies = [str(a).strip().upper() for a in allies if str(a).strip()]
    if not allies:
        raise InputError("allies: give at least one ally (codes or groups such as EU27)")
    if len(allies) > MAX_ALLIES:
        raise InputError(
            f"allies: {len(allies)} given, at most {MAX_ALLIES}: every ally doubles the number "
            f"of coalitions (2**{len(allies)} = {2 ** len(allies)} equilibria per variant, and "
            "the exact Shapley value sums over all of them); merge allies into groups (EU27) "
            "or split the question into smaller runs"
        )
    lead = leader.strip().upper()
    targ = target.strip().upper()
    if lead == targ:
        raise InputError(f"leader and target are both '{lead}': choose two different players")
    dups = sorted({a for a in allies if allies.count(a) > 1})
    if dups:
        raise InputError(f"allies: {', '.join(dups)} listed twice; list each ally once")
    for a in allies:
        if a == targ:
            raise InputError(
                f"allies: the target '{targ}' is in the ally list; remove it (the target "
                "cannot tariff itself)"
            )
        if a == lead:
            raise InputError(
                f"allies: the leader '{lead}' is in the ally list; remove it (the leader is in "
                "every coalition)"
            )
    eco: Any = economy
    lead_c = resolve_group(lead, {}, eco, where="leader")
    targ_c = resolve_group(targ, {}, eco, where="target")
    canon = sorted(allies)
    ally_c = [resolve_group(a, {}, eco, where=f"allies[{allies.index(a)}]") for a in canon]
    owner: dict[str, str] = {}
    for label, codes in [(lead, lead_c), (targ, targ_c), *zip(canon, ally_c, strict=True)]:
        for c in codes:
            if c in owner:
                raise InputError(
                    f"players overlap: {c} is in both '{owner[c]}' and '{label}'; every country "
                    "may belong to one player only (drop one of them)"
                )
            owner[c] = label
    return Players(
        leader=lead,
        target=targ,
        allies=tuple(canon),
        leader_idx=tuple(economy.iso3.index(c) for c in lead_c),
        target_idx=tuple(economy.iso3.index(c) for c in targ_c),
        ally_idx=tuple(tuple(economy.iso3.index(c) for c in codes) for codes in ally_c),
    )


def goods_sectors(economy: MultiSectorEconomy) -> np.ndarray:
    """Sectors a coalition tariffs: traded and not services (name contains 'servic').

    Returns:
        bool mask, shape (S,).
    """
    return np.array(
        [
            tr and "servic" not in s.lower()
            for s, tr in zip(economy.sectors, economy.tradable, strict=True)
        ]
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
    economy: AnyEconomy,
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
            :class:`~blocs.models.caliendo_parro.MultiSectorEconomy`.
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
    optimal = False
    if isinstance(response, str):
        key = response.strip().lower()
        optimal = key == "optimal"
        if key not in RESPONSES:
            raise InputError(
                f"response={response!r}: choose one of {', '.join(RESPONSES)} or a rate"
            )
        rate: float | None = float(tariff) if key == "mirror" else None
    else:
        if not _finite_rate(response):
            raise InputError(f"response={response!r}: a rate must be finite and > -1")
        rate = float(response)
    if not _finite_rate(tariff):
        raise InputError(f"tariff={tariff!r}: give a finite ad-valorem rate > -1 (0.5 = 50 %)")
    data_t = np.asarray(economy.t, dtype=float)
    base = data_t.copy() if baseline_t is None else np.array(baseline_t, dtype=float)
    if base.shape != data_t.shape:
        raise InputError(
            f"baseline_t has shape {base.shape}; the economy's tariffs have shape "
            f"{data_t.shape} (ordered [exporter, importer{', sector' if base.ndim == 3 else ''}])"
        )
    goods = goods_sectors(economy) if isinstance(economy, MultiSectorEconomy) else None
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


# ----------------------------------------------------------------------------------------
# Batch solvers


@dataclasses.dataclass(frozen=True)
class _Batch:
    """Raw equilibria of a list of policies, shape (M, ...)."""

    welfare_pct: np.ndarray  # (M, N)
    converged: np.ndarray  # (M,) bool
    iterations: np.ndarray  # (M,) int
    max_residual: np.ndarray  # (M,)
    solver: np.ndarray  # (M,) str
    response_rate: np.ndarray | None = None  # (M,) the target's rate (NaN: none / failed)
    response_foc: np.ndarray | None = None  # (M,) dW_target/dr at an optimal response


def _broyden(F: Callable, x0: jax.Array, H0: jax.Array, tol: float, max_steps: int):
    """Broyden's ("good") method with the inverse Jacobian updated by Sherman-Morrison.

    Returns ``(x, iterations, H)``, ``H`` the updated inverse-Jacobian estimate.
    """
    f0 = F(x0)

    def cond(s: tuple) -> jax.Array:
        _, f, _, k = s
        r = jnp.max(jnp.abs(f))
        return (r > tol) & (k < max_steps) & jnp.isfinite(r)

    def body(s: tuple) -> tuple:
        x, f, H, k = s
        dx = -H @ f
        x_new = x + dx
        f_new = F(x_new)
        Hdf = H @ (f_new - f)
        denom = dx @ Hdf
        safe = jnp.where(jnp.abs(denom) > 0, denom, 1.0)
        H = H + jnp.outer(dx - Hdf, dx @ H) / safe
        return x_new, f_new, H, k + 1

    x, _, H, k = jax.lax.while_loop(cond, body, (x0, f0, H0, jnp.asarray(0)))
    return x, k, H


def _imls_welfare_hat(p, policy, st, x):
    """Every country's welfare (hat units) at ``x = [log w_hat, log L_hat]``, shape (N,).

    :func:`blocs.models.imls.welfare` needs ``E_hat``, ``P_hat``, ``w_hat``, ``L_hat``,
    ``R`` and ``wLY``, which the fast aggregates (trade-share kernels with their own
    derivative rules, no N x N flows) hold under the same names: the same number as
    through the full flows (to ~1e-16), at a fraction of the cost of its derivatives.
    """
    g = imls.aggregates(x, p, policy, st.deficits)
    return imls.welfare(p, g, st.revenue)  # type: ignore[arg-type]


def _imls_outcome(p, policy, st, x):
    """Welfare (%) and the largest scaled residual at ``x = [log w_hat, log L_hat]``.

    The same outcome and residual as :func:`blocs.models.imls.solve_params` at its root.
    """
    g = imls.aggregates(x, p, policy, st.deficits)
    r = jnp.max(jnp.abs(imls.conditions(g, p, st)))
    r = jnp.where(jnp.isfinite(r), r, jnp.inf)
    return 100.0 * (imls.welfare(p, g, st.revenue) - 1.0), r  # type: ignore[arg-type]


@functools.partial(jax.jit, static_argnames=("st",))
def _imls_batch(p, ts, x0, H0, tol, max_steps, *, st):
    """Broyden solves of the tariff matrices ``ts`` (B, N, N); ``tol`` and ``max_steps`` are
    traced, so changing them does not recompile."""
    n = p.E.shape[0]

    def one(t):
        policy = imls.Policy(t=t, d_hat=jnp.ones((n, n)))
        x, k, _ = _broyden(lambda x: imls.residual(x, (p, policy, st)), x0, H0, tol, max_steps)
        welfare, r = _imls_outcome(p, policy, st, x)
        return welfare, r <= tol, k, r

    return jax.vmap(one)(ts)


@functools.partial(jax.jit, static_argnames=("st",))
def _inverse_jacobian(p, t, x, *, st):
    policy = imls.Policy(t=t, d_hat=jnp.ones_like(t))
    return jnp.linalg.inv(jax.jacfwd(imls.residual)(x, (p, policy, st)))


@functools.partial(jax.jit, static_argnames=("tol", "max_steps"))
def _multisector_batch(eco, ts, *, tol, max_steps):
    def one(t):
        eq = solve_multisector(eco, t, tol=tol, max_steps=max_steps, throw=False)
        return eq.welfare_pct, eq.converged, eq.iterations, eq.max_residual

    return jax.vmap(one)(ts)


# -- optimal response ---------------------------------------------------------------------


def _second(f: Callable[[jax.Array], jax.Array], s0: jax.Array) -> tuple:
    """``f(s0), f'(s0), f''(s0)`` of a function of a scalar, by nested forward mode."""

    def first(s: jax.Array) -> tuple:
        return jax.jvp(f, (s,), (jnp.ones_like(s),))

    (y, dy), (_, d2y) = jax.jvp(first, (s0,), (jnp.ones_like(s0),))
    return y, dy, d2y


class _Lanes(NamedTuple):
    """One best-response step in B lanes (see :func:`_imls_response_batch`).

    ``welfare_pct`` (B, N), ``converged`` (B,) bool (the equilibrium at ``r``),
    ``iterations`` (B,) Broyden or Newton steps, ``max_residual`` (B,), ``g = W'(r)`` and
    ``h = W''(r)`` (B,) of the target's welfare (hat units). One-sector lanes also carry
    ``x`` (B, 2N) the equilibrium, ``H`` (B, 2N, 2N) an estimate of the inverse of its
    Jacobian, ``dx``, ``d2x`` (B, 2N) the first and second derivatives of ``x`` in ``r``,
    ``linear_residual`` (B,) the relative residual of the linear solves behind them and
    ``contraction`` (B,) how well ``H`` inverts the Jacobian (``|b - J H b| / |b|``); None
    for multi-sector lanes.
    """

    welfare_pct: Any
    converged: Any
    iterations: Any
    max_residual: Any
    g: Any
    h: Any
    x: Any = None
    H: Any = None
    dx: Any = None
    d2x: Any = None
    linear_residual: Any = None
    contraction: Any = None


def _refine(J: jax.Array, H: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Solve ``J v = b`` by iterative refinement ``v += H (b - J v)``, ``H ~ J^-1``.

    Matrix-vector products only: no factorisation per solve (LAPACK factorisations are slow
    on a busy machine, and one is not needed when ``H`` is close). Converges when
    ``|I - H J| < 1``; stops at :data:`_LINEAR_STOP` or after :data:`_LINEAR_STEPS`.

    Returns:
        ``v`` (2N,) and the relative residual ``max|b - J v| / max|b|``.
    """
    scale = jnp.maximum(jnp.max(jnp.abs(b)), 1e-300)

    def rel(v: jax.Array) -> jax.Array:
        r = jnp.max(jnp.abs(b - J @ v)) / scale
        return jnp.where(jnp.isfinite(r), r, jnp.inf)

    def cond(s: tuple) -> jax.Array:
        _, r, k = s
        return (r > _LINEAR_STOP) & (k < _LINEAR_STEPS) & jnp.isfinite(r)

    def body(s: tuple) -> tuple:
        v, _, k = s
        v = v + H @ (b - J @ v)
        return v, rel(v), k + 1

    v0 = H @ b
    v, r, _ = jax.lax.while_loop(cond, body, (v0, rel(v0), jnp.asarray(0)))
    return v, r


#: Relative residual at which :func:`_refine` stops, and the most refinement steps.
_LINEAR_STOP = 1e-14
_LINEAR_STEPS = 60
#: A linear solve whose relative residual exceeds this is redone with an exact inverse.
LINEAR_TOL = 1e-11
#: The inverse-Jacobian estimate of a lane is replaced by the exact inverse (one LAPACK
#: inverse) when ``|b - J H b| / |b|`` exceeds this (refinement would slow down).
REFRESH_CONTRACTION = 0.25


@functools.partial(jax.jit, static_argnames=("st",))
def _imls_response_batch(p, base, pos, wt, r, x0, H0, tol, max_steps, *, st) -> _Lanes:
    """The equilibrium at the target's rate ``r`` and ``W'(r)``, ``W''(r)``, in every lane.

    Args:
        p: calibrated parameters. base: tariffs before the response, shape (B, N, N).
        pos: where the rate applies, bool (B, N, N). wt: the target's weights, shape (N,).
        r: rates, shape (B,). x0, H0: Broyden's start and inverse-Jacobian estimate, (B, 2N)
            and (B, 2N, 2N). tol, max_steps: Broyden's tolerance and steps (traced).

    ``W(r) = wt @ W_hat(x(r), r)`` with ``F(x(r), r) = 0``: ``x' = -J^-1 F_r``,
    ``x'' = -J^-1 D2F[(x', 1), (x', 1)]``, ``W' = DW[(x', 1)]``,
    ``W'' = D2W[(x', 1), (x', 1)] + W_x x''`` (implicit function theorem; every derivative
    of ``F`` and ``W`` by JAX forward mode; ``J`` exact by ``jacfwd``, the two solves with
    it by :func:`_refine` from Broyden's updated inverse).
    """
    n = p.E.shape[0]
    ones = jnp.ones((n, n))

    def one(base, pos, r, x0, H0):
        def policy(rate):
            return imls.Policy(t=jnp.where(pos, rate, base), d_hat=ones)

        def F(x, rate):
            return imls.residual(x, (p, policy(rate), st))

        def W(x, rate):
            return wt @ _imls_welfare_hat(p, policy(rate), st, x)

        x, k, H = _broyden(lambda z: F(z, r), x0, H0, tol, max_steps)
        welfare, res = _imls_outcome(p, policy(r), st, x)
        J = jax.jacfwd(F)(x, r)
        Fr = jax.jvp(lambda rate: F(x, rate), (r,), (jnp.ones_like(r),))[1]
        contraction = jnp.max(jnp.abs(Fr - J @ (H @ Fr))) / jnp.maximum(
            jnp.max(jnp.abs(Fr)), 1e-300
        )
        dx, lin1 = _refine(J, H, -Fr)
        zero = jnp.zeros_like(r)
        _, _, F2 = _second(lambda s: F(x + s * dx, r + s), zero)
        d2x, lin2 = _refine(J, H, -F2)
        _, g, W2 = _second(lambda s: W(x + s * dx, r + s), zero)
        Wx_d2x = jax.jvp(lambda z: W(z, r), (x,), (d2x,))[1]
        return _Lanes(
            welfare,
            res <= tol,
            k,
            res,
            g,
            W2 + Wx_d2x,
            x,
            H,
            dx,
            d2x,
            jnp.maximum(lin1, lin2),
            contraction,
        )

    return jax.vmap(one)(base, pos, r, x0, H0)


@functools.partial(jax.jit, static_argnames=("tol", "max_steps"))
def _multisector_response_batch(eco, base, pos, wt, r, *, tol, max_steps) -> _Lanes:
    """Multi-sector lanes: ``W'(r)``, ``W''(r)`` by nested ``jax.jvp`` through the solve.

    Shapes: base, pos (B, N, N, S); wt (N,); r (B,). Derivatives through
    :func:`~blocs.models.caliendo_parro.solve_multisector` (implicit differentiation).
    """

    def one(base, pos, r):
        def W(rate):
            t = jnp.where(pos, rate, base)
            eq = solve_multisector(eco, t, tol=tol, max_steps=max_steps, throw=False)
            w = wt @ (1.0 + eq.welfare_pct / 100.0)
            return w, (eq.welfare_pct, eq.converged, eq.iterations, eq.max_residual)

        def first(rate):
            w, g, aux = jax.jvp(W, (rate,), (jnp.ones_like(rate),), has_aux=True)
            return (w, g), aux

        (_, g), (_, h), aux = jax.jvp(first, (r,), (jnp.ones_like(r),), has_aux=True)
        welfare, conv, its, res = aux
        return _Lanes(welfare, conv, its, res, g, h)

    return jax.vmap(one)(base, pos, r)


@dataclasses.dataclass(frozen=True)
class _Search:
    """The state of one coalition's best-response search (see :func:`_next_rate`).

    ``lo``, ``hi``: the bracket of the optimum; ``lo_seen`` / ``hi_seen``: ``W'`` was
    evaluated there (else they are still the bounds 0 / ``upper``).
    """

    row: int
    rate: float
    lo: float
    hi: float
    lo_seen: bool = False
    hi_seen: bool = False
    steps: int = 0
    retried: bool = False


def _next_rate(state: _Search, g: float, h: float, upper: float) -> tuple[bool, _Search]:
    """One safeguarded Newton step of ``max W(r)`` on ``[0, upper]``.

    ``g = W'(state.rate)``, ``h = W''(state.rate)``. The bracket shrinks to the side
    ``g`` points at; the Newton step ``-g / h`` (only where ``h < 0``) is taken if it stays
    inside the bracket, else the unexplored bound it points at is tried (corner optima),
    else the bracket is bisected.

    Returns:
        ``(True, state)`` with the bracket updated when ``state.rate`` is the optimum (see
        the module docstring), else ``(False, next state)`` whose ``rate`` is the next
        rate to evaluate.

    Example:
        >>> st = _Search(row=0, rate=0.5, lo=0.0, hi=2.0)
        >>> done, st = _next_rate(st, g=-1.0, h=-2.0, upper=2.0)   # Newton: below 0
        >>> done, st.rate, st.hi                                     # try the bound 0
        (False, 0.0, 0.5)
        >>> _next_rate(st, g=-0.1, h=-2.0, upper=2.0)[0]            # W'(0) <= 0: corner
        True
    """
    r = state.rate
    if g > 0:
        state = dataclasses.replace(state, lo=r, lo_seen=True)
    else:
        state = dataclasses.replace(state, hi=r, hi_seen=True)
    if (r <= 0.0 and g <= 0.0) or (r >= upper and g >= 0.0) or abs(g) <= RESPONSE_FOC_TOL:
        return True, state
    step = -g / h if h < 0 else math.nan
    if abs(step) <= RESPONSE_RATE_TOL or state.hi - state.lo <= RESPONSE_RATE_TOL:
        return True, state
    nxt = r + step
    if not state.lo < nxt < state.hi:
        if g < 0 and not state.lo_seen:
            nxt = state.lo
        elif g > 0 and not state.hi_seen:
            nxt = state.hi
        else:
            nxt = 0.5 * (state.lo + state.hi)
    return False, dataclasses.replace(state, rate=float(nxt))


class _Engine:
    """Solves lists of tariff arrays for one economy, chunked and vmapped."""

    def __init__(
        self,
        economy: AnyEconomy,
        model: imls.IMLS,
        *,
        tol: float,
        max_steps: int,
        chunk: int,
        progress: Progress | None,
        total: int,
    ) -> None:
        self.economy = economy
        self.model = model
        self.tol = tol
        self.max_steps = max_steps
        self.chunk = chunk
        self.progress = progress
        self.total = total
        self.done = 0
        self.multisector = isinstance(economy, MultiSectorEconomy)
        if self.multisector:
            ms: Any = economy
            self.weights = np.asarray(ms.income, dtype=float)
        else:
            if model.deficits == "balanced":
                self.p, _ = imls.balanced_params(economy, model, tol=tol, max_steps=max_steps)  # type: ignore[arg-type]
            else:
                self.p = imls.calibrate(economy, model)  # type: ignore[arg-type]
            self.st = imls.Static(model.revenue, model.deficits, model.numeraire)
            self.weights = np.asarray(self.p.E, dtype=float)

    def _tick(self, k: int) -> None:
        self.done += k
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)

    def _anchor(self, t: np.ndarray) -> tuple[jax.Array, jax.Array]:
        """Start and inverse Jacobian for Broyden: the exact equilibrium of ``t``."""
        n = self.economy.n
        policy = imls.Policy(t=jnp.asarray(t), d_hat=jnp.ones((n, n)))
        sol = imls.solve(
            self.economy,  # type: ignore[arg-type]
            policy,
            self.model,
            tol=self.tol,
            max_steps=self.max_steps,
            throw=False,
        )
        if bool(sol.converged):
            x0 = jnp.log(jnp.concatenate([sol.w_hat, sol.L_hat]))
        else:
            x0 = jnp.zeros(2 * n)
        return x0, _inverse_jacobian(self.p, policy.t, x0, st=self.st)

    def solve(self, build: Callable[[int], np.ndarray | None], count: int) -> _Batch:
        """Solve ``build(0) ... build(count - 1)``; row ``r`` of the result is ``build(r)``.

        A row whose ``build`` returns None is skipped: NaN, not converged, solver
        ``"skipped"`` (e.g. a betrayal of a coalition whose optimal response failed).
        """
        n = self.economy.n
        W = np.full((count, n), np.nan)
        conv = np.zeros(count, dtype=bool)
        its = np.zeros(count, dtype=int)
        res = np.full(count, np.nan)
        solver = np.array(
            ["multisector-newton" if self.multisector else "broyden"] * count, dtype=object
        )
        first = next((t for t in map(build, range(count)) if t is not None), None)
        skipped = np.zeros(count, dtype=bool)
        if first is None:
            solver[:] = "skipped"
            self._tick(count)
            return _Batch(W, conv, its, res, solver)
        if not self.multisector:
            x0, H0 = self._anchor(first)
        for start in range(0, count, self.chunk):
            rows = list(range(start, min(start + self.chunk, count)))
            built = [build(r) for r in rows]
            skipped[rows] = [t is None for t in built]
            ts = np.stack([first if t is None else t for t in built])
            pad = self.chunk - len(rows)
            if pad:
                ts = np.concatenate([ts, np.repeat(ts[-1:], pad, axis=0)])
            if self.multisector:
                out = _multisector_batch(
                    self.economy, jnp.asarray(ts), tol=self.tol, max_steps=self.max_steps
                )
            else:
                out = _imls_batch(
                    self.p,
                    jnp.asarray(ts),
                    x0,
                    H0,
                    jnp.asarray(self.tol),
                    jnp.asarray(BROYDEN_MAX_STEPS),
                    st=self.st,
                )
            w, c, k, rr = (np.asarray(a) for a in out)
            m = len(rows)
            W[rows], conv[rows], its[rows], res[rows] = w[:m], c[:m], k[:m], rr[:m]
            self._tick(m)
        conv[skipped] = False
        if not self.multisector:
            for row in np.flatnonzero(~conv & ~skipped):
                r = int(row)
                sol = self._newton(build(r))  # type: ignore[arg-type]
                W[r] = 100.0 * (np.asarray(sol.welfare_hat) - 1.0)
                conv[r] = bool(sol.converged)
                its[r] = int(sol.iterations)
                res[r] = float(sol.max_residual)
                solver[r] = "newton-continuation"
        W[~conv] = np.nan  # an unconverged equilibrium has no welfare to report
        res[skipped] = np.nan
        solver[skipped] = "skipped"
        return _Batch(W, conv, its, res, solver)

    def _newton(self, t: np.ndarray) -> imls.Solution:
        """One-sector equilibrium of ``t`` by Newton with continuation (the fallback)."""
        n = self.economy.n
        return imls.solve(
            self.economy,  # type: ignore[arg-type]
            imls.Policy(t=jnp.asarray(t), d_hat=jnp.ones((n, n))),
            self.model,
            tol=self.tol,
            max_steps=self.max_steps,
            throw=False,
        )

    def target_weights(self, idx: Sequence[int]) -> np.ndarray:
        """The target's objective: its members' baseline income (``E`` one-sector, ``I``
        multi-sector, as :mod:`blocs.strategy.games`), normalised; shape (N,)."""
        eco: Any = self.economy
        income = np.asarray(eco.income if self.multisector else eco.E, dtype=float)
        w = np.zeros(self.economy.n)
        w[list(idx)] = income[list(idx)] / income[list(idx)].sum()
        return w

    def _response_step(
        self, base: np.ndarray, pos: np.ndarray, wt: jax.Array, rates: np.ndarray, xH: tuple
    ) -> _Lanes:
        """One best-response step in every lane (:func:`_imls_response_batch` or
        :func:`_multisector_response_batch`), as NumPy arrays except ``x`` and ``H``."""
        if self.multisector:
            out = _multisector_response_batch(
                self.economy,
                jnp.asarray(base),
                jnp.asarray(pos),
                wt,
                jnp.asarray(rates),
                tol=self.tol,
                max_steps=self.max_steps,
            )
        else:
            out = _imls_response_batch(
                self.p,
                jnp.asarray(base),
                jnp.asarray(pos),
                wt,
                jnp.asarray(rates),
                *xH,
                jnp.asarray(self.tol),
                jnp.asarray(BROYDEN_MAX_STEPS),
                st=self.st,
            )
        keep = ("x", "H", "dx", "d2x")
        fields = zip(_Lanes._fields, out, strict=True)
        return _Lanes(*(a if f in keep else np.asarray(a) for f, a in fields))

    def best_responses(self, policies: CoalitionPolicies, count: int, upper: float) -> _Batch:
        """The target's best response in coalitions ``0 .. count - 1`` of ``policies``.

        ``min(chunk, count)`` lanes step together (:meth:`_response_step`); each lane runs
        one coalition's search (:func:`_next_rate`) and, when it ends, takes the next
        coalition, starting from the rate (one-sector: and the equilibrium and
        inverse-Jacobian estimate) it just found. One-sector lanes repeat a step after
        repairing it: an equilibrium Broyden missed is solved by Newton with continuation;
        a linear solve :func:`_refine` could not finish gets the exact inverse Jacobian.
        A coalition fails when the repair fails, a derivative is not finite, or after
        :data:`RESPONSE_MAX_ITERATIONS` steps.

        Returns:
            :class:`_Batch` with ``response_rate`` and ``response_foc`` (NaN on failure);
            ``iterations`` counts best-response steps.
        """
        n = self.economy.n
        W = np.full((count, n), np.nan)
        conv = np.zeros(count, dtype=bool)
        its = np.zeros(count, dtype=int)
        res = np.full(count, np.nan)
        rate = np.full(count, np.nan)
        foc = np.full(count, np.nan)
        solver = np.array(["best-response-newton"] * count, dtype=object)
        lanes = min(self.chunk, count)
        wt = jnp.asarray(self.target_weights(policies.players.target_idx))
        start = min(RESPONSE_START, upper)
        base = np.stack([policies.tariffs(0)] * lanes)
        pos = np.stack([policies.response_positions(0)] * lanes)
        xH: tuple = ()
        anchor: tuple = ()
        if not self.multisector:
            anchor = self._anchor(policies.tariffs(0, start))
            xH = (jnp.tile(anchor[0], (lanes, 1)), jnp.tile(anchor[1], (lanes, 1, 1)))
        queue = iter(range(count))
        search: list[_Search | None] = [None] * lanes

        def load(lane: int, rate_now: float) -> None:
            row = next(queue, None)
            search[lane] = None if row is None else _Search(row, rate_now, 0.0, upper)
            if row is not None:
                base[lane] = policies.tariffs(row)
                pos[lane] = policies.response_positions(row)

        def finish(lane: int, out: _Lanes, ok: bool, why: str = "") -> None:
            st = search[lane]
            assert st is not None
            i = st.row
            its[i], res[i] = st.steps, out.max_residual[lane]
            if ok:
                W[i], conv[i], rate[i], foc[i] = out.welfare_pct[lane], True, st.rate, out.g[lane]
            else:
                solver[i] = f"best-response-newton: {why}"
            self._tick(1)

        for lane in range(lanes):
            load(lane, start)
        while any(s is not None for s in search):
            rates = np.array([s.rate if s is not None else start for s in search])
            out = self._response_step(base, pos, wt, rates, xH)
            delta = np.zeros(lanes)
            starts: dict[int, tuple] = {}  # lane -> (x, H) to start its next step from
            for lane, st in enumerate(search):
                if st is None:
                    continue
                ok = bool(out.converged[lane])
                g, h = float(out.g[lane]), float(out.h[lane])
                if not self.multisector and not st.retried:
                    tariffs = functools.partial(policies.tariffs, st.row, st.rate)
                    fix = self._repair(tariffs, out, lane, ok)
                    if fix is not None:  # repeat the step from the repaired start
                        starts[lane] = fix
                        search[lane] = dataclasses.replace(st, retried=True)
                        if not ok:
                            solver[st.row] = "best-response-newton+newton-continuation"
                        continue
                if not self.multisector and ok and out.contraction[lane] > REFRESH_CONTRACTION:
                    t = policies.tariffs(st.row, st.rate)
                    starts[lane] = (None, self._exact_inverse(t, out.x[lane]))
                if not (ok and math.isfinite(g) and math.isfinite(h)):
                    finish(lane, out, False, f"no equilibrium at rate {st.rate:.6g}")
                    starts[lane] = anchor
                    load(lane, start)
                    continue
                st = dataclasses.replace(st, retried=False, steps=st.steps + 1)
                done, nxt = _next_rate(st, g, h, upper)
                search[lane] = nxt
                if done:
                    finish(lane, out, True)
                    load(lane, st.rate)
                elif nxt.steps >= RESPONSE_MAX_ITERATIONS:
                    finish(lane, out, False, "no convergence")
                    load(lane, st.rate)
                else:
                    delta[lane] = nxt.rate - st.rate
            if not self.multisector:
                xH = _next_starts(out, delta, starts)
        W[~conv] = np.nan  # an unconverged equilibrium has no welfare to report
        return _Batch(W, conv, its, res, solver, rate, foc)

    def _repair(
        self, tariffs: Callable[[], np.ndarray], out: _Lanes, lane: int, ok: bool
    ) -> tuple | None:
        """A one-sector lane's repaired start ``(x, H)`` when its step (at the tariffs
        ``tariffs()``) must be repeated, else None (the step stands, or cannot be repaired).

        Broyden missed the equilibrium: Newton with continuation gives ``x``. A linear solve
        did not reach :data:`LINEAR_TOL`: the exact inverse Jacobian at ``x`` gives ``H``.
        """
        if ok:
            lin = float(out.linear_residual[lane])
            if math.isfinite(lin) and lin <= LINEAR_TOL:
                return None
            return out.x[lane], self._exact_inverse(tariffs(), out.x[lane])
        t = tariffs()
        sol = self._newton(t)
        if not bool(sol.converged):
            return None
        x = jnp.asarray(imls.solution_x(sol))
        return x, self._exact_inverse(t, x)

    def _exact_inverse(self, t: np.ndarray, x: jax.Array) -> jax.Array:
        """The exact inverse Jacobian of the one-sector residual at ``x``, shape (2N, 2N)."""
        return _inverse_jacobian(self.p, jnp.asarray(t), jnp.asarray(x), st=self.st)


def _next_starts(out: _Lanes, delta: np.ndarray, starts: dict[int, tuple]) -> tuple:
    """Broyden starts ``(x, H)`` of the next one-sector step, shapes (B, 2N), (B, 2N, 2N).

    Every lane moves by the second-order predictor ``x + x' dr + x'' dr^2 / 2`` (``dr =
    delta``, 0 for a lane that stays or took a new coalition) with Broyden's updated inverse
    estimate; lanes in ``starts`` take the given ``x`` and/or ``H`` instead (None: keep).
    """
    d = jnp.asarray(delta)[:, None]
    x = out.x + out.dx * d + 0.5 * out.d2x * d**2
    H = out.H
    for lane, (x_new, H_new) in starts.items():
        if x_new is not None:
            x = x.at[lane].set(jnp.asarray(x_new))
        if H_new is not None:
            H = H.at[lane].set(jnp.asarray(H_new))
    return x, H


# ----------------------------------------------------------------------------------------
# Results


@dataclasses.dataclass(frozen=True)
class Credibility:
    """How reliable the leader must be (models.md §4, reliability).

    Attributes:
        punishment: what the leader re-imposes (``"us_tariffs_2025"`` or a rate).
        p_star_grand: break-even probability of each ally in the grand coalition, shape (k,).
        p_star_alone: break-even probability of each ally joining the leader alone, (k,).
        betrayed_grand_pct: ally's welfare in the grand coalition when tariffed, shape (k,).
        betrayed_alone_pct: ally's welfare in ``{leader, a}`` when tariffed, shape (k,).
        betrayed_leverage_grand: leverage of the grand coalition when the leader tariffs
            that ally, shape (k,).
        p_grid: betrayal probabilities, shape (P,).
        willing: allies for whom staying in the grand coalition still pays at ``p``
            (``p < p*_grand``), shape (P, k) bool.
        leverage_willing: leverage of the coalition of the willing (exact, from the
            coalition table), shape (P,).
        expected_leverage: ``leverage_willing + p * sum_{a willing} (betrayed_leverage_grand[a]
            - leverage(grand))``: each member is tariffed independently with probability
            ``p``, effects on the target taken from the grand coalition and added up (first
            order in the betrayals), shape (P,).
        converged: whether the 2k betrayal equilibria converged, shape (2k,) (grand first).
    """

    punishment: str | float
    p_star_grand: np.ndarray
    p_star_alone: np.ndarray
    betrayed_grand_pct: np.ndarray
    betrayed_alone_pct: np.ndarray
    betrayed_leverage_grand: np.ndarray
    p_grid: np.ndarray
    willing: np.ndarray
    leverage_willing: np.ndarray
    expected_leverage: np.ndarray
    converged: np.ndarray


def break_even(in_pct: float, betrayed_pct: float, out_pct: float) -> float:
    """``p*`` solving ``(1 - p) in + p betrayed = out``, clipped to [0, 1] (NaN if unknown).

    0: joining does not pay even with a reliable leader; 1: it pays even when betrayal is
    sure. Differences within :data:`STABILITY_TOL` count as ties.
    """
    dw = in_pct - out_pct
    dwb = betrayed_pct - out_pct
    if not (np.isfinite(dw) and np.isfinite(dwb)):
        return float("nan")
    if dw <= STABILITY_TOL:
        return 0.0
    if dwb >= -STABILITY_TOL:
        return 1.0
    return float(dw / (dw - dwb))


def _popcount(masks: np.ndarray) -> np.ndarray:
    return np.array([bin(int(m)).count("1") for m in masks])


@dataclasses.dataclass(frozen=True)
class CoalitionResults:
    """Every coalition of one variant, its measures and the analysis.

    Shapes: ``M = 2**k`` coalitions (row ``m`` = bitmask ``m``, see the module docstring),
    ``N`` countries, ``k`` allies. Percent changes from the baseline; ``_bn`` in billions of
    USD (``nan`` when the data's units are unknown).

    Attributes:
        spec: the :class:`CoalitionSpec`. variant: ``"plain"`` or ``"america_first"``.
        players: :class:`Players` (canonical ally order).
        countries: ISO3 codes, shape (N,). weights: baseline expenditure, shape (N,).
        welfare_pct: every country's welfare change, shape (M, N) (NaN if unconverged).
        converged, iterations, max_residual, solver: diagnostics, shape (M,) (with an
            optimal response ``iterations`` counts best-response steps).
        response_rate: the target's rate on the coalition's countries (goods), shape (M,):
            the chosen rate for ``optimal`` (NaN if the search failed), the coalition's
            tariff for ``mirror``, the given rate, or NaN for ``none``.
        response_foc: ``dW_target/dr`` at the chosen rate (hat units per unit of tariff;
            ~0 at an interior optimum, <= 0 at ``r = 0``), NaN unless optimal, shape (M,).
        leverage_pct, target_pct, leader_pct, cost_pct, outsiders_pct: shape (M,).
        leverage_bn, cost_bn, outsiders_bn, efficiency: shape (M,).
        ally_pct: each ally's welfare in each coalition, shape (M, k).
        marginal: ``leverage(S ∪ a) - leverage(S)`` for ``a`` not in ``S`` (else NaN),
            shape (M, k).
        join_gain: ``W_a(S ∪ a) - W_a(S)`` for ``a`` not in ``S`` (else NaN), shape (M, k).
        shapley: Shapley values of ``v(S) = leverage(S) - leverage(∅)``, shape (k,).
        internally_stable, externally_stable, stable: shape (M,) bool.
        reaching: masks of the smallest coalitions with ``leverage >= threshold``, best
            first. threshold: ``leverage_multiple * leverage(∅)``.
        credibility: :class:`Credibility` or None.
        america_first: the America-First variant's results or None.
        seconds: wall time of the solves. source: data description.
    """

    spec: CoalitionSpec
    variant: str
    players: Players
    countries: tuple[str, ...]
    weights: np.ndarray
    welfare_pct: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    max_residual: np.ndarray
    solver: np.ndarray
    response_rate: np.ndarray
    response_foc: np.ndarray
    leverage_pct: np.ndarray
    target_pct: np.ndarray
    leader_pct: np.ndarray
    cost_pct: np.ndarray
    outsiders_pct: np.ndarray
    leverage_bn: np.ndarray
    cost_bn: np.ndarray
    outsiders_bn: np.ndarray
    efficiency: np.ndarray
    ally_pct: np.ndarray
    marginal: np.ndarray
    join_gain: np.ndarray
    shapley: np.ndarray
    internally_stable: np.ndarray
    externally_stable: np.ndarray
    stable: np.ndarray
    reaching: tuple[int, ...]
    threshold: float
    credibility: Credibility | None
    america_first: CoalitionResults | None
    seconds: float
    source: str

    # -- conveniences -------------------------------------------------------------------

    @property
    def masks(self) -> np.ndarray:
        """Bitmasks, shape (M,)."""
        return np.arange(len(self.leverage_pct))

    @property
    def grand(self) -> int:
        """Mask of the grand coalition."""
        return len(self.leverage_pct) - 1

    def label(self, mask: int | np.integer) -> str:
        """Coalition name, e.g. ``USA+EU27+JPN``."""
        return self.players.label(int(mask))

    @property
    def failures(self) -> list[str]:
        """Labels of coalitions whose equilibrium did not converge."""
        return [self.label(m) for m in np.flatnonzero(~self.converged)]

    @property
    def stable_coalitions(self) -> list[str]:
        """Labels of the stable coalitions."""
        return [self.label(m) for m in np.flatnonzero(self.stable)]

    # -- tables -------------------------------------------------------------------------

    def _coalition_frame(self) -> pd.DataFrame:
        pl = self.players
        df = pd.DataFrame(
            {
                "mask": self.masks,
                "coalition": [self.label(m) for m in self.masks],
                "size": _popcount(self.masks),
                "response_rate": self.response_rate,
                "leverage_pct": self.leverage_pct,
                "target_pct": self.target_pct,
                "leader_pct": self.leader_pct,
                "cost_pct": self.cost_pct,
                "outsiders_pct": self.outsiders_pct,
                "leverage_bn": self.leverage_bn,
                "cost_bn": self.cost_bn,
                "outsiders_bn": self.outsiders_bn,
                "efficiency": self.efficiency,
                "internally_stable": self.internally_stable,
                "externally_stable": self.externally_stable,
                "stable": self.stable,
                "reaches_target": np.isin(self.masks, self.reaching),
                "converged": self.converged,
                "iterations": self.iterations,
                "max_residual": self.max_residual,
                "solver": self.solver,
                "response_foc": self.response_foc,
            }
        )
        for j, a in enumerate(pl.allies):
            df[f"welfare_{a}_pct"] = self.ally_pct[:, j]
        return df

    def _ally_frame(self) -> pd.DataFrame:
        pl = self.players
        g = self.grand
        rows = []
        for j, a in enumerate(pl.allies):
            bit = 1 << j
            outside = self.masks[(self.masks & bit) == 0]
            gains = self.join_gain[outside, j]
            known = np.isfinite(gains)
            row = {
                "ally": a,
                "countries": len(pl.ally_idx[j]),
                "welfare_alone_pct": self.ally_pct[bit, j],
                "welfare_grand_pct": self.ally_pct[g, j],
                "welfare_outside_pct": self.ally_pct[0, j],
                "marginal_alone": self.marginal[0, j],
                "marginal_last": self.marginal[g ^ bit, j],
                "shapley": self.shapley[j],
                "join_gain_alone": self.join_gain[0, j],
                "join_gain_grand": self.join_gain[g ^ bit, j],
                "joining_pays_share": (
                    float(np.mean(gains[known] > STABILITY_TOL)) if known.any() else np.nan
                ),
            }
            if self.credibility is not None:
                row["p_star_alone"] = self.credibility.p_star_alone[j]
                row["p_star_grand"] = self.credibility.p_star_grand[j]
            if self.america_first is not None:
                af = self.america_first
                row["af_welfare_grand_pct"] = af.ally_pct[g, j]
                row["af_join_gain_alone"] = af.join_gain[0, j]
                row["af_join_gain_grand"] = af.join_gain[g ^ bit, j]
                if af.credibility is not None:
                    row["af_p_star_alone"] = af.credibility.p_star_alone[j]
                    row["af_p_star_grand"] = af.credibility.p_star_grand[j]
            rows.append(row)
        return pd.DataFrame(rows)

    def _credibility_frame(self) -> pd.DataFrame | None:
        c = self.credibility
        if c is None:
            return None
        return pd.DataFrame(
            {
                "p": c.p_grid,
                "willing": [
                    ",".join(a for a, w in zip(self.players.allies, row, strict=True) if w)
                    for row in c.willing
                ],
                "n_willing": c.willing.sum(axis=1),
                "leverage_willing": c.leverage_willing,
                "expected_leverage": c.expected_leverage,
            }
        )

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """pandas tables.

        Returns:
            ``welfare`` (coalitions x countries, % welfare, plus mask/coalition/size),
            ``coalitions`` (measures, stability, diagnostics, each ally's welfare),
            ``allies`` (Shapley, marginal contributions, participation, p*, America First),
            ``credibility`` (expected leverage by p) if computed, and ``af_coalitions`` /
            ``af_welfare`` for the America-First variant if run.
        """
        welfare = pd.DataFrame(self.welfare_pct, columns=list(self.countries))
        welfare.insert(0, "size", _popcount(self.masks))
        welfare.insert(0, "coalition", [self.label(m) for m in self.masks])
        welfare.insert(0, "mask", self.masks)
        out = {
            "welfare": welfare,
            "coalitions": self._coalition_frame(),
            "allies": self._ally_frame(),
        }
        cred = self._credibility_frame()
        if cred is not None:
            out["credibility"] = cred
        if self.america_first is not None:
            af = self.america_first.to_frames()
            out["af_coalitions"] = af["coalitions"]
            out["af_welfare"] = af["welfare"]
            if "credibility" in af:
                out["af_credibility"] = af["credibility"]
        return out

    def summary(self) -> dict[str, Any]:
        """The headline numbers (JSON-ready)."""
        g = self.grand
        lev0, levg = float(self.leverage_pct[0]), float(self.leverage_pct[g])
        out: dict[str, Any] = {
            "name": self.spec.name,
            "variant": self.variant,
            "spec": self.spec.to_dict(),
            "source": self.source,
            "allies_canonical_order": list(self.players.allies),
            "coalitions": len(self.masks),
            "leverage_leader_alone_pct": lev0,
            "leverage_grand_pct": levg,
            "leverage_ratio_grand_to_alone": levg / lev0 if lev0 > 0 else None,
            "cost_grand_pct": float(self.cost_pct[g]),
            "efficiency_grand": _num(self.efficiency[g]),
            "leader_alone_pct": float(self.leader_pct[0]),
            "leader_grand_pct": float(self.leader_pct[g]),
            "response_rate_leader_alone": _num(self.response_rate[0]),
            "response_rate_grand": _num(self.response_rate[g]),
            "shapley": {a: _num(v) for a, v in zip(self.players.allies, self.shapley, strict=True)},
            "stable_coalitions": self.stable_coalitions,
            "leverage_threshold_pct": _num(self.threshold),
            "smallest_reaching_threshold": [self.label(m) for m in self.reaching],
            "failures": self.failures,
            "max_residual": _num(np.nanmax(self.max_residual)),
            "seconds": self.seconds,
        }
        if self.credibility is not None:
            c = self.credibility
            out["p_star_grand"] = {
                a: _num(v) for a, v in zip(self.players.allies, c.p_star_grand, strict=True)
            }
            out["p_star_alone"] = {
                a: _num(v) for a, v in zip(self.players.allies, c.p_star_alone, strict=True)
            }
        if self.spec.response == "optimal":
            out["response_rates"] = {
                self.label(m): _num(r) for m, r in zip(self.masks, self.response_rate, strict=True)
            }
        if self.america_first is not None:
            out["america_first"] = self.america_first.summary()
        return out

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write every table as CSV and Parquet and ``summary.json``, each atomically."""
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: exists and is not a folder; choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        paths: list[Path] = []
        for name, df in self.to_frames().items():
            csv = out / f"{name}.csv"
            atomic_write_text(csv, df.to_csv(index=False, float_format="%.10g"))
            pq = out / f"{name}.parquet"
            atomic_write_parquet(pq, df)
            paths += [csv, pq]
        js = out / "summary.json"
        atomic_write_text(js, json.dumps(self.summary(), indent=2, default=str) + "\n")
        paths.append(js)
        return paths


def _num(v: Any) -> float | None:
    f = float(v)
    return f if math.isfinite(f) else None


# ----------------------------------------------------------------------------------------
# Analysis (pure NumPy on the welfare matrix)


def _weighted(W: np.ndarray, idx: Sequence[int], weights: np.ndarray) -> np.ndarray:
    """Weighted mean over countries ``idx`` of ``W`` (M, N) -> (M,)."""
    idx = list(idx)
    if not idx:
        return np.full(W.shape[0], np.nan)
    w = weights[idx]
    return W[:, idx] @ w / w.sum()


def shapley_values(value: np.ndarray) -> np.ndarray:
    """Exact Shapley values of the game ``value[mask]`` (``value[0]`` = empty), shape (k,).

    ``phi_a = sum_{S not containing a} |S|! (k - |S| - 1)! / k! (v(S ∪ a) - v(S))``.
    """
    M = len(value)
    k = M.bit_length() - 1
    masks = np.arange(M)
    size = _popcount(masks)
    w = np.array([math.factorial(s) * math.factorial(k - s - 1) for s in range(k)], float)
    w /= math.factorial(k)
    phi = np.zeros(k)
    for j in range(k):
        out = masks[(masks >> j & 1) == 0]
        phi[j] = np.sum(w[size[out]] * (value[out | 1 << j] - value[out]))
    return phi


def _analyse(
    spec: CoalitionSpec,
    variant: str,
    players: Players,
    countries: tuple[str, ...],
    weights: np.ndarray,
    batch: _Batch,
    to_bn: float,
    seconds: float,
    source: str,
) -> CoalitionResults:
    W = batch.welfare_pct
    M, k = W.shape[0], players.k
    masks = np.arange(M)
    members = [players.countries(int(m)) for m in masks]
    target = _weighted(W, players.target_idx, weights)
    leader = _weighted(W, players.leader_idx, weights)
    ally = np.stack([_weighted(W, idx, weights) for idx in players.ally_idx], axis=1)
    cost = np.empty(M)
    outsiders = np.empty(M)
    cost_units = np.empty(M)
    out_units = np.empty(M)
    tset = set(players.target_idx)
    value_of = weights / 100.0  # welfare pp -> data units
    for m in masks:
        mem = members[m]
        inside = tset | set(mem)
        rest = [c for c in range(len(countries)) if c not in inside]
        wm, wr = weights[mem], weights[rest]
        cost[m] = -(W[m, mem] @ wm) / wm.sum()
        outsiders[m] = (W[m, rest] @ wr) / wr.sum() if rest else np.nan
        cost_units[m] = -(W[m, mem] @ value_of[mem])
        out_units[m] = W[m, rest] @ value_of[rest] if rest else np.nan
    leverage = -target
    leverage_units = leverage * weights[list(players.target_idx)].sum() / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        efficiency = np.where(
            cost_units > 0, leverage_units / np.where(cost_units > 0, cost_units, 1.0), np.nan
        )
    marginal = np.full((M, k), np.nan)
    join_gain = np.full((M, k), np.nan)
    for j in range(k):
        out = masks[(masks >> j & 1) == 0]
        marginal[out, j] = leverage[out | 1 << j] - leverage[out]
        join_gain[out, j] = ally[out | 1 << j, j] - ally[out, j]
    internal = np.ones(M, dtype=bool)
    external = np.ones(M, dtype=bool)
    for m in masks:
        for j in range(k):
            if m >> j & 1:  # member: must not gain by leaving
                g = join_gain[m ^ 1 << j, j]
                internal[m] &= bool(g >= -STABILITY_TOL)
            else:  # outsider: must not gain by joining
                g = join_gain[m, j]
                external[m] &= bool(g <= STABILITY_TOL)
    threshold = spec.leverage_multiple * leverage[0]
    reach: tuple[int, ...] = ()
    if np.isfinite(threshold) and leverage[0] > 0:
        ok = masks[leverage >= threshold]
        if len(ok):
            size = _popcount(ok)
            best = ok[size == size.min()]
            reach = tuple(int(m) for m in best[np.argsort(-leverage[best], kind="stable")])
    return CoalitionResults(
        spec=spec,
        variant=variant,
        players=players,
        countries=countries,
        weights=weights,
        welfare_pct=W,
        converged=batch.converged,
        iterations=batch.iterations,
        max_residual=batch.max_residual,
        solver=batch.solver,
        response_rate=(np.full(M, np.nan) if batch.response_rate is None else batch.response_rate),
        response_foc=np.full(M, np.nan) if batch.response_foc is None else batch.response_foc,
        leverage_pct=leverage,
        target_pct=target,
        leader_pct=leader,
        cost_pct=cost,
        outsiders_pct=outsiders,
        leverage_bn=leverage_units * to_bn,
        cost_bn=cost_units * to_bn,
        outsiders_bn=out_units * to_bn,
        efficiency=efficiency,
        ally_pct=ally,
        marginal=marginal,
        join_gain=join_gain,
        shapley=shapley_values(leverage - leverage[0]),
        internally_stable=internal,
        externally_stable=external,
        stable=internal & external,
        reaching=reach,
        threshold=float(threshold),
        credibility=None,
        america_first=None,
        seconds=seconds,
        source=source,
    )


def _credibility(res: CoalitionResults, batch: _Batch, punishment: str | float) -> Credibility:
    """p* and the expected-leverage curve from the 2k betrayal equilibria.

    ``batch`` rows: ``0..k-1`` the grand coalition with ally ``j`` tariffed, ``k..2k-1``
    ``{leader, j}`` with ``j`` tariffed.
    """
    pl = res.players
    k, g = pl.k, res.grand
    Wb = batch.welfare_pct
    b_ally = np.array(
        [_weighted(Wb[[r]], pl.ally_idx[r % k], res.weights)[0] for r in range(2 * k)]
    )
    b_target = _weighted(Wb, pl.target_idx, res.weights)
    betrayed_grand, betrayed_alone = b_ally[:k], b_ally[k:]
    p_grand = np.array(
        [
            break_even(res.ally_pct[g, j], betrayed_grand[j], res.ally_pct[g ^ 1 << j, j])
            for j in range(k)
        ]
    )
    p_alone = np.array(
        [
            break_even(res.ally_pct[1 << j, j], betrayed_alone[j], res.ally_pct[0, j])
            for j in range(k)
        ]
    )
    lev_betrayed = -b_target[:k]
    p_grid = np.asarray(P_GRID)
    willing = p_grid[:, None] < p_grand[None, :]
    masks = (willing * (1 << np.arange(k))[None, :]).sum(axis=1)
    lev_willing = res.leverage_pct[masks]
    delta = lev_betrayed - res.leverage_pct[g]
    expected = lev_willing + p_grid * (willing * delta[None, :]).sum(axis=1)
    return Credibility(
        punishment=punishment,
        p_star_grand=p_grand,
        p_star_alone=p_alone,
        betrayed_grand_pct=betrayed_grand,
        betrayed_alone_pct=betrayed_alone,
        betrayed_leverage_grand=lev_betrayed,
        p_grid=p_grid,
        willing=willing,
        leverage_willing=lev_willing,
        expected_leverage=expected,
        converged=batch.converged,
    )


# ----------------------------------------------------------------------------------------
# Entry point


def _load(spec: CoalitionSpec) -> AnyEconomy:
    if spec.data == "world2023":
        from blocs.data import load_world2023

        return load_world2023()
    if spec.data == "icio2022":
        from blocs.data.multisector import load_icio2022

        return load_icio2022()
    raise InputError(
        f"data={spec.data!r}: embedded data sets for coalitions are 'world2023' (one sector) "
        "and 'icio2022' (81 economies x 28 sectors); or pass an economy"
    )


def _leader_2025_rates(economy: AnyEconomy, spec: CoalitionSpec, what: str) -> np.ndarray:
    """The April-2025 US rate on each exporter, shape (N,) (icio2022: mapped by code)."""
    fix = (
        ", or give punishment a rate (e.g. 0.25) or None"
        if what == "punishment"
        else ", or set america_first=False (--no-america-first)"
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


def america_first_baseline(economy: AnyEconomy, players: Players, rates: np.ndarray) -> np.ndarray:
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
    if base.ndim == 3:
        goods = np.flatnonzero(goods_sectors(economy))  # type: ignore[arg-type]
        base[np.ix_(everyone, lead, goods)] = np.asarray(rates)[:, None, None]
    else:
        base[np.ix_(everyone, lead)] = np.asarray(rates)[:, None]
    base[np.ix_(lead, lead)] = 0.0
    return base


def solve_coalitions(
    economy: AnyEconomy | None,
    spec: CoalitionSpec,
    model: imls.IMLS | None = None,
    *,
    chunk_size: int = 64,
    progress: Progress | None = None,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> CoalitionResults:
    """Solve every coalition of ``spec`` (and its variants) and analyse them.

    Args:
        economy: an :class:`~blocs.economy.Economy` (one-sector model ``model``), a
            :class:`~blocs.models.caliendo_parro.MultiSectorEconomy` (Caliendo-Parro model,
            data deficits; ``model`` is ignored), or None to load ``spec.data``.
        spec: the :class:`CoalitionSpec`.
        model: one-sector model options (default :class:`~blocs.models.imls.IMLS`).
        chunk_size: equilibria solved together in one ``vmap`` (bounds memory; with 64 the
            whole process peaks near 0.9 GB on world2023 and 2 GB on icio2022); with an
            optimal response, the number of best-response searches run side by side.
        progress: called as ``progress(done, total)`` after each chunk (optimal response:
            after each coalition).
        tol, max_steps: solver tolerance (largest scaled residual) and Newton steps.

    Returns:
        :class:`CoalitionResults` (plain variant), with ``america_first`` (the America-First
        variant's :class:`CoalitionResults`) and ``credibility`` (on both variants) filled
        when the spec asks for them; ``spec`` holds the resolved ``america_first`` and
        ``punishment``. Work: ``2**k`` equilibria per variant plus ``2k`` for credibility
        (an optimal response: ``2**k`` best-response searches of ~5 equilibria each, the
        ``2k`` betrayal equilibria keep the chosen rates). Unconverged equilibria and failed
        searches are reported in ``converged`` / ``failures`` with NaN welfare, never
        dropped.

    Raises:
        InputError: bad players, rates, or variants the data cannot support.
    """
    model = model or imls.IMLS()
    if chunk_size < 1:
        raise InputError(f"chunk_size={chunk_size}: must be >= 1")
    if economy is None:
        economy = _load(spec)
    elif spec.data in DATA_UNITS_TO_BN and isinstance(economy, MultiSectorEconomy) != (
        spec.data == "icio2022"
    ):
        raise InputError(
            f"spec.data={spec.data!r} does not match the economy given "
            f"({type(economy).__name__}): pass economy=None to load {spec.data}, or set data "
            "to a label of your own"
        )
    to_bn = DATA_UNITS_TO_BN.get(spec.data, float("nan"))
    plain = coalition_policies(
        economy, spec.leader, spec.target, spec.allies, spec.tariff, spec.response
    )
    k = plain.players.k
    if isinstance(economy, Economy):
        has_2025 = (
            plain.players.leader == "USA"
            and not np.isnan(np.asarray(economy.us_tariff_2025, dtype=float)).any()
        )
    else:  # the rates are mapped onto icio2022's codes (TWN 32 %, ROW import-weighted)
        has_2025 = plain.players.leader == "USA" and spec.data == "icio2022"
    if spec.america_first is None or spec.punishment == "auto":
        spec = dataclasses.replace(
            spec,
            america_first=has_2025 if spec.america_first is None else spec.america_first,
            punishment=("us_tariffs_2025" if has_2025 else None)
            if spec.punishment == "auto"
            else spec.punishment,
        )
    af_policies = None
    if spec.america_first:
        rates = _leader_2025_rates(economy, spec, "america_first")
        base = america_first_baseline(economy, plain.players, rates)
        af_policies = coalition_policies(
            economy,
            spec.leader,
            spec.target,
            spec.allies,
            spec.tariff,
            spec.response,
            baseline_t=base,
            member_relief=True,
        )
    punish_rates = None
    if spec.punishment is not None:
        if spec.punishment == "us_tariffs_2025":
            punish_rates = _leader_2025_rates(economy, spec, "punishment")
        else:
            punish_rates = np.full(economy.n, float(spec.punishment))
    M = 2**k
    per_variant = M + (2 * k if punish_rates is not None else 0)
    total = per_variant * (2 if af_policies is not None else 1)
    engine = _Engine(
        economy,
        model,
        tol=tol,
        max_steps=max_steps,
        chunk=min(chunk_size, M),
        progress=progress,
        total=total,
    )
    source = getattr(economy, "source", "")
    start = time.perf_counter()

    def variant(policies: CoalitionPolicies, name: str) -> CoalitionResults:
        if policies.optimal:
            batch = engine.best_responses(policies, M, float(spec.max_response))
        else:
            fixed = np.nan if policies.response_rate is None else policies.response_rate
            batch = dataclasses.replace(
                engine.solve(policies.tariffs, M), response_rate=np.full(M, fixed)
            )
        res = _analyse(
            spec, name, policies.players, economy.iso3, engine.weights, batch, to_bn, 0.0, source
        )
        if punish_rates is None:
            return res
        rates = punish_rates
        chosen = batch.response_rate

        def betrayal(r: int) -> np.ndarray | None:
            """Row r: the grand coalition (r < k) or {leader, j}, with ally j tariffed; an
            optimal response keeps the rate the target chose against that coalition."""
            j = r % k
            mask = M - 1 if r < k else 1 << j
            if not policies.optimal:
                return policies.betrayed(mask, j, rates)
            assert chosen is not None
            if not np.isfinite(chosen[mask]):
                return None  # the response failed: no betrayal equilibrium to compute
            return policies.betrayed(mask, j, rates, float(chosen[mask]))

        cred = _credibility(res, engine.solve(betrayal, 2 * k), spec.punishment or "")
        return dataclasses.replace(res, credibility=cred)

    res = variant(plain, "plain")
    af = variant(af_policies, "america_first") if af_policies is not None else None
    seconds = time.perf_counter() - start
    if af is not None:
        af = dataclasses.replace(af, seconds=seconds)
    return dataclasses.replace(res, america_first=af, seconds=seconds)
