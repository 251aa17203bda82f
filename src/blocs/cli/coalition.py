"""``blocs coalition``: every coalition of allies against a target, summarised.

One call to :func:`blocs.coalitions.solve_coalitions`. Exit codes: 0 ok, 2 bad input, 3 some
equilibria did not converge (the tables are printed with the failures listed; nothing is
written).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from blocs.cli.common import (
    EXIT_NO_CONVERGENCE,
    SetOpt,
    StepsOpt,
    TolOpt,
    check_outputs,
    check_solver,
    enable_compile_cache,
    err_console,
    fmt_number,
    handle_errors,
    load,
    new_table,
    note,
    parse_sets,
    print_error,
    print_table,
    report_written,
    say,
    text,
    with_overrides,
)
from blocs.coalitions import (
    CoalitionResults,
    CoalitionSpec,
    allied_front_spec,
    settings,
    solve_coalitions,
)
from blocs.errors import InputError, closest
from blocs.models.registry import get_model
from blocs.report.coalition import write_coalition_report
from blocs.scenario import Scenario
from blocs.solvers.defaults import DEFAULT_MAX_STEPS, DEFAULT_TOL

__all__ = ["COMMANDS", "PRESETS", "coalition", "coalition_spec", "efficiency_words"]

#: Named presets accepted as the command's argument.
PRESETS = ("allied-front",)

_f = fmt_number


def _is_file(preset: str | None) -> bool:
    return preset is not None and (preset.endswith(".toml") or Path(preset).is_file())


def coalition_spec(
    preset: str | None,
    leader: str | None = None,
    target: str | None = None,
    allies: str | None = None,
    tariff: float | None = None,
    response: str | None = None,
    data: str | None = None,
    america_first: bool | None = None,
    punishment: str | None = None,
    *,
    scenario: Scenario | None = None,
) -> CoalitionSpec:
    """The :class:`CoalitionSpec` of the command's argument and options (options win).

    ``preset``: a scenario file with a ``[coalition]`` table (pass the loaded ``scenario``
    too, else it is loaded here), a preset name, or None (then ``allies`` is required).
    """
    if _is_file(preset):
        assert preset is not None
        sc = scenario if scenario is not None else load(preset)
        if sc.coalition is None:
            raise InputError(
                f"{preset}: no [coalition] table; add one, e.g.\n[coalition]\n"
                'leader = "USA"\ntarget = "CHN"\nallies = ["JPN", "EU27"]\ntariff = 0.5'
            )
        if not isinstance(sc.scenario.data, str):
            raise InputError(f"{preset}: coalitions run on embedded data (world2023, icio2022)")
        base = CoalitionSpec.from_table(
            sc.coalition, where=f"{sc.path}, coalition", data=sc.scenario.data, name=sc.name
        )
    elif preset is not None:
        if preset not in PRESETS:
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
        changes["response"] = response  # parsed by CoalitionSpec (one parser)
    if data is not None:
        changes["data"] = data
    if america_first is not None:
        changes["america_first"] = america_first
    if punishment is not None:
        changes["punishment"] = punishment  # parsed by CoalitionSpec (one parser)
    return dataclasses.replace(base, **changes)


def _model_options(spec: CoalitionSpec, sc: Scenario | None, overrides: dict[str, Any]) -> Any:
    """The one-sector model options of the coalition engine: the scenario file's ``[model]``
    table with ``--set`` applied (``sc`` is loaded with them), or None (the engine's
    defaults) when neither gives any."""
    # TODO(issue 11): solve_coalitions should take the scenario's model options and
    # overrides= itself (and use them on multi-sector data too).
    if sc is None:
        if not overrides:
            return None
        sc = with_overrides(_data_scenario(spec), overrides)
    if not sc.model:
        return None
    if get_model(sc.kind).multisector:
        given = f"--set {', '.join(overrides)}" if overrides else f"{sc.path}, model"
        raise InputError(
            f"{given}: coalitions on multi-sector data ({spec.data}) take no model options yet"
        )
    return sc.options


def _data_scenario(spec: CoalitionSpec) -> Scenario:
    """A scenario holding only ``spec``'s data set (to validate model options against)."""
    try:
        return Scenario.model_validate({"scenario": {"name": spec.name, "data": spec.data}})
    except ValidationError as exc:
        message = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise InputError(f"--data {spec.data!r}: {message}") from None


