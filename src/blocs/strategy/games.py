"""Tariff games on the one-sector (IMLS) and multi-sector (Caliendo-Parro) models.

This module builds :class:`~blocs.strategy.Game` objects for the models of blocs and runs the
generic strategy routines on them (models.md §3):

- :func:`tariff_game`: players are countries or groups; each controls its tariffs on
  everyone outside it, in one of three **layouts** ("shapes"):

  ``uniform``              one rate per player on every outsider (and every goods sector);
  ``by-partner``           one rate per player and partner country (every goods sector);
  ``by-partner-sector``    one rate per player, partner and goods sector (multi-sector only).

  A group's objective is the sum of its members' real-income changes weighted by baseline
  income (expenditure ``E`` in the one-sector model, income ``I`` in the multi-sector one),
  or by given weights; weights are normalised to sum to one, so objectives are in *hat*
  units (1 = baseline real income) and certificates are fractions of income. Tariffs the
  players do not control (intra-group tariffs, services, everyone else's) stay at the
  starting policy's. Bounds ``0 <= t <= max_tariff``.
- :func:`optimal_for_scenario`, :func:`nash_for_scenario`, :func:`talks_for_scenario`: the
  ``blocs optimal`` / ``nash`` / ``talks`` commands, one call each.
- :func:`nash_newton`: Nash equilibria of one-instrument-per-player games (the uniform
  tariff war) by Newton's method on the stacked first-order conditions
  ``dW_p / dx_p = 0``: one reverse-mode Jacobian of every welfare w.r.t. every tariff gives
  the conditions (its "diagonal"), a forward-mode Jacobian of that gives their Jacobian.
- :func:`optimal_retaliation`: the tariff array after a group best-responds with one
  uniform rate on some partners (numerical counterpart of the closed form used for
  ``[[retaliation]] rule = "optimal"``).

Gradients come from the implicit function theorem through the equilibrium solves
(:func:`blocs.solvers.newton`), never from finite differences.

Example:
    >>> import blocs
    >>> from blocs.strategy.games import optimal_for_scenario
    >>> r = optimal_for_scenario("liberation-day-optimal", "USA")       # doctest: +SKIP
    >>> round(r.rate("USA"), 3)                                          # doctest: +SKIP
    0.218
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from blocs.errors import ConvergenceError, InputError
from blocs.models import imls
from blocs.strategy.cooperative import (
    DEFAULT_COOPERATIVE_GTOL,
    cooperative_tariffs,
    nash_bargaining,
)
from blocs.strategy.nash import DEFAULT_CERTIFICATE_TOL, nash_tariffs
from blocs.strategy.optimal import DEFAULT_GTOL, Game, optimal_tariffs

__all__ = [
    "DEFAULT_MAX_TARIFF",
    "SHAPES",
    "NashResult",
    "OptimalResult",
    "TalksResult",
    "TariffGame",
    "nash_for_scenario",
    "nash_newton",
    "optimal_for_scenario",
    "optimal_retaliation",
    "talks_for_scenario",
    "tariff_game",
]

Shape = Literal["uniform", "by-partner", "by-partner-sector"]
#: Instrument layouts.
SHAPES: tuple[str, ...] = ("uniform", "by-partner", "by-partner-sector")
#: Default upper bound on every strategic tariff (200 %).
DEFAULT_MAX_TARIFF = 2.0
#: Solver tolerance of the equilibria inside the objectives (largest scaled residual).
#: Gradients are exact only at a converged equilibrium; 1e-12 keeps them accurate to ~1e-12.
SOLVE_TOL = 1e-12
#: Newton steps of each equilibrium solve inside an objective.
SOLVE_MAX_STEPS = 60
#: Tolerance of :func:`nash_newton` on the first-order conditions, in welfare (hat units)
#: per unit of tariff. A player's unilateral gain near a point with FOC residual g is about
#: g^2 / (2 |d2W|), with |d2W| of order 1e-4..1 here: 1e-9 leaves gains below 1e-14,
#: far under the 1e-6 certificate of models.md §3.
FOC_TOL = 1e-9
#: Largest change of any tariff in one Newton step on the FOCs (a trust region: far from
#: the equilibrium the quadratic model can send tariffs of small countries far out).
NEWTON_MAX_STEP = 0.25
#: Newton iterations on the FOCs before giving up.
NEWTON_MAX_ITER = 50


# ----------------------------------------------------------------------------------------
# Objectives (module-level and cached per static option, so compiled code is shared)


def _tariffs_from_x(x: jax.Array, base: jax.Array, pos: jax.Array, owner: jax.Array):
    """``base`` with the flat positions ``pos`` set to ``x[owner]`` (same shape as base)."""
    flat = base.reshape(-1).at[pos].set(x[owner])
    return flat.reshape(base.shape)


def _imls_solve(x, args, revenue: str, deficits: str, numeraire: str):
    p, d_hat, base, pos, owner, _ = args
    t = _tariffs_from_x(x, base, pos, owner)
    return imls.solve_params(
        p,
        imls.Policy(t=t, d_hat=d_hat),
        revenue=revenue,
        deficits=deficits,
        numeraire=numeraire,
        tol=SOLVE_TOL,
        max_steps=SOLVE_MAX_STEPS,
    )


@functools.cache
def _imls_welfare(revenue: str, deficits: str, numeraire: str) -> Callable:
    def welfare(x, args):
        sol = _imls_solve(x, args, revenue, deficits, numeraire)
        return args[-1] @ jnp.where(sol.converged, sol.welfare_hat, jnp.nan)

    return welfare


@functools.cache
def _imls_country_welfare(revenue: str, deficits: str, numeraire: str) -> Callable:
    def welfare(x, args):
        sol = _imls_solve(x, args, revenue, deficits, numeraire)
        return sol.welfare_hat, sol.converged, sol.iterations

    return welfare


def _multisector_solve(x, args, inner_iterations: int):
    from blocs.models.caliendo_parro import solve_multisector

    eco, d_hat, base, pos, owner, _ = args
    t = _tariffs_from_x(x, base, pos, owner)
    return solve_multisector(
        eco,
        t,
        d_hat=d_hat,
        deficits="data",
        tol=SOLVE_TOL,
        max_steps=SOLVE_MAX_STEPS,
        inner_iterations=inner_iterations,
        throw=False,
    )


@functools.cache
def _multisector_welfare(inner_iterations: int) -> Callable:
    def welfare(x, args):
        eq = _multisector_solve(x, args, inner_iterations)
        w = jnp.where(eq.converged, 1.0 + eq.welfare_pct / 100.0, jnp.nan)
        return args[-1] @ w

    return welfare


@functools.cache
def _multisector_country_welfare(inner_iterations: int) -> Callable:
    def welfare(x, args):
        eq = _multisector_solve(x, args, inner_iterations)
        return 1.0 + eq.welfare_pct / 100.0, eq.converged, eq.iterations

    return welfare


# ----------------------------------------------------------------------------------------
# The game


@dataclasses.dataclass(frozen=True)
class TariffGame:
    """A tariff game on one of the models, with its instrument layout.

    Attributes:
        game: the generic :class:`~blocs.strategy.Game` (welfare in hat units, one entry
            per player).
        kind: ``"imls"`` or ``"caliendo_parro"``.
        shape: the layout (:data:`SHAPES`).
        players: player labels, length P.
        members: country codes of each player, P tuples.
        weights: objective weights, shape (P, N) (row ``p``: player ``p``'s members' shares).
        instruments: one row per instrument: ``player``, ``partner`` (country code or
            ``"all"``), ``sector`` (code or ``"goods"``/``"all"``).
        base_tariffs: tariffs the instruments are inserted into, shape (N, N) or (N, N, S).
        iso3: country codes of the economy.
        country_welfare: ``x -> (welfare_hat per country (N,), converged, iterations)``.
    """

    game: Game
    kind: str
    shape: str
    players: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    weights: np.ndarray
    instruments: pd.DataFrame
    base_tariffs: np.ndarray
    iso3: tuple[str, ...]
    pos: np.ndarray
    owner: np.ndarray
    flows: np.ndarray
    country_welfare: Callable[[Any], tuple[Any, Any, Any]]

    @property
    def m(self) -> int:
        """Number of instruments."""
        return int(len(self.instruments))

    def to_tariffs(self, x: Any) -> np.ndarray:
        """Instruments (m,) -> tariffs (shape of ``base_tariffs``)."""
        flat = self.base_tariffs.reshape(-1).copy()
        flat[self.pos] = np.asarray(x, dtype=float)[self.owner]
        return flat.reshape(self.base_tariffs.shape)

    def from_tariffs(self, t: Any) -> np.ndarray:
        """Tariffs -> instruments: the flow-weighted mean over each instrument's positions."""
        t = np.asarray(t, dtype=float).reshape(-1)[self.pos]
        w = self.flows.reshape(-1)[self.pos] + 1e-300
        num = np.bincount(self.owner, weights=w * t, minlength=self.m)
        den = np.bincount(self.owner, weights=w, minlength=self.m)
        return num / den

    def player_rates(self, x: Any) -> np.ndarray:
        """Each player's trade-weighted mean tariff on its partners, shape (P,)."""
        x = np.asarray(x, dtype=float)
        out = np.zeros(len(self.players))
        for p, idx in enumerate(self.game.players):
            w = np.bincount(self.owner, weights=self.flows.reshape(-1)[self.pos], minlength=self.m)
            ww = w[idx] + 1e-300
            out[p] = float(np.sum(ww * x[idx]) / np.sum(ww))
        return out


