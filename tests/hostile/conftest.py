"""Hostile and mistaken input (issue 12): helpers shared by the tests of each item.

CLI tests run with ``COLUMNS`` unset and at 40 columns: messages are checked after joining
lines, so nothing depends on the terminal's width or the temporary path's length.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import blocs
from blocs.cli import app

#: ``COLUMNS`` values every CLI test runs with (None: unset).
WIDTHS = (None, "40")


@pytest.fixture(params=WIDTHS, ids=["columns-unset", "columns-40"])
def cli(request):
    """``cli(*args) -> (exit code, output with line breaks and runs of spaces collapsed)``."""

    def invoke(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str]:
        res = CliRunner().invoke(app, list(args), env={"COLUMNS": request.param, **(env or {})})
        return res.exit_code, " ".join(res.output.split())

    return invoke


def flat(text: str) -> str:
    """``text`` with line breaks and runs of spaces collapsed."""
    return " ".join(str(text).split())


def write_toml(folder: Path, body: str, name: str = "s.toml") -> Path:
    """A scenario file in ``folder`` (``body`` dedented)."""
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def write_tables(folder: Path, flows: dict[str, Any], countries: dict[str, Any] | None) -> None:
    """``flows.csv`` (and ``countries.csv``) in ``folder``."""
    pd.DataFrame(flows).to_csv(folder / "flows.csv", index=False)
    if countries is not None:
        pd.DataFrame(countries).to_csv(folder / "countries.csv", index=False)


@pytest.fixture(scope="session")
def world():
    return blocs.load_world2023()
