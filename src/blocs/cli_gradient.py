"""``blocs gradient``: exact derivatives of a scenario's outcomes (a thin shell over
:func:`blocs.gradients.sensitivity`). Exit codes: 0 ok, 2 bad input, 3 no convergence."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from blocs._clitools import enable_compile_cache, fail, fmt_number
from blocs.errors import BlocsError, InputError

out_console = Console()
err_console = Console(stderr=True)


class WrtOpt(StrEnum):
    tariffs = "tariffs"
    elasticity = "elasticity"


def gradient(
    scenario: Annotated[
        str,
        typer.Argument(help="built-in name (see `blocs scenarios`) or a scenario .toml file"),
    ],
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
) -> None:
    """Exact derivatives of a scenario's outcomes (autodiff through the equilibrium).

    Example: blocs gradient liberation-day --of USA,CHN ;
    blocs gradient liberation-day --wrt elasticity
    """
    from blocs.gradients import sensitivity

    enable_compile_cache()
    try:
        if top < 1:
            raise InputError(f"--top {top}: must be >= 1")
        with err_console.status("solving and differentiating ...", spinner="dots"):
            s = sensitivity(scenario, wrt=wrt.value, outcome=outcome, of=of)
        units = s.summary()["units"]
        table = Table(
            title=f"{s.scenario}: d {s.outcome} / d {s.wrt} ({units}; largest first)",
            title_justify="left",
        )
        shown = s.top(top)
        values = s.values.set_index("iso3")["value"]
        key = "of" if s.wrt == "tariffs" else "iso3"
        for col in shown.columns:
            table.add_column(col, justify="right" if shown[col].dtype.kind == "f" else "left")
        table.add_column(f"{s.outcome} at scenario", justify="right")
        for _, row in shown.iterrows():
            cells = [
                fmt_number(100 * row[c], 1)
                if c == "tariff"
                else fmt_number(row[c], 2 if c == "elasticity" else 5)
                for c in shown.columns
            ]
            table.add_row(*cells, fmt_number(values[row[key]], 3, True))
        out_console.print(table)
        out_console.print(
            f"[dim]{len(s.table)} derivatives{' (tariff column in %)' if s.wrt == 'tariffs' else ''}"
            f", automatic differentiation through the equilibrium, {s.seconds:.1f} s[/]"
        )
        paths = s.write(out) if out is not None else []
    except BlocsError as exc:
        fail(exc)
    if paths:
        err_console.print(f"wrote {', '.join(str(p) for p in paths)}")
