"""``blocs coalition``: every coalition of allies against a target, summarised.

A thin shell over :mod:`blocs.coalitions` (one call to
:func:`~blocs.coalitions.solve_coalitions`). Register it on the main app with
``app.command("coalition")(coalition)``. Exit codes: 0 ok, 2 bad input, 3 some equilibria
did not converge (the tables are still printed and written, failures listed).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from blocs._clitools import enable_compile_cache, fail, fmt_number
from blocs.errors import BlocsError, InputError

out_console = Console()
err_console = Console(stderr=True)

#: Named presets accepted as the command's argument.
PRESETS = ("allied-front",)


def _fail(exc: BlocsError) -> None:
    fail(exc)


_f = fmt_number


def _response(value: str) -> str | float:
    try:
        return float(value)
    except ValueError:
        return value.strip().lower()


def _spec(
    preset: str | None,
    leader: str | None,
    target: str | None,
    allies: str | None,
    tariff: float | None,
    response: str | None,
    data: str | None,
    america_first: bool | None,
    punishment: str | None,
) -> Any:
    from blocs.coalitions import CoalitionSpec, allied_front_spec

    if preset is not None and (preset.endswith(".toml") or Path(preset).is_file()):
        from blocs.scenario import load_scenario

        sc = load_scenario(preset)
        if sc.coalition is None:
            raise InputError(
                f"{preset}: no [coalition] table; add one, e.g.\n[coalition]\n"
                'leader = "USA"\ntarget = "CHN"\nallies = ["JPN", "EU27"]\ntariff = 0.5'
            )
        if not isinstance(sc.scenario.data, str):
            raise InputError(f"{preset}: coalitions run on embedded data (world2023, icio2022)")
        block = sc.coalition
        base = CoalitionSpec(
            leader=block.leader,
            target=block.target,
            allies=tuple(block.allies),
            tariff=block.tariff,
            response=_response(block.response)
            if isinstance(block.response, str)
            else block.response,
            data=sc.scenario.data,
            america_first=block.america_first,
            punishment=None
            if isinstance(block.punishment, str) and block.punishment.lower() == "none"
            else block.punishment,
            leverage_multiple=block.leverage_multiple,
            max_response=block.max_response,
            name=sc.name,
        )
    elif preset is not None:
        if preset != "allied-front":
            from blocs.errors import closest

            raise InputError(
                f"unknown preset '{preset}'{closest(preset, PRESETS)}; presets: "
                f"{', '.join(PRESETS)} (or give --allies)"
            )
        base = allied_front_spec()
    else:
        if not allies:
            raise InputError(
                "give --allies (comma-separated codes or groups, e.g. JPN,KOR,EU27) or a "
                "preset: blocs coalition allied-front"
            )
        base = CoalitionSpec(allies=("_",), name="coalition")
    changes: dict[str, Any] = {}
    if leader is not None:
        changes["leader"] = leader
    if target is not None:
        changes["target"] = target
    if allies is not None:
        changes["allies"] = tuple(a.strip() for a in allies.split(",") if a.strip())
    if tariff is not None:
        changes["tariff"] = tariff
    if response is not None:
        changes["response"] = _response(response)
    if data is not None:
        changes["data"] = data
    if america_first is not None:
        changes["america_first"] = america_first
    if punishment is not None:
        p = punishment.strip().lower()
        changes["punishment"] = (
            None if p == "none" else "us_tariffs_2025" if p == "2025" else _response(p)
        )
    return dataclasses.replace(base, **changes)


def _print(res: Any) -> None:
    pl = res.players
    g = res.grand
    lev0, levg = res.leverage_pct[0], res.leverage_pct[g]
    spec = res.spec
    resp = spec.response if isinstance(spec.response, str) else f"{spec.response:g}"
    out_console.print(
        f"[bold]{spec.name}[/]: {pl.leader} + {len(pl.allies)} allies vs {pl.target}, "
        f"{100 * spec.tariff:g} % tariff, response {resp}, {len(res.masks)} coalitions "
        f"({spec.data})",
        highlight=False,
    )
    ratio = f" ({levg / lev0:.2f}x)" if lev0 > 0 else ""
    out_console.print(
        f"Leverage ({pl.target}'s welfare loss): {pl.leader} alone {_f(lev0)} %, grand "
        f"coalition {_f(levg)} %{ratio}. {pl.leader}'s own change: {_f(res.leader_pct[0], 2, True)} "
        f"% alone, {_f(res.leader_pct[g], 2, True)} % in the grand coalition.",
        highlight=False,
    )
    if spec.response == "optimal":
        out_console.print(_response_line(res), highlight=False)
    out_console.print(
        f"Grand coalition: members' cost {_f(res.cost_pct[g])} % (expenditure-weighted), "
        f"outsiders {_f(res.outsiders_pct[g], 2, True)} %, efficiency "
        f"{_f(res.efficiency[g])} $ of {pl.target} loss per $ of members' loss.",
        highlight=False,
    )
    if res.reaching:
        out_console.print(
            f"Smallest coalitions reaching {spec.leverage_multiple:g}x the leader-alone "
            f"leverage: {', '.join(res.label(m) for m in res.reaching[:5])}",
            highlight=False,
        )
    stable = res.stable_coalitions
    out_console.print(
        f"Stable coalitions: {', '.join(stable[:8]) if stable else 'none'}"
        f"{' ...' if len(stable) > 8 else ''}",
        highlight=False,
    )
    allies = res.to_frames()["allies"]
    cols = [
        ("W grand %", "welfare_grand_pct", True),
        ("Shapley", "shapley", False),
        ("join alone", "join_gain_alone", True),
        ("stay grand", "join_gain_grand", True),
    ]
    if res.credibility is not None:
        cols += [("p* alone", "p_star_alone", False), ("p* grand", "p_star_grand", False)]
    _ally_table(f"allies ({pl.leader} and allies tariff {pl.target})", allies, cols)
    if res.america_first is not None:
        af = res.america_first
        st = af.stable_coalitions
        out_console.print(
            f"America First ({pl.leader} keeps its 2025 tariffs on non-members, drops them "
            f"for members): leverage alone {_f(af.leverage_pct[0])} %, grand "
            f"{_f(af.leverage_pct[g])} %; stable coalitions: {', '.join(st[:8]) if st else 'none'}",
            highlight=False,
        )
        if spec.response == "optimal":
            out_console.print("America First: " + _response_line(af), highlight=False)
        cols = [
            ("W grand %", "af_welfare_grand_pct", True),
            ("join alone", "af_join_gain_alone", True),
            ("stay grand", "af_join_gain_grand", True),
        ]
        if af.credibility is not None:
            cols += [("p* alone", "af_p_star_alone", False), ("p* grand", "af_p_star_grand", False)]
        _ally_table("allies, America First", allies, cols)
    out_console.print(
        "[dim]W: welfare in % from the baseline; Shapley: share of the grand coalition's extra "
        "leverage (pp); join alone / stay grand: ally's gain (pp) from joining the leader alone "
        "/ from staying in the grand coalition (positive: it pays); p*: probability of the leader re-imposing its tariffs on a member above which "
        f"joining no longer pays. Solved in {res.seconds:.1f} s, largest residual "
        f"{float(max(res.max_residual)):.1e}.[/]"
    )


def _response_line(res: Any) -> str:
    """The target's chosen rate: leader alone, grand coalition, range over coalitions."""
    pl, rates = res.players, res.response_rate
    known = [float(r) for r in rates if math.isfinite(float(r))]
    span = (
        f"; {_f(100 * min(known), 1)}-{_f(100 * max(known), 1)} % over the "
        f"{len(known)} coalitions solved"
        if known
        else ""
    )
    return (
        f"{pl.target}'s best response (one rate on every coalition country's goods): "
        f"{_f(100 * rates[0], 1)} % on {pl.leader} alone, {_f(100 * rates[res.grand], 1)} % on "
        f"the grand coalition{span}."
    )


