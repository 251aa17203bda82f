"""``blocs run``, ``compare``, ``scenarios``, ``show``, ``groups``, ``countries``: solve
scenarios and print their outcomes; list what is built in."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

import blocs.report
from blocs.cli.common import (
    CountriesOpt,
    ScenarioArg,
    SetOpt,
    StepsOpt,
    TolOpt,
    check_column,
    check_outputs,
    check_solver,
    clean,
    enable_compile_cache,
    err_console,
    fmt_number,
    handle_errors,
    load,
    new_table,
    note,
    parse_rows,
    parse_sets,
    print_table,
    report_written,
    text,
)
from blocs.data import load_dataset
from blocs.errors import InputError
from blocs.models.registry import model_for
from blocs.run import Run, default_rows, run_scenario, run_variants, write_run
from blocs.scenario import (
    BUILTIN_GROUPS,
    GROUP_INFO,
    builtin_scenarios,
    load_scenario,
    resolve_group,
)
from blocs.solvers.defaults import DEFAULT_MAX_STEPS, DEFAULT_TOL

__all__ = ["COMMANDS", "compare", "countries", "groups", "run", "scenarios", "show"]


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class WeightsOpt(StrEnum):
    expenditure = "expenditure"
    gdp = "gdp"
    none = "none"


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

FormatOpt = Annotated[Format, typer.Option("--format", help="printed output")]
WeightsAnn = Annotated[WeightsOpt, typer.Option(help="weights of group rows")]
ColumnOpt = Annotated[str, typer.Option(help="the outcome compared side by side")]


def _multisector(result: Run) -> bool:
    # TODO(issue 11): the printed columns and their titles could come from the model
    # (labelled outcomes) instead of two tables here.
    return model_for(result.economy).multisector


def _label(name: Any, members: Any) -> str:
    m = int(members)
    return f"{name}" if m == 1 else f"{name} ({m})"


def _print_run(result: Run, summary: pd.DataFrame, fmt: Format, weights: str) -> None:
    multi = _multisector(result)
    titles = MULTISECTOR_TITLES if multi else COLUMN_TITLES
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
    table = new_table(["", *((titles[c], "right") for c in cols)])
    for name, row in summary.iterrows():
        table.add_row(text(_label(name, row["members"])), *[fmt_number(row[c]) for c in cols])
    print_table(f"{sc.name}: {sc.description}" if sc.description else sc.name, table)
    s = result.manifest["solver"]
    for line in result.notes:  # rates applied by requests, outcomes not defined
        note(line)
    note(
        f"{NOTE_MULTISECTOR if multi else NOTE_ONE_SECTOR}; groups weighted by {weights}.\n"
        f"Solver {s['status']} in {s['iterations']} Newton steps, max residual "
        f"{fmt_number(s['max_residual'], 1, sci=True)}, {fmt_number(s['solve_seconds'])} s"
    )


def _side_by_side(
    runs: list[Run], rows: tuple[str, ...], weights: str, column: str
) -> tuple[pd.DataFrame, pd.Series]:
    """One outcome of several runs: rows x runs, and the rows' member counts."""
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
    assert members is not None
    return pd.DataFrame(frames), members


def _print_side_by_side(
    runs: list[Run], rows: tuple[str, ...], fmt: Format, weights: str, column: str, title: str
) -> None:
    _print_wide(*_side_by_side(runs, rows, weights, column), fmt, column, title)


