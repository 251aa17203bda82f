"""``blocs run``, ``compare``, ``scenarios``, ``show``, ``groups``, ``countries``: solve
scenarios and print their outcomes; list what is built in."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
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
    fmt_number,
    handle_errors,
    load,
    new_table,
    note,
    parse_rows,
    parse_sets,
    print_rows,
    print_table,
    report_written,
    status,
    text,
)
from blocs.data import load_dataset
from blocs.errors import InputError
from blocs.models.registry import model_for
from blocs.results import Summary
from blocs.run import Solved, default_rows, solve_scenario, solve_variants, write_run
from blocs.scenario import (
    BUILTIN_GROUPS,
    GROUP_INFO,
    builtin_scenarios,
    load_scenario,
    resolve_group,
)
from blocs.solvers.defaults import DEFAULT_MAX_STEPS, DEFAULT_TOL

__all__ = ["COMMANDS", "compare", "countries", "groups", "run", "scenarios", "show"]

#: The solves behind ``blocs run`` and ``blocs compare``: up to the NumPy tables, no pandas
#: (:func:`blocs.run.solve_variants`, :func:`blocs.run.solve_scenario`); named as the
#: commands' steps (tests replace them to check what happens before any solve).
run_variants = solve_variants
run_scenario = solve_scenario


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


def _multisector(result: Solved) -> bool:
    # TODO(issue 11): the printed columns and their titles could come from the model
    # (labelled outcomes) instead of two tables here.
    return model_for(result.economy).multisector


def _label(name: Any, members: Any) -> str:
    m = int(members)
    return f"{name}" if m == 1 else f"{name} ({m})"


def _csv(index_name: str, rows: Sequence[str], columns: Mapping[str, np.ndarray]) -> str:
    """``rows`` x ``columns`` as CSV, as pandas' ``to_csv(float_format="%.6g")`` writes it
    (empty cells for NaN), without pandas (issue 13)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([index_name, *columns])
    for k, row in enumerate(rows):
        cells = (float(v[k]) for v in columns.values())
        writer.writerow([row, *("" if np.isnan(x) else f"{x:.6g}" for x in cells)])
    return buffer.getvalue()


def _json_rows(rows: Sequence[str], columns: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """``{row: {column: value}}``, values rounded to 10 decimals and NaN as null, as pandas'
    ``to_json(orient="index")`` gives them."""
    return {
        row: {c: None if np.isnan(v[k]) else round(float(v[k]), 10) for c, v in columns.items()}
        for k, row in enumerate(rows)
    }


def _print_run(result: Solved, summary: Summary, fmt: Format, weights: str) -> None:
    multi = _multisector(result)
    titles = MULTISECTOR_TITLES if multi else COLUMN_TITLES
    cols = {c: summary.columns[c] for c in titles}
    if fmt is Format.csv:
        sys.stdout.write(_csv("group", summary.rows, cols))
        return
    if fmt is Format.json:
        payload = {
            "scenario": result.scenario.name,
            "rows": _json_rows(summary.rows, cols),
            "solver": result.manifest["solver"],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    sc = result.scenario.scenario
    print_rows(
        f"{sc.name}: {sc.description}" if sc.description else sc.name,
        ["", *((titles[c], "right") for c in cols)],
        (
            [_label(name, summary.members[k]), *(fmt_number(v[k]) for v in cols.values())]
            for k, name in enumerate(summary.rows)
        ),
    )
    s = result.manifest["solver"]
    for line in result.notes:  # rates applied by requests, outcomes not defined
        note(line)
    note(
        f"{NOTE_MULTISECTOR if multi else NOTE_ONE_SECTOR}; groups weighted by {weights}.\n"
        f"Solver {s['status']} in {s['iterations']} Newton steps, max residual "
        f"{fmt_number(s['max_residual'], 1, sci=True)}, {fmt_number(s['solve_seconds'])} s"
    )


def _side_by_side(
    runs: list[Solved], rows: tuple[str, ...], weights: str, column: str
) -> tuple[Summary, dict[str, np.ndarray]]:
    """One outcome of several runs: the rows (and their member counts) and ``{run: values}``."""
    wide: dict[str, np.ndarray] = {}
    summary = None
    for r in runs:
        summary = r.summary(rows, weights=weights)
        if column not in summary.columns:
            raise InputError(
                f"--column {column!r}: not an outcome of {r.variant or r.scenario.name}"
                f"; choose one of {', '.join(summary.columns)}"
            )
        wide[r.variant or r.scenario.name] = summary.columns[column]
    assert summary is not None
    return summary, wide


def _print_side_by_side(
    runs: list[Solved], rows: tuple[str, ...], fmt: Format, weights: str, column: str, title: str
) -> None:
    _print_wide(*_side_by_side(runs, rows, weights, column), fmt, column, title)


def _print_wide(
    summary: Summary, wide: dict[str, np.ndarray], fmt: Format, column: str, title: str
) -> None:
    if fmt is Format.csv:
        sys.stdout.write(_csv("group", summary.rows, wide))
        return
    if fmt is Format.json:
        payload = {"column": column, "rows": _json_rows(summary.rows, wide)}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    print_rows(
        f"{title} — {column} (% change)",
        ["", *((str(name), "right") for name in wide)],
        (
            [_label(row, summary.members[k]), *(fmt_number(v[k]) for v in wide.values())]
            for k, row in enumerate(summary.rows)
        ),
    )


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
        with status(f"solving {sc.name} ..."):
            runs = run_variants(sc, tol=tol, max_steps=max_steps)
        result = runs[0]
        rows = parse_rows(countries) or default_rows(result.economy)
        summary = result.summary(rows, weights=weights.value)
        if len(runs) > 1:
            wide = _side_by_side(runs, rows, weights.value, column)  # checked before writing
        if out is not None:  # the tables (pandas) only for the files
            paths += write_run([r.run() for r in runs], out)
        if report is not None:
            # blocs.report loads matplotlib on first use only (issue 13)
            html = blocs.report.write_report(result.run(), report, weights=weights.value)
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
        with status("solving ..."):
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
