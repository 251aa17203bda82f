"""Tariff games on any registered model (docs/models.md §3).

:func:`tariff_game` builds a :class:`~blocs.strategy.Game` for a model through its common
interface (:class:`blocs.models.base.Model`: ``calibrate``, ``static``, ``solve``,
``welfare_hat``, ``elasticities``, ``baseline_income``). Players are countries or groups;
each controls its tariffs on everyone outside it, in one of three **layouts** ("shapes"):

==========================  =================================================================
``uniform``                 one rate per player on every outsider (and every goods sector);
``by-partner``              one rate per player and partner country (every goods sector);
``by-partner-sector``       one rate per player, partner and goods sector (multi-sector only).
==========================  =================================================================

On multi-sector data the instruments cover the goods sectors (services untaxed) unless
``instruments="all_sectors"`` (services too, as in Lashkaripour's ``tariffwar``).

A group's objective is the sum of its members' real-income changes weighted by baseline
income (:meth:`~blocs.models.base.Model.baseline_income`), or by given weights; weights are
normalised to sum to one, so objectives are in *hat* units (1 = baseline real income) and
certificates are fractions of income. Tariffs the players do not control (intra-group
tariffs, services, everyone else's) stay at the starting policy's. Bounds
``0 <= t <= max_tariff``.

Gradients come from the implicit function theorem through the equilibrium solves
(:func:`blocs.solvers.newton`), never from finite differences.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from blocs.errors import InputError
from blocs.models.base import Model, Policy
from blocs.scenario import builtin_sector_groups, resolve_group
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL
from blocs.strategy.foc_ift import Parts, solve_cold
from blocs.strategy.optimal import Game

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_MAX_TARIFF",
    "INSTRUMENTS",
    "SHAPES",
    "GameArgs",
    "TariffGame",
    "player_members",
    "restrict_sectors",
    "tariff_game",
]

#: Instrument layouts.
SHAPES: tuple[str, ...] = ("uniform", "by-partner", "by-partner-sector")
#: Which sectors the instruments cover: goods only (services untaxed) or every sector.
INSTRUMENTS: tuple[str, ...] = ("goods", "all_sectors")
#: Default upper bound on every strategic tariff (200 %).
DEFAULT_MAX_TARIFF = 2.0


class GameArgs(NamedTuple):
    """The data of a tariff game's objective (a PyTree: the ``args`` of its :class:`Game`).

    Attributes:
        params: the model's calibrated arrays (:meth:`Model.calibrate`).
        d_hat: iceberg trade-cost changes of the starting policy (policy shape).
        base: the starting tariffs the instruments are inserted into (policy shape).
        pos: flat positions of ``base`` set by the instruments, shape (K,).
        owner: the instrument setting each position, shape (K,).
        weights: objective weights, shape (P, N).
    """

    params: Any
    d_hat: jax.Array
    base: jax.Array
    pos: jax.Array
    owner: jax.Array
    weights: jax.Array


def _tariffs_from_x(x: jax.Array, base: jax.Array, pos: jax.Array, owner: jax.Array):
    """``base`` with the flat positions ``pos`` set to ``x[owner]`` (same shape as base)."""
    flat = base.reshape(-1).at[pos].set(x[owner])
    return flat.reshape(base.shape)


def _solve(model: Model, static: Any, x: jax.Array, args: GameArgs) -> Any:
    t = _tariffs_from_x(x, args.base, args.pos, args.owner)
    return model.solve(
        args.params, Policy(t=t, d_hat=args.d_hat), static, tol=DEFAULT_TOL,
        max_steps=DEFAULT_MAX_STEPS,
    )  # fmt: skip


@functools.cache
def _welfare(model: Model, static: Any) -> Callable:
    """Players' objectives ``x -> weights @ welfare_hat`` (NaN where a solve failed); one
    function object per (model, static options), so compiled code is shared by games."""

    def welfare(x: jax.Array, args: GameArgs) -> jax.Array:
        eq = _solve(model, static, x, args)
        return args.weights @ jnp.where(eq.converged, model.welfare_hat(eq), jnp.nan)

    return welfare


@functools.cache
def _parts(model: Model, static: Any) -> Parts:
    """The game's equilibrium as functions of the instruments (:class:`Parts`: first-order
    conditions by the implicit function theorem), one record per (model, static options)."""

    def policy(x: jax.Array, args: GameArgs) -> Policy:
        return Policy(t=_tariffs_from_x(x, args.base, args.pos, args.owner), d_hat=args.d_hat)

    def start(args: GameArgs) -> jax.Array:
        return model.initial_guess(args.params)

    def solve(x: jax.Array, args: GameArgs, e0: jax.Array) -> tuple[Any, Any]:
        eq = model.solve(args.params, policy(x, args), static, tol=DEFAULT_TOL,
                         max_steps=DEFAULT_MAX_STEPS, x0=e0)  # fmt: skip
        return model.unknowns(eq), eq.converged

    def residual(e: jax.Array, x: jax.Array, args: GameArgs) -> jax.Array:
        return model.residual(e, (args.params, policy(x, args), static))

    def objective(e: jax.Array, x: jax.Array, args: GameArgs) -> jax.Array:
        return args.weights @ model.welfare_at(e, args.params, policy(x, args), static)

    return Parts(start, solve, residual, objective)


@functools.cache
def _country_welfare(model: Model, static: Any) -> Callable:
    """``(e, x, args) -> welfare_hat per country (N,)`` at the unknowns ``e`` of the
    equilibrium at instruments ``x``, jitted (no solve: :func:`solve_cold` solves)."""

    def welfare(e: jax.Array, x: jax.Array, args: GameArgs) -> jax.Array:
        t = _tariffs_from_x(x, args.base, args.pos, args.owner)
        return model.welfare_at(e, args.params, Policy(t=t, d_hat=args.d_hat), static)

    return jax.jit(welfare)


@functools.cache
def _country_formula(model: Model, static: Any) -> Callable:
    """``(x, args) -> (formula tariff per country (N,), converged)``, jitted."""

    def formula(x: jax.Array, args: GameArgs) -> tuple[Any, Any]:
        eq = _solve(model, static, x, args)
        return model.formula_optimal_tariffs(eq), eq.converged

    return jax.jit(formula)


@dataclasses.dataclass(frozen=True)
class TariffGame:
    """A tariff game on a model, with its instrument layout.

    Attributes:
        game: the generic :class:`~blocs.strategy.Game` (welfare in hat units, one entry
            per player).
        model: the model (:class:`blocs.models.base.Model`).
        shape: the layout (:data:`SHAPES`).
        players: player labels, length P.
        members: country codes of each player, P tuples.
        weights: objective weights, shape (P, N) (row ``p``: player ``p``'s members' shares).
        instruments: one row per instrument: ``player``, ``partner`` (country code or
            ``"all"``), ``sector`` (code or ``"goods"``/``"all"``).
        base_tariffs: tariffs the instruments are inserted into, shape (N, N) or (N, N, S).
        iso3: country codes of the economy.
        pos, owner: flat positions of ``base_tariffs`` set by the instruments and the
            instrument setting each, shape (K,).
        flows: baseline flows, the shape of ``base_tariffs`` (trade weights).
        income: baseline income of each country, shape (N,).
        static: the model's static options (:meth:`Model.static`).
    """

    game: Game
    model: Model
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
    income: np.ndarray
    static: Any

    @property
    def kind(self) -> str:
        """The model's registry name."""
        return self.model.name

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

    def country_welfare(self, x: Any) -> tuple[np.ndarray, bool]:
        """``(welfare_hat per country (N,), converged)`` at instruments ``x`` (the solve
        program of the game's first-order conditions: :func:`solve_cold`)."""
        x = jnp.asarray(x, dtype=float)
        e, ok = solve_cold(self.game.parts, x, self.game.args)
        return np.asarray(_country_welfare(self.model, self.static)(e, x, self.game.args)), ok

    def formula_tariffs(self, x: Any) -> tuple[Any, Any]:
        """``(each country's formula optimal tariff (N,), converged)`` at the equilibrium of
        instruments ``x`` (:meth:`blocs.models.base.Model.formula_optimal_tariffs`)."""
        fn = _country_formula(self.model, self.static)
        return fn(jnp.asarray(x, dtype=float), self.game.args)

    def player_income(self) -> np.ndarray:
        """Each player's baseline income (sum over its members), shape (P,)."""
        return np.array([self.income[[self.iso3.index(c) for c in m]].sum() for m in self.members])


