"""Default solver settings: the one place they are defined.

Every equilibrium in blocs is solved to ``DEFAULT_TOL`` on the largest *scaled* residual
(each equation written as a relative error) within ``DEFAULT_MAX_STEPS`` steps unless the
caller asks otherwise.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_STEPS", "DEFAULT_TOL", "FIXED_POINT_TOL"]

#: Default convergence tolerance on the largest scaled residual (relative error).
DEFAULT_TOL = 1e-12
#: Default maximum number of (Newton, Broyden) steps.
DEFAULT_MAX_STEPS = 60
#: Default stopping rule of fixed-point iterations: the relative change of one step
#: (``max |x' - x| / max(max |x'|, 1)``) at which they stop (machine precision).
FIXED_POINT_TOL = 1e-15
