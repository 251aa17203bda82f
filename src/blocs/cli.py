"""The ``blocs`` command line: a thin shell over the Python API.

Exit codes: 0 ok, 2 bad input (data, scenario, option), 3 no convergence.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from blocs._clitools import enable_compile_cache, fail
from blocs.errors import BlocsError, InputError

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


_enable_compile_cache = enable_compile_cache


def _fail(exc: BlocsError) -> None:
    fail(exc)


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
#: Printed columns of the multi-sector model: exact welfare and the paper's decomposition.
MULTISECTOR_TITLES = {
    "welfare_pct": "welfare (exact)",
    "welfare_linear_pct": "ToT+VoT",
    "tot_pct": "ToT",
    "vot_pct": "VoT",
    "real_wage_pct": "real wage",
    "exports_gdp_pct": "exp/GDP",
    "imports_gdp_pct": "imp/GDP",
    "cpi_pct": "prices",
}
NOTE_ONE_SECTOR = (
    "% changes from the baseline; revenue: tariff revenue in % of baseline expenditure"
)
NOTE_MULTISECTOR = (
    "% changes from the baseline; welfare (exact) is the real-income change; ToT+VoT is the "
    "paper's first-order terms-of-trade + volume-of-trade decomposition (Caliendo-Parro "
    "Table 2 'welfare')"
)

ScenarioArg = Annotated[
    str,
    typer.Argument(help="built-in name (see `blocs scenarios`) or a path to a scenario .toml file"),
]
CountriesOpt = Annotated[
    str | None,
    typer.Option(
        "--countries", help="comma-separated rows: ISO3 codes, groups (EU27), non-US, ALL"
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", help="printed output")]
WeightsAnn = Annotated[WeightsOpt, typer.Option(help="weights of group rows")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a model option, e.g. --set trade_elasticity=8"),
]
TolOpt = Annotated[float, typer.Option(help="solver tolerance (largest relative residual)")]
StepsOpt = Annotated[int, typer.Option(help="maximum Newton steps per solve")]


def _rows(countries: str | None) -> tuple[str, ...]:
    from blocs.run import DEFAULT_ROWS

    rows = tuple(c.strip() for c in countries.split(",")) if countries else DEFAULT_ROWS
    return tuple(r for r in rows if r)


def _titles(result: Any) -> dict[str, str]:
    return MULTISECTOR_TITLES if result.sectors is not None else COLUMN_TITLES


def _label(name: Any, members: Any) -> str:
    m = int(members)
    return f"{name}" if m == 1 else f"{name} ({m})"


def _print_run(result: Any, summary: Any, fmt: Format, weights: str) -> None:
    titles = _titles(result)
    cols = list(titles)
    if fmt is Format.csv:
        sys.stdout.write(summary[cols].to_csv(float_format="%.6g"))
        return
    if fmt is Format.json:
        payload = {
            "scenario": result.scenario.name,
            "rows": json.loads(summary[cols].to_json(orient="index")),
            "solver": result.manifest["solver"],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    sc = result.scenario.scenario
    table = Table(
        title=f"{sc.name}: {sc.description}" if sc.description else sc.name,
        title_justify="left",
    )
    table.add_column("", style="bold", no_wrap=True)
    for c in cols:
        table.add_column(titles[c], justify="right")
    for name, row in summary.iterrows():
        table.add_row(_label(name, row["members"]), *[_fmt(row[c]) for c in cols])
    out_console.print(table)
    s = result.manifest["solver"]
    note = NOTE_MULTISECTOR if result.sectors is not None else NOTE_ONE_SECTOR
    out_console.print(
        f"[dim]{note}; groups weighted by {weights}.\nSolver {s['status']} in "
        f"{s['iterations']} Newton steps, max residual {s['max_residual']:.1e}, "
        f"{s['solve_seconds']:.2f} s[/]"
    )


def _print_side_by_side(
    runs: list[Any], rows: tuple[str, ...], fmt: Format, weights: str, column: str, title: str
) -> None:
    import pandas as pd

    frames = {}
    members = None
    for r in runs:
        sm = r.summary(rows, weights=weights)
        if column not in sm.columns:
            raise InputError(
                f"--column {column!r}: not an outcome of {r.variant or r.scenario.name}"
                f"; choose one of {', '.join(sm.columns[1:])}"
            )
        frames[r.variant or r.scenario.name] = sm[column]
        members = sm["members"]
    wide = pd.DataFrame(frames)
    if fmt is Format.csv:
        sys.stdout.write(wide.to_csv(float_format="%.6g"))
        return
    if fmt is Format.json:
        sys.stdout.write(
            json.dumps(
                {"column": column, "rows": json.loads(wide.to_json(orient="index"))}, indent=2
            )
            + "\n"
        )
        return
    table = Table(title=f"{title} — {column} (% change)", title_justify="left")
    table.add_column("", style="bold", no_wrap=True)
    for name in wide.columns:
        table.add_column(str(name), justify="right")
    assert members is not None
    for idx, row in wide.iterrows():
        table.add_row(_label(idx, members[idx]), *[_fmt(v) for v in row])
    out_console.print(table)


@app.command()
def run(
    scenario: ScenarioArg,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="write countries.csv, run.json (and sectors.csv) here"),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="write a self-contained HTML report and PNG figures here"),
    ] = None,
    countries: CountriesOpt = None,
    fmt: FormatOpt = Format.table,
    weights: WeightsAnn = WeightsOpt.expenditure,
    set_: SetOpt = None,
    tol: TolOpt = 1e-12,
    max_steps: StepsOpt = 60,
    column: Annotated[
        str, typer.Option(help="with [[variants]]: the outcome compared side by side")
    ] = "welfare_pct",
) -> None:
    """Solve a scenario and print the main outcomes.

    A scenario with [[variants]] runs each of them and prints them side by side.

    Example: blocs run liberation-day --countries USA,CHN,EU27,non-US --out results/
    """
    from blocs.run import run_variants, write_run
    from blocs.scenario import load_scenario

    _enable_compile_cache()
    try:
        overrides = _parse_sets(set_)
        sc = load_scenario(scenario)
        if overrides:
            sc = sc.with_model(overrides)
        rows = _rows(countries)
        with err_console.status(f"solving {sc.name} ...", spinner="dots"):
            runs = run_variants(sc, tol=tol, max_steps=max_steps)
        result = runs[0]
        summary = result.summary(rows, weights=weights.value)
        paths: list[Path] = []
        if out is not None:
            for r in runs:
                target = out if r is result else out / _slug(r.variant)
                paths += write_run(r, target)
        if report is not None:
            paths += _write_report(result, report, weights.value)
        if len(runs) > 1:
            _print_side_by_side(
                runs, rows, fmt, weights.value, column, f"{sc.name}: {len(runs) - 1} variant(s)"
            )
        else:
            _print_run(result, summary, fmt, weights.value)
    except BlocsError as exc:
        _fail(exc)
        return
    if paths:
        err_console.print(f"wrote {', '.join(str(p) for p in paths)}")


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name) or "variant"


def _write_report(result: Any, folder: Path, weights: str) -> list[Path]:
    try:
        from blocs.report import write_report
    except ImportError as exc:  # pragma: no cover - the report module ships with blocs
        raise InputError(f"--report: the report module is not available ({exc})") from None
    from blocs.report import FIGURE_FILES

    html = write_report(result, folder, weights=weights)
    return [html, *(html.parent / f for f in FIGURE_FILES)]


@app.command()
def compare(
    a: ScenarioArg,
    b: Annotated[str, typer.Argument(help="the second scenario (name or .toml)")],
    countries: CountriesOpt = None,
    fmt: FormatOpt = Format.table,
    weights: WeightsAnn = WeightsOpt.expenditure,
    column: Annotated[str, typer.Option(help="the outcome to compare")] = "welfare_pct",
) -> None:
    """Solve two scenarios and print one outcome side by side.

    Example: blocs compare liberation-day liberation-day-reciprocal --countries USA,CHN,non-US
    """
    from blocs.run import run_scenario

    _enable_compile_cache()
    try:
        with err_console.status("solving ...", spinner="dots"):
            runs = [run_scenario(a), run_scenario(b)]
        _print_side_by_side(
            runs,
            _rows(countries),
            fmt,
            weights.value,
            column,
            f"{runs[0].scenario.name} vs {runs[1].scenario.name}",
        )
    except BlocsError as exc:
        _fail(exc)


@app.command()
def show(name: ScenarioArg) -> None:
    """Print a scenario file (built-in or yours) after checking it.

    Example: blocs show allied-front
    """
    from blocs.scenario import builtin_scenarios, load_scenario

    try:
        load_scenario(name)
    except BlocsError as exc:
        _fail(exc)
        return
    builtins = builtin_scenarios()
    path = builtins[name] if name in builtins else Path(name)
    sys.stdout.write(path.read_text(encoding="utf-8"))


@app.command()
def groups(
    data: Annotated[str, typer.Option(help="show membership in this data set")] = "world2023",
) -> None:
    """List the built-in country groups with their members and sources.

    Example: blocs groups
    """
    from blocs.data import load_dataset
    from blocs.scenario import BUILTIN_GROUPS, GROUP_INFO, resolve_group

    try:
        eco = load_dataset(data)
    except BlocsError as exc:
        _fail(exc)
        return
    table = Table(title=f"built-in groups (members in {data})", title_justify="left")
    table.add_column("group", style="bold", no_wrap=True)
    table.add_column("members")
    table.add_column("source, as of")
    for key in BUILTIN_GROUPS:
        members = resolve_group(key, {}, eco, where="groups")
        info = GROUP_INFO[key]
        table.add_row(
            f"{key} ({len(members)})",
            " ".join(members),
            f"{info['description']}. {info['source']}, {info['as_of']}",
        )
    out_console.print(table)


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


from blocs.cli_coalition import coalition as _coalition_cmd  # noqa: E402

app.command("coalition")(_coalition_cmd)

from blocs.cli_sweep import sweep as _sweep_cmd  # noqa: E402

app.command("sweep")(_sweep_cmd)

from blocs.cli_strategy import nash as _nash_cmd  # noqa: E402
from blocs.cli_strategy import optimal as _optimal_cmd  # noqa: E402
from blocs.cli_strategy import talks as _talks_cmd  # noqa: E402

app.command("optimal")(_optimal_cmd)
app.command("nash")(_nash_cmd)
app.command("talks")(_talks_cmd)

from blocs.cli_gradient import gradient as _gradient_cmd  # noqa: E402

app.command("gradient")(_gradient_cmd)
from blocs.cli_estimate import estimate as _estimate_cmd  # noqa: E402
app.command("estimate")(_estimate_cmd)

from blocs.cli_timeline import timeline as _timeline_cmd  # noqa: E402

app.command("timeline")(_timeline_cmd)


def main() -> None:
    """Entry point of the ``blocs`` script."""
    app()


if __name__ == "__main__":
    main()
