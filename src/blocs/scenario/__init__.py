"""Scenarios: a declarative description of who taxes whom, parsed from TOML and compiled.

A scenario file::

    [scenario]
    name = "allied-front-50"
    data = "world2023"             # or a table: data = { flows = "f.csv", countries = "c.csv" }
    model = "imls"

    [model]                         # optional; defaults are the paper's benchmark
    trade_elasticity = 4.0

    [groups]
    coalition = ["USA", "JPN", "KOR", "EU27"]

    [[tariffs]]                     # importers levy `rate` on goods from exporters
    importers = ["coalition"]
    exporters = ["CHN"]
    rate = 0.50

Files: ``schema`` (the pydantic schema), ``parse`` (TOML -> checked scenario; built-ins),
``groups`` (country and sector groups), ``rates`` (named rates of the data), ``compile``
(rules -> a :class:`~blocs.scenario.program.PolicyProgram`, pure) and ``program`` (the
program's operations and :func:`resolve`, which applies them with a model's parameters).
The guide with runnable examples is ``docs/scenarios.md``.
"""

from typing import Any

from blocs.scenario import schema
from blocs.scenario.compile import compile_policy, compile_scenario
from blocs.scenario.economy import economy_for
from blocs.scenario.groups import (
    BUILTIN_GROUPS,
    GROUP_INFO,
    builtin_sector_groups,
    countries,
    load_groups_file,
    resolve_group,
    resolve_sectors,
    row_members,
)
from blocs.scenario.in_force import in_force_ops, in_force_records, provenance_json
from blocs.scenario.parse import builtin_scenarios, load_scenario, parse_scenario
from blocs.scenario.program import PolicyProgram, Resolution, ResolvedRate, resolve
from blocs.scenario.rates import (
    EXTRA_US_TARIFFS_2025,
    US_TARIFF_FLOOR,
    liberation_day_tariffs,
    us_tariffs_2025,
)
from blocs.scenario.schema import (
    DATA_MODELS,
    OPERATIONS,
    SPECIAL_RATES,
    Agreement,
    DataSpec,
    Retaliation,
    RetaliationInForce,
    Scenario,
    ScenarioHeader,
    TariffRule,
    TradeCostRule,
    UsTariffsInForce,
    Variant,
    model_options,
)

__all__ = [
    "BUILTIN_GROUPS",
    "DATA_MODELS",
    "EXTRA_US_TARIFFS_2025",
    "GROUP_INFO",
    "OPERATIONS",
    "SPECIAL_RATES",
    "US_TARIFF_FLOOR",
    "Agreement",
    "DataSpec",
    "MultiSectorOptions",
    "PolicyProgram",
    "Resolution",
    "ResolvedRate",
    "Retaliation",
    "RetaliationInForce",
    "Scenario",
    "ScenarioHeader",
    "TariffRule",
    "TradeCostRule",
    "UsTariffsInForce",
    "Variant",
    "builtin_scenarios",
    "builtin_sector_groups",
    "compile_policy",
    "compile_scenario",
    "countries",
    "economy_for",
    "in_force_ops",
    "in_force_records",
    "liberation_day_tariffs",
    "load_groups_file",
    "load_scenario",
    "model_options",
    "parse_scenario",
    "provenance_json",
    "resolve",
    "resolve_group",
    "resolve_sectors",
    "row_members",
    "us_tariffs_2025",
]


def __getattr__(name: str) -> Any:
    """``MultiSectorOptions`` (:mod:`blocs.scenario.schema`), looked up on first use."""
    if name == "MultiSectorOptions":
        return schema.MultiSectorOptions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
