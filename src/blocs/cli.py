"""The ``blocs`` command line: a thin shell over the Python API.

Exit codes: 0 ok, 2 bad input (data, scenario, option), 3 no convergence.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from blocs.errors import BlocsError, ConvergenceError, InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="blocs: general-equilibrium trade models for tariff wars, coalitions and trade deals.\n\n"
    "Example: blocs run liberation-day",
)
out_console = Console()
err_console = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class WeightsOpt(StrEnum):
    expenditure = "expenditure"
    gdp = "gdp"
    none = "none"


def _enable_compile_cache() -> None:
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


def _fail(exc: BlocsError) -> None:
    code = 3 if isinstance(exc, ConvergenceError) else 2
    kind = "no convergence" if code == 3 else "error"
    err_console.print(f"[bold red]{kind}:[/] {exc}", highlight=False, markup=True)
    raise typer.Exit(code)


def _parse_sets(values: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values or []:
        if "=" not in item:
            raise InputError(f"--set {item!r}: expected KEY=VALUE, e.g. trade_elasticity=8")
        key, raw = item.split("=", 1)
        value: Any = raw
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[key.strip()] = value
    return out


def _fmt(v: Any, digits: int = 2) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f != f:
        return "–"
    return f"{f:.{digits}f}"


COLUMN_TITLES = {
    "welfare_pct": "welfare",
    "deficit_change_pct": "deficit",
    "exports_gdp_pct": "exp/GDP",
    "imports_gdp_pct": "imp/GDP",
    "employment_pct": "employ",
    "cpi_pct": "prices",
    "tariff_revenue_pct": "revenue",
}


@app.command()
def run(
    scenario: Annotated[
        str,
        typer.Argument(
            help="built-in name (see `blocs scenarios`) or a path to a scenario .toml file"
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="write countries.csv and run.json into this folder")
    ] = None,
    countries: Annotated[
        str | None,
        typer.Option(
            "--countries", help="comma-separated rows: ISO3 codes, groups (EU27), non-US, ALL"
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="printed output")] = Format.table,
    weights: Annotated[WeightsOpt, typer.Option(help="weights of group rows")] = (
        WeightsOpt.expenditure
    ),
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="override a model option, e.g. --set trade_elasticity=8"),
    ] = None,
    tol: Annotated[float, typer.Option(help="solver tolerance (largest relative residual)")] = (
        1e-12
    ),
    max_steps: Annotated[int, typer.Option(help="maximum Newton steps per solve")] = 60,
) -> None:
    """Solve a scenario and print the main outcomes.

    Example: blocs run liberation-day --countries USA,CHN,EU27,non-US --out results/
    """
    from blocs.run import DEFAULT_ROWS, run_scenario, write_run

    _enable_compile_cache()
    try:
        overrides = _parse_sets(set_)
        with err_console.status(f"solving {scenario} ...", spinner="dots"):
            result = run_scenario(
                scenario, overrides=overrides or None, tol=tol, max_steps=max_steps
            )
        rows = tuple(c.strip() for c in countries.split(",")) if countries else DEFAULT_ROWS
        rows = tuple(r for r in rows if r)
        summary = result.summary(rows, weights=weights.value)
        if out is not None:
            paths = write_run(result, out)
    except BlocsError as exc:
        _fail(exc)
        return
    cols = list(COLUMN_TITLES)
    if fmt is Format.csv:
        sys.stdout.write(summary[cols].to_csv(float_format="%.6g"))
    elif fmt is Format.json:
        payload = {
            "scenario": result.scenario.name,
            "rows": json.loads(summary[cols].to_json(orient="index")),
            "solver": result.manifest["solver"],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        sc = result.scenario.scenario
        table = Table(
            title=f"{sc.name}: {sc.description}" if sc.description else sc.name,
            title_justify="left",
        )
        table.add_column("", style="bold", no_wrap=True)
        for c in cols:
            table.add_column(COLUMN_TITLES[c], justify="right")
        for name, row in summary.iterrows():
            m = int(row["members"])
            label = f"{name}" if m == 1 else f"{name} ({m})"
            table.add_row(label, *[_fmt(row[c]) for c in cols])
        out_console.print(table)
        s = result.manifest["solver"]
        out_console.print(
            "[dim]% changes from the baseline; revenue: tariff revenue in % of baseline "
            f"expenditure; groups weighted by {weights.value}.\nSolver {s['status']} in "
            f"{s['iterations']} Newton steps, max residual {s['max_residual']:.1e}, "
            f"{s['solve_seconds']:.2f} s[/]"
        )
    if out is not None:
        err_console.print(f"wrote {', '.join(str(p) for p in paths)}")


@app.command()
def scenarios() -> None:
    """List the built-in scenarios.

    Example: blocs scenarios
    """
    from blocs.scenario import builtin_scenarios, load_scenario

    table = Table(title="built-in scenarios", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("description")
    for name in builtin_scenarios():
        sc = load_scenario(name)
        table.add_row(name, sc.scenario.description)
    out_console.print(table)


@app.command("countries")
def countries_cmd(
    data: Annotated[str, typer.Option(help="embedded data set")] = "world2023",
) -> None:
    """List the countries of a data set with their codes.

    Example: blocs countries
    """
    from blocs.data import load_dataset

    try:
        eco = load_dataset(data)
    except BlocsError as exc:
        _fail(exc)
        return
    table = Table(title=f"{data}: {eco.n} countries", title_justify="left")
    table.add_column("iso3", style="bold")
    table.add_column("name")
    for code, name in zip(eco.iso3, eco.names, strict=True):
        table.add_row(code, name)
    out_console.print(table)


def main() -> None:
    """Entry point of the ``blocs`` script."""
    app()


if __name__ == "__main__":
    main()
