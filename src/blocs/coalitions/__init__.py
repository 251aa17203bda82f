"""Coalitions against a target: leverage, cost, Shapley values, stability and reliability.

"If the US and its allies act together against China, how much more leverage do they get
than the US alone, what does each ally pay, who would join, and how reliable must the US
be?" (``docs/models.md`` §4). Works on the data of any registered model (the one-sector
IMLS model on world2023, Caliendo-Parro on icio2022) through the model interface
(:mod:`blocs.models.base`).

Files, one job each:

- :mod:`~blocs.coalitions.spec`: the question (:class:`CoalitionSpec`, the one schema of a
  ``[coalition]`` table; :func:`allied_front_spec`).
- :mod:`~blocs.coalitions.players`: players and the bitmask encoding of coalitions.
- :mod:`~blocs.coalitions.policies`: the tariffs of every coalition and variant.
- :mod:`~blocs.coalitions.engine`: batched equilibria (Broyden on the model's residual).
- :mod:`~blocs.coalitions.response`: the target's optimal response (safeguarded Newton on
  implicit derivatives).
- :mod:`~blocs.coalitions.analysis`: measures, Shapley values, stability, credibility.
- :mod:`~blocs.coalitions.results`: :class:`CoalitionResults`, tables and files.
- :mod:`~blocs.coalitions.solve`: :func:`solve_coalitions`, the entry point.
- :mod:`~blocs.coalitions.settings`: tolerances and limits.

Example:
    >>> import blocs
    >>> from blocs.coalitions import CoalitionSpec, solve_coalitions
    >>> spec = CoalitionSpec(allies=("JPN", "KOR"), america_first=False)
    >>> res = solve_coalitions(None, spec)                      # doctest: +SKIP
    >>> res.leverage_pct[-1] > res.leverage_pct[0]             # doctest: +SKIP
    True
"""

from blocs.coalitions.analysis import break_even, shapley_values
from blocs.coalitions.players import Players, resolve_players
from blocs.coalitions.policies import (
    CoalitionPolicies,
    america_first_baseline,
    coalition_policies,
    goods_sectors,
)
from blocs.coalitions.results import CoalitionResults, Credibility
from blocs.coalitions.settings import (
    MAX_ALLIES,
    MAX_RESPONSE,
    RESPONSE_FOC_TOL,
    RESPONSE_MAX_ITERATIONS,
    RESPONSE_RATE_TOL,
    STABILITY_TOL,
)
from blocs.coalitions.solve import solve_coalitions
from blocs.coalitions.spec import CoalitionSpec, allied_front_spec

__all__ = [
    "MAX_ALLIES",
    "MAX_RESPONSE",
    "RESPONSE_FOC_TOL",
    "RESPONSE_MAX_ITERATIONS",
    "RESPONSE_RATE_TOL",
    "STABILITY_TOL",
    "CoalitionPolicies",
    "CoalitionResults",
    "CoalitionSpec",
    "Credibility",
    "Players",
    "allied_front_spec",
    "america_first_baseline",
    "break_even",
    "coalition_policies",
    "goods_sectors",
    "resolve_players",
    "shapley_values",
    "solve_coalitions",
]
