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
    responds with ``none``, ``mirror`` (the same rate on every coalition country) or a
    number (that rate on every coalition country). ``optimal`` is refused, see
    :func:`coalition_policies`.

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

Credibility
    With probability ``p`` the leader re-imposes its tariffs (default: the April-2025 rates)
    on a member ``a`` after the coalition ``S`` forms. Joining pays iff
    ``(1 - p) W_a(S) + p W_a(S, a tariffed) >= W_a(S \\ a)``: the break-even
    ``p* = dW / (dW - dW_b)`` with ``dW = W_a(S) - W_a(S \\ a)`` and
    ``dW_b = W_a(S, a tariffed) - W_a(S \\ a)``; ``p* = 0`` if joining does not pay even
    with a reliable leader, ``1`` if it pays even when betrayal is sure. Reported for the
    grand coalition and for joining the leader alone, in both variants (in the America-First
    variant betrayal takes back the member's tariff relief). The expected-leverage curve is
    described in :class:`Credibility`.

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
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from blocs.economy import Economy
from blocs.errors import InputError
from blocs.models import imls
from blocs.models.caliendo_parro import MultiSectorEconomy, solve_multisector
from blocs.run import atomic_write_text
from blocs.scenario import resolve_group, us_tariffs_2025
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL

__all__ = [
    "MAX_ALLIES",
    "STABILITY_TOL",
    "CoalitionPolicies",
    "CoalitionResults",
    "CoalitionSpec",
    "Credibility",
    "Players",
    "allied_front_spec",
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
        response: the target's response: ``"none"``, ``"mirror"``, ``"optimal"`` (refused,
            see :func:`coalition_policies`) or a rate (float) on every coalition country.
        data: embedded data set loaded when no economy is given (``world2023``,
            ``icio2022``); a label otherwise.
        america_first: also run the America-First variant; it needs the April-2025 US rates
            (leader USA, one-sector data that has them). None (default): run it when
            possible.
        punishment: what an unreliable leader re-imposes on a member: ``"us_tariffs_2025"``
            (the April-2025 rates, leader USA, one-sector data), a rate, None (no credibility
            analysis) or ``"auto"`` (default: the 2025 rates when possible, else None).
        leverage_multiple: the leverage target of the "smallest coalitions" search, as a
            multiple of the leader-alone leverage.
        name: a label for outputs.
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

    def __post_init__(self) -> None:
        allies = self.allies.split(",") if isinstance(self.allies, str) else self.allies
        object.__setattr__(self, "allies", tuple(str(a).strip() for a in allies if str(a).strip()))
        if not _finite_rate(self.tariff):
            raise InputError(
                f"tariff={self.tariff!r}: give a finite ad-valorem rate > -1 (0.5 = 50 %)"
            )
        if isinstance(self.response, str) and self.response.lower() not in RESPONSES:
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
        response_rate: the target's rate on coalition countries, or None (no response).
        goods: sectors tariffed, shape (S,), or None (one sector).
    """

    players: Players
    baseline_t: np.ndarray
    reset_t: np.ndarray | None
    tariff: float
    response_rate: float | None
    goods: np.ndarray | None

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

    def tariffs(self, mask: int) -> np.ndarray:
        """Counterfactual tariffs of coalition ``mask``, shape (N, N) or (N, N, S)."""
        pl = self.players
        t = np.array(self.baseline_t, dtype=float, copy=True)
        if self.reset_t is not None:
            for j, idx in enumerate(pl.ally_idx):
                if mask >> j & 1:
                    blk = np.ix_(list(idx), list(pl.leader_idx))
                    t[blk] = self.reset_t[blk]
        members = pl.countries(mask)
        t[self._block(pl.target_idx, members)] = self.tariff
        if self.response_rate is not None:
            t[self._block(members, pl.target_idx)] = self.response_rate
        return t

    def betrayed(self, mask: int, ally: int, rates: np.ndarray) -> np.ndarray:
        """Tariffs of ``mask`` when the leader also tariffs member ``ally`` at ``rates``.

        Args:
            rates: the leader's rate on each exporter, shape (N,).
        """
        t = self.tariffs(mask)
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
        response: ``"none"``, ``"mirror"`` (the same rate on every coalition country) or a
            rate. ``"optimal"`` raises :class:`InputError`: the closed form of models.md §1,
            ``t* = 1 / ((1 + delta eps) phi - 1)``, is the optimal *uniform tariff on all
            imports* (it rests on Lerner symmetry: such a tariff acts like an export tax and
            moves the target's terms of trade against everyone). A tariff on the coalition
            only diverts trade to outsiders and no closed form exists in this model; the
            paper's two-region shortcut (models.md §1, "optimal retaliation") would treat
            the outsiders as part of the coalition. Numerical best responses come with the
            strategy module.
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
    if isinstance(response, str):
        key = response.strip().lower()
        if key == "optimal":
            raise InputError(
                "response='optimal' is not available yet: the closed-form optimal tariff of "
                "models.md §1 holds for a uniform tariff on all of a country's imports, not "
                "on a coalition only (trade diverts to outsiders; no closed form exists in "
                "this model). Numerical optimal responses come with the strategy module. "
                "Use response='mirror' or 'none', or give a rate, e.g. the target's "
                "unilateral closed-form rate blocs.optimal_tariff_closed_form(economy, "
                "model, target) applied to coalition members"
            )
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


def _broyden(F: Callable, x0: jax.Array, H0: jax.Array, tol: float, max_steps: int):
    """Broyden's ("good") method with the inverse Jacobian updated by Sherman-Morrison."""
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

    x, _, _, k = jax.lax.while_loop(cond, body, (x0, f0, H0, jnp.asarray(0)))
    return x, k


def _imls_outcome(p, policy, st, x):
    """Welfare (%) and the largest scaled residual at ``x = [log w_hat, log L_hat]``.

    The same outcome and residual as :func:`blocs.models.imls.solve_params` at its root.
    """
    n = p.E.shape[0]
    g = imls._aggregates(x, p, policy, st.deficits)
    o = imls._evaluate(jnp.concatenate([x[:n], jnp.log(g.E_hat), x[n:]]), p, policy)
    r = jnp.max(jnp.abs(imls._conditions(g, p, st)))
    r = jnp.where(jnp.isfinite(r), r, jnp.inf)
    return 100.0 * (imls.welfare(p, o, st.revenue) - 1.0), r


@functools.partial(jax.jit, static_argnames=("st",))
def _imls_batch(p, ts, x0, H0, tol, max_steps, *, st):
    """Broyden solves of the tariff matrices ``ts`` (B, N, N); ``tol`` and ``max_steps`` are
    traced, so changing them does not recompile."""
    n = p.E.shape[0]

    def one(t):
        policy = imls.Policy(t=t, d_hat=jnp.ones((n, n)))
        x, k = _broyden(lambda x: imls.residual(x, (p, policy, st)), x0, H0, tol, max_steps)
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
            self.st = imls._Static(model.revenue, model.deficits, model.numeraire)
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

    def solve(self, build: Callable[[int], np.ndarray], count: int) -> _Batch:
        """Solve ``build(0) ... build(count - 1)``; row ``r`` of the result is ``build(r)``."""
        n = self.economy.n
        W = np.full((count, n), np.nan)
        conv = np.zeros(count, dtype=bool)
        its = np.zeros(count, dtype=int)
        res = np.full(count, np.nan)
        solver = np.array(
            ["multisector-newton" if self.multisector else "broyden"] * count, dtype=object
        )
        if not self.multisector:
            x0, H0 = self._anchor(build(0))
        for start in range(0, count, self.chunk):
            rows = list(range(start, min(start + self.chunk, count)))
            ts = np.stack([build(r) for r in rows])
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
        if not self.multisector:
            for row in np.flatnonzero(~conv):
                r = int(row)
                policy = imls.Policy(t=jnp.asarray(build(r)), d_hat=jnp.ones((n, n)))
                sol = imls.solve(
                    self.economy,  # type: ignore[arg-type]
                    policy,
                    self.model,
                    tol=self.tol,
                    max_steps=self.max_steps,
                    throw=False,
                )
                W[r] = 100.0 * (np.asarray(sol.welfare_hat) - 1.0)
                conv[r] = bool(sol.converged)
                its[r] = int(sol.iterations)
                res[r] = float(sol.max_residual)
                solver[r] = "newton-continuation"
        W[~conv] = np.nan  # an unconverged equilibrium has no welfare to report
        return _Batch(W, conv, its, res, solver)


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
        converged, iterations, max_residual, solver: diagnostics, shape (M,).
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
            _atomic_parquet(df, pq)
            paths += [csv, pq]
        js = out / "summary.json"
        atomic_write_text(js, json.dumps(self.summary(), indent=2, default=str) + "\n")
        paths.append(js)
        return paths


def _num(v: Any) -> float | None:
    f = float(v)
    return f if math.isfinite(f) else None


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    if isinstance(economy, MultiSectorEconomy):
        raise InputError(
            f"{what} uses the April-2025 US tariffs, which multi-sector data ({spec.data}) "
            "does not have: use data='world2023'"
            + (", or give punishment a rate (e.g. 0.25) or None" if what == "punishment" else "")
        )
    if spec.leader.upper() != "USA":
        raise InputError(
            f"{what} uses the April-2025 US tariffs, but the leader is '{spec.leader}': "
            "make the leader USA"
            + (", or give punishment a rate (e.g. 0.25) or None" if what == "punishment" else "")
        )
    return us_tariffs_2025(economy)


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
            whole process peaks near 0.9 GB on world2023 and 2 GB on icio2022).
        progress: called as ``progress(done, total)`` after each chunk.
        tol, max_steps: solver tolerance (largest scaled residual) and Newton steps.

    Returns:
        :class:`CoalitionResults` (plain variant), with ``america_first`` (the America-First
        variant's :class:`CoalitionResults`) and ``credibility`` (on both variants) filled
        when the spec asks for them; ``spec`` holds the resolved ``america_first`` and
        ``punishment``. Work: ``2**k`` equilibria per variant plus ``2k`` for credibility.
        Unconverged equilibria are reported in ``converged`` / ``failures`` with NaN
        welfare, never dropped.

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
    has_2025 = (
        isinstance(economy, Economy)
        and plain.players.leader == "USA"
        and not np.isnan(np.asarray(economy.us_tariff_2025, dtype=float)).any()
    )
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
        base = np.asarray(economy.t, dtype=float).copy()
        lead = list(plain.players.leader_idx)
        base[:, lead] = rates[:, None]
        base[lead, lead] = 0.0
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
        batch = engine.solve(policies.tariffs, M)
        res = _analyse(
            spec, name, policies.players, economy.iso3, engine.weights, batch, to_bn, 0.0, source
        )
        if punish_rates is None:
            return res
        rates = punish_rates

        def betrayal(r: int) -> np.ndarray:
            j = r % k
            return policies.betrayed(M - 1 if r < k else 1 << j, j, rates)

        cred = _credibility(res, engine.solve(betrayal, 2 * k), spec.punishment or "")
        return dataclasses.replace(res, credibility=cred)

    res = variant(plain, "plain")
    af = variant(af_policies, "america_first") if af_policies is not None else None
    seconds = time.perf_counter() - start
    if af is not None:
        af = dataclasses.replace(af, seconds=seconds)
    return dataclasses.replace(res, america_first=af, seconds=seconds)
