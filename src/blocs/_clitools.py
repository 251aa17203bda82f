"""Helpers shared by the command modules (exit codes, error printing)."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, NoReturn

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


def fmt_number(v: Any, digits: int = 2, signed: bool = False) -> str:
    """A number for a table cell: fixed digits, '–' for NaN/inf, text left as is."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(x):
        return "–"
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def enable_compile_cache() -> None:
    """Persist compiled XLA programs so later runs skip compilation (BLOCS_CACHE_DIR)."""
    import jax

    cache = os.environ.get("BLOCS_CACHE_DIR") or str(Path.home() / ".cache" / "blocs" / "jax")
    if cache.lower() in ("", "0", "off", "none"):
        return
    try:
        Path(cache).mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    except OSError:
        pass
