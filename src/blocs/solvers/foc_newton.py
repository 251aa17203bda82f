"""Newton's method on stacked first-order conditions with bounds (one variable per agent).

:func:`foc_newton` finds ``x`` (shape (P,)) with ``g_p(x) = dU_p/dx_p = 0`` for every agent
``p`` (each maximising its own payoff ``U_p`` over its own variable ``x_p`` within
``[lower_p, upper_p]``): a Nash equilibrium of a game in which every player has one
instrument. The caller supplies the conditions through two callbacks:

- ``system(x) -> (u, g, J)``: payoffs ``u`` (P,), conditions ``g`` (P,) and their Jacobian
  ``J[p, q] = dg_p / dx_q`` (P, P);
- ``gradient(x) -> (u, g)``: the same without ``J`` (cheaper; used between Broyden updates).

Active set: an agent at a bound whose condition pushes outward is held there; the others
take the Newton step of ``J_ff dx_f = -g_f``, limited to ``max_step`` per variable (a trust
region), uphill where the own curvature is not negative. With ``jacobian="broyden"`` the
exact ``J`` is computed at the start and then updated by Broyden's rank-one formula from the
change in ``g``; an exact ``J`` is recomputed whenever a step fails to cut the largest
condition below :data:`BROYDEN_RESTART` times the last.

It runs in NumPy on the host (a handful of iterations, each dominated by the callbacks), so
failures are values: :class:`FocResult` carries a :class:`~blocs.solvers.Status`.

Example:
    >>> import numpy as np
    >>> # two agents, U_p = -(x_p - 0.5 x_q - 1)^2: g_p = -2 (x_p - 0.5 x_q - 1)
    >>> J = np.array([[-2.0, 1.0], [1.0, -2.0]])
    >>> def system(x):
    ...     g = -2.0 * (x - 0.5 * x[::-1] - 1.0)
    ...     return -(g / 2) ** 2, g, J
    >>> r = foc_newton(system, lambda x: system(x)[:2], np.zeros(2), np.zeros(2),
    ...                np.full(2, 10.0), max_step=5.0)
    >>> bool(r.converged), np.round(r.x, 6).tolist()
    (True, [2.0, 2.0])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

import numpy as np

from blocs.errors import InputError
from blocs.solvers.result import Status

__all__ = [
    "BROYDEN_RESTART",
    "FOC_MAX_ITER",
    "FOC_MAX_STEP",
    "FOC_TOL",
    "FocResult",
    "foc_newton",
    "newton_step",
]

#: Tolerance on the largest first-order condition (payoff per unit of the variable). For
#: tariff games (payoffs in hat units of real income): a player's unilateral gain near a
#: point with condition g is about g^2 / (2 |d2U|), with |d2U| of order 1e-4..1: 1e-9
#: leaves gains below 1e-14, far under the 1e-6 certificate of docs/models.md §3.
FOC_TOL = 1e-9
#: Largest change of any variable in one step (a trust region: far from the equilibrium the
#: quadratic model can send the variables of small agents far out).
FOC_MAX_STEP = 0.25
#: Iterations before giving up.
FOC_MAX_ITER = 50
#: A Broyden step that does not shrink the largest condition below this fraction of the
#: previous one triggers an exact Jacobian.
BROYDEN_RESTART = 0.9

#: ``system(x) -> (u, g, J)`` and ``gradient(x) -> (u, g)``.
System = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
Gradient = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


class FocResult(NamedTuple):
    """Outcome of :func:`foc_newton`.

    Attributes:
        x: the last iterate, shape (P,).
        values: payoffs ``u`` at ``x``, shape (P,).
        gradient: the conditions ``g`` at ``x``, shape (P,).
        curvature: own curvatures ``dg_p/dx_p`` (diagonal of the last Jacobian), shape (P,).
        gains: each agent's gain from its own Newton step relative to its payoff,
            ``g^2 / (2 |dg_p/dx_p|) / |u|`` (the second-order estimate of what a deviation
            could bring); 0 at a bound it pushes against, ``inf`` where the own curvature
            is not negative. Shape (P,).
        status: :class:`Status` (CONVERGED, MAX_STEPS, or NONFINITE when a callback
            returned NaN/inf: then ``x`` is the point it failed at).
        iterations: iterations taken.
        max_residual: the largest projected condition at ``x``.
        history: the largest projected condition at each iteration.
        exact_jacobians: number of exact Jacobians computed (``system`` calls).
    """

    x: np.ndarray
    values: np.ndarray
    gradient: np.ndarray
    curvature: np.ndarray
    gains: np.ndarray
    status: Status
    iterations: int
    max_residual: float
    history: tuple[float, ...]
    exact_jacobians: int

    @property
    def converged(self) -> bool:
        """``status == CONVERGED``."""
        return self.status == Status.CONVERGED


def newton_step(jac: np.ndarray, g: np.ndarray, active: np.ndarray, max_step: float) -> np.ndarray:
    """The bounded Newton step on the free agents (uphill where curvature is not < 0).

    ``jac`` (P, P), ``g`` (P,), ``active`` (P,) bool: agents held at a bound.
    """
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


def _gains(u: np.ndarray, g: np.ndarray, diag: np.ndarray, at_bound: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        gains = np.where(diag < 0, g**2 / (2.0 * np.abs(diag)) / np.abs(u), np.inf)
    return np.where(at_bound & (diag < 0), 0.0, gains)


def foc_newton(
    system: System,
    gradient: Gradient,
    x0: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    tol: float = FOC_TOL,
    max_iter: int = FOC_MAX_ITER,
    max_step: float = FOC_MAX_STEP,
    jacobian: Literal["broyden", "exact"] = "broyden",
    progress: Callable[[int, float], None] | None = None,
) -> FocResult:
    """Solve ``g(x) = 0`` within ``[lower, upper]`` (see the module docstring).

    Args:
        system: ``x -> (u, g, J)``, arrays of shapes (P,), (P,), (P, P).
        gradient: ``x -> (u, g)``.
        x0: the start, shape (P,); lower, upper: bounds, shape (P,).
        tol: stop when the largest projected condition is below it.
        max_iter: iterations before giving up (status MAX_STEPS).
        max_step: largest change of any variable in one step.
        jacobian: ``"broyden"`` (exact at the start and on restarts, rank-one updates
            between) or ``"exact"`` (at every iterate).
        progress: called with ``(iteration, largest condition)``.

    Returns:
        :class:`FocResult`; never raises on non-convergence (check ``converged``).
    """
    if jacobian not in ("broyden", "exact"):
        raise InputError(f"jacobian={jacobian!r}: choose 'broyden' or 'exact'")
    x = np.asarray(x0, dtype=float).copy()
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    P = x.size
    history: list[float] = []
    status = Status.MAX_STEPS
    k = exact = 0
    u = g = np.zeros(P)
    jac = np.zeros((P, P))
    res = np.inf
    need_exact = True
    prev: tuple[np.ndarray, np.ndarray] | None = None
    for k in range(1, max_iter + 1):
        if need_exact or jacobian == "exact":
            u_k, g_k, j_k = system(x)
            jac = np.asarray(j_k)
            exact += 1
        else:
            u_k, g_k = gradient(x)
        u, g = np.asarray(u_k), np.asarray(g_k)
        if not (np.all(np.isfinite(u)) and np.all(np.isfinite(g))):
            status = Status.NONFINITE
            res = np.inf
            break
        if not need_exact and prev is not None and jacobian == "broyden":
            s_, y_ = x - prev[0], g - prev[1]
            ss = float(s_ @ s_)
            if ss > 0:
                jac = jac + np.outer(y_ - jac @ s_, s_) / ss
        active = ((x <= lo) & (g < 0)) | ((x >= hi) & (g > 0))
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
            status = Status.CONVERGED
            break
        need_exact = False
        prev = (x.copy(), g.copy())
        x = np.clip(x + newton_step(jac, g, active, max_step), lo, hi)
    diag = np.diag(jac)
    at_bound = ((x <= lo) & (g <= 0)) | ((x >= hi) & (g >= 0))
    return FocResult(
        x=x,
        values=u,
        gradient=g,
        curvature=diag,
        gains=_gains(u, g, diag, at_bound),
        status=status,
        iterations=k,
        max_residual=res,
        history=tuple(history),
        exact_jacobians=exact,
    )
