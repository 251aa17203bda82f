"""Games over tariffs and optimal (welfare-maximising) tariffs, generic over models.

A :class:`Game` is what every strategic computation needs and nothing more:

- ``welfare(x, args) -> u``: each player's objective (higher is better), shape (P,), as a
  smooth function of the full instrument vector ``x`` (shape (m,)) built from a model's
  solve. It must be a JAX function: gradients come from ``jax.grad`` through the
  equilibrium (implicit differentiation, :func:`blocs.solvers.newton`), never from finite
  differences. Make it a module-level function and pass data through ``args`` (a PyTree):
  compiled code is cached per function, so games that differ only in ``args`` share it.
- ``players[p]``: the indices of ``x`` player ``p`` controls.
- ``lower``/``upper``: bounds on ``x`` (scalars or shape (m,)).
- ``curvature(x, args) -> h`` (optional): a positive, typical magnitude of the second
  derivative of its owner's welfare with respect to each instrument, shape (m,). The
  optimisers rescale instruments by ``sqrt(h / max h)``, which makes problems with
  instruments of very different weight (tariffs on tiny and on large flows) well
  conditioned: a diagonal preconditioner, evaluated once at the start of each optimisation.

Welfare in *hat* units (counterfactual over baseline real income) makes differences
fractions of baseline income; :mod:`blocs.strategy.nash` reports its certificate that way.

Box-constrained maximisation uses L-BFGS-B (SciPy) with JAX value-and-gradient.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from blocs.errors import ConvergenceError, InputError
from blocs.strategy.foc_ift import objective_at, weighted_value_and_grad

__all__ = [
    "DEFAULT_GTOL",
    "DEFAULT_MAX_STEP",
    "Game",
    "OptimalTariffs",
    "optimal_tariffs",
    "projected_gradient",
]

#: Default tolerance on the projected gradient (inf-norm) in the optimiser's variables:
#: objective units per unit of instrument, divided by ``sqrt(curvature)`` when the game
#: has one (a Newton-step size). Ossa's own optima reach |dG/dt| < 2e-8.
DEFAULT_GTOL = 1e-9
#: Relative objective-decrease tolerance handed to L-BFGS-B (near machine precision: we stop
#: on the gradient, not on stalling).
_FTOL = 1e-15
#: Number of L-BFGS corrections kept.
_MAXCOR = 30
#: Curvatures are floored at this fraction of the largest (instruments that barely matter
#: are not blown up by the preconditioner).
_MIN_RELATIVE_CURVATURE = 1e-14
#: Gradient-only polishing steps after L-BFGS-B (see :func:`_polish`).
_MAX_POLISH = 500
#: Largest change of any instrument in the first step of L-BFGS-B and of the polish.
_FIRST_STEP = 0.05
_POLISH_STEP = 1e-3
#: ABBmin switch: take the short Barzilai-Borwein step when shorter than this fraction of
#: the long one.
_ABB_RATIO = 0.5
#: The polish gives up when the projected gradient exceeds the best one by this factor.
_POLISH_DIVERGED = 1e6
#: Default move limit: largest change of an instrument within one L-BFGS-B run.
DEFAULT_MAX_STEP = 0.5
#: Restarts allowed when a run ends on its move limits.
_MAX_MOVES = 50


@dataclasses.dataclass(frozen=True)
class Game:
    """Players, their instruments and objectives, and the bounds on instruments.

    Attributes:
        welfare: ``(x, args) -> u``, shape (m,) -> (P,); a JAX function.
        args: PyTree passed to ``welfare`` (model data, baseline, fixed tariffs).
        players: instrument indices of each player, P integer arrays into ``x``.
        lower: lower bounds, scalar or shape (m,).
        upper: upper bounds, scalar or shape (m,).
        names: player labels (optional), length P.
        curvature: ``(x, args) -> h``, shape (m,) -> (m,), positive (optional; see the
            module docstring).
        parts: the equilibrium behind ``welfare`` as functions of the instruments
            (optional; :class:`blocs.strategy.foc_ift.Parts`): first-order conditions of
            one-instrument games by the implicit function theorem with one LU
            (:func:`blocs.strategy.nash_newton`) instead of derivatives through the solver.

    Example:
        >>> import jax.numpy as jnp
        >>> def welfare(x, a):  # two players, each with one instrument, concave payoffs
        ...     return jnp.array([-(x[0] - a) ** 2 + x[1], -(x[1] - 2 * a) ** 2])
        >>> g = Game(welfare, 0.5, players=(jnp.array([0]), jnp.array([1])), lower=0.0,
        ...          upper=5.0)
        >>> round(float(optimal_tariffs(g, jnp.zeros(2), player=0).x[0]), 6)
        0.5
    """

    welfare: Callable[[jax.Array, Any], jax.Array]
    args: Any
    players: tuple[Any, ...]
    lower: Any = 0.0
    upper: Any = np.inf
    names: tuple[str, ...] = ()
    curvature: Callable[[jax.Array, Any], jax.Array] | None = None
    parts: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "players", tuple(np.asarray(p, dtype=np.int64).ravel() for p in self.players)
        )

    @property
    def n_players(self) -> int:
        """Number of players P."""
        return len(self.players)

    def name(self, p: int) -> str:
        """Label of player ``p``."""
        return self.names[p] if self.names else f"player {p}"

    def bounds(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds broadcast to shape (m,)."""
        lo = np.broadcast_to(np.asarray(self.lower, dtype=float), (m,)).copy()
        hi = np.broadcast_to(np.asarray(self.upper, dtype=float), (m,)).copy()
        return lo, hi

    def welfare_at(self, x) -> np.ndarray:
        """Every player's objective at ``x``, shape (P,) (through :attr:`parts` when given:
        the solve program its other derivatives use)."""
        if self.parts is not None:
            return objective_at(self.parts, x, self.args)
        return np.asarray(_values(self.welfare, jnp.asarray(x, dtype=float), self.args))

    def scale_at(self, x, idx) -> np.ndarray | None:
        """Preconditioning scale ``sqrt(h)`` of instruments ``idx`` at ``x``, or None."""
        if self.curvature is None:
            return None
        h = np.asarray(_values(self.curvature, jnp.asarray(x, dtype=float), self.args))[idx]
        h = np.where(np.isfinite(h) & (h > 0), h, 0.0)
        if h.max(initial=0.0) <= 0:
            return None
        return np.sqrt(np.maximum(h, _MIN_RELATIVE_CURVATURE * h.max()))