def player_members(
    economy: Any, players: Sequence[str | Sequence[str]], groups: Mapping[str, Sequence[str]]
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Labels and member codes of ``players`` (codes, group names, or lists of codes).

    Raises:
        InputError: a player with no member, overlapping players, a player listed twice.
        ScenarioError: an unknown code or group (with a suggestion).
    """
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


def _instrument_sectors(model: Model, economy: Any, instruments: str) -> tuple[list[int], str]:
    """Sector positions the instruments cover and their label: the goods sectors
    (``instruments="goods"``) or every sector, services included (``"all_sectors"``)."""
    if instruments not in INSTRUMENTS:
        raise InputError(
            f"instruments={instruments!r}: choose one of {', '.join(INSTRUMENTS)} (which "
            "sectors a player's tariffs cover)"
        )
    sectors = model.sectors(economy)
    if sectors is None:
        return [0], "all"
    if instruments == "all_sectors":
        return list(range(len(sectors))), "all"
    goods = builtin_sector_groups(economy)["GOODS"]
    return [sectors.index(s) for s in goods], "goods"


def tariff_game(
    model: Model,
    economy: Any,
    options: Any,
    players: Sequence[str | Sequence[str]],
    *,
    base_tariffs: Any = None,
    d_hat: Any = None,
    shape: str = "uniform",
    max_tariff: float = DEFAULT_MAX_TARIFF,
    weights: Mapping[str, float] | None = None,
    partners: Mapping[str, Sequence[str]] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    instruments: str = "goods",
) -> TariffGame:
    """A tariff game on ``economy`` under ``model``.

    Args:
        model: a registered model (:func:`blocs.models.registry.get_model`).
        economy: the baseline (data the model runs on).
        options: the model's options (``model.Options``).
        players: country codes or group names (a group acts as one player), or lists of
            codes.
        base_tariffs: the starting tariffs (default: the economy's), the model's policy
            shape; tariffs no player controls stay there.
        d_hat: iceberg trade-cost changes of the starting policy (default: none).
        shape: instrument layout (:data:`SHAPES`).
        max_tariff: upper bound of every instrument (lower bound 0).
        weights: member weights of group objectives (code -> weight; default baseline
            income); normalised within each player.
        partners: per player label, the countries its instruments apply to (default:
            every country outside the player).
        groups: extra group definitions (a scenario's ``[groups]``).
        instruments: the sectors the instruments cover on multi-sector data
            (:data:`INSTRUMENTS`): ``"goods"`` (services untaxed) or ``"all_sectors"``
            (services too, as in Lashkaripour's ``tariffwar``).

    Returns:
        :class:`TariffGame`.
    """
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    if shape not in SHAPES:
        raise InputError(f"unknown shape '{shape}'; choose one of {', '.join(SHAPES)}")
    if not (np.isfinite(max_tariff) and max_tariff > 0):
        raise InputError(f"max_tariff must be a positive number (2.0 = 200 %), got {max_tariff}")
    if not model.multisector and shape == "by-partner-sector":
        raise InputError(
            f"shape 'by-partner-sector' needs a multi-sector model; the {model.name} model "
            "has tariffs by partner only: use 'uniform' or 'by-partner'"
        )
    model.check_economy(economy, where="tariff game")
    names, members = player_members(economy, players, groups or {})
    n = economy.n
    iso = tuple(economy.iso3)
    base = np.asarray(economy.t if base_tariffs is None else base_tariffs, dtype=float).copy()
    X = np.asarray(economy.X, dtype=float)
    # with one sector a flat index into (N, N, 1) is the same as into (N, N)
    X3 = X.reshape(n, n, -1)
    S = X3.shape[2]
    sectors, sector_label = _instrument_sectors(model, economy, instruments)
    income = np.asarray(model.baseline_income(economy), dtype=float)
    rows: list[tuple[str, str, str]] = []
    pos: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    players_idx: list[np.ndarray] = []
    weights_mat = np.zeros((len(names), n))
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
    params = model.calibrate(economy, options)
    static = model.static(options)
    args = GameArgs(
        params=params,
        d_hat=jnp.ones(base.shape) if d_hat is None else jnp.asarray(d_hat, dtype=float),
        base=jnp.asarray(base),
        pos=jnp.asarray(pos_a),
        owner=jnp.asarray(owner_a),
        weights=jnp.asarray(weights_mat),
    )
    eps = np.asarray(model.elasticities(params), dtype=float)
    expenditure = np.asarray(jnp.sum((1.0 + economy.t) * economy.X, axis=0)).reshape(n, -1)
    game = Game(
        _welfare(model, static),
        args,
        tuple(players_idx),
        lower=0.0,
        upper=float(max_tariff),
        names=names,
        curvature=_curvature(X3, eps, expenditure.sum(axis=1), pos_a, owner_a, weights_mat,
                             players_idx),
        parts=_parts(model, static),
    )  # fmt: skip
    return TariffGame(
        game=game,
        model=model,
        shape=shape,
        players=names,
        members=members,
        weights=weights_mat,
        instruments=pd.DataFrame(rows, columns=["player", "partner", "sector"]),
        base_tariffs=base,
        iso3=iso,
        pos=pos_a,
        owner=owner_a,
        flows=X,
        income=income,
        static=static,
    )


def restrict_sectors(tg: TariffGame, sectors: Sequence[int]) -> TariffGame:
    """``tg`` with its instruments acting only in ``sectors`` (positions on the sector axis
    of a multi-sector model's tariffs); the preconditioner is kept."""
    n = len(tg.iso3)
    sector_of = np.unravel_index(tg.pos, tg.flows.reshape(n, n, -1).shape)[2]
    keep = np.isin(sector_of, np.asarray(sectors))
    pos, owner = tg.pos[keep], tg.owner[keep]
    args = tg.game.args._replace(pos=jnp.asarray(pos), owner=jnp.asarray(owner))
    return dataclasses.replace(tg, game=dataclasses.replace(tg.game, args=args), pos=pos,
                               owner=owner)  # fmt: skip


def _curvature(
    X3: np.ndarray,
    eps: np.ndarray,
    E: np.ndarray,
    pos: np.ndarray,
    owner: np.ndarray,
    weights: np.ndarray,
    players_idx: Sequence[np.ndarray],
) -> Callable[[jax.Array, Any], jax.Array]:
    """A diagonal preconditioner for the optimisers (see :class:`~blocs.strategy.Game`).

    Typical second derivative of the owner's welfare in each instrument, in partial
    equilibrium at baseline flows: ``sum eps X[i, n, s] w[n] / ((1 + t)^2 E[n])`` over the
    instrument's positions (``w[n]``: the owner's weight on importer ``n``; ``X3`` flows
    (N, N, S), ``eps`` elasticities (S,), ``E`` expenditure (N,)). The own-effect of a
    tariff scales with the flow it taxes, so instruments on tiny flows (which would
    otherwise dominate the iteration count) are rescaled.
    """
    n = X3.shape[0]
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
