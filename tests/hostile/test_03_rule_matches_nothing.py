"""Item 3: a rule that matches no pair of countries is refused, naming the rule."""

from __future__ import annotations

import pytest

from blocs.errors import ScenarioError
from blocs.scenario import compile_scenario, parse_scenario

from .conftest import flat


@pytest.mark.parametrize(
    ("table", "rule", "where"),
    [
        ("tariffs", {"importers": ["empty"], "exporters": ["CHN"], "rate": 0.5}, "tariffs[0]"),
        (
            "tariffs",
            {"importers": ["USA"], "exporters": ["ALL"], "except_exporters": ["ALL"], "rate": 0.5},
            "tariffs[0]",
        ),
        ("tariffs", {"importers": ["USA"], "exporters": ["USA"], "rate": 0.5}, "tariffs[0]"),
        (
            "trade_costs",
            {"importers": ["empty"], "exporters": ["CHN"], "change": 0.9},
            "trade_costs[0]",
        ),
        ("retaliation", {"by": ["CHN"], "against": ["CHN"]}, "retaliation[0]"),
        ("retaliation", {"by": ["empty"], "against": ["USA"]}, "retaliation[0]"),
    ],
)
def test_refused_naming_the_rule(world, table, rule, where):
    doc = {"scenario": {"name": "x"}, "groups": {"empty": []}, table: [rule]}
    sc = parse_scenario(doc, path="s.toml")
    with pytest.raises(ScenarioError) as err:
        compile_scenario(sc, world)
    msg = flat(err.value)
    assert f"s.toml, {where}" in msg and "matches no pair" in msg


def test_a_rule_that_matches_still_compiles(world):
    doc = {
        "scenario": {"name": "x"},
        "tariffs": [
            {"importers": ["USA"], "exporters": ["ALL"], "except_exporters": ["CHN"], "rate": 0.1}
        ],
    }
    assert compile_scenario(parse_scenario(doc), world).ops
