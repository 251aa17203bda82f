"""The analysis of the welfare table (pure NumPy): measures, Shapley values, stability,
the smallest coalitions reaching a leverage target, and credibility.

Measures per coalition (percent changes from the baseline; groups weighted by baseline
expenditure :meth:`blocs.models.base.Model.expenditure`)
    - ``leverage_pct`` = the target's welfare loss (positive = loss).
    - ``cost_pct`` = the coalition's (leader and members) welfare loss, weighted.
    - ``leverage_bn``, ``cost_bn``, ``outsiders_bn``: the same in billions of USD
      (``pct / 100 * baseline expenditure``), and ``efficiency = leverage_bn / cost_bn``:
      dollars of target loss per dollar the coalition loses (NaN when the coalition gains
      or loses less than :data:`~blocs.coalitions.settings.MATERIAL_COST_PCT`).
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
      if both; comparisons allow :data:`~blocs.coalitions.settings.STABILITY_TOL`. A
      coalition whose verdict needs an unconverged solve is not stable.
    - The smallest coalitions whose leverage reaches ``leverage_multiple`` times the
      leader's alone.

Credibility
    With probability ``p`` the leader re-imposes its tariffs (default: the April-2025 rates)
    on a member ``a`` after the coalition ``S`` forms. Joining pays iff
    ``(1 - p) W_a(S) + p W_a(S, a tariffed) >= W_a(S \\ a)``: the break-even
    ``p* = dW / (dW - dW_b)`` with ``dW = W_a(S) - W_a(S \\ a)`` and
    ``dW_b = W_a(S, a tariffed) - W_a(S \\ a)``; ``p* = 0`` if joining does not pay even
    with a reliable leader, ``1`` if it pays even when betrayal is sure. Reported for the
    grand coalition and for joining the leader alone. The expected-leverage curve is
    described in :class:`~blocs.coalitions.results.Credibility`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from blocs.coalitions import settings
from blocs.coalitions.engine import Batch
from blocs.coalitions.players import Players, popcount
from blocs.coalitions.results import CoalitionResults, Credibility
from blocs.coalitions.spec import CoalitionSpec

__all__ = ["analyse", "break_even", "credibility", "shapley_values", "weighted"]


def break_even(in_pct: float, betrayed_pct: float, out_pct: float) -> float:
    """``p*`` solving ``(1 - p) in + p betrayed = out``, clipped to [0, 1] (NaN if unknown).

    0: joining does not pay even with a reliable leader; 1: it pays even when betrayal is
    sure. Differences within :data:`settings.STABILITY_TOL` count as ties.
    """
    dw = in_pct - out_pct
    dwb = betrayed_pct - out_pct
    if not (np.isfinite(dw) and np.isfinite(dwb)):
        return float("nan")
    if dw <= settings.STABILITY_TOL:
        return 0.0
    if dwb >= -settings.STABILITY_TOL:
        return 1.0
    return float(dw / (dw - dwb))


def weighted(W: np.ndarray, idx: Sequence[int], weights: np.ndarray) -> np.ndarray:
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
    size = popcount(masks)
    w = np.array([math.factorial(s) * math.factorial(k - s - 1) for s in range(k)], float)
    w /= math.factorial(k)
    phi = np.zeros(k)
    for j in range(k):
        out = masks[(masks >> j & 1) == 0]
        phi[j] = np.sum(w[size[out]] * (value[out | 1 << j] - value[out]))
    return phi


def analyse(
    spec: CoalitionSpec,
    variant: str,
    players: Players,
    countries: tuple[str, ...],
    weights: np.ndarray,
    batch: Batch,
    to_bn: float,
    seconds: float,
    source: str,
) -> CoalitionResults:
    """Measures, marginal contributions, Shapley values, stability and the leverage target
    of one variant from its solved coalitions ``batch`` (rows = masks); ``weights``:
    baseline expenditure (N,); ``to_bn``: billions of USD per data unit."""
    W = batch.welfare_pct
    M, k = W.shape[0], players.k
    masks = np.arange(M)
    members = [players.countries(int(m)) for m in masks]
    target = weighted(W, players.target_idx, weights)
    leader = weighted(W, players.leader_idx, weights)
    ally = np.stack([weighted(W, idx, weights) for idx in players.ally_idx], axis=1)
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
        material = (cost_units > 0) & (cost >= settings.MATERIAL_COST_PCT)
        efficiency = np.where(
            material, leverage_units / np.where(material, cost_units, 1.0), np.nan
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
                internal[m] &= bool(g >= -settings.STABILITY_TOL)
            else:  # outsider: must not gain by joining
                g = join_gain[m, j]
                external[m] &= bool(g <= settings.STABILITY_TOL)
    threshold = spec.leverage_multiple * leverage[0]
    reach: tuple[int, ...] = ()
    if np.isfinite(threshold) and leverage[0] > 0:
        ok = masks[leverage >= threshold]
        if len(ok):
            size = popcount(ok)
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


def credibility(res: CoalitionResults, batch: Batch, punishment: str | float) -> Credibility:
    """p* and the expected-leverage curve from the 2k betrayal equilibria.

    ``batch`` rows: ``0..k-1`` the grand coalition with ally ``j`` tariffed, ``k..2k-1``
    ``{leader, j}`` with ``j`` tariffed.
    """
    pl = res.players
    k, g = pl.k, res.grand
    Wb = batch.welfare_pct
    b_ally = np.array([weighted(Wb[[r]], pl.ally_idx[r % k], res.weights)[0] for r in range(2 * k)])
    b_target = weighted(Wb, pl.target_idx, res.weights)
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
    p_grid = np.asarray(settings.P_GRID)
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