def _print_wide(
    wide: pd.DataFrame, members: pd.Series, fmt: Format, column: str, title: str
) -> None:
    if fmt is Format.csv:
        sys.stdout.write(wide.to_csv(float_format="%.6g"))
        return
    if fmt is Format.json:
        payload = {"column": column, "rows": json.loads(wide.to_json(orient="index"))}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    table = new_table(["", *((str(name), "right") for name in wide.columns)])
    for idx, row in wide.iterrows():
        table.add_row(text(_label(idx, members[idx])), *[fmt_number(v) for v in row])
    print_table(f"{title} — {column} (% change)", table)


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
    tol: TolOpt = DEFAULT_TOL,
    max_steps: StepsOpt = DEFAULT_MAX_STEPS,
    column: ColumnOpt = "welfare_pct",
) -> None:
    """Solve a scenario and print the main outcomes.

    A scenario with variants (\\[\\[variants]] tables) runs each and prints them side by side.

    Example: blocs run liberation-day --countries USA,CHN,EU27,non-US --out results/
    """
    enable_compile_cache()
    paths: list[Path] = []
    with handle_errors():
        check_solver(tol, max_steps)
        check_outputs(out=out, report=report)
        sc = load(scenario, parse_sets(set_))
        check_column(column, sc)
        with err_console().status(text(f"solving {sc.name} ..."), spinner="dots"):
            runs = run_variants(sc, tol=tol, max_steps=max_steps)
        result = runs[0]
        rows = parse_rows(countries) or default_rows(result.economy)
        summary = result.summary(rows, weights=weights.value)
        if len(runs) > 1:
            wide = _side_by_side(runs, rows, weights.value, column)  # checked before writing
        if out is not None:
            paths += write_run(runs, out)
        if report is not None:
            # blocs.report loads matplotlib on first use only (issue 13)
            html = blocs.report.write_report(result, report, weights=weights.value)
            paths += [html, *(html.parent / f for f in blocs.report.FIGURE_FILES)]
        if len(runs) > 1:
            title = f"{sc.name}: {len(runs) - 1} variant(s)"
            _print_wide(*wide, fmt, column, title)
        else:
            _print_run(result, summary, fmt, weights.value)
    if paths:
        report_written(paths)


def compare(
    a: ScenarioArg,
    b: Annotated[str, typer.Argument(help="the second scenario (name or .toml)")],
    countries: CountriesOpt = None,
    fmt: FormatOpt = Format.table,
    weights: WeightsAnn = WeightsOpt.expenditure,
    column: Annotated[str, typer.Option(help="the outcome to compare")] = "welfare_pct",
    set_: SetOpt = None,
    tol: TolOpt = DEFAULT_TOL,
    max_steps: StepsOpt = DEFAULT_MAX_STEPS,
) -> None:
    """Solve two scenarios and print one outcome side by side (--set applies to both).

    Example: blocs compare liberation-day liberation-day-reciprocal --countries USA,CHN,non-US
    """
    enable_compile_cache()
    with handle_errors():
        check_solver(tol, max_steps)
        overrides = parse_sets(set_)
        scenarios = [load(a, overrides), load(b, overrides)]
        for sc in scenarios:
            check_column(column, sc)
        with err_console().status("solving ...", spinner="dots"):
            runs = [run_scenario(sc, tol=tol, max_steps=max_steps) for sc in scenarios]
        title = f"{runs[0].scenario.name} vs {runs[1].scenario.name}"
        rows = parse_rows(countries) or default_rows(runs[0].economy)
        _print_side_by_side(runs, rows, fmt, weights.value, column, title)


def show(name: ScenarioArg) -> None:
    """Print a scenario file (built-in or yours) after checking it.

    Example: blocs show allied-front
    """
    with handle_errors():
        load_scenario(name)
    builtins = builtin_scenarios()
    path = builtins[name] if name in builtins else Path(name)
    sys.stdout.write(clean(path.read_text(encoding="utf-8")))


def groups(
    data: Annotated[str, typer.Option(help="show membership in this data set")] = "world2023",
) -> None:
    """List the built-in country groups with their members and sources.

    Example: blocs groups
    """
    with handle_errors():
        eco = load_dataset(data)
        table = new_table(["group", "members", "source, as of"])
        for key in BUILTIN_GROUPS:
            members = resolve_group(key, {}, eco, where="groups")
            info = GROUP_INFO[key]
            table.add_row(
                text(f"{key} ({len(members)})"),
                text(" ".join(members)),
                text(f"{info['description']}. {info['source']}, {info['as_of']}"),
            )
    print_table(f"built-in groups (members in {data})", table)


def scenarios() -> None:
    """List the built-in scenarios.

    Example: blocs scenarios
    """
    table = new_table(["name", "description"])
    with handle_errors():
        for name in builtin_scenarios():
            table.add_row(text(name), text(load_scenario(name).scenario.description))
    print_table("built-in scenarios", table)


def countries(
    data: Annotated[str, typer.Option(help="embedded data set")] = "world2023",
) -> None:
    """List the countries of a data set with their codes.

    Example: blocs countries
    """
    with handle_errors():
        eco = load_dataset(data)
    table = new_table(["iso3", "name"])
    for code, name in zip(eco.iso3, eco.names, strict=True):
        table.add_row(text(code), text(name))
    print_table(f"{data}: {eco.n} countries", table)


#: name -> command function (registered by blocs.cli).
COMMANDS = {
    "run": run,
    "compare": compare,
    "scenarios": scenarios,
    "show": show,
    "groups": groups,
    "countries": countries,
}
