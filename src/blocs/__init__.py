"""blocs: general-equilibrium trade models for tariff wars, coalitions and trade deals.

The public API (everything else is internal)::

    import blocs
    eco = blocs.load_world2023()                       # Economy: 194 countries, 2023
    sol = blocs.solve(eco, blocs.liberation_day_tariffs(eco), blocs.IMLS())
    run = blocs.run_scenario("liberation-day")         # scenario -> tables and manifest
    run.countries                                      # per-country outcomes (pandas)

Conventions (indices, hats, units, numeraire) are in :mod:`blocs._conventions`.
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

from blocs import strategy  # noqa: E402
from blocs.coalitions import (  # noqa: E402
    CoalitionResults,
    CoalitionSpec,
    allied_front_spec,
    coalition_policies,
    solve_coalitions,
)
from blocs.data import load_economy, load_world2023  # noqa: E402
from blocs.data.multisector import (  # noqa: E402
    cp2015_nafta_tariffs,
    load_cp2015,
    load_icio2022,
    load_io_coefficients,
)
from blocs.economy import Economy, economy_from_tables  # noqa: E402
from blocs.errors import (  # noqa: E402
    BlocsError,
    ConvergenceError,
    DataError,
    InputError,
    ScenarioError,
)
from blocs.gradients import Sensitivity, sensitivity  # noqa: E402
from blocs.models.caliendo_parro import (  # noqa: E402
    MultiSectorEconomy,
    MultiSectorEquilibrium,
    balanced_baseline,
    solve_multisector,
)
from blocs.models.imls import IMLS, Policy, Solution, optimal_tariff_closed_form, solve  # noqa: E402
from blocs.models.ossa import OssaEconomy, load_ossa, solve_ossa  # noqa: E402
from blocs.results import country_table, group_summary  # noqa: E402
from blocs.run import Run, run_scenario, write_run  # noqa: E402
from blocs.scenario import (  # noqa: E402
    Scenario,
    builtin_scenarios,
    compile_policy,
    liberation_day_tariffs,
    load_scenario,
)
from blocs.strategy.ossa import ossa_nash, ossa_optimal_tariffs, ossa_trade_talks  # noqa: E402
from blocs.sweep import (  # noqa: E402
    Dask,
    InProcess,
    LogNormal,
    Processes,
    SweepResult,
    SweepSpec,
    Uniform,
    load_sweep,
    make_spec,
    run_sweep,
    synthetic_economy,
)
from blocs.version import VERSION  # noqa: E402

__version__ = VERSION

__all__ = [
    "BlocsError",
    "CoalitionResults",
    "CoalitionSpec",
    "ConvergenceError",
    "Dask",
    "DataError",
    "Economy",
    "IMLS",
    "InProcess",
    "InputError",
    "LogNormal",
    "MultiSectorEconomy",
    "MultiSectorEquilibrium",
    "OssaEconomy",
    "Policy",
    "Processes",
    "Run",
    "Sensitivity",
    "Scenario",
    "ScenarioError",
    "Solution",
    "SweepResult",
    "SweepSpec",
    "Uniform",
    "__version__",
    "allied_front_spec",
    "balanced_baseline",
    "builtin_scenarios",
    "coalition_policies",
    "compile_policy",
    "country_table",
    "cp2015_nafta_tariffs",
    "economy_from_tables",
    "group_summary",
    "liberation_day_tariffs",
    "load_cp2015",
    "load_economy",
    "load_icio2022",
    "load_io_coefficients",
    "load_ossa",
    "load_scenario",
    "load_sweep",
    "load_world2023",
    "make_spec",
    "optimal_tariff_closed_form",
    "ossa_nash",
    "ossa_optimal_tariffs",
    "ossa_trade_talks",
    "run_scenario",
    "sensitivity",
    "run_sweep",
    "solve",
    "solve_coalitions",
    "solve_multisector",
    "solve_ossa",
    "strategy",
    "synthetic_economy",
    "write_run",
]
