"""Item 1: a percentage typed as a fraction (``rate = 25``) is refused with the fraction it
probably meant, unless the rule opts in with ``extreme = true``; the same for ``add``,
``floor``, ``cap``, ``external_tariff``, ``[coalition]`` rates and ``blocs coalition
--tariff``."""

from __future__ import annotations

import pytest

from blocs.coalitions import CoalitionSpec
from blocs.errors import InputError, ScenarioError
from blocs.scenario import parse_scenario

from .conftest import flat


def _doc(rule: dict) -> dict:
    return {
        "scenario": {"name": "x"},
        "tariffs": [{"importers": ["USA"], "exporters": ["CHN"], **rule}],
    }


@pytest.mark.parametrize(
    ("key", "value", "hint"),
    [
        ("rate", 25, "0.25"),
        ("rate", 1e6, "10000"),
        ("add", 10, "0.1"),
        ("floor", 50, "0.5"),
        ("cap", 30, "0.3"),
    ],
)
def test_rule_rate_above_500_percent_is_refused(key, value, hint):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_doc({key: value}), path="s.toml")
    msg = flat(err.value)
    assert "s.toml, tariffs[0]" in msg and key in msg
    assert f"did you mean {hint}?" in msg and "extreme = true" in msg


@pytest.mark.parametrize("key", ["rate", "add", "floor", "cap"])
def test_extreme_true_opts_in(key):
    sc = parse_scenario(_doc({key: 25, "extreme": True}))
    assert getattr(sc.tariffs[0], key) == 25


def test_five_is_still_accepted():
    assert parse_scenario(_doc({"rate": 5})).tariffs[0].rate == 5


def test_external_tariff_of_an_agreement():
    doc = {
        "scenario": {"name": "x"},
        "agreements": [{"members": ["USA", "CAN"], "external_tariff": 20}],
    }
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc, path="s.toml")
    assert "agreements[0]" in flat(err.value) and "did you mean 0.2?" in flat(err.value)
    doc["agreements"][0]["extreme"] = True
    assert parse_scenario(doc).agreements[0].external_tariff == 20


@pytest.mark.parametrize(("key", "value"), [("tariff", 50), ("response", 25), ("punishment", 40)])
def test_coalition_table_rates(key, value):
    with pytest.raises(ScenarioError) as err:
        CoalitionSpec.from_table({"allies": ["JPN"], key: value}, where="s.toml, coalition")
    msg = flat(err.value)
    assert f"s.toml, coalition.{key}" in msg and f"did you mean {value / 100:g}?" in msg


def test_coalition_spec_in_python():
    with pytest.raises(InputError, match="did you mean 0.5"):
        CoalitionSpec(allies=("JPN",), tariff=50)


def test_cli_tariff_flag_uses_the_library_check(cli):
    code, out = cli("coalition", "--allies", "JPN", "--tariff", "50")
    assert code == 2, out
    assert "did you mean 0.5?" in out and "Traceback" not in out
