"""Numerical settings of the coalition analysis: limits, tolerances and solver budgets.

Read at call time (``settings.NAME``), so a test may change one with ``monkeypatch``.
"""

from __future__ import annotations

__all__ = [
    "BROYDEN_MAX_STEPS",
    "LINEAR_TOL",
    "MAX_ALLIES",
    "MAX_RESPONSE",
    "P_GRID",
    "REFRESH_CONTRACTION",
    "RESPONSE_FOC_TOL",
    "RESPONSE_MAX_ITERATIONS",
    "RESPONSE_RATE_TOL",
    "RESPONSE_START",
    "STABILITY_TOL",
]

#: Most allies accepted: 2**12 = 4096 equilibria per variant (and the exact Shapley value
#: sums over all of them). Each further ally doubles the work.
MAX_ALLIES = 12
#: Welfare differences (percentage points) below this count as ties in stability verdicts,
#: participation and break-even probabilities (solver noise is ~1e-10 pp).
STABILITY_TOL = 1e-9
#: Efficiency (target's loss per dollar the coalition loses) is reported only when the
#: coalition's weighted welfare loss is at least this (percent of its expenditure): below
#: it the ratio divides by a near-zero cost (thousands of $ per $) and is not meaningful.
MATERIAL_COST_PCT = 0.01
#: Broyden iterations before a solve is handed to the model's own solver (Newton with
#: continuation for the one-sector model).
BROYDEN_MAX_STEPS = 60
#: Grid of leader-betrayal probabilities of the expected-leverage curve.
P_GRID = tuple(round(0.1 * i, 1) for i in range(11))
#: Default upper bound of the target's optimal response (200 %), as strategy.games.
MAX_RESPONSE = 2.0
#: Rate at which the first best-response search starts (later ones start from the rate the
#: lane found for its previous coalition).
RESPONSE_START = 0.25
#: Best-response search stops when the Newton step on the rate is below this (the rate is
#: then within ~1e-10 of the optimum; measured agreement with strategy.games: 4e-11).
RESPONSE_RATE_TOL = 1e-10
#: ... or when |dW/dr| is below this (hat units per unit of tariff: 1e-14 of income).
RESPONSE_FOC_TOL = 1e-14
#: Best-response steps before a coalition is reported as a failure (bisection alone would
#: narrow [0, 2] to 1e-10 in 35).
RESPONSE_MAX_ITERATIONS = 40
#: A linear solve (:func:`blocs.solvers.refine`) whose relative residual exceeds this is
#: redone with an exact inverse Jacobian.
LINEAR_TOL = 1e-11
#: A lane's inverse-Jacobian estimate is replaced by the exact inverse (one LAPACK inverse)
#: when ``|b - J H b| / |b|`` exceeds this (refinement would slow down).
REFRESH_CONTRACTION = 0.25
