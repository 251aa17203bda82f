"""The tariff games of Ossa (2014): optimal tariffs, the Nash war and trade talks.

Instrument layout of the paper: importer ``n`` controls its (N-1)·S tariffs ``t[i, n, s]``,
``i != n`` (or S MFN tariffs). The generic routines (:func:`blocs.strategy.optimal_tariffs`,
:func:`~blocs.strategy.nash_tariffs`, :func:`~blocs.strategy.equal_gains_tariffs`) run on
the :class:`~blocs.strategy.Game` built here, with exact gradients through
:func:`blocs.models.ossa.ossa_outcomes`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from blocs.errors import InputError
from blocs.models.ossa import OssaEconomy, OssaEquilibrium, ossa_outcomes, rebase, solve_ossa
from blocs.strategy.cooperative import (
    DEFAULT_COOPERATIVE_GTOL,
    CooperativeTariffs,
    equal_gains_tariffs,
)
from blocs.strategy.nash import NashTariffs, nash_tariffs
from blocs.strategy.optimal import DEFAULT_GTOL, Game, OptimalTariffs, optimal_tariffs

__all__ = [
    "OssaGame",
    "OssaStrategy",
    "ossa_game",
    "ossa_nash",
    "ossa_optimal_tariffs",
    "ossa_trade_talks",
]


def _offdiagonal_positions(n: int, s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices ``(i, n, s)`` of the off-diagonal tariffs, importer-major: importer ``n``'s
    (N-1)·S tariffs are the ``n``-th block, exporters ``i != n`` in order, then industries."""
    ii: list[int] = []
    nn: list[int] = []
    ss: list[int] = []
    for imp in range(n):
        for exp in range(n):
            if exp == imp:
                continue
            ii.extend([exp] * s)
            nn.extend([imp] * s)
            ss.extend(range(s))
    return np.asarray(ii), np.asarray(nn), np.asarray(ss)


def _tariffs_from_x(x, economy: OssaEconomy, base_t, free, mfn: bool):
    n, s = economy.n, economy.s
    offdiag = (1.0 - jnp.eye(n))[:, :, None]
    if mfn:
        t_x = jnp.broadcast_to(x.reshape(n, s)[None, :, :], (n, n, s)) * offdiag
    else:
        ii, nn, ss = _offdiagonal_positions(n, s)
        t_x = jnp.zeros((n, n, s)).at[ii, nn, ss].set(x)
    return jnp.where(free[None, :, None] > 0, t_x, base_t) * offdiag


@functools.cache
def _welfare_function(mfn: bool, objective: str) -> Callable:
    """One function object per (layout, objective), so compiled code is shared by games."""

    def welfare(x, args):
        economy, base_t, free = args
        eq = ossa_outcomes(economy, _tariffs_from_x(x, economy, base_t, free, mfn))
        return eq.G_hat if objective == "G" else eq.W_hat

    return welfare


@functools.cache
def _curvature_function(mfn: bool) -> Callable:
    """Typical second derivative of the importer's welfare in each of its tariffs.

    ``sigma[s] X'[i,n,s] / ((1 + t'[i,n,s])^2 E'[n])`` (summed over ``i`` for MFN
    instruments), at the equilibrium of ``x``: the own-effect of a tariff scales with the
    flow it taxes. Used only to precondition the optimisers (it is within a factor of about
    3 of the diagonal of the Hessian at Ossa's optima). A partial-equilibrium version without
    the solve preconditions the trade-talks problem much worse.
    """

    def curvature(x, args):
        economy, base_t, free = args
        t = _tariffs_from_x(x, economy, base_t, free, mfn)
        eq = ossa_outcomes(economy, t)
        E_new = jnp.sum((1.0 + t) * eq.X_new, axis=(0, 2))
        h = economy.sigma * eq.X_new / (1.0 + t) ** 2 / E_new[None, :, None]
        n, s = economy.n, economy.s
        if mfn:
            h = jnp.sum(h * (1.0 - jnp.eye(n))[:, :, None], axis=0)
            return h.ravel()
        ii, nn, ss = _offdiagonal_positions(n, s)
        return h[ii, nn, ss]

    return curvature


class OssaGame(NamedTuple):
    """The Ossa (2014) tariff game and its instrument layout.

    Attributes:
        game: the :class:`blocs.strategy.Game` (players = importers, in region order;
            welfare = ``G_hat`` or ``W_hat`` relative to the economy's baseline).
        to_tariffs: ``x -> t'``, instruments (m,) to tariffs (N, N, S) (NumPy).
        from_tariffs: ``t -> x``, tariffs (N, N, S) to instruments (m,) (NumPy; MFN layout:
            the import-weighted mean of each importer's off-diagonal tariffs).
    """

    game: Game
    to_tariffs: Callable[[Any], np.ndarray]
    from_tariffs: Callable[[Any], np.ndarray]


