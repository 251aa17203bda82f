"""Helpers of the output tests (issue 12, items 9-18): small runs that need no solving, and
the CLI under several terminal widths."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from blocs.cli import app
from blocs.run import Run

#: COLUMNS values every printed-message test runs under (unset, narrow, wide).
WIDTHS = [None, "40", "300"]


def fake_run(tag: str, *, sectors: bool = False, variant: str = "") -> Run:
    """A run whose every file holds ``tag`` (to tell the writers' files apart)."""
    countries = pd.DataFrame(
        {"iso3": ["AAA", "BBB"], "name": [tag, tag], "welfare_pct": [1.0, -2.0]}
    )
    table = pd.DataFrame({"iso3": ["AAA"], "sector": [tag], "output_pct": [0.5]})
    return Run(
        scenario=None,
        economy=None,
        solution=None,
        countries=countries,
        manifest={"tag": tag},
        sectors=table if sectors else None,
        variant=variant,
    )


@pytest.fixture(params=WIDTHS, ids=["COLUMNS-unset", "COLUMNS-40", "COLUMNS-300"])
def cli(request, monkeypatch):
    """Invoke ``blocs ARGS`` in-process under one terminal width; returns the result."""
    if request.param is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", request.param)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args])

    return invoke