def _player_members(
    economy: Any, players: Sequence[str | Sequence[str]], groups: Mapping[str, Sequence[str]]
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    from blocs.scenario import resolve_group

    names: list[str] = []
    members: list[tuple[str, ...]] = []
    for k, pl in enumerate(players):
        if isinstance(pl, str):
            codes = resolve_group(pl, groups, economy, where=f"players[{k}]")
            names.append(pl.upper() if pl.upper() in economy.iso3 else pl)
        else:
            codes = []
            for item in pl:
                codes += resolve_group(item, groups, economy, where=f"players[{k}]")
            names.append("+".join(pl))
        if not codes:
            raise InputError(f"player '{names[-1]}' has no member in this data set")
        members.append(tuple(dict.fromkeys(codes)))
    seen: dict[str, str] = {}
    for name, mem in zip(names, members, strict=True):
        for c in mem:
            if c in seen:
                raise InputError(
                    f"country {c} belongs to two players ({seen[c]} and {name}); players "
                    "must not overlap (list a group once, or drop the country from one)"
                )
            seen[c] = name
    if len(set(names)) != len(names):
        raise InputError(f"players are listed twice: {', '.join(names)}")
    return tuple(names), tuple(members)


def _goods_sectors(economy: Any) -> list[int]:
    from blocs.scenario import builtin_sector_groups

    goods = builtin_sector_groups(economy)["GOODS"]
    return [economy.sectors.index(s) for s in goods]


def tariff_game(
    economy: Any,
    options: Any,
    players: Sequence[str | Sequence[str]],
    *,
    kind: str,
    base_tariffs: Any = None,
    d_hat: Any = None,
    shape: str = "uniform",
    max_tariff: float = DEFAULT_MAX_TARIFF,
    weights: Mapping[str, float] | None = None,
    partners: Mapping[str, Sequence[str]] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> TariffGame:
    """A tariff game on ``economy``.

    Args:
        economy: :class:`~blocs.economy.Economy` (``kind="imls"``) or
            :class:`~blocs.models.caliendo_parro.MultiSectorEconomy`.
        options: :class:`~blocs.models.imls.IMLS` or
            :class:`~blocs.scenario.MultiSectorOptions`.
        players: country codes or group names (a group acts as one player), or lists of
            codes.
        kind: ``"imls"`` or ``"caliendo_parro"``.
        base_tariffs: the starting tariffs (default: the economy's), shape (N, N) or
            (N, N, S); tariffs no player controls stay there.
        d_hat: iceberg trade-cost changes of the starting policy (default: none).
        shape: instrument layout (:data:`SHAPES`).
        max_tariff: upper bound of every instrument (lower bound 0).
        weights: member weights of group objectives (code -> weight; default baseline
            income); normalised within each player.
        partners: per player label, the countries its instruments apply to (default:
            every country outside the player).
        groups: extra group definitions (a scenario's ``[groups]``).

    Returns:
        :class:`TariffGame`.
    """
    if shape not in SHAPES:
        raise InputError(f"unknown shape '{shape}'; choose one of {', '.join(SHAPES)}")
    if kind not in ("imls", "caliendo_parro"):
        raise InputError(f"unknown model kind '{kind}'; expected 'imls' or 'caliendo_parro'")
    if not (np.isfinite(max_tariff) and max_tariff > 0):
        raise InputError(f"max_tariff must be a positive number (2.0 = 200 %), got {max_tariff}")
    one_sector = kind == "imls"
    if one_sector and shape == "by-partner-sector":
        raise InputError(
            "shape 'by-partner-sector' needs multi-sector data (icio2022, cp2015); the "
            "one-sector model has tariffs by partner only: use 'uniform' or 'by-partner'"
        )
    names, members = _player_members(economy, players, groups or {})
    n = economy.n
    iso = tuple(economy.iso3)
    base = np.asarray(economy.t if base_tariffs is None else base_tariffs, dtype=float).copy()
    X = np.asarray(economy.X, dtype=float)
    if one_sector:
        base3, X3, sectors = base[:, :, None], X[:, :, None], [0]
    else:
        base3, X3, sectors = base, X, _goods_sectors(economy)
    S = base3.shape[2]
    # instrument positions
    rows: list[tuple[str, str, str]] = []
    pos: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    players_idx: list[np.ndarray] = []
    weights_mat = np.zeros((len(names), n))
    income = _baseline_income(economy, options, kind)
    sector_label = "all" if one_sector else "goods"
    for p, (name, mem) in enumerate(zip(names, members, strict=True)):
        imp = np.array([iso.index(c) for c in mem])
        if partners is not None and name in partners:
            exp = np.array([iso.index(c) for c in partners[name] if c not in mem])
        else:
            exp = np.array([k for k in range(n) if iso[k] not in mem])
        if exp.size == 0:
            raise InputError(f"player '{name}' has no partner outside it to tariff")
        if weights:
            w = np.array([float(weights.get(c, 0.0)) for c in mem])
            if w.sum() <= 0 or (w < 0).any():
                raise InputError(
                    f"weights of player '{name}' must be >= 0 and not all zero; give a "
                    f"weight for some of {', '.join(mem)}"
                )
        else:
            w = income[imp]
        weights_mat[p, imp] = w / w.sum()
        first = len(rows)
        if shape == "uniform":
            blocks = [(exp, sectors, "all", sector_label)]
        elif shape == "by-partner":
            blocks = [(np.array([e]), sectors, iso[e], sector_label) for e in exp]
        else:
            blocks = [
                (np.array([e]), [s], iso[e], economy.sectors[s]) for e in exp for s in sectors
            ]
        for exps, secs, pl, sl in blocks:
            k = len(rows)
            rows.append((name, pl, sl))
            ii, nn, ss = np.meshgrid(exps, imp, np.asarray(secs), indexing="ij")
            flat = np.ravel_multi_index((ii.ravel(), nn.ravel(), ss.ravel()), (n, n, S))
            pos.append(flat)
            owner.append(np.full(flat.size, k))
        players_idx.append(np.arange(first, len(rows)))
    pos_a = np.concatenate(pos)
    owner_a = np.concatenate(owner)
    instruments = pd.DataFrame(rows, columns=["player", "partner", "sector"])
    base_j = jnp.asarray(base3 if not one_sector else base)
    # with one sector (S = 1) a flat index into (N, N, 1) is the same as into (N, N)
    pos_shape = pos_a
    if one_sector:
        if options.deficits == "balanced":
            p_arr, _ = imls.balanced_params(economy, options)
        else:
            p_arr = imls.calibrate(economy, options)
        dh = jnp.ones((n, n)) if d_hat is None else jnp.asarray(d_hat, dtype=float)
        args: tuple[Any, ...] = (
            p_arr,
            dh,
            base_j,
            jnp.asarray(pos_shape),
            jnp.asarray(owner_a),
            jnp.asarray(weights_mat),
        )
        st = (options.revenue, options.deficits, options.numeraire)
        fn = _imls_welfare(*st)
        country_fn = _imls_country_welfare(*st)
    else:
        from blocs.models.caliendo_parro import _anonymous, balanced_baseline

        eco = economy
        if options.deficits == "balanced":
            eco = balanced_baseline(economy, inner_iterations=options.inner_iterations)
        dh = jnp.ones((n, n, S)) if d_hat is None else jnp.asarray(d_hat, dtype=float)
        args = (
            _anonymous(eco),
            dh,
            base_j,
            jnp.asarray(pos_shape),
            jnp.asarray(owner_a),
            jnp.asarray(weights_mat),
        )
        fn = _multisector_welfare(options.inner_iterations)
        country_fn = _multisector_country_welfare(options.inner_iterations)
    m = len(rows)
    game = Game(
        fn,
        args,
        tuple(players_idx),
        lower=0.0,
        upper=float(max_tariff),
        names=names,
        curvature=_curvature(economy, options, kind, pos_a, owner_a, weights_mat, players_idx),
    )
    jitted = _jit_country(country_fn)

    def country_welfare(x: Any) -> tuple[Any, Any, Any]:
        return jitted(jnp.asarray(x, dtype=float), args)

    flows = X if one_sector else X3
    del m
    return TariffGame(
        game=game,
        kind=kind,
        shape=shape,
        players=names,
        members=members,
        weights=weights_mat,
        instruments=instruments,
        base_tariffs=base,
        iso3=iso,
        pos=np.asarray(pos_shape),
        owner=owner_a,
        flows=np.asarray(flows),
        country_welfare=country_welfare,
    )


def _curvature(
    economy: Any,
    options: Any,
    kind: str,
    pos: np.ndarray,
    owner: np.ndarray,
    weights: np.ndarray,
    players_idx: Sequence[np.ndarray],
) -> Callable[[jax.Array, Any], jax.Array]:
    """A diagonal preconditioner for the optimisers (see :class:`~blocs.strategy.Game`).

    Typical second derivative of the owner's welfare in each instrument, in partial
    equilibrium at baseline flows: ``sum eps X[i, n, s] w[n] / ((1 + t)^2 E[n])`` over the
    instrument's positions (``w[n]``: the owner's weight on importer ``n``). The own-effect
    of a tariff scales with the flow it taxes, so instruments on tiny flows (which would
    otherwise dominate the iteration count) are rescaled.
    """
    n = economy.n
    X = np.asarray(economy.X, dtype=float)
    if kind == "imls":
        X3 = X[:, :, None]
        eps = np.full(1, float(options.trade_elasticity))
        E = np.asarray(economy.E, dtype=float)
    else:
        X3 = X
        eps = np.asarray(economy.theta, dtype=float)
        E = np.asarray(economy.expenditure, dtype=float).sum(axis=1)
    i, k, s = np.unravel_index(pos, (n, n, X3.shape[2]))
    player_of = np.zeros(owner.max() + 1, dtype=int)
    for p, idx in enumerate(players_idx):
        player_of[idx] = p
    c = eps[s] * X3[i, k, s] * weights[player_of[owner], k] / np.maximum(E[k], 1e-300)
    c_j, owner_j = jnp.asarray(c), jnp.asarray(owner)
    m = int(owner.max()) + 1

    def curvature(x: jax.Array, args: Any) -> jax.Array:
        return jax.ops.segment_sum(c_j / (1.0 + x[owner_j]) ** 2, owner_j, num_segments=m)

    return curvature


@functools.cache
def _jit_country(fn: Callable) -> Callable:
    return jax.jit(fn)


def _baseline_income(economy: Any, options: Any, kind: str) -> np.ndarray:
    """Baseline income used to weight group members: expenditure E (one sector), I (multi)."""
    if kind == "imls":
        return np.asarray(economy.E, dtype=float)
    return np.asarray(economy.income, dtype=float)


# ----------------------------------------------------------------------------------------
# Nash by Newton on the stacked first-order conditions (one instrument per player)


@functools.partial(jax.jit, static_argnums=0)
def _foc_system(welfare: Callable, x: jax.Array, own: jax.Array, args: Any):
    """``(u, g, H)`` of a one-instrument-per-player game at ``x``.

    ``u``: every player's welfare (P,); ``g[p] = dW_p/dx_own[p]`` (the first-order
    conditions); ``H[p, q] = d g[p] / d x_own[q]`` (their Jacobian). Row ``p`` of ``H`` is a
    Hessian-vector product of ``W_p`` with the unit vector of its own instrument: one
    forward-over-reverse pass per player (vmapped), no P x m x m arrays.
    """
    P = own.shape[0]
    m = x.shape[0]

    def row(cot: jax.Array, tangent: jax.Array):
        def grad_p(z: jax.Array) -> jax.Array:
            _, vjp = jax.vjp(lambda y: welfare(y, args), z)
            return vjp(cot)[0]

        return jax.jvp(grad_p, (x,), (tangent,))

    grads, hvps = jax.vmap(row)(jnp.eye(P), jnp.eye(m)[own])
    u = welfare(x, args)
    rows = jnp.arange(P)
    return u, grads[rows, own], hvps[:, own]


@functools.partial(jax.jit, static_argnums=0)
def _foc_gradient(welfare: Callable, x: jax.Array, own: jax.Array, args: Any):
    """``(u, g)`` of :func:`_foc_system` without ``H``: one forward solve and ``P``
    reverse passes (about a tenth of the cost of ``H`` on icio2022)."""
    u, vjp = jax.vjp(lambda y: welfare(y, args), x)
    J = jax.vmap(vjp)(jnp.eye(u.shape[0]))[0]
    return u, J[jnp.arange(u.shape[0]), own]


@dataclasses.dataclass(frozen=True)
class _NewtonNash:
    x: np.ndarray
    welfare: np.ndarray
    gradient: np.ndarray
    curvature: np.ndarray
    gains: np.ndarray
    iterations: int
    converged: bool
    history: tuple[float, ...]
    exact_jacobians: int = 0


#: Quasi-Newton restarts: a Broyden step that does not shrink the largest first-order
#: condition below this fraction of the previous one triggers an exact Jacobian.
BROYDEN_RESTART = 0.9


def _newton_step(jac: np.ndarray, g: np.ndarray, active: np.ndarray, max_step: float) -> np.ndarray:
    """The bounded Newton step on the free players (uphill where curvature is not < 0)."""
    P = g.size
    Jf = jac[np.ix_(~active, ~active)]
    step = np.zeros(P)
    try:
        step[~active] = np.linalg.solve(Jf, -g[~active])
    except np.linalg.LinAlgError:
        step[~active] = -g[~active] / np.minimum(np.diag(Jf), -1e-12)
    # a Newton step toward a minimum (positive own curvature): move uphill instead
    diag = np.diag(jac)
    step = np.where(diag < 0, step, np.sign(g) * np.abs(step))
    big = np.max(np.abs(step), initial=0.0)
    if big > max_step:
        step *= max_step / big
    return step


def nash_newton(
    game: Game,
    x0: Any,
    *,
    tol: float = FOC_TOL,
    max_iter: int = NEWTON_MAX_ITER,
    max_step: float = NEWTON_MAX_STEP,
    jacobian: Literal["broyden", "exact"] = "broyden",
    progress: Callable[[int, float], None] | None = None,
) -> _NewtonNash:
    """Nash equilibrium of a game in which every player has ONE instrument.

    Newton's method on the first-order conditions ``g_p(x) = dW_p/dx_p = 0`` with bounds:
    a player at a bound whose gradient pushes outward is held there (active set); the
    others take the Newton step of ``J_ff dx_f = -g_f`` (``J = dg/dx``), limited to
    ``max_step`` per tariff. Stops when the projected ``|g|`` is below ``tol``.

    ``jacobian="exact"`` computes ``J`` (forward-over-reverse, ``P`` Hessian-vector
    products) at every iterate; ``"broyden"`` (default) computes it at the start and then
    updates it with Broyden's rank-one formula from the change in ``g``, which costs only a
    gradient (``P`` reverse passes, ~10x cheaper on icio2022); an exact ``J`` is recomputed
    whenever a step fails to cut the largest condition below ``BROYDEN_RESTART`` times the
    last. Both stop on the same test of ``g``, so they find the same equilibrium.

    The returned ``gains`` is each player's unilateral gain from its own Newton step
    (``g^2 / (2 |dg_p/dx_p|)`` relative to its welfare): the second-order estimate of what a
    deviation could bring, exact for payoffs quadratic in the own tariff. Players whose own
    curvature is not negative (not a local maximum) get ``inf``.
    """
    if jacobian not in ("broyden", "exact"):
        raise InputError(f"jacobian={jacobian!r}: choose 'broyden' or 'exact'")
    P = game.n_players
    own = np.array([int(idx[0]) for idx in game.players])
    if any(len(idx) != 1 for idx in game.players):
        raise InputError(
            "nash_newton needs one instrument per player (shape 'uniform'); use "
            "blocs.strategy.nash_tariffs for other layouts"
        )
    x = np.asarray(x0, dtype=float).copy()
    lo, hi = game.bounds(x.size)
    own_j = jnp.asarray(own)
    history: list[float] = []
    converged = False
    k = exact = 0
    u = g = np.zeros(P)
    jac = np.zeros((P, P))
    need_exact = True
    prev: tuple[np.ndarray, np.ndarray] | None = None
    for k in range(1, max_iter + 1):
        if need_exact or jacobian == "exact":
            u_j, g_j, h_j = _foc_system(game.welfare, jnp.asarray(x), own_j, game.args)
            jac = np.asarray(h_j)
            exact += 1
        else:
            u_j, g_j = _foc_gradient(game.welfare, jnp.asarray(x), own_j, game.args)
        u, g = np.asarray(u_j), np.asarray(g_j)
        if not (np.all(np.isfinite(u)) and np.all(np.isfinite(g))):
            raise ConvergenceError(
                "an equilibrium inside the Nash iteration did not converge (tariffs "
                f"{np.round(x[own], 3).tolist()[:8]}...). Try a smaller --max-tariff, "
                "revenue='lump_sum' (income-tax relief is undefined where tariff revenue "
                "exceeds labour income) or a start closer to the equilibrium.",
            )
        if not need_exact and prev is not None and jacobian == "broyden":
            s_, y_ = x[own] - prev[0], g - prev[1]
            ss = float(s_ @ s_)
            if ss > 0:
                jac = jac + np.outer(y_ - jac @ s_, s_) / ss
        xo = x[own]
        active = ((xo <= lo[own]) & (g < 0)) | ((xo >= hi[own]) & (g > 0))
        res = float(np.max(np.abs(np.where(active, 0.0, g)), initial=0.0))
        if progress is not None:
            progress(k, res)
        # a poor quasi-Newton step: retake it from the same point with an exact Jacobian
        if (
            jacobian == "broyden"
            and not need_exact
            and history
            and res > BROYDEN_RESTART * history[-1]
            and res >= tol
        ):
            need_exact = True
            history.append(res)
            continue
        history.append(res)
        if res < tol:
            converged = True
            break
        need_exact = False
        prev = (xo.copy(), g.copy())
        x_new = x.copy()
        x_new[own] = np.clip(xo + _newton_step(jac, g, active, max_step), lo[own], hi[own])
        x = x_new
    diag = np.diag(jac)
    with np.errstate(divide="ignore", invalid="ignore"):
        gains = np.where(diag < 0, g**2 / (2.0 * np.abs(diag)) / np.abs(u), np.inf)
    at_bound = ((x[own] <= lo[own]) & (g <= 0)) | ((x[own] >= hi[own]) & (g >= 0))
    gains = np.where(at_bound & (diag < 0), 0.0, gains)
    return _NewtonNash(x, u, g, diag, gains, k, converged, tuple(history), exact)


# ----------------------------------------------------------------------------------------
# Records


def _pct(w: Any) -> np.ndarray:
    return 100.0 * (np.asarray(w, dtype=float) - 1.0)


@dataclasses.dataclass(frozen=True)
class OptimalResult:
    """A player's optimal tariffs, everyone else's at the scenario's.

    Attributes:
        scenario: scenario name; kind: model; shape: instrument layout.
        player: the player's label; members: its country codes.
        instruments: one row per instrument (``player``, ``partner``, ``sector``,
            ``start``, ``tariff``), m rows.
        tariffs: the full tariff array at the optimum, shape (N, N) or (N, N, S).
        rate: the player's trade-weighted mean tariff at the optimum, float.
        welfare_pct: the player's objective at the optimum (% real-income change from the
            data's baseline), float; welfare_start_pct: at the scenario's tariffs.
        countries: per country (``iso3``, ``welfare_start_pct``, ``welfare_pct``).
        gradient_norm: projected gradient at the optimum (welfare per unit tariff).
        iterations: L-BFGS-B iterations; converged: bool; seconds: wall time.
        closed_form: one-sector model, uniform shape, one country: the closed form of
            models.md §1 on baseline shares (IMLS 2025's "optimal tariff"; a first-order
            approximation of the numerical optimum, exact only in a two-country world with
            fixed labour and balanced trade); else None.
    """

    scenario: str
    kind: str
    shape: str
    player: str
    members: tuple[str, ...]
    instruments: pd.DataFrame
    tariffs: np.ndarray
    rate: float
    welfare_pct: float
    welfare_start_pct: float
    countries: pd.DataFrame
    gradient_norm: float
    iterations: int
    converged: bool
    seconds: float
    closed_form: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """The instruments and their optimal values (``tariff``, a fraction)."""
        return self.instruments.copy()

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars."""
        return {
            "scenario": self.scenario,
            "model": self.kind,
            "shape": self.shape,
            "player": self.player,
            "members": list(self.members),
            "rate": self.rate,
            "welfare_pct": self.welfare_pct,
            "welfare_start_pct": self.welfare_start_pct,
            "gradient_norm": self.gradient_norm,
            "iterations": self.iterations,
            "converged": self.converged,
            "seconds": self.seconds,
            "closed_form_baseline_shares": self.closed_form,
        }


@dataclasses.dataclass(frozen=True)
class NashResult:
    """A Nash tariff war among players, everyone else at the scenario's tariffs.

    Attributes:
        scenario, kind, shape: as in :class:`OptimalResult`.
        players: labels, length P; members: their country codes.
        method: ``"newton"`` (stacked first-order conditions) or ``"best-response"``.
        instruments: one row per instrument with its Nash value (``tariff``).
        tariffs: the full tariff array at the Nash equilibrium.
        rates: each player's trade-weighted mean Nash tariff, shape (P,).
        welfare_pct: each player's objective at Nash (% from the baseline), shape (P,);
            welfare_start_pct: at the scenario's tariffs, shape (P,).
        gains: each player's largest unilateral gain at Nash (fraction of its income),
            shape (P,); certificate: their maximum.
        verified: players whose gain was checked by a full numerical best response
            (L-BFGS-B); the others' gain is the second-order (Newton-step) estimate.
        iterations: Newton iterations or best-response rounds; converged: FOCs below
            tolerance and certificate below ``certificate_tol``; seconds: wall time.
        countries: per country (``iso3``, ``welfare_start_pct``, ``welfare_pct``).
        income: each player's baseline income (data units), shape (P,).
    """

    scenario: str
    kind: str
    shape: str
    players: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    method: str
    instruments: pd.DataFrame
    tariffs: np.ndarray
    rates: np.ndarray
    welfare_pct: np.ndarray
    welfare_start_pct: np.ndarray
    gains: np.ndarray
    certificate: float
    verified: tuple[str, ...]
    iterations: int
    converged: bool
    seconds: float
    countries: pd.DataFrame
    income: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per player: members, Nash tariff, welfare (start and Nash), gain."""
        return pd.DataFrame(
            {
                "player": self.players,
                "members": [len(m) for m in self.members],
                "income": self.income,
                "tariff": self.rates,
                "welfare_start_pct": self.welfare_start_pct,
                "welfare_pct": self.welfare_pct,
                "deviation_gain": self.gains,
                "verified": [p in self.verified for p in self.players],
            }
        )

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars."""
        return {
            "scenario": self.scenario,
            "model": self.kind,
            "shape": self.shape,
            "players": len(self.players),
            "method": self.method,
            "iterations": self.iterations,
            "certificate": self.certificate,
            "verified_players": list(self.verified),
            "converged": self.converged,
            "seconds": self.seconds,
        }


@dataclasses.dataclass(frozen=True)
class TalksResult:
    """Trade talks between two players (countries or blocs).

    Attributes:
        scenario, kind, shape: as in :class:`OptimalResult`.
        players: the two labels; members: their country codes.
        outcomes: one row per (outcome, player) for outcomes ``status quo``, ``war``
            (their Nash tariff war), ``efficient`` (weighted-sum maximum) and
            ``bargaining`` (Nash bargaining with the war as threat point): ``tariff`` (mean
            tariff the player levies on the other), ``welfare_pct``,
            ``gain_vs_status_quo_pp`` and ``gain_vs_war_pp`` (percentage points of
            baseline real income).
        war_certificate: the war's largest unilateral gain; converged: all parts
            converged; seconds: wall time.
    """

    scenario: str
    kind: str
    shape: str
    players: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    efficient_weights: tuple[float, float]
    outcomes: pd.DataFrame
    war_certificate: float
    converged: bool
    seconds: float

    def to_frame(self) -> pd.DataFrame:
        """The outcomes table."""
        return self.outcomes.copy()

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars."""
        return {
            "scenario": self.scenario,
            "model": self.kind,
            "shape": self.shape,
            "players": list(self.players),
            "efficient_weights": list(self.efficient_weights),
            "war_certificate": self.war_certificate,
            "converged": self.converged,
            "seconds": self.seconds,
        }


# ----------------------------------------------------------------------------------------
# Scenario entry points


def _load(scenario: Any) -> tuple[Any, Any, Any]:
    """(scenario, economy, policy) for a name, a path or a Scenario."""
    from blocs.run import _economy_for
    from blocs.scenario import Scenario, compile_policy, load_scenario

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    economy = _economy_for(sc)
    return sc, economy, compile_policy(sc, economy)


def _countries_frame(tg: TariffGame, w_start: Any, w_end: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {"iso3": tg.iso3, "welfare_start_pct": _pct(w_start), "welfare_pct": _pct(w_end)}
    )


def _check_solved(tg: TariffGame, x: Any, what: str) -> np.ndarray:
    w, ok, _ = tg.country_welfare(x)
    if not bool(ok):
        raise ConvergenceError(
            f"the equilibrium at {what} did not converge. Try revenue = 'lump_sum' in the "
            "scenario's [model] (income-tax relief is undefined when tariff revenue exceeds "
            "labour income), a smaller --max-tariff, or a smaller starting shock."
        )
    return np.asarray(w)


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

    Example:
        >>> r = optimal_for_scenario("liberation-day", "USA")          # doctest: +SKIP
        >>> r.to_frame().tariff.round(3).tolist()                      # doctest: +SKIP
        [0.251]
    """
    t0 = time.perf_counter()
    sc, economy, policy = _load(scenario)
    kw: dict[str, Any] = dict(
        kind=sc.kind,
        base_tariffs=policy.t,
        d_hat=policy.d_hat,
        max_tariff=max_tariff,
        weights=weights,
        groups=sc.groups,
    )
    if isinstance(player, str) and "," in player:
        player = [c.strip() for c in player.split(",") if c.strip()]
    pl = [player] if isinstance(player, str) else [list(player)]
    tg = tariff_game(economy, sc.options, pl, shape=shape, **kw)
    x0 = _start(tg, max_tariff) if start is None else np.full(tg.m, float(start))
    if start is None and shape != "uniform":
        if progress:
            progress("uniform optimum (start of the detailed one) ...")
        ug = tariff_game(economy, sc.options, pl, shape="uniform", **kw)
        u = optimal_tariffs(ug.game, _start(ug, max_tariff), player=0, gtol=gtol)
        x0 = np.clip(tg.from_tariffs(ug.to_tariffs(u.x)), 0.0, max_tariff)
    if progress:
        progress(f"optimising {tg.m} tariff(s) of {tg.players[0]} ...")
    x_start = tg.from_tariffs(tg.base_tariffs)
    w_start = _check_solved(tg, x_start, "the scenario's tariffs")
    res = optimal_tariffs(tg.game, x0, player=0, gtol=gtol)
    w_end = _check_solved(tg, res.x, "the optimum")
    inst = tg.instruments.copy()
    inst["start"] = x_start
    inst["tariff"] = res.x
    weights_row = tg.weights[0]
    closed = None
    if sc.kind == "imls" and shape == "uniform" and len(tg.members[0]) == 1:
        closed = imls.optimal_tariff_closed_form(economy, sc.options, tg.members[0][0])
    out = OptimalResult(
        scenario=sc.name,
        kind=sc.kind,
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
            f"projected gradient {res.gradient_norm:.3g}). Try another --shape, a smaller "
            "--max-tariff, or revenue = 'lump_sum'.",
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
) -> NashResult:
    """A Nash tariff war among ``players`` (``blocs nash``); others keep the scenario's tariffs.

    Args:
        scenario: built-in name, TOML path or :class:`~blocs.scenario.Scenario`.
        players: codes or groups, a list or a comma-separated string (default: every
            country of the data).
        shape: instrument layout; ``uniform`` uses Newton on the stacked first-order
            conditions (:func:`nash_newton`), the others Jacobi best responses.
        max_tariff: upper bound of every tariff.
        method: ``"auto"``, ``"newton"`` (uniform only) or ``"best-response"``.
        verify: with Newton, check this many players (the largest by baseline income) by a
            full numerical best response (L-BFGS-B) against the equilibrium.
        certificate_tol: the largest unilateral gain (fraction of income) accepted.
        start: starting rate of every instrument (default: the scenario's tariffs, or 0.2
            where they are all zero).
        gtol: best-response tolerance.
        progress: called with a short status line.

    Raises:
        ConvergenceError: no equilibrium within tolerance (the result is attached).
    """
    t0 = time.perf_counter()
    sc, economy, policy = _load(scenario)
    names = _split_players(players, economy)
    tg = tariff_game(
        economy,
        sc.options,
        names,
        kind=sc.kind,
        base_tariffs=policy.t,
        d_hat=policy.d_hat,
        shape=shape,
        max_tariff=max_tariff,
        groups=sc.groups,
    )
    if method == "auto":
        method = "newton" if shape == "uniform" else "best-response"
    if method not in ("newton", "best-response"):
        raise InputError(f"unknown method '{method}'; choose auto, newton or best-response")
    x_start = tg.from_tariffs(tg.base_tariffs)
    if start is not None:
        x0 = np.full(tg.m, float(start))
    else:
        x0 = np.clip(x_start, 0.0, max_tariff)
        if not np.any(x0 > 0):
            x0 = np.full(tg.m, min(0.2, max_tariff))
    w_start = _check_solved(tg, x_start, "the scenario's tariffs")
    verified: tuple[str, ...] = ()
    base_income = _baseline_income(economy, sc.options, sc.kind)
    income = np.array([base_income[[tg.iso3.index(c) for c in m]].sum() for m in tg.members])
    if method == "newton":

        def report(k: int, r: float) -> None:
            if progress:
                progress(f"Newton iteration {k}: largest first-order condition {r:.2e}")

        nr = nash_newton(tg.game, x0, progress=report)
        x, gains, iterations, ok = nr.x, nr.gains.copy(), nr.iterations, nr.converged
        check = [int(p) for p in np.argsort(-income)[: max(0, verify)]]
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
    certificate = float(np.max(gains))
    inst = tg.instruments.copy()
    inst["start"] = x_start
    inst["tariff"] = x
    out = NashResult(
        scenario=sc.name,
        kind=sc.kind,
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
        converged=bool(ok and certificate <= certificate_tol),
        seconds=time.perf_counter() - t0,
        countries=_countries_frame(tg, w_start, w_end),
        income=income,
    )
    if not out.converged:
        raise ConvergenceError(
            f"no Nash equilibrium to tolerance after {iterations} iterations ({method}; "
            f"largest unilateral gain {certificate:.3g}, tolerance {certificate_tol:g}). "
            "Try --method best-response, a smaller --max-tariff, or revenue = 'lump_sum'.",
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
    t0 = time.perf_counter()
    sc, economy, policy = _load(scenario)
    names = _split_players(players, economy)
    if len(names) != 2:
        raise InputError(
            f"trade talks need exactly two players (countries or groups), got {len(names)}: "
            f"{', '.join(names)}; e.g. --players USA,CHN or --players USA,EU27"
        )
    _, members = _player_members(economy, names, sc.groups)
    labels, _ = _player_members(economy, names, sc.groups)
    tg = tariff_game(
        economy,
        sc.options,
        names,
        kind=sc.kind,
        base_tariffs=policy.t,
        d_hat=policy.d_hat,
        shape=shape,
        max_tariff=max_tariff,
        groups=sc.groups,
        # what the two negotiate: their tariffs on each other (third countries keep theirs)
        partners={labels[0]: members[1], labels[1]: members[0]},
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
    base_income = _baseline_income(economy, sc.options, sc.kind)
    income = np.array([base_income[[tg.iso3.index(c) for c in m]].sum() for m in tg.members])
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
        kind=sc.kind,
        shape=shape,
        players=tg.players,
        members=tg.members,
        efficient_weights=(float(ew[0]), float(ew[1])),
        outcomes=pd.DataFrame(rows),
        war_certificate=cert,
        converged=bool(war_ok and eff.converged and nb.converged),
        seconds=time.perf_counter() - t0,
    )


def optimal_retaliation(
    economy: Any,
    options: Any,
    policy: Any,
    by: Sequence[int | str],
    against: Sequence[int | str],
    *,
    kind: str,
    sectors: Sequence[int] | None = None,
    max_tariff: float = DEFAULT_MAX_TARIFF,
    gtol: float = DEFAULT_GTOL,
) -> np.ndarray:
    """The tariffs after ``by`` (one player) best-responds with one uniform rate on ``against``.

    ``by`` maximises its members' income-weighted real income over a single rate levied by
    every member on every country of ``against`` (in ``sectors``; default every goods
    sector of multi-sector data), everyone else's tariffs at ``policy.t``. Numerical
    counterpart of the closed form on the two-region aggregate
    (:func:`blocs.scenario._optimal_against`), for either model.

    Args:
        economy: the baseline (one- or multi-sector).
        options: the model options (:class:`~blocs.models.imls.IMLS` or
            :class:`~blocs.scenario.MultiSectorOptions`).
        policy: the policy before the response (``t`` and ``d_hat``).
        by, against: country positions or codes (``by`` minus ``against`` responds).
        kind: ``"imls"`` or ``"caliendo_parro"``.
        sectors: sector positions the rate applies to (multi-sector only).
        max_tariff: upper bound of the rate.

    Returns:
        The tariff array of ``policy`` with the optimal rate inserted, shape (N, N) or
        (N, N, S).

    Raises:
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
        economy,
        options,
        [by_c],
        kind=kind,
        base_tariffs=policy.t,
        d_hat=policy.d_hat,
        shape="uniform",
        max_tariff=max_tariff,
        partners={"+".join(by_c): against_c},
    )
    if sectors is not None and kind != "imls":
        keep = np.isin(np.unravel_index(tg.pos, tg.base_tariffs.shape)[2], np.asarray(sectors))
        tg = dataclasses.replace(tg, pos=tg.pos[keep], owner=tg.owner[keep])
        args = tuple(tg.game.args)
        args = (*args[:3], jnp.asarray(tg.pos), jnp.asarray(tg.owner), args[5])
        tg = dataclasses.replace(tg, game=dataclasses.replace(tg.game, args=args))
    x0 = np.clip(tg.from_tariffs(tg.base_tariffs), 0.0, max_tariff)
    res = optimal_tariffs(tg.game, x0, player=0, gtol=gtol)
    if not res.converged or not np.all(np.isfinite(res.welfare)):
        raise ConvergenceError(
            f"the optimal retaliation of {', '.join(by_c[:5])}... did not converge "
            f"({res.message}). Try revenue = 'lump_sum' or a smaller shock.",
            res,
        )
    return tg.to_tariffs(res.x)
