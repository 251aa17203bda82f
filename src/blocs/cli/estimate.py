"""``blocs estimate``: PPML structural-gravity estimation of policy effects on a panel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from blocs.cli.common import (
    check_output_dir,
    clean,
    err_console,
    fmt_number,
    handle_errors,
    new_table,
    out_console,
    print_table,
    report_written,
    text,
)
from blocs.errors import InputError
from blocs.estimate import fit_gravity, fitted_flows, load_panel, write_estimate, write_fitted_flows

__all__ = ["COMMANDS", "estimate", "print_estimate"]


def print_estimate(est: Any, console: Console | None = None) -> None:
    """The coefficient table and what was dropped, converged and assumed (user text, such
    as terms and notes, printed literally)."""
    console = console or out_console()
    table = new_table(
        ["term", *((name, "right") for name in ("coef", "s.e.", "p", "95 % interval", "effect %"))],
        first_bold=False,
    )
    for _, r in est.table().iterrows():
        table.add_row(
            text(r["term"]),
            fmt_number(r["coef"], 6),
            fmt_number(r["se"], 6),
            fmt_number(r["p"], 4),
            text(f"[{fmt_number(r['ci_low'], 3)}, {fmt_number(r['ci_high'], 3)}]"),
            fmt_number(r["effect_pct"], 2, signed=True),
        )
    print_table(est.formula, table, console)
    lines: list[Text] = [
        text(
            "effect % = 100 (exp(coef) - 1): the partial effect on the pair's trade, before "
            "general-equilibrium adjustment",
            "dim",
        ),
        text(
            f"observations {est.nobs:,} of {est.n_rows:,} rows: dropped {est.n_domestic:,} "
            f"domestic, {est.n_separated:,} separated, {est.n_singletons:,} singleton",
            "dim",
        ),
        Text.assemble(
            (f"standard errors {clean(est.vcov)}; PPML ", "dim"),
            ("converged", "dim") if est.converged else ("did NOT converge", "bold red"),
            (f" (tolerance {est.options.get('tol', float('nan')):g})", "dim"),
        ),
    ]
    if est.collinear:
        collinear = ", ".join(str(c) for c in est.collinear)
        lines.append(text(f"dropped as collinear with the fixed effects: {collinear}", "yellow"))
    if est.dropped:
        more = est.n_dropped - len(est.dropped)
        lines.append(
            text(
                "dropped observations: "
                + ", ".join(str(d) for d in est.dropped[:8])
                + (f" and {est.n_dropped - 8} more" if est.n_dropped > 8 else "")
                + ("" if more <= 0 else " (the first 100 are listed in estimate.json)"),
                "yellow",
            )
        )
    for line in est.notes:
        lines.append(text(f"note: {line}", "yellow"))
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)


def estimate(
    panel: Annotated[
        Path, typer.Argument(help="the panel: CSV or Parquet with exporter, importer, year, trade")
    ],
    formula: Annotated[
        str,
        typer.Option(
            "--formula",
            "-f",
            help="'trade ~ terms | fixed effects' (fixest notation, a^b = interaction), or just "
            "the terms for the default 'trade ~ terms | exporter^year + importer^year + "
            "exporter^importer'",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="write estimate.json and coefficients.csv here"),
    ] = None,
    cluster: Annotated[
        str,
        typer.Option(help="cluster standard errors by: pair, a column, 'a+b', hetero or iid"),
    ] = "pair",
    domestic: Annotated[
        bool,
        typer.Option(
            "--domestic/--international-only",
            help="keep domestic flows (exporter = importer); default: international only",
        ),
    ] = False,
    maxiter: Annotated[int, typer.Option(help="maximum PPML (IRLS) iterations")] = 100,
    tol: Annotated[float, typer.Option(help="PPML convergence tolerance")] = 1e-10,
    fitted_year: Annotated[
        int | None,
        typer.Option(
            "--fitted-year",
            help="also write fitted_flows.csv: the model's fitted trade in this year (a GE-PPML "
            "baseline for a scenario's data.flows; observed domestic flows when the estimate "
            "is international-only); needs --out",
        ),
    ] = None,
) -> None:
    """Estimate policy effects by PPML with high-dimensional fixed effects (structural gravity).

    Example: blocs estimate panel.csv --formula "trade ~ fta | exporter^year + importer^year +
    exporter^importer" --out est/
    """
    with handle_errors():
        check_output_dir("--out", out)
        if fitted_year is not None and out is None:
            raise InputError("--fitted-year writes fitted_flows.csv: give --out DIR")
        with err_console().status(text(f"estimating on {panel} ..."), spinner="dots"):
            data = load_panel(panel)
            fit = fit_gravity(
                data,
                formula,
                international_only=not domestic,
                cluster=cluster,
                maxiter=maxiter,
                tol=tol,
            )
            est = fit.estimate
            fitted = (
                fitted_flows(fit, year=fitted_year, observed_domestic=True)
                if fitted_year is not None
                else None
            )
        paths = write_estimate(est, out) if out is not None else []
        if fitted is not None and out is not None:
            paths.append(write_fitted_flows(fitted, out))
    print_estimate(est)
    if fitted is not None:
        for note in fitted.notes:
            err_console().print(text(f"fitted flows: {note}", "dim"), highlight=False)
    if paths:
        report_written(paths)


#: The commands of this module (registered by :mod:`blocs.cli`).
COMMANDS = {"estimate": estimate}