@dataclasses.dataclass(frozen=True)
class OptimalTariffs:
    """A (group's) optimum over some instruments, the others held fixed.

    Attributes:
        x: the full instrument vector with the optimum inserted, shape (m,).
        instruments: the indices optimised over, shape (k,).
        objective: the maximised objective ``weights @ welfare(x)``, float.
        welfare: every player's objective at ``x``, shape (P,).
        gradient_norm: largest |d objective / d x| over free instruments (not at a bound
            the gradient pushes against), float.
        iterations: L-BFGS-B iterations plus polishing steps; evaluations:
            objective-and-gradient evaluations.
        converged: the projected gradient (curvature-scaled when the game has a curvature)
            is below ``gtol``; message: L-BFGS-B's message and the polishing steps.
    """

    x: np.ndarray
    instruments: np.ndarray
    objective: float
    welfare: np.ndarray
    gradient_norm: float
    iterations: int
    evaluations: int
    converged: bool
    message: str


@functools.partial(jax.jit, static_argnums=0)
def _values(welfare, x, args):
    return welfare(x, args)


@functools.partial(jax.jit, static_argnums=0)
def _weighted_value_and_grad(welfare, z, x, idx, weights, args):
    def objective(z):
        return weights @ welfare(x.at[idx].set(z), args)

    return jax.value_and_grad(objective)(z)


def projected_gradient(g, z, lo, hi) -> np.ndarray:
    """The gradient ``g`` of a maximisation with entries at an active bound zeroed.

    An entry is dropped when ``z`` sits at its lower bound and ``g < 0``, or at its upper
    bound and ``g > 0`` (moving inward cannot help there).
    """
    g = np.asarray(g, dtype=float).copy()
    z = np.asarray(z)
    g[(z <= lo) & (g < 0)] = 0.0
    g[(z >= hi) & (g > 0)] = 0.0
    return g


