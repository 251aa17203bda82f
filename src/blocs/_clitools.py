"""Helpers shared by the command modules (exit codes, error printing)."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from blocs.errors import BlocsError, ConvergenceError

err_console = Console(stderr=True)


def fail(exc: BlocsError) -> NoReturn:
    """Print ``exc`` (verbatim: brackets in messages are not markup) and exit 2 or 3."""
    code = 3 if isinstance(exc, ConvergenceError) else 2
    kind = "no convergence" if code == 3 else "error"
    err_console.print(f"[bold red]{kind}:[/] {escape(str(exc))}", highlight=False)
    raise typer.Exit(code)
