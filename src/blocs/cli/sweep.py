"""``blocs sweep SCENARIO``: Monte Carlo and grids over model parameters (one call to
:func:`blocs.sweep.run_sweep`). Exit codes: 0 ok, 2 bad input, 3 no convergence (every draw
failed).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from blocs import sweep as sw
from blocs.cli.common import (
    CountriesOpt,
    ScenarioArg,
    SetOpt,
    StepsOpt,
    TolOpt,
    check_column,
    check_output_dir,
    check_solver,
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
from blocs.errors import InputError
from blocs.io import atomic_write_text
from blocs.report.sweep import write_sweep_report
from blocs.solvers.defaults import DEFAULT_MAX_STEPS, DEFAULT_TOL
from blocs.sweep.store import CHUNKS, MANIFEST

__all__ = ["COMMANDS", "parse_grid", "sweep"]


def _number(text: str, where: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(v):
        raise InputError(f"{where}: {text!r} is not a finite number")
    return v


def parse_grid(items: list[str] | None) -> dict[str, list[Any]]:
    """``["trade_elasticity=3,4,6,8", "pass_through=benchmark,none"]`` -> a grid dict.

    Example:
        >>> parse_grid(["trade_elasticity=3,4"])
        {'trade_elasticity': [3.0, 4.0]}
    """
    grid: dict[str, list[Any]] = {}
    for item in items or []:
        if "=" not in item:
            raise InputError(
                f"--grid {item!r}: expected NAME=V1,V2,..., e.g. --grid trade_elasticity=3,4,6,8"
            )
        key, raw = (part.strip() for part in item.split("=", 1))
        values = [v.strip() for v in raw.split(",") if v.strip()]
        if not values:
            raise InputError(f"--grid {item!r}: no values after '='")
        if key in ("pass_through", "elasticities"):
            grid[key] = values
        else:
            grid[key] = [_number(v, f"--grid {key}") for v in values]
    return grid


def _pair(raw: str, where: str) -> tuple[float, float]:
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 2:
        raise InputError(f"{where} {raw!r}: expected LOW,HIGH, e.g. {where} 0.2,1.0")
    return _number(parts[0], where), _number(parts[1], where)


def _progress_bar() -> tuple[Progress, Any]:
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("draws  {task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err_console(),
        transient=False,
    )
    state: dict[str, Any] = {}

    def callback(p: Any) -> None:
        if "task" not in state:
            state["task"] = bar.add_task(
                "sweep", total=p.draws_total, completed=p.draws_done, rate=""
            )
            state["start"] = p.draws_done
        run = p.draws_done - state["start"]
        rate = f"{fmt_number(run / p.seconds, 1)}/s" if p.seconds > 0 and run else ""
        bar.update(state["task"], completed=p.draws_done, rate=rate)

    return bar, callback


def sweep(
    scenario: ScenarioArg,
    draws: Annotated[
        int, typer.Option(help="random draws (per grid point); needs a distribution option")
    ] = 0,
    eps_lognormal_sd: Annotated[
        float | None,
        typer.Option(
            "--eps-lognormal-sd",
            help="draw trade_elasticity ~ lognormal(log(median), sd), e.g. 0.25",
        ),
    ] = None,
    eps_median: Annotated[
        float | None,
        typer.Option(
            "--eps-median", help="median of the trade_elasticity draws (default: the scenario's)"
        ),
    ] = None,
    kappa_uniform: Annotated[
        str | None,
        typer.Option(
            "--kappa-uniform", help="draw labour_supply_elasticity ~ uniform(LOW,HIGH), e.g. 0,1"
        ),
    ] = None,
    theta_lognormal_sd: Annotated[
        float | None,
        typer.Option(
            "--theta-lognormal-sd",
            help="multi-sector: scale every sector's elasticity by one factor ~ "
            "lognormal(0, sd) per draw, e.g. 0.2",
        ),
    ] = None,
    theta_sector_lognormal_sd: Annotated[
        float | None,
        typer.Option(
            "--theta-sector-lognormal-sd",
            help="multi-sector: scale each sector's elasticity by its own factor ~ "
            "lognormal(0, sd), e.g. 0.1",
        ),
    ] = None,
    estimate_draws: Annotated[
        bool,
        typer.Option(
            "--estimate-draws",
            help="draw the partial effects the scenario takes from estimate.json files from "
            "their sampling distribution (normal, estimated covariance), per draw",
        ),
    ] = False,
    seed: Annotated[int, typer.Option(help="seed of the random draws")] = 0,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            help="NAME=V1,V2,... (repeatable): trade_elasticity, labour_supply_elasticity, "
            "pass_through; elasticities for multi-sector scenarios",
        ),
    ] = None,
    elasticity_sets: Annotated[
        str | None,
        typer.Option(
            "--elasticity-sets",
            help="multi-sector scenarios on icio2022: 'all' or comma-separated set names",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="folder for results (Parquet chunks + manifest); resumable"),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="run on a Dask scheduler, e.g. tls://HOST:8786. SECURITY: Dask exchanges "
            "pickled data, so a scheduler (or anyone between it and you) can run code on this "
            "machine: connect only to a scheduler you control, and across a network use "
            "tls:// with certificates set in Dask's own configuration "
            "(distributed.comm.tls.ca-file, .client.cert, .client.key; e.g. "
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE)",
        ),
    ] = None,
    local_cluster: Annotated[
        int | None,
        typer.Option(
            "--local-cluster",
            help="start a Dask LocalCluster with N workers (bound to 127.0.0.1 only)",
        ),
    ] = None,
    processes: Annotated[
        int | None, typer.Option("--processes", help="run chunks in N local processes")
    ] = None,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", help="draws per chunk (one vmapped solve, one file)")
    ] = 50,
    countries: CountriesOpt = None,
    column: Annotated[str, typer.Option(help="outcome summarised")] = "welfare_pct",
    report: Annotated[
        Path | None,
        typer.Option("--report", help="write sweep_report.html and sweep_bands.png here"),
    ] = None,
    percentiles: Annotated[str, typer.Option(help="comma-separated percentiles")] = "5,50,95",
    tol: TolOpt = DEFAULT_TOL,
    max_steps: StepsOpt = DEFAULT_MAX_STEPS,
    set_: SetOpt = None,
) -> None:
    """Percentiles of outcomes across parameter draws and grids.

    Examples:

      blocs sweep liberation-day --draws 1000 --eps-lognormal-sd 0.25 --seed 0 --out runs/ld

      blocs sweep liberation-day --grid trade_elasticity=3,4,6,8 --local-cluster 2

      blocs sweep liberation-day-icio --elasticity-sets all

      blocs sweep liberation-day-icio --draws 200 --theta-sector-lognormal-sd 0.2

      blocs sweep eu-enlargement.toml --draws 500 --eps-lognormal-sd 0.25 --estimate-draws
    """
    with handle_errors():
        check_solver(tol, max_steps)
        check_output_dir("--out", out)
        check_output_dir("--report", report)
        backend = _backend(scheduler, local_cluster, processes)
        sc = load(scenario, parse_sets(set_))
        check_column(column, sc)
        # TODO(issue 11): turning the distribution flags into distributions (and the default
        # median from the scenario's options) could be a library helper of blocs.sweep.
        dist: dict[str, Any] = {}
        if eps_lognormal_sd is not None:
            median = eps_median
            if median is None:
                median = float(getattr(sc.options, "trade_elasticity", 4.0))
            if median <= 0:
                raise InputError(f"--eps-median {median}: must be > 0")
            dist["trade_elasticity"] = sw.LogNormal(mean=math.log(median), sd=eps_lognormal_sd)
        elif eps_median is not None:
            raise InputError("--eps-median needs --eps-lognormal-sd (the spread of the draws)")
        if kappa_uniform is not None:
            low, high = _pair(kappa_uniform, "--kappa-uniform")
            dist["labour_supply_elasticity"] = sw.Uniform(low=low, high=high)
        for key, sd, flag in (
            ("theta_scale", theta_lognormal_sd, "--theta-lognormal-sd"),
            ("theta_sector", theta_sector_lognormal_sd, "--theta-sector-lognormal-sd"),
        ):
            if sd is not None:
                if not (math.isfinite(sd) and sd > 0):
                    raise InputError(f"{flag} {sd}: must be a finite number > 0")
                dist[key] = sw.LogNormal(mean=0.0, sd=sd)
        if draws and not dist and not estimate_draws:
            raise InputError(
                f"--draws {draws}: say what to draw, e.g. --eps-lognormal-sd 0.25 "
                "(trade elasticity) or --kappa-uniform 0,1 (labour supply); on multi-sector "
                "scenarios --theta-lognormal-sd 0.2 and/or --theta-sector-lognormal-sd 0.1; "
                "--estimate-draws for partial effects taken from estimates"
            )
        if (dist or estimate_draws) and not draws:
            raise InputError(
                "a distribution option or --estimate-draws needs --draws N (e.g. --draws 1000)"
            )
        grid_dict = parse_grid(grid)
        if elasticity_sets is not None:
            grid_dict["elasticities"] = [s.strip() for s in elasticity_sets.split(",") if s]
        rows = parse_rows(countries)
        qs = tuple(_number(q, "--percentiles") for q in percentiles.split(",") if q.strip())
        fields: dict[str, Any] = {
            "scenario": sc,
            "grid": grid_dict,
            "draws": draws,
            "distributions": dist,
            "partial_effect_draws": estimate_draws,
            "seed": seed,
            "percentiles": qs,
            "tol": tol,
            "max_steps": max_steps,
        }
        if rows:
            fields["rows"] = rows
        spec = sw.make_spec(**fields)
        bar, callback = _progress_bar()
        with bar:
            result = sw.run_sweep(
                spec, out=out, backend=backend, chunk_size=chunk_size, progress=callback
            )
        summary = _grid_summary(result, column) if _grid_only(result) else None
        if summary is None:
            summary = result.summary(column=column)
        written: list[str] = []
        if out is not None:
            n_chunks = len(list((Path(out) / CHUNKS).glob("chunk-*.parquet")))
            atomic_write_text(Path(out) / "summary.csv", summary.to_csv(float_format="%.10g"))
            written.append(
                f"{Path(out) / 'summary.csv'}, {Path(out) / MANIFEST} and {n_chunks} chunk "
                f"file(s) in {Path(out) / CHUNKS}"
            )
        if report is not None:
            written.append(str(write_sweep_report(result, report, column=column)))
    _print(result, summary, column)
    if written:
        report_written(f"wrote {'; '.join(written)}")


def _grid_only(result: sw.SweepResult) -> bool:
    """A grid without random draws: its points are reported one by one, not as percentiles."""
    return not result.spec.draws and result.spec.n_draws > 1


def _point_label(result: sw.SweepResult, draw: int) -> str:
    prm = sw.draw_parameters(result.spec, draw)
    return ", ".join(f"{k}={prm[k]:g}" if isinstance(prm[k], float) else f"{k}={prm[k]}"
                     for k in result.spec.grid_values)  # fmt: skip


def _grid_summary(result: sw.SweepResult, column: str) -> pd.DataFrame:
    """Rows x grid points (the value at each point), then ``min`` and ``max``."""
    table = result.table
    frames = {}
    members = None
    for d in range(result.spec.n_draws):
        one = sw.summarize(
            table[table["draw"] == d],
            result.economy,
            result.spec.rows,
            column=column,
            percentiles=(50.0,),
            groups=result.scenario.groups,
        )
        frames[_point_label(result, d)] = one["p50"]
        members = one["members"]
    wide = pd.DataFrame(frames)
    wide.insert(0, "members", members)
    values = wide.drop(columns="members")
    wide["min"] = values.min(axis=1)
    wide["max"] = values.max(axis=1)
    return wide


def _backend(scheduler: str | None, local_cluster: int | None, processes: int | None) -> Any:
    given = [
        name
        for name, v in (
            ("--scheduler", scheduler),
            ("--local-cluster", local_cluster),
            ("--processes", processes),
        )
        if v is not None
    ]
    if len(given) > 1:
        raise InputError(f"{' and '.join(given)}: choose one way to run the chunks")
    if scheduler is not None:
        return sw.Dask(scheduler)
    if local_cluster is not None:
        return sw.Dask(n_workers=local_cluster)
    if processes is not None:
        return sw.Processes(processes)
    return sw.InProcess()


def _print(result: sw.SweepResult, summary: pd.DataFrame, column: str) -> None:
    n = result.spec.n_draws
    failed = result.n_failed
    grid = _grid_only(result)
    unit = "grid points" if grid else "draws"
    title = f"{result.scenario.name}: {column} across {n} {unit}" + (
        f" ({failed} failed, left out)" if failed else ""
    )
    if grid:
        cols = [c for c in summary.columns if c != "members"]
    else:
        cols = [*(c for c in summary.columns if c.startswith("p")), "mean"]
    table = new_table(["", *((c, "right") for c in cols)])
    for name, row in summary.iterrows():
        k = int(row["members"])
        label = f"{name}" if k == 1 else f"{name} ({k})"
        table.add_row(text(label), *[fmt_number(row[c]) for c in cols])
    print_table(title, table)
    m = result.manifest
    note(
        f"% changes from the baseline; groups weighted by baseline expenditure. "
        f"{m['chunks_run']} chunks run, {m['chunks_skipped']} found finished; backend "
        f"{m['backend']}; {fmt_number(m['seconds'], 1)} s"
    )


#: name -> command function (registered by blocs.cli).
COMMANDS = {"sweep": sweep}