def _ally_table(title: str, allies: Any, cols: list[tuple[str, str, bool]]) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("ally", style="bold")
    for head, _, _ in cols:
        table.add_column(head, justify="right")
    for _, row in allies.iterrows():
        table.add_row(str(row["ally"]), *[_f(row[c], 2, signed) for _, c, signed in cols])
    out_console.print(table)


def coalition(
    preset: Annotated[
        str | None, typer.Argument(help="a built-in question instead of options: allied-front")
    ] = None,
    leader: Annotated[str | None, typer.Option(help="leader (always in), default USA")] = None,
    target: Annotated[str | None, typer.Option(help="target of the tariffs, default CHN")] = None,
    allies: Annotated[
        str | None, typer.Option(help="comma-separated allies: codes or groups (EU27); <= 12")
    ] = None,
    tariff: Annotated[
        float | None, typer.Option(help="coalition tariff on the target, 0.5 = 50 %")
    ] = None,
    response: Annotated[
        str | None,
        typer.Option(
            help="target's response: mirror, none, optimal (its best response: one rate on "
            "every coalition country, 0-200 %), or a rate"
        ),
    ] = None,
    data: Annotated[str | None, typer.Option(help="world2023 (one sector) or icio2022")] = None,
    america_first: Annotated[
        bool | None,
        typer.Option(
            "--america-first/--no-america-first",
            help="also run the variant where the leader keeps its 2025 tariffs on non-members "
            "(default: when the data has the 2025 US rates and the leader is USA)",
        ),
    ] = None,
    punishment: Annotated[
        str | None,
        typer.Option(
            help="what an unreliable leader re-imposes on a member: 2025 (April-2025 US "
            "rates; default when available), a rate, or none"
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="write CSV, Parquet and summary.json here")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="write coalition_report.html (self-contained) and its PNG figures here",
        ),
    ] = None,
    chunk_size: Annotated[int, typer.Option(help="equilibria solved together (memory)")] = 64,
) -> None:
    """Every coalition of allies against a target: leverage, cost, Shapley, stability, p*.

    Examples: blocs coalition allied-front --out results/ --report results/;
    blocs coalition --allies JPN,KOR,EU27 --tariff 0.5 --response mirror
    """
    from blocs.coalitions import solve_coalitions

    enable_compile_cache()
    try:
        spec = _spec(
            preset, leader, target, allies, tariff, response, data, america_first, punishment
        )
        with Progress(
            TextColumn("solving coalitions"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("solve", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            res = solve_coalitions(None, spec, chunk_size=chunk_size, progress=tick)
        paths = res.write(out) if out is not None else []
        if report is not None:
            from blocs.report.coalition import write_coalition_report

            pages = write_coalition_report(res, report)
    except BlocsError as exc:
        _fail(exc)
        return
    _print(res)
    if paths:
        err_console.print(f"wrote {len(paths)} files into {out}")
    if report is not None:
        err_console.print(f"wrote {pages[-1]} and {len(pages) - 1} figures", highlight=False)
    failed = res.failures + (res.america_first.failures if res.america_first else [])
    if res.credibility is not None and not res.credibility.converged.all():
        failed.append("some betrayal equilibria (p*)")
    if failed:
        err_console.print(
            f"[bold red]no convergence:[/] {len(failed)} equilibria did not converge "
            f"({', '.join(failed[:5])}{' ...' if len(failed) > 5 else ''}); their rows are "
            "NaN. Try smaller tariffs or revenue='lump_sum'.",
            highlight=False,
        )
        raise typer.Exit(3)
