"""Solvers for equilibrium systems, with one typed result and one set of defaults.

- :func:`newton`: damped Newton with exact (autodiff) Jacobians and implicit derivatives.
- :func:`broyden` / :func:`refine`: batched quasi-Newton with inverse-Jacobian updates.
- :func:`fixed_point`, :func:`neumann`, :func:`linear_solve`, :func:`fixed_point_root`:
  contractions and Neumann-series linear solves (the multi-sector inner systems).
- :func:`maximize_step` / :class:`ScalarSearch`: the 1-D safeguarded Newton on a derivative.
- :func:`foc_newton`: Newton on stacked first-order conditions (tariff wars).
- :class:`SolverResult` / :class:`Status`: every solver's outcome, with the reason it stopped.
- :mod:`blocs.solvers.defaults`: the default tolerances and step limits, defined once.
- :func:`one_blas_thread`: one BLAS thread while a top-level solve runs (fast under load).

Residual functions must be *scaled*: each component a relative error (dimensionless), so that
one tolerance means the same thing for every equation. We keep our own Newton rather than
``optimistix.Newton`` because it needs, in one routine, a backtracking line search on
``||F||``, a stall status, per-lane stopping under ``vmap`` and implicit derivatives through
``custom_linear_solve`` (second derivatives for Nash wars); ``benchmarks/bench_solvers.py``
compares the two on the 194-country solve.
"""

from blocs.solvers.broyden import broyden, refine
from blocs.solvers.defaults import (
    DEFAULT_MAX_STEPS,
    DEFAULT_TOL,
    FIXED_POINT_TOL,
    MAX_TOL,
    check_solver_settings,
)
from blocs.solvers.fixed_point import fixed_point, fixed_point_root, linear_solve, neumann
from blocs.solvers.foc_newton import (
    BROYDEN_RESTART,
    FOC_MAX_ITER,
    FOC_MAX_STEP,
    FOC_TOL,
    FocResult,
    foc_newton,
)
from blocs.solvers.newton import newton
from blocs.solvers.result import SolverResult, Status, status_code, status_message
from blocs.solvers.scalar import ScalarResult, ScalarSearch, maximize_step
from blocs.solvers.threads import one_blas_thread

__all__ = [
    "BROYDEN_RESTART",
    "DEFAULT_MAX_STEPS",
    "DEFAULT_TOL",
    "MAX_TOL",
    "check_solver_settings",
    "FIXED_POINT_TOL",
    "FOC_MAX_ITER",
    "FOC_MAX_STEP",
    "FOC_TOL",
    "FocResult",
    "ScalarResult",
    "ScalarSearch",
    "SolverResult",
    "Status",
    "broyden",
    "fixed_point",
    "fixed_point_root",
    "foc_newton",
    "linear_solve",
    "maximize_step",
    "neumann",
    "newton",
    "one_blas_thread",
    "refine",
    "status_code",
    "status_message",
]
