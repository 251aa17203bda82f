"""Item 4: ``[coalition] punishment = "2025"`` and ``--punishment 2025`` mean the same thing
(the April-2025 US rates), through one parser."""

from __future__ import annotations

import pytest

from blocs.coalitions import CoalitionSpec
from blocs.coalitions.spec import parse_punishment
from blocs.errors import ScenarioError


@pytest.mark.parametrize("value", ["2025", " 2025 ", "us_tariffs_2025"])
def test_table_and_flag_agree(value):
    assert CoalitionSpec.from_table({"allies": ["JPN"], "punishment": value}).punishment == (
        "us_tariffs_2025"
    )
    assert parse_punishment(value) == "us_tariffs_2025"


def test_the_number_2025_is_not_a_rate():
    with pytest.raises(ScenarioError, match="us_tariffs_2025"):
        CoalitionSpec.from_table({"allies": ["JPN"], "punishment": 2025})
