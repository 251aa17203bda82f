"""Structural-gravity estimation: PPML with high-dimensional fixed effects (``pyfixest``).

The first half of a trade-policy analysis: what did an agreement do to trade? Its output,
``estimate.json``, feeds the partial effects of scenarios (the second half).

>>> from blocs.estimate import load_panel, estimate_gravity, write_estimate
>>> est = estimate_gravity(load_panel("panel.csv"), "trade ~ fta | exporter^year + "
...                        "importer^year + exporter^importer")            # doctest: +SKIP
>>> write_estimate(est, "out/")                                            # doctest: +SKIP
>>> partial_effect_from_estimate("out/estimate.json", "fta").value         # doctest: +SKIP

See docs/estimation.md.
"""

from __future__ import annotations

from blocs.estimate.effects import (
    PartialEffect,
    draw_partial_effects,
    partial_effect_from_estimate,
)
from blocs.estimate.fit import DEFAULTS, GravityFit, estimate_gravity, fit_gravity
from blocs.estimate.fitted import (
    FITTED_FLOWS_FILE,
    FittedFlows,
    fitted_flows,
    refit,
    write_fitted_flows,
)
from blocs.estimate.formula import DEFAULT_EFFECTS, Formula, default_formula, parse_formula
from blocs.estimate.panel import KEY_COLUMNS, Panel, load_panel
from blocs.estimate.result import (
    COEFFICIENTS_FILE,
    ESTIMATE_FILE,
    SCHEMA,
    GravityEstimate,
    read_estimate,
    write_estimate,
)

__all__ = [
    "COEFFICIENTS_FILE",
    "DEFAULTS",
    "DEFAULT_EFFECTS",
    "ESTIMATE_FILE",
    "FITTED_FLOWS_FILE",
    "KEY_COLUMNS",
    "SCHEMA",
    "FittedFlows",
    "Formula",
    "GravityEstimate",
    "GravityFit",
    "Panel",
    "PartialEffect",
    "default_formula",
    "draw_partial_effects",
    "estimate_gravity",
    "fit_gravity",
    "fitted_flows",
    "load_panel",
    "parse_formula",
    "partial_effect_from_estimate",
    "read_estimate",
    "refit",
    "write_estimate",
    "write_fitted_flows",
]
