"""``blocs timeline``: every US tariff regime of 2025-2026 solved, as a table, files and a chart
(a thin shell over :func:`blocs.timeline.solve_timeline`).

Exit codes as for every command: 0 ok, 2 bad input, 3 no regime converged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from blocs.cli.common import (
    check_output_dir,
    clean,
    enable_compile_cache,
    err_console,
    fmt_number,
    handle_errors,
    out_console,
    report_written,
    text,
)
from blocs.errors import ConvergenceError, InputError
from blocs.report.timeline import write_timeline_report
from blocs.timeline import DATA_SETS, Timeline, solve_timeline

__all__ = ["COMMANDS", "timeline"]

#: Columns of the printed table: (table column, header).
_SHOWN = (
    ("effective_tariff_pct", "tariff"), ("real_income_USA_pct", "USA"),
    ("real_income_CHN_pct", "CHN"), ("real_income_CAN_pct", "CAN"),
    ("real_income_MEX_pct", "MEX"), ("real_income_EU27_pct", "EU27"),
    ("real_income_JPN_pct", "JPN"), ("real_income_KOR_pct", "KOR"),
    ("real_income_IND_pct", "IND"), ("real_income_VNM_pct", "VNM"),
    ("real_income_GBR_pct", "GBR"), ("real_income_CHE_pct", "CHE"),
    ("real_income_BRA_pct", "BRA"), ("real_income_world_pct", "world"),
    ("us_prices_pct", "US prices"), ("us_tariff_revenue_pct", "US rev."),
)  # fmt: skip


def _choice(value: str, allowed: dict[str, tuple], flag: str) -> tuple:
    if value not in allowed:
        raise InputError(f"{flag} {value!r}: use one of {', '.join(allowed)}")
    return allowed[value]


def _print(tl: Timeline) -> None:
    for (data, ret), sub in tl.table.groupby(["data", "retaliation"], sort=False):
        what = "with the retaliation in force" if ret else "no retaliation"
        table = Table(title=f"{data}, {what} (% change; tariff: US effective rate, %)",
                      title_justify="left")  # fmt: skip
        table.add_column("date")
        table.add_column("path")
        for _, head in _SHOWN:
            table.add_column(head, justify="right")
        table.add_column("status")
        for r in sub.itertuples(index=False):
            cells = [fmt_number(getattr(r, col), 1 if col == "effective_tariff_pct" else 2)
                     for col, _ in _SHOWN]  # fmt: skip
            path = "" if r.path == "enacted" else "IEEPA upheld"
            table.add_row(str(r.date), path, *cells, str(r.status))
        out_console().print(table)


def timeline(
    data: Annotated[str, typer.Option(help="icio2022, world2023 or both")] = "both",
    retaliation: Annotated[
        str, typer.Option(help="both (with and without the retaliation in force), on or off")
    ] = "both",
    unknown: Annotated[
        str,
        typer.Option(
            help="retaliation the record has no removal date for (China's 10 %, Canada's "
            "surtaxes after 2026-02): in_force or ended"
        ),
    ] = "in_force",
    upheld: Annotated[
        bool,
        typer.Option(
            "--upheld/--no-upheld",
            help="also solve the regimes from the ruling on had the Court upheld IEEPA",
        ),
    ] = True,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="write timeline.csv, timeline.parquet and timeline.json here"),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="write the chart (PNG per data set) and timeline.html"),
    ] = None,
    format: Annotated[str, typer.Option(help="printed output: table or csv")] = "table",
) -> None:
    """Solve every US tariff regime of 2025-2026 (the tariffs in force at each date of the
    record, with and without the retaliation then in force) and show the path."""
    enable_compile_cache()
    with handle_errors():
        check_output_dir("--out", out)
        check_output_dir("--report", report)
        sets = _choice(data, {"both": tuple(DATA_SETS), **{d: (d,) for d in DATA_SETS}}, "--data")
        rets = _choice(retaliation, {"both": (False, True), "on": (True,), "off": (False,)},
                       "--retaliation")  # fmt: skip
        if format not in ("table", "csv"):
            raise InputError(f"--format {format!r}: use table or csv")
        with err_console().status("solving the regimes ...", spinner="dots") as status:
            tl = solve_timeline(sets, rets, unknown=unknown, upheld_path=upheld,
                                progress=lambda m: status.update(text(f"solving {m} ...")))  # fmt: skip
        if not (tl.table.status == "converged").any():
            raise ConvergenceError("no regime of the timeline converged")
        if out is not None:
            tl.write(out)
        if report is not None:
            page = write_timeline_report(tl, report)
            report_written(f"report: {page}")
    if format == "csv":
        out_console().print(tl.table.to_csv(index=False, float_format="%.6g"), end="",
                          highlight=False, soft_wrap=True)  # fmt: skip
    else:
        _print(tl)
    failed = tl.table[~tl.table.status.isin(["converged", "baseline"])]
    for r in failed.itertuples(index=False):
        line = Text.assemble(
            ("not converged: ", "yellow"), clean(f"{r.data} {r.regime} ({r.path}): {r.status}")
        )
        err_console().print(line, soft_wrap=True, highlight=False)
    err_console().print(f"{len(tl.table)} rows in {tl.seconds:.1f} s", highlight=False)


#: The commands of this module (registered by :mod:`blocs.cli`).
COMMANDS = {"timeline": timeline}