def _polish(fun_vg, z, lo, hi, sc, gtol, max_iter):
    """Gradient-only projected Barzilai-Borwein ascent in the scaled variables ``z * sc``.

    Near an optimum, welfare changes fall below the rounding error of the objective (about
    1e-16 of it) long before the gradient of instruments on tiny flows vanishes, so a
    line search on the objective stalls. Gradients stay accurate there; this finishes the
    job from the gradient alone. Step sizes alternate between the two Barzilai-Borwein
    steps (the short one when it is much shorter: "ABBmin"); the method is non-monotone,
    so it keeps the best point seen. Returns (z, iterations).
    """
    lo_y, hi_y = lo * sc, hi * sc
    y = z * sc
    _, g = fun_vg(y / sc)
    g = g / sc
    pg = np.max(np.abs(projected_gradient(g, y, lo_y, hi_y)), initial=0.0)
    best = (pg, y.copy())
    # first step: unit (curvature ~1 after scaling), and no instrument moves by more than
    # _POLISH_STEP
    alpha = min(1.0, _POLISH_STEP / max(float(np.max(np.abs(g / sc))), 1e-300))
    k = 0
    while k < max_iter and pg > gtol:
        k += 1
        y_new = np.clip(y + alpha * g, lo_y, hi_y)
        _, g_new = fun_vg(y_new / sc)
        g_new = g_new / sc
        step, dg = y_new - y, g_new - g
        curv = -float(step @ dg)
        if curv > 0:
            bb_long, bb_short = float(step @ step) / curv, curv / float(dg @ dg)
            alpha = bb_short if bb_short < _ABB_RATIO * bb_long else bb_long
        else:
            alpha = 2.0 * alpha
        y, g = y_new, g_new
        pg = np.max(np.abs(projected_gradient(g, y, lo_y, hi_y)), initial=0.0)
        if pg < best[0]:
            best = (pg, y.copy())
        elif pg > _POLISH_DIVERGED * best[0] or not np.isfinite(pg):
            break
    return np.clip(best[1] / sc, lo, hi), k


def _scaled_gradient_norm(g, z, lo, hi, sc) -> float:
    return float(np.max(np.abs(projected_gradient(g / sc, z * sc, lo * sc, hi * sc)), initial=0.0))


def _lbfgsb(fun_vg, z0, lo, hi, sc, gtol, max_iter):
    """One L-BFGS-B run in ``y = c * sc * z`` (``c``: see :func:`maximise`)."""
    _, g0 = fun_vg(z0)
    d = projected_gradient(g0 / sc, z0 * sc, lo * sc, hi * sc)
    norm = float(np.linalg.norm(d))
    c = float(np.max(np.abs(d / sc))) / (_FIRST_STEP * norm) if norm > 0 else 1.0
    c = c if np.isfinite(c) and c > 0 else 1.0
    sc_y = c * sc

    def neg(y):
        v, g = fun_vg(y / sc_y)
        return -v, -g / sc_y

    # deferred: SciPy's optimizers take ~0.3 s to import, which `blocs run` never needs
    from scipy.optimize import Bounds, minimize

    res = minimize(
        neg,
        z0 * sc_y,
        jac=True,
        method="L-BFGS-B",
        bounds=Bounds(lo * sc_y, hi * sc_y),
        options={
            "maxiter": max_iter,
            "maxfun": 4 * max_iter,
            "gtol": gtol / c,
            "ftol": _FTOL,
            "maxcor": _MAXCOR,
        },
    )
    res.x = np.clip(res.x / sc_y, lo, hi)
    return res


def maximise(
    fun_vg: Callable[[np.ndarray], tuple[float, np.ndarray]],
    z0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    gtol: float,
    max_iter: int,
    scale: np.ndarray | None = None,
    max_step: float = np.inf,
):
    """Maximise over a box: L-BFGS-B in scaled variables with move limits, then a polish.

    - Scaling: L-BFGS-B runs in ``y = c * scale * z``, ``c`` chosen so that its first step
      (unit length in ``y``) moves no instrument by more than ``_FIRST_STEP``.
    - Move limits: each L-BFGS-B run is confined to ``|z - z_start| <= max_step`` (and the
      true bounds); a run that ends on a move limit is restarted from there. Large
      quasi-Newton steps can otherwise throw tariffs on small flows into the prohibitive
      region, where welfare is flat and no gradient method comes back.
    - Polish: :func:`_polish` from gradients alone when the objective's rounding stalls
      L-BFGS-B.

    Convergence: the projected gradient in ``scale * z`` units is below ``gtol``. Returns
    SciPy's last result with ``x`` mapped back to ``z``, ``nit``/``nfev`` summed over all
    runs and polishing steps, and ``scaled_gradient``.
    """
    sc = np.ones_like(lo) if scale is None else np.asarray(scale, dtype=float)
    z = np.clip(np.asarray(z0, dtype=float), lo, hi)
    nit = nfev = 0
    for _ in range(_MAX_MOVES):
        lo_k, hi_k = np.maximum(lo, z - max_step), np.minimum(hi, z + max_step)
        res = _lbfgsb(fun_vg, z, lo_k, hi_k, sc, gtol, max_iter)
        nit, nfev, z = nit + int(res.nit), nfev + int(res.nfev), res.x
        _, g = fun_vg(z)
        on_limit = ((z <= lo_k) & (lo_k > lo) & (g < 0)) | ((z >= hi_k) & (hi_k < hi) & (g > 0))
        if not on_limit.any():
            break
    _, g = fun_vg(z)
    pg = _scaled_gradient_norm(g, z, lo, hi, sc)
    message = str(res.message)
    if pg > gtol:
        z, k = _polish(fun_vg, z, lo, hi, sc, gtol, _MAX_POLISH)
        _, g = fun_vg(z)
        pg = _scaled_gradient_norm(g, z, lo, hi, sc)
        nit, nfev = nit + k, nfev + k
        message = f"{message}; polished by {k} gradient steps"
    res.success = bool(pg <= gtol)
    res.x, res.nit, res.nfev, res.message = z, nit, nfev, message
    res.scaled_gradient = pg
    return res


