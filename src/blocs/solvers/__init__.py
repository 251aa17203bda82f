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

# Newton on stacked first-order conditions (one variable per agent; tariff wars)
from blocs.solvers.foc_newton import (  # noqa: E402
    BROYDEN_RESTART,
    FOC_MAX_ITER,
    FOC_MAX_STEP,
    FOC_TOL,
    FocResult,
    foc_newton,
)

__all__ += ["BROYDEN_RESTART", "FOC_MAX_ITER", "FOC_MAX_STEP", "FOC_TOL", "FocResult", "foc_newton"]