def ossa_game(
    economy: OssaEconomy,
    *,
    mfn: bool = False,
    objective: str = "G",
    base_tariffs=None,
    free: Sequence[int] | None = None,
    lower: float = 0.0,
    upper: float = 10.0,
) -> OssaGame:
    """The tariff game of Ossa (2014, Tables 3-5) on ``economy``.

    Importer ``n`` controls its (N-1)·S tariffs ``t[i, n, s]``, ``i != n`` (discriminatory
    by partner and industry, no export instruments), or with ``mfn=True`` its S tariffs
    ``t[i, n, s] = t_mfn[n, s]`` for all ``i != n``. The instrument vector ``x`` stacks the
    importers' blocks in region order. Welfare is ``G_hat`` (``objective="G"``, with
    ``economy.lam``) or ``W_hat`` (``"W"``), with ``NX' = 0``.

    Args:
        economy: the (balanced) baseline.
        mfn: uniform-across-partners instruments.
        objective: ``"G"`` or ``"W"``.
        base_tariffs: tariffs of importers not in ``free`` (default: the baseline's).
        free: importers whose tariffs are set by ``x`` (default: all). An MFN optimum of
            ``n`` with everyone else at factual tariffs uses ``mfn=True, free=[n]``.
        lower, upper: bounds on every tariff (Ossa: 0 and 10).
    """
    if objective not in ("G", "W"):
        raise InputError(f"objective must be 'G' or 'W', got {objective!r}")
    n, s = economy.n, economy.s
    base_t = jnp.asarray(economy.t if base_tariffs is None else base_tariffs, dtype=float)
    free_mask = np.zeros(n)
    free_mask[list(range(n)) if free is None else list(free)] = 1.0
    args = (economy, base_t, jnp.asarray(free_mask))
    block = s if mfn else (n - 1) * s
    players = tuple(np.arange(k * block, (k + 1) * block) for k in range(n))
    game = Game(
        _welfare_function(mfn, objective),
        args,
        players,
        lower=lower,
        upper=upper,
        names=economy.regions,
        curvature=_curvature_function(mfn),
    )

    def to_tariffs(x: Any) -> np.ndarray:
        return np.asarray(
            _tariffs_from_x(
                jnp.asarray(x, dtype=float), economy, base_t, jnp.asarray(free_mask), mfn
            )
        )

    def from_tariffs(t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        if mfn:
            X = np.asarray(economy.X) * (1.0 - np.eye(n))[:, :, None]
            return (np.sum(X * t, axis=0) / np.sum(X, axis=0)).ravel()
        ii, nn, ss = _offdiagonal_positions(n, s)
        return t[ii, nn, ss]

    return OssaGame(game, to_tariffs, from_tariffs)


class OssaStrategy(NamedTuple):
    """Tariffs chosen strategically in the Ossa model, and the equilibrium they give.

    Attributes:
        tariffs: the tariff profile ``t'[i, n, s]``, shape (N, N, S).
        equilibrium: :class:`OssaEquilibrium` at ``tariffs``, hats relative to ``baseline``.
        baseline: the economy the hats refer to (re-based at the start for trade talks).
        result: the optimiser's record (:class:`~blocs.strategy.OptimalTariffs`,
            :class:`~blocs.strategy.NashTariffs` or
            :class:`~blocs.strategy.CooperativeTariffs`).
    """

    tariffs: np.ndarray
    equilibrium: OssaEquilibrium
    baseline: OssaEconomy
    result: OptimalTariffs | NashTariffs | CooperativeTariffs


def ossa_optimal_tariffs(
    economy: OssaEconomy,
    importer: int | str,
    *,
    base_tariffs=None,
    mfn_start=None,
    objective: str = "G",
    gtol: float = DEFAULT_GTOL,
    upper: float = 10.0,
) -> OssaStrategy:
    """Importer ``n``'s optimal tariffs, everyone else at ``base_tariffs`` (Table 3).

    As Ossa (models.md §5): first the MFN optimum (S instruments), started from
    ``mfn_start`` (shape (S,); default: ``n``'s import-weighted mean base tariff by
    industry; Panel B: the targets ``tariff_noncoop_filled.csv``), then the discriminatory
    optimum ((N-1)·S instruments) started from the MFN optimum repeated across partners.
    Bounds ``[0, upper]``.

    Example:
        >>> import jax.numpy as jnp
        >>> X = jnp.array([[8.0, 2.0], [2.0, 8.0]])[:, :, None]
        >>> eco = OssaEconomy(X=X, t=jnp.zeros((2, 2, 1)), sigma=jnp.array([5.0]),
        ...                   lam=jnp.ones((2, 1)), regions=("H", "F"), sectors=("x",))
        >>> opt = ossa_optimal_tariffs(eco, "H")
        >>> lam_FF = float(opt.equilibrium.X_new[1, 1, 0] / opt.equilibrium.X_new[:, 1, 0].sum())
        >>> abs(float(opt.tariffs[1, 0, 0]) - 1 / (4 * lam_FF)) < 1e-6   # t* = 1/(eps lam_FF)
        True
    """
    n = economy.index(importer) if isinstance(importer, str) else int(importer)
    base = np.asarray(economy.t if base_tariffs is None else base_tariffs, dtype=float)
    mg = ossa_game(economy, mfn=True, objective=objective, base_tariffs=base, free=[n], upper=upper)
    xm = mg.from_tariffs(base)
    if mfn_start is not None:
        xm.reshape(economy.n, economy.s)[n] = np.asarray(mfn_start, dtype=float)
    mfn = optimal_tariffs(mg.game, xm, player=n, gtol=gtol)
    og = ossa_game(economy, objective=objective, upper=upper)
    x0 = og.from_tariffs(base)
    start = og.from_tariffs(mg.to_tariffs(mfn.x))
    idx = og.game.players[n]
    x0[idx] = start[idx]
    res = optimal_tariffs(og.game, x0, player=n, gtol=gtol)
    t = og.to_tariffs(res.x)
    return OssaStrategy(t, solve_ossa(economy, t), economy, res)


def ossa_nash(
    economy: OssaEconomy,
    *,
    start=None,
    objective: str = "G",
    tol: float = 1e-7,
    gtol: float = DEFAULT_GTOL,
    upper: float = 10.0,
    max_rounds: int = 100,
    verbose: bool = False,
) -> OssaStrategy:
    """The Nash tariff war of Ossa (2014, Table 4), tightly converged.

    Jacobi best responses (:func:`blocs.strategy.nash_tariffs`) over each importer's
    (N-1)·S tariffs, started from ``start`` (tariffs (N, N, S); default: every importer's
    unilateral optimum against the baseline tariffs, :func:`ossa_optimal_tariffs`), until no
    tariff moves by more than ``tol`` in a round. Ossa stopped at a signed mean change of
    0.01 (a looser Nash; his median tariffs differ by up to 0.45 pp).
    """
    og = ossa_game(economy, objective=objective, upper=upper)
    if start is None:
        x0 = og.from_tariffs(np.asarray(economy.t))
        for n in range(economy.n):
            opt = ossa_optimal_tariffs(economy, n, objective=objective, gtol=gtol, upper=upper)
            idx = og.game.players[n]
            x0[idx] = og.from_tariffs(opt.tariffs)[idx]
    else:
        x0 = og.from_tariffs(start)
    res = nash_tariffs(og.game, x0, tol=tol, gtol=gtol, max_rounds=max_rounds, verbose=verbose)
    t = og.to_tariffs(res.x)
    return OssaStrategy(t, solve_ossa(economy, t), economy, res)


def ossa_trade_talks(
    economy: OssaEconomy,
    start,
    *,
    objective: str = "G",
    gtol: float = DEFAULT_COOPERATIVE_GTOL,
    upper: float = 10.0,
    verbose: bool = False,
) -> OssaStrategy:
    """The efficient equal-gains agreement from ``start`` (Ossa 2014, Table 5).

    Re-bases the economy at ``start`` (tariffs (N, N, S): Nash, factual or zeros), then
    chooses all N(N-1)S tariffs in ``[0, upper]`` to maximise the first government's welfare
    subject to every government gaining the same percentage
    (:func:`blocs.strategy.equal_gains_tariffs`). Hats are relative to the re-based start.
    """
    base = rebase(economy, start)
    og = ossa_game(base, objective=objective, upper=upper)
    res = equal_gains_tariffs(og.game, og.from_tariffs(start), gtol=gtol, verbose=verbose)
    t = og.to_tariffs(res.x)
    return OssaStrategy(t, solve_ossa(base, t), base, res)
