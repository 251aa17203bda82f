"""The scenario guide's examples are real: every TOML block in docs/scenarios.md parses, and
the ones on embedded data compile and solve."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from blocs.run import run_scenario
from blocs.scenario import parse_scenario

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"
BLOCKS = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_guide_has_examples():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_guide_example_runs(index, tmp_path):
    text = BLOCKS[index]
    doc = tomllib.loads(text)
    if isinstance(doc["scenario"].get("data"), dict):
        # the user-data example: give it two small tables
        pd.DataFrame(
            {"exporter": ["AAA", "BBB"], "importer": ["BBB", "AAA"], "value": [5.0, 3.0]}
        ).to_csv(tmp_path / "flows.csv", index=False)
        pd.DataFrame({"iso3": ["AAA", "BBB"], "gdp": [100.0, 80.0]}).to_csv(
            tmp_path / "countries.csv", index=False
        )
    sc = parse_scenario(doc, path=f"docs example {index}", base_dir=tmp_path)
    run = run_scenario(sc)
    assert run.manifest["solver"]["status"] == "converged"
