"""``blocs gradient``: exact derivatives of a scenario's outcomes (one call to
:func:`blocs.gradients.sensitivity`). Exit codes: 0 ok, 2 bad input, 3 no convergence."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from blocs.cli.common import (
    ScenarioArg,
    SetOpt,
    check_output_dir,
    enable_compile_cache,
    err_console,
    fmt_number,
    handle_errors,
    load,
    new_table,
    note,
    parse_sets,
    print_table,
    report_written,
    text,
)
from blocs.errors import InputError
from blocs.gradients import sensitivity

__all__ = ["COMMANDS", "gradient"]


class WrtOpt(StrEnum):
    tariffs = "tariffs"
    elasticity = "elasticity"


def gradient(
    scenario: ScenarioArg,
    wrt: Annotated[
        WrtOpt,
        typer.Option(
            "--wrt",
            help="tariffs: every bilateral tariff (per percentage point); elasticity: the "
            "trade elasticity (per sector on multi-sector data)",
        ),
    ] = WrtOpt.tariffs,
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="outcome column: welfare_pct, cpi_pct, exports_gdp_pct, imports_gdp_pct, "
            "employment_pct, tariff_revenue_pct, deficit_change_pct (multi-sector also "
            "real_wage_pct, tot_pct, vot_pct, welfare_linear_pct)",
        ),
    ] = "welfare_pct",
    of: Annotated[
        str,
        typer.Option(
            "--of", help="--wrt tariffs: whose outcome (codes or groups, comma-separated)"
        ),
    ] = "USA",
    top: Annotated[int, typer.Option("--top", help="rows to print, largest first")] = 15,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="write sensitivity.csv, .parquet and .json to this folder"),
    ] = None,
    set_: SetOpt = None,
) -> None:
    """Exact derivatives of a scenario's outcomes (autodiff through the equilibrium).

    Example: blocs gradient liberation-day --of USA,CHN ;
    blocs gradient liberation-day --wrt elasticity
    """
    enable_compile_cache()
    paths: list[Path] = []
    with handle_errors():
        check_output_dir("--out", out)
        if top < 1:
            raise InputError(f"--top {top}: must be >= 1")
        sc = load(scenario, parse_sets(set_))
        with err_console().status("solving and differentiating ...", spinner="dots"):
            s = sensitivity(sc, wrt=wrt.value, outcome=outcome, of=of)
        units = s.summary()["units"]
        shown = s.top(top)
        values = s.values.set_index("iso3")["value"]
        key = "of" if s.wrt == "tariffs" else "iso3"
        table = new_table(
            [
                *((col, "right" if shown[col].dtype.kind == "f" else "left") for col in shown),
                (f"{s.outcome} at scenario", "right"),
            ],
            first_bold=False,
        )
        for _, row in shown.iterrows():
            cells = [
                fmt_number(100 * row[c], 1)
                if c == "tariff"
                else fmt_number(row[c], 2 if c == "elasticity" else 5)
                for c in shown.columns
            ]
            table.add_row(*map(text, cells), fmt_number(values[row[key]], 3, signed=True))
        print_table(f"{s.scenario}: d {s.outcome} / d {s.wrt} ({units}; largest first)", table)
        tariff_note = " (tariff column in %)" if s.wrt == "tariffs" else ""
        note(
            f"{len(s.table)} derivatives{tariff_note}, automatic differentiation through the "
            f"equilibrium, {fmt_number(s.seconds, 1)} s"
        )
        paths = s.write(out) if out is not None else []
    if paths:
        report_written(paths)


#: name -> command function (registered by blocs.cli).
COMMANDS = {"gradient": gradient}
