"""Default solver settings: the one place they are defined.

Every equilibrium in blocs is solved to ``DEFAULT_TOL`` on the largest *scaled* residual
(each equation written as a relative error) within ``DEFAULT_MAX_STEPS`` steps unless the
caller asks otherwise.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from blocs.errors import InputError

__all__ = [
    "DEFAULT_MAX_STEPS",
    "DEFAULT_TOL",
    "FIXED_POINT_TOL",
    "MAX_TOL",
    "check_solver_settings",
]

#: Default convergence tolerance on the largest scaled residual (relative error).
DEFAULT_TOL = 1e-12
#: Default maximum number of (Newton, Broyden) steps.
DEFAULT_MAX_STEPS = 60
#: Default stopping rule of fixed-point iterations: the relative change of one step
#: (``max |x' - x| / max(max |x'|, 1)``) at which they stop (machine precision).
FIXED_POINT_TOL = 1e-15
#: The loosest tolerance accepted: a looser one stops the solver far from the equilibrium
#: ("converged" in 0 steps with a residual of 0.17).
MAX_TOL = 1e-4


def check_solver_settings(tol: Any, max_steps: Any) -> None:
    """Range checks of the solver settings: ``tol`` in (0, :data:`MAX_TOL`], ``max_steps`` an
    integer >= 1.

    Raises:
        InputError: naming the setting, the value and a valid one (bad input, not a failure
            to converge).
    """
    ok_tol = not isinstance(tol, bool) and isinstance(tol, numbers.Real)
    if not (ok_tol and math.isfinite(tol) and 0 < tol <= MAX_TOL):
        raise InputError(
            f"solver tolerance {tol}: must be a number in (0, {MAX_TOL:g}], e.g. {DEFAULT_TOL:g}"
        )
    ok_steps = not isinstance(max_steps, bool) and isinstance(max_steps, numbers.Integral)
    if not (ok_steps and max_steps >= 1):
        raise InputError(
            f"solver max_steps {max_steps}: must be an integer >= 1, e.g. {DEFAULT_MAX_STEPS}"
        )
