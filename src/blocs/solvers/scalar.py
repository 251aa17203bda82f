"""A safeguarded 1-D Newton method for maximising a function on an interval, step by step.

The caller evaluates ``f'(x)`` and ``f''(x)`` (e.g. exact derivatives through an
equilibrium, many searches side by side in ``vmap``-ed lanes) and hands them to
:func:`maximize_step`, which returns the next point to evaluate or the outcome. Plain Python
on floats: the state is a small frozen record, so each lane of a batch can follow its own
search and stop on its own.

The method keeps a bracket ``[lo, hi]`` of the maximiser on ``[lower, upper]``: ``f' > 0``
at ``x`` moves ``lo`` up to ``x``, ``f' <= 0`` moves ``hi`` down. The Newton step
``-f'/f''`` (only where ``f'' < 0``, i.e. the model is concave there) is taken if it stays
inside the bracket; otherwise the unexplored bound it points at is tried (corner optima are
found in one step), otherwise the bracket is bisected. It stops (CONVERGED) at a corner
(``x = lower`` with ``f' <= 0``, ``x = upper`` with ``f' >= 0``), when ``|f'| <= g_tol``,
when the Newton step is at most ``x_tol``, or when the bracket is narrower than ``x_tol``;
after ``max_steps`` evaluations it gives up (MAX_STEPS); a non-finite derivative ends it at
once (NONFINITE).

Example: maximise ``f(x) = -(x - 0.3)**2`` on ``[0, 2]``.
    >>> s = ScalarSearch.start(1.0, 0.0, 2.0)
    >>> out = None
    >>> while out is None:
    ...     s, out = maximize_step(s, -2 * (s.x - 0.3), -2.0, x_tol=1e-12, g_tol=1e-14,
    ...                            max_steps=40)
    >>> out.converged, round(out.x, 12), out.iterations
    (True, 0.3, 2)
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

from blocs.solvers.result import Status

__all__ = ["ScalarResult", "ScalarSearch", "maximize_step"]


@dataclasses.dataclass(frozen=True)
class ScalarSearch:
    """The state of one safeguarded Newton search for a maximiser on ``[lower, upper]``.

    Attributes:
        x: the point to evaluate next (``f'`` and ``f''`` there go to :func:`maximize_step`).
        lo, hi: the bracket of the maximiser (``lower <= lo <= hi <= upper``).
        lower, upper: the interval searched.
        lo_seen, hi_seen: ``f'`` was evaluated at ``lo`` / ``hi`` (else they are still the
            interval's bounds, unexplored).
        steps: evaluations so far.
    """

    x: float
    lo: float
    hi: float
    lower: float
    upper: float
    lo_seen: bool = False
    hi_seen: bool = False
    steps: int = 0

    @classmethod
    def start(cls, x: float, lower: float, upper: float) -> ScalarSearch:
        """A new search on ``[lower, upper]`` whose first evaluation is at ``x`` (clipped)."""
        if not (math.isfinite(lower) and math.isfinite(upper) and lower < upper):
            raise ValueError(f"the interval [{lower}, {upper}] must be finite and non-empty")
        x = min(max(float(x), lower), upper)
        return cls(x=x, lo=float(lower), hi=float(upper), lower=float(lower), upper=float(upper))


class ScalarResult(NamedTuple):
    """The outcome of a finished search.

    Attributes:
        x: the maximiser found (the last point evaluated).
        status: :class:`~blocs.solvers.result.Status` (CONVERGED, MAX_STEPS or NONFINITE).
        iterations: evaluations used.
        gradient: ``f'(x)`` at the last point evaluated.
    """

    x: float
    status: Status
    iterations: int
    gradient: float

    @property
    def converged(self) -> bool:
        """``status == CONVERGED``."""
        return self.status == Status.CONVERGED


def maximize_step(
    state: ScalarSearch, g: float, h: float, *, x_tol: float, g_tol: float, max_steps: int
) -> tuple[ScalarSearch, ScalarResult | None]:
    """One safeguarded Newton step of ``max f`` from ``g = f'(state.x)``, ``h = f''(state.x)``.

    Args:
        state: the search (see :class:`ScalarSearch`).
        g, h: the first and second derivatives at ``state.x``.
        x_tol: stop when the Newton step or the bracket is at most this.
        g_tol: stop when ``|f'|`` is at most this.
        max_steps: give up after this many evaluations.

    Returns:
        ``(state, None)`` with ``state.x`` the next point to evaluate, or ``(state, result)``
        when the search has ended (``state`` then holds the final bracket).
    """
    g, h = float(g), float(h)
    x = state.x
    if not (math.isfinite(g) and math.isfinite(h)):
        return state, ScalarResult(x, Status.NONFINITE, state.steps, g)
    steps = state.steps + 1
    if g > 0:
        state = dataclasses.replace(state, lo=x, lo_seen=True, steps=steps)
    else:
        state = dataclasses.replace(state, hi=x, hi_seen=True, steps=steps)
    corner = (x <= state.lower and g <= 0.0) or (x >= state.upper and g >= 0.0)
    step = -g / h if h < 0 else math.nan
    if corner or abs(g) <= g_tol or abs(step) <= x_tol or state.hi - state.lo <= x_tol:
        return state, ScalarResult(x, Status.CONVERGED, steps, g)
    if steps >= max_steps:
        return state, ScalarResult(x, Status.MAX_STEPS, steps, g)
    nxt = x + step
    if not state.lo < nxt < state.hi:
        if g < 0 and not state.lo_seen:
            nxt = state.lo
        elif g > 0 and not state.hi_seen:
            nxt = state.hi
        else:
            nxt = 0.5 * (state.lo + state.hi)
    return dataclasses.replace(state, x=float(nxt)), None