def optimal_tariffs(
    game: Game,
    x,
    player: int | None = None,
    *,
    weights: Sequence[float] | np.ndarray | None = None,
    instruments: Sequence[int] | None = None,
    gtol: float = DEFAULT_GTOL,
    max_iter: int = 5000,
    max_step: float = DEFAULT_MAX_STEP,
    throw: bool = False,
) -> OptimalTariffs:
    """Maximise one player's (or a weighted group's) welfare over its instruments.

    Args:
        game: the :class:`Game`.
        x: the current profile, shape (m,); instruments not optimised stay at these values,
            and the optimised ones start from them (warm start).
        player: whose welfare to maximise over its own instruments ``game.players[player]``.
        weights: instead of ``player``: maximise ``weights @ welfare`` (shape (P,)).
        instruments: indices to optimise over (default: the player's, or all players' when
            ``weights`` is given).
        gtol: tolerance on the projected gradient (inf-norm, in instrument units scaled by
            ``sqrt(curvature)`` when the game has one).
        max_iter: L-BFGS-B iterations (per run).
        max_step: move limit of one L-BFGS-B run (restarted from where it stops).
        throw: raise :class:`ConvergenceError` when L-BFGS-B fails.

    Returns:
        :class:`OptimalTariffs`.
    """
    x = jnp.asarray(x, dtype=float)
    m = x.shape[0]
    P = game.n_players
    if (player is None) == (weights is None):
        raise InputError("give exactly one of player= or weights=")
    if player is not None:
        if not 0 <= player < P:
            raise InputError(f"player must be 0..{P - 1}, got {player}")
        w = np.zeros(P)
        w[player] = 1.0
        idx = game.players[player] if instruments is None else np.asarray(instruments)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (P,):
            raise InputError(f"weights has shape {w.shape}, expected ({P},)")
        idx = np.concatenate(game.players) if instruments is None else np.asarray(instruments)
    idx = np.asarray(idx, dtype=np.int64)
    lo_all, hi_all = game.bounds(m)
    lo, hi = lo_all[idx], hi_all[idx]
    idx_j, w_j = jnp.asarray(idx), jnp.asarray(w)

    def fun_vg(z):
        if game.parts is not None:  # the game's one solve program, gradient by the IFT
            x_z = np.asarray(x).copy()
            x_z[idx] = z
            return weighted_value_and_grad(game.parts, x_z, idx, w, game.args)
        v, g = _weighted_value_and_grad(game.welfare, jnp.asarray(z), x, idx_j, w_j, game.args)
        return float(v), np.asarray(g, dtype=float)

    res = maximise(
        fun_vg,
        np.asarray(x)[idx],
        lo,
        hi,
        gtol,
        max_iter,
        scale=game.scale_at(x, idx),
        max_step=max_step,
    )
    z = res.x
    v, g = fun_vg(z)
    x_new = np.asarray(x).copy()
    x_new[idx] = z
    out = OptimalTariffs(
        x=x_new,
        instruments=idx,
        objective=v,
        welfare=game.welfare_at(x_new),
        gradient_norm=float(np.max(np.abs(projected_gradient(g, z, lo, hi)), initial=0.0)),
        iterations=int(res.nit),
        evaluations=int(res.nfev),
        converged=bool(res.success),
        message=str(res.message),
    )
    if throw and not out.converged:
        who = game.name(player) if player is not None else "the group"
        raise ConvergenceError(
            f"optimal tariffs of {who} did not converge: {out.message} (projected gradient "
            f"{out.gradient_norm:.3g}, tolerance {gtol:g}). Try a better start (e.g. the "
            "uniform/MFN optimum), a larger max_iter or a looser gtol.",
            out,
        )
    return out
