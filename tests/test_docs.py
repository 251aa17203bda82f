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


# ---------------------------------------------------------------------------------------
# Every Python example of README.md and docs/*.md runs exactly as written (issue 12, item 16).
# A file's examples run in order in one namespace (a reader types them in order), in a
# temporary folder (examples that need files write them first). A marker comment on the line
# before a block changes how it runs:
#   <!-- doc-test: skip (reason) -->   illustrative: not run (the reason is required)
#   <!-- doc-test: slow -->            run only with the slow tests

REPO = Path(__file__).resolve().parents[1]
PY_DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_BLOCK = re.compile(r"(?:<!-- doc-test: (?P<mark>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.S)


def python_blocks(path: Path) -> list[tuple[str, str]]:
    """``(marker, code)`` of each ```python block of ``path`` ("" when unmarked)."""
    return [(m["mark"] or "", m["code"]) for m in _BLOCK.finditer(path.read_text("utf-8"))]


_FILES = [p for p in PY_DOCS if python_blocks(p)]


def _params():
    for path in _FILES:
        marks = [m for m, _ in python_blocks(path)]
        if marks and marks[0] != "slow":
            yield pytest.param(path, False, id=f"{path.name}-fast")
        if "slow" in marks:
            yield pytest.param(path, True, id=f"{path.name}-all", marks=[pytest.mark.slow])


def test_markers_are_known():
    for path in _FILES:
        for mark, _ in python_blocks(path):
            assert mark in ("", "slow") or re.fullmatch(r"skip \(.+\)", mark), (path, mark)


@pytest.mark.parametrize(("path", "with_slow"), list(_params()))
def test_python_examples_run_as_written(path, with_slow, tmp_path, monkeypatch):
    """The fast run stops at the first slow block (later ones may use its results)."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__doc_example__"}
    for k, (mark, code) in enumerate(python_blocks(path)):
        if mark == "slow" and not with_slow:
            break
        if mark.startswith("skip"):
            continue
        exec(compile(code, f"{path.name} python example {k}", "exec"), namespace)  # noqa: S102