def _print(res: CoalitionResults) -> None:
    pl = res.players
    g = res.grand
    lev0, levg = res.leverage_pct[0], res.leverage_pct[g]
    spec = res.spec
    resp = spec.response if isinstance(spec.response, str) else f"{spec.response:g}"
    say(
        f"{spec.name}: {pl.leader} + {len(pl.allies)} allies vs {pl.target}, "
        f"{100 * spec.tariff:g} % tariff, response {resp}, {len(res.masks)} coalitions "
        f"({spec.data})",
        "bold",
    )
    ratio = f" ({_f(levg / lev0)}x)" if lev0 > 0 else ""
    say(
        f"Leverage ({pl.target}'s welfare loss): {pl.leader} alone {_f(lev0)} %, grand "
        f"coalition {_f(levg)} %{ratio}. {pl.leader}'s own change: "
        f"{_f(res.leader_pct[0], signed=True)} % alone, "
        f"{_f(res.leader_pct[g], signed=True)} % in the grand coalition."
    )
    if spec.response == "optimal":
        say(_response_line(res))
    efficiency = efficiency_words(float(res.efficiency[g]), pl.target)
    say(
        f"Grand coalition: members' cost {_f(res.cost_pct[g])} % (expenditure-weighted), "
        f"outsiders {_f(res.outsiders_pct[g], signed=True)} %, {efficiency}."
    )
    if res.reaching:
        say(
            f"Smallest coalitions reaching {spec.leverage_multiple:g}x the leader-alone "
            f"leverage: {', '.join(res.label(m) for m in res.reaching[:5])}"
        )
    say(f"Stable coalitions: {_first(res.stable_coalitions, 8)}")
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
        say(
            f"America First ({pl.leader} keeps its 2025 tariffs on non-members, drops them "
            f"for members): leverage alone {_f(af.leverage_pct[0])} %, grand "
            f"{_f(af.leverage_pct[g])} %; stable coalitions: {_first(af.stable_coalitions, 8)}"
        )
        if spec.response == "optimal":
            say("America First: " + _response_line(af))
        cols = [
            ("W grand %", "af_welfare_grand_pct", True),
            ("join alone", "af_join_gain_alone", True),
            ("stay grand", "af_join_gain_grand", True),
        ]
        if af.credibility is not None:
            cols += [("p* alone", "af_p_star_alone", False), ("p* grand", "af_p_star_grand", False)]
        _ally_table("allies, America First", allies, cols)
    note(
        "W: welfare in % from the baseline; Shapley: share of the grand coalition's extra "
        "leverage (pp); join alone / stay grand: ally's gain (pp) from joining the leader alone "
        "/ from staying in the grand coalition (positive: it pays); p*: probability of the "
        "leader re-imposing its tariffs on a member above which joining no longer pays. "
        f"Solved in {_f(res.seconds, 1)} s, largest residual "
        f"{_f(max(res.max_residual), 1, sci=True)}."
    )


def efficiency_words(eff: float, target: str) -> str:
    """The grand coalition's efficiency, or why it is not reported (NaN: the members gain,
    or lose less than :data:`~blocs.coalitions.settings.MATERIAL_COST_PCT`)."""
    if math.isfinite(eff):
        return f"efficiency {_f(eff)} $ of {target} loss per $ of members' loss"
    return (
        "efficiency not reported (the members' loss is below "
        f"{settings.MATERIAL_COST_PCT:g} % of their expenditure)"
    )


def _first(names: list[str], n: int) -> str:
    return f"{', '.join(names[:n])}{' ...' if len(names) > n else ''}" if names else "none"


def _response_line(res: CoalitionResults) -> str:
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


def _ally_table(title: str, allies: pd.DataFrame, cols: list[tuple[str, str, bool]]) -> None:
    table = new_table(["ally", *((head, "right") for head, _, _ in cols)])
    for _, row in allies.iterrows():
        cells = [_f(row[c], signed=signed) for _, c, signed in cols]
        table.add_row(text(row["ally"]), *cells)
    print_table(title, table)


def _failures(res: CoalitionResults) -> list[str]:
    failed = res.failures + (res.america_first.failures if res.america_first else [])
    if res.credibility is not None and not res.credibility.converged.all():
        failed.append("some betrayal equilibria (p*)")
    return failed


def coalition(
    preset: Annotated[
        str | None,
        typer.Argument(
            help="a built-in question instead of options (allied-front), or a scenario .toml "
            "with a \\[coalition] table"
        ),
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
    set_: SetOpt = None,
    tol: TolOpt = DEFAULT_TOL,
    max_steps: StepsOpt = DEFAULT_MAX_STEPS,
) -> None:
    """Every coalition of allies against a target: leverage, cost, Shapley, stability, p*.

    Examples: blocs coalition allied-front --out results/ --report results/;
    blocs coalition --allies JPN,KOR,EU27 --tariff 0.5 --response mirror
    """
    enable_compile_cache()
    pages: list[Path] = []
    paths: list[Path] = []
    with handle_errors():
        check_solver(tol, max_steps)
        check_outputs(out=out, report=report)
        overrides = parse_sets(set_)
        sc = load(preset, overrides) if preset is not None and _is_file(preset) else None
        spec = coalition_spec(
            preset,
            leader,
            target,
            allies,
            tariff,
            response,
            data,
            america_first,
            punishment,
            scenario=sc,
        )
        model = _model_options(spec, sc, overrides)
        with Progress(
            TextColumn("solving coalitions"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console(),
            transient=True,
        ) as bar:
            task = bar.add_task("solve", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            res = solve_coalitions(
                None,
                spec,
                model,
                chunk_size=chunk_size,
                progress=tick,
                tol=tol,
                max_steps=max_steps,
            )
        failed = _failures(res)
        if not failed:  # a failed run writes nothing
            paths = res.write(out) if out is not None else []
            if report is not None:
                pages = write_coalition_report(res, report)
    _print(res)
    if paths:
        report_written(f"wrote {len(paths)} files into {out}")
    if pages:
        report_written(f"wrote {pages[-1]} and {len(pages) - 1} figures")
    if failed:
        unwritten = " Nothing was written." if out is not None or report is not None else ""
        print_error(
            f"{len(failed)} equilibria did not converge ({_first(failed, 5)}); their rows are "
            f"NaN.{unwritten} Try smaller tariffs or revenue='lump_sum'.",
            code=EXIT_NO_CONVERGENCE,
        )
        raise typer.Exit(EXIT_NO_CONVERGENCE)


#: name -> command function (registered by blocs.cli).
COMMANDS = {"coalition": coalition}
