"""Nash tariff wars, generic over models: simultaneous (Jacobi) best responses.

Round ``k + 1`` replaces every player's instruments by its best response
(:func:`blocs.strategy.optimal_tariffs`) to round ``k``'s profile, optionally damped:
``x <- x + damping (BR(x) - x)``. Each best response is warm-started from the player's
current instruments, so late rounds cost a few L-BFGS-B iterations each.

The iteration stops when the largest change of any instrument in a round is below ``tol``.
The best responses of that last round are computed against the returned profile, so they
certify it: ``certificate`` is the largest gain any player could still get by a unilateral
deviation, ``max_p (u_p(BR_p, x_-p) - u_p(x)) / |u_p(x)|``. With welfare in hat units this
is a fraction of the player's (current) real income (models.md §3 asks for < 1e-6).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from blocs.errors import ConvergenceError
from blocs.strategy.optimal import DEFAULT_GTOL, Game, optimal_tariffs

__all__ = ["DEFAULT_CERTIFICATE_TOL", "NashTariffs", "nash_tariffs"]

#: Largest unilateral gain (fraction of income) a Nash equilibrium may leave (models.md §3).
DEFAULT_CERTIFICATE_TOL = 1e-6


@dataclasses.dataclass(frozen=True)
class NashTariffs:
    """A Nash equilibrium of a tariff game.

    Attributes:
        x: the equilibrium profile, shape (m,).
        welfare: each player's objective at ``x``, shape (P,).
        certificate: the largest relative gain any player can get by a unilateral best
            response to ``x`` (a fraction of its income for hat-valued welfare), float.
        gains: that gain per player, shape (P,).
        max_change: largest |BR(x) - x| over instruments in the last round, float.
        rounds: Jacobi rounds (each computes every player's best response once).
        iterations: L-BFGS-B iterations summed over all best responses.
        gradient_norms: each player's projected own-instrument gradient at its last best
            response, shape (P,).
        history: ``(max_change, certificate)`` after each round.
        converged: ``max_change < tol`` and ``certificate < certificate_tol``.
        seconds: wall time.
    """

    x: np.ndarray
    welfare: np.ndarray
    certificate: float
    gains: np.ndarray
    max_change: float
    rounds: int
    iterations: int
    gradient_norms: np.ndarray
    history: tuple[tuple[float, float], ...]
    converged: bool
    seconds: float


def nash_tariffs(
    game: Game,
    x0,
    *,
    tol: float = 1e-7,
    certificate_tol: float = DEFAULT_CERTIFICATE_TOL,
    max_rounds: int = 100,
    damping: float = 1.0,
    gtol: float = DEFAULT_GTOL,
    max_iter: int = 5000,
    throw: bool = True,
    verbose: bool = False,
) -> NashTariffs:
    """Nash equilibrium by simultaneous (Jacobi) best responses.

    Args:
        game: the :class:`Game`; every player best-responds over its own instruments.
        x0: starting profile, shape (m,) (a good start: each player's unilateral optimum).
        tol: stop when no instrument moves by more than this in a round.
        certificate_tol: the largest unilateral gain accepted at convergence.
        max_rounds: rounds before giving up.
        damping: weight on the best response in the update (1 = pure Jacobi).
        gtol, max_iter: passed to each best response.
        throw: raise :class:`ConvergenceError` if not converged after ``max_rounds``.
        verbose: print one line per round.

    Returns:
        :class:`NashTariffs`.

    Example:
        >>> import jax.numpy as jnp
        >>> def welfare(x, a):  # linear best responses x0 = 1 + x1/2, x1 = 1 + x0/2
        ...     return jnp.array([-(x[0] - 1 - x[1] / 2) ** 2, -(x[1] - 1 - x[0] / 2) ** 2])
        >>> g = Game(welfare, None, players=([0], [1]), lower=0.0, upper=10.0)
        >>> eq = nash_tariffs(g, jnp.zeros(2), tol=1e-9)
        >>> [round(float(v), 6) for v in eq.x]
        [2.0, 2.0]
    """
    start = time.perf_counter()
    x = np.asarray(x0, dtype=float).copy()
    P = game.n_players
    history: list[tuple[float, float]] = []
    iterations = 0
    converged = False
    gains = np.zeros(P)
    gnorms = np.zeros(P)
    change = np.inf
    u = game.welfare_at(x)
    for rnd in range(1, max_rounds + 1):
        x_br = x.copy()
        for p in range(P):
            br = optimal_tariffs(game, x, player=p, gtol=gtol, max_iter=max_iter)
            idx = game.players[p]
            x_br[idx] = br.x[idx]
            gains[p] = (br.objective - u[p]) / abs(u[p])
            gnorms[p] = br.gradient_norm
            iterations += br.iterations
        change = float(np.max(np.abs(x_br - x)))
        cert = float(np.max(gains))
        history.append((change, cert))
        if verbose:
            print(
                f"round {rnd:3d}: max change {change:.3e}, largest gain {cert:.3e}, "
                f"{time.perf_counter() - start:.1f} s"
            )
        if change < tol and cert < certificate_tol:
            converged = True
            break
        x = x + damping * (x_br - x)
        u = game.welfare_at(x)
    out = NashTariffs(
        x=x,
        welfare=u,
        certificate=float(np.max(gains)),
        gains=gains.copy(),
        max_change=change,
        rounds=rnd,
        iterations=iterations,
        gradient_norms=gnorms.copy(),
        history=tuple(history),
        converged=converged,
        seconds=time.perf_counter() - start,
    )
    if throw and not converged:
        raise ConvergenceError(
            f"no Nash equilibrium after {max_rounds} rounds of best responses (largest change "
            f"{change:.3g}, tolerance {tol:g}; largest unilateral gain {out.certificate:.3g}). "
            "Try damping < 1 (e.g. 0.5), more rounds, or a start closer to the equilibrium "
            "(each player's unilateral optimum).",
            out,
        )
    return out
