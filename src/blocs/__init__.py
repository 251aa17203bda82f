"""blocs: general-equilibrium trade models for tariff wars, coalitions and trade deals.

The public API (everything else is internal)::

    import blocs
    eco = blocs.load_world2023()                       # Economy: 194 countries, 2023
    sol = blocs.solve(eco, blocs.liberation_day_tariffs(eco), blocs.IMLS())
    run = blocs.run_scenario("liberation-day")         # scenario -> tables and manifest
    run.countries                                      # per-country outcomes (pandas)

Conventions (indices, hats, units, numeraire) are in :mod:`blocs._conventions`.

Lazy loading (issue 13, item 2): ``import blocs`` imports nothing heavy, not even JAX
(float64 is switched on when JAX loads: :class:`_X64WhenJaxLoads`). Each public name is listed in :data:`_PUBLIC` with the module that defines
it, and the module-level :func:`__getattr__` (PEP 562) imports that module the first time
the name is used, then caches it as a module attribute. So ``blocs run`` never loads
``blocs.strategy`` (SciPy's optimizers), ``blocs.sweep`` (Dask) or ``blocs.estimate``
(pyfixest), and ``blocs.solve`` costs exactly what the solve needs. ``dir(blocs)`` and
``blocs.__all__`` list every public name; ``from blocs import *`` works as before.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any

from blocs.version import VERSION


def _enable_x64(jax: Any) -> None:
    jax.config.update("jax_enable_x64", True)


class _X64WhenJaxLoads(importlib.abc.MetaPathFinder):
    """Switches on JAX's float64 right after ``jax`` itself is imported, by whoever.

    blocs computes in float64. When ``jax`` is already imported, ``import blocs`` switches it
    on at once; otherwise this finder, put first on ``sys.meta_path`` by ``import blocs``,
    lets the usual finders find ``jax``, switches float64 on right after the package has
    executed (before any blocs module or user code can build an array) and removes itself.
    So ``import blocs`` and ``blocs --help`` do not pay for importing JAX (most of their time
    otherwise) while every array blocs builds is float64 as before.
    """

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "jax":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec("jax")
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        exec_module = loader.exec_module

        def exec_then_enable(module: ModuleType) -> None:
            exec_module(module)
            _enable_x64(module)

        loader.exec_module = exec_then_enable  # type: ignore[method-assign]
        return spec


if "jax" in sys.modules:
    _enable_x64(sys.modules["jax"])
elif not any(isinstance(f, _X64WhenJaxLoads) for f in sys.meta_path):
    sys.meta_path.insert(0, _X64WhenJaxLoads())

__version__ = VERSION

#: public name -> the module that defines it (imported on first use by ``__getattr__``).
_PUBLIC: dict[str, str] = {
    # errors
    "BlocsError": "blocs.errors",
    "ConvergenceError": "blocs.errors",
    "DataError": "blocs.errors",
    "InputError": "blocs.errors",
    "ScenarioError": "blocs.errors",
    # economies and data
    "Economy": "blocs.economy",
    "economy_from_tables": "blocs.economy",
    "load_economy": "blocs.data",
    "load_world2023": "blocs.data",
    "cp2015_nafta_tariffs": "blocs.data.multisector",
    "load_cp2015": "blocs.data.multisector",
    "load_icio2022": "blocs.data.multisector",
    "load_io_coefficients": "blocs.data.multisector",
    # models
    "IMLS": "blocs.models.imls",
    "Policy": "blocs.models.imls",
    "Solution": "blocs.models.imls",
    "optimal_tariff_closed_form": "blocs.models.imls",
    "solve": "blocs.models.imls",
    "MultiSectorEconomy": "blocs.models.caliendo_parro",
    "MultiSectorEquilibrium": "blocs.models.caliendo_parro",
    "balanced_baseline": "blocs.models.caliendo_parro",
    "solve_multisector": "blocs.models.caliendo_parro",
    "OssaEconomy": "blocs.models.ossa",
    "load_ossa": "blocs.models.ossa",
    "solve_ossa": "blocs.models.ossa",
    # scenarios and runs
    "Scenario": "blocs.scenario",
    "builtin_scenarios": "blocs.scenario",
    "compile_policy": "blocs.scenario",
    "liberation_day_tariffs": "blocs.scenario",
    "load_scenario": "blocs.scenario",
    "Run": "blocs.run",
    "run_scenario": "blocs.run",
    "write_run": "blocs.run",
    "country_table": "blocs.results",
    "group_summary": "blocs.results",
    "Sensitivity": "blocs.gradients",
    "sensitivity": "blocs.gradients",
    # strategy and coalitions
    "ossa_nash": "blocs.strategy.ossa",
    "ossa_optimal_tariffs": "blocs.strategy.ossa",
    "ossa_trade_talks": "blocs.strategy.ossa",
    "CoalitionResults": "blocs.coalitions",
    "CoalitionSpec": "blocs.coalitions",
    "allied_front_spec": "blocs.coalitions",
    "coalition_policies": "blocs.coalitions",
    "solve_coalitions": "blocs.coalitions",
    # sweeps
    "Dask": "blocs.sweep",
    "InProcess": "blocs.sweep",
    "LogNormal": "blocs.sweep",
    "Processes": "blocs.sweep",
    "SweepResult": "blocs.sweep",
    "SweepSpec": "blocs.sweep",
    "Uniform": "blocs.sweep",
    "load_sweep": "blocs.sweep",
    "make_spec": "blocs.sweep",
    "run_sweep": "blocs.sweep",
    "synthetic_economy": "blocs.sweep",
}

#: public sub-modules reachable as attributes (``blocs.strategy.nash_tariffs``).
_SUBMODULES: tuple[str, ...] = ("strategy",)

#: every public name (``_PUBLIC``, the sub-modules, ``__version__``; a test checks).
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
    "Scenario",
    "ScenarioError",
    "Sensitivity",
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
    "run_sweep",
    "sensitivity",
    "solve",
    "solve_coalitions",
    "solve_multisector",
    "solve_ossa",
    "strategy",
    "synthetic_economy",
    "write_run",
]


def __getattr__(name: str) -> Any:
    """Import the module defining public ``name`` on first use (PEP 562) and cache it."""
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # static names for type checkers and IDEs; never run
    from blocs import strategy
    from blocs.coalitions import (
        CoalitionResults,
        CoalitionSpec,
        allied_front_spec,
        coalition_policies,
        solve_coalitions,
    )
    from blocs.data import load_economy, load_world2023
    from blocs.data.multisector import (
        cp2015_nafta_tariffs,
        load_cp2015,
        load_icio2022,
        load_io_coefficients,
    )
    from blocs.economy import Economy, economy_from_tables
    from blocs.errors import BlocsError, ConvergenceError, DataError, InputError, ScenarioError
    from blocs.gradients import Sensitivity, sensitivity
    from blocs.models.caliendo_parro import (
        MultiSectorEconomy,
        MultiSectorEquilibrium,
        balanced_baseline,
        solve_multisector,
    )
    from blocs.models.imls import IMLS, Policy, Solution, optimal_tariff_closed_form, solve
    from blocs.models.ossa import OssaEconomy, load_ossa, solve_ossa
    from blocs.results import country_table, group_summary
    from blocs.run import Run, run_scenario, write_run
    from blocs.scenario import (
        Scenario,
        builtin_scenarios,
        compile_policy,
        liberation_day_tariffs,
        load_scenario,
    )
    from blocs.strategy.ossa import ossa_nash, ossa_optimal_tariffs, ossa_trade_talks
    from blocs.sweep import (
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
