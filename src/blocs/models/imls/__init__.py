"""One-sector model with markups, elastic labour and tariff pass-through.

Ignatenko, Macedoni, Lashkaripour & Simonovska (2025), "Making America Great Again? The
Economic Impacts of Liberation Day Tariffs", J. Int. Econ. (``docs/models.md`` §1). It nests
Eaton-Kortum / Armington (``profit_shares="zero"``, ``pass_through="none"``,
``labour_supply_elasticity=0``) and the ``ge_gravity`` endowment model.

Files: ``options`` (the options), ``equations`` (calibration and the equilibrium conditions,
one small function each), ``jacobian`` (the residual's Jacobian in closed form, for Newton),
``solve`` (the solution record and solvers), ``rate_columns`` (residual and welfare with
cheap derivatives in one importer's tariff, for best responses), ``roundabout`` (the
input-output variant), ``closed_form`` (the paper's optimal-tariff formula), ``aot`` (exported
solves), ``model`` (the common interface, outcomes and tables).
"""

from blocs.models.base import Policy
from blocs.models.imls.closed_form import closed_form_rate, optimal_tariff_closed_form
from blocs.models.imls.equations import (
    Params,
    Static,
    aggregates,
    calibrate,
    conditions,
    dropped_equation,
    residual,
    residual_reference,
    welfare,
)
from blocs.models.imls.model import COUNTRY_COLUMNS, MODEL, IMLSModel, outcomes
from blocs.models.imls.options import IMLS, PSI_NUMERATOR
from blocs.models.imls.solve import (
    CONTINUATION_STEPS,
    Solution,
    balanced_params,
    rebase,
    solution_at,
    solution_x,
    solve,
    solve_jit,
    solve_params,
    solve_with_continuation,
)

__all__ = [
    "CONTINUATION_STEPS",
    "COUNTRY_COLUMNS",
    "IMLS",
    "MODEL",
    "PSI_NUMERATOR",
    "IMLSModel",
    "Params",
    "Policy",
    "Solution",
    "Static",
    "aggregates",
    "balanced_params",
    "calibrate",
    "closed_form_rate",
    "conditions",
    "dropped_equation",
    "optimal_tariff_closed_form",
    "outcomes",
    "rebase",
    "residual",
    "residual_reference",
    "solution_at",
    "solution_x",
    "solve",
    "solve_jit",
    "solve_params",
    "solve_with_continuation",
    "welfare",
]
