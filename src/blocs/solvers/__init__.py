"""Solvers for equilibrium systems, with one typed result and one set of defaults.

- :func:`newton`: damped Newton with exact (autodiff) Jacobians and implicit derivatives.
- :class:`SolverResult` / :class:`Status`: every solver's outcome, with the reason it stopped.
- :data:`DEFAULT_TOL`, :data:`DEFAULT_MAX_STEPS`: the defaults, defined once.

Residual functions must be *scaled*: each component a relative error (dimensionless), so that
one tolerance means the same thing for every equation.
"""

from blocs.solvers.defaults import DEFAULT_MAX_STEPS, DEFAULT_TOL
from blocs.solvers.newton import newton
from blocs.solvers.result import SolverResult, Status, status_code, status_message

__all__ = [
    "DEFAULT_MAX_STEPS",
    "DEFAULT_TOL",
    "SolverResult",
    "Status",
    "newton",
    "status_code",
    "status_message",
]

from blocs.solvers.broyden import broyden, refine  # noqa: E402
from blocs.solvers.defaults import FIXED_POINT_TOL  # noqa: E402
from blocs.solvers.fixed_point import (  # noqa: E402
    fixed_point,
    fixed_point_root,
    linear_solve,
    neumann,
)
from blocs.solvers.scalar import ScalarResult, ScalarSearch, maximize_step  # noqa: E402

__all__ += [
    "FIXED_POINT_TOL",
    "ScalarResult",
    "ScalarSearch",
    "broyden",
    "fixed_point",
    "fixed_point_root",
    "linear_solve",
    "maximize_step",
    "neumann",
    "refine",
]
