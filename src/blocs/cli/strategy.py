"""``blocs optimal``, ``blocs nash``, ``blocs talks``: strategic tariffs on a scenario.

One call each to :mod:`blocs.strategy`. Exit codes: 0 ok, 2 bad input, 3 no
convergence (the partial result is still printed).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from blocs.cli.common import (
    EXIT_NO_CONVERGENCE,
    ScenarioArg,
    SetOpt,
    check_outputs,
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
)
from blocs.errors import ConvergenceError, InputError
from blocs.io import FileContent, write_folder
from blocs.strategy import nash_for_scenario, optimal_for_scenario, talks_for_scenario

__all__ = ["COMMANDS", "nash", "optimal", "talks"]

_f = fmt_number


class ShapeOpt(StrEnum):
    uniform = "uniform"
    by_partner = "by-partner"
    by_partner_sector = "by-partner-sector"


class MethodOpt(StrEnum):
    auto = "auto"
    newton = "newton"
    best_response = "best-response"
    formula = "formula"


ShapeAnn = Annotated[
    ShapeOpt,
    typer.Option(
        "--shape",
        help="instruments: one rate (uniform), one per partner, or per partner and sector "
        "(multi-sector data only)",
    ),
]
MaxTariffOpt = Annotated[
    float, typer.Option("--max-tariff", help="upper bound of every tariff (2.0 = 200 %)")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="write the tables (CSV) and a summary (JSON) here")
]


def _write(out: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any]) -> list[Path]:
    """The tables (CSV) and ``summary.json`` as the folder ``out``, replaced whole in one
    step (:func:`blocs.io.write_folder`: complete or absent)."""
    files: dict[str, FileContent] = {
        name: frame.to_csv(index=False, float_format="%.10g") for name, frame in tables.items()
    }
    files["summary.json"] = json.dumps(summary, indent=2, default=_json) + "\n"
    return write_folder(out, files)


def _json(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


def _weights(raw: str | None) -> dict[str, float] | None:
    if not raw:
        return None
    out: dict[str, float] = {}
    for item in raw.split(","):
        if "=" not in item:
            raise InputError(f"--weights {item!r}: expected CODE=WEIGHT, e.g. DEU=2,FRA=1")
        code, value = item.split("=", 1)
        try:
            out[code.strip().upper()] = float(value)
        except ValueError:
            raise InputError(f"--weights {item!r}: {value!r} is not a number") from None
    return out


def _label(row: Any) -> str:
    m = int(row["members"])
    return str(row["player"]) if m == 1 else f"{row['player']} ({m})"


def optimal(
    scenario: ScenarioArg,
    player: Annotated[
        str, typer.Option("--player", help="a country code or group (EU27) acting as one player")
    ],
    shape: ShapeAnn = ShapeOpt.uniform,
    max_tariff: MaxTariffOpt = 2.0,
    weights: Annotated[
        str | None,
        typer.Option("--weights", help="group member weights CODE=W,... (default: income)"),
    ] = None,
    out: OutOpt = None,
    set_: SetOpt = None,
) -> None:
    """A country's or group's welfare-maximising tariffs; everyone else's at the scenario's.

    Example: blocs optimal liberation-day --player USA --shape by-partner
    """
    # the persistent cache is on (BLOCS_CACHE_DIR=off disables it): docs/performance.md,
    # "Long batches", on the abort that once kept it off
    enable_compile_cache()
    paths: list[Path] = []
    with handle_errors():
        check_outputs(out=out)
        sc = load(scenario, parse_sets(set_))
        with err_console().status("optimal tariffs ...", spinner="dots") as st:
            r = optimal_for_scenario(
                sc,
                player,
                shape=shape.value,
                max_tariff=max_tariff,
                weights=_weights(weights),
                progress=lambda m: st.update(text(m)),
            )
        table = new_table(
            [
                ("partner", "left"),
                ("sector", "left"),
                ("scenario (mean) %", "right"),
                ("optimal %", "right"),
            ],
            first_bold=False,
        )
        inst = r.to_frame()
        shown = inst.reindex(inst["tariff"].sort_values(ascending=False).index).head(25)
        for _, row in shown.iterrows():
            table.add_row(
                text(row["partner"]),
                text(row["sector"]),
                _f(100 * row["start"]),
                _f(100 * row["tariff"]),
            )
        print_table(f"{r.scenario}: optimal tariffs of {r.player} ({r.shape}, {r.kind})", table)
        more = f" (25 of {len(inst)} shown, highest first)" if len(inst) > 25 else ""
        say(
            f"mean tariff {_f(100 * r.rate)} %; welfare of {r.player} (from the baseline): "
            f"{_f(r.welfare_start_pct, 3, signed=True)} % at the scenario's tariffs (as "
            f"`blocs run`), {_f(r.welfare_pct, 3, signed=True)} % at the optimum{more}"
        )
        note(
            f"{r.iterations} iterations, projected gradient "
            f"{_f(r.gradient_norm, 1, sci=True)}, {_f(r.seconds, 1)} s"
        )
        if r.closed_form is not None:
            say(
                f"closed form of IMLS (2025) on baseline shares: {_f(100 * r.closed_form)} % "
                "(a first-order approximation of the optimum above; exact only with two "
                "countries, fixed labour and balanced trade)"
            )
        if out is not None:
            tables = {"optimal_tariffs.csv": inst, "countries.csv": r.countries}
            paths = _write(out, tables, r.summary())
    if paths:
        report_written(paths)


def nash(
    scenario: ScenarioArg,
    players: Annotated[
        str | None,
        typer.Option("--players", help="comma-separated codes or groups (default: every country)"),
    ] = None,
    shape: ShapeAnn = ShapeOpt.uniform,
    max_tariff: MaxTariffOpt = 2.0,
    verify: Annotated[
        int,
        typer.Option(help="check this many of the largest players by full best responses"),
    ] = 3,
    rows: Annotated[int, typer.Option(help="players printed (largest income first)")] = 20,
    method: Annotated[
        MethodOpt,
        typer.Option(
            "--method",
            help="auto/newton/best-response: the exact equilibrium; formula: every country "
            "imposes the optimal-tariff formula (Lashkaripour 2021, tariffwar)",
        ),
    ] = MethodOpt.auto,
    out: OutOpt = None,
    set_: SetOpt = None,
) -> None:
    """A Nash tariff war: every player's tariffs a best response to the others'.

    Example: blocs nash global-tariff-war --players USA,CHN,EU27
    """
    # the persistent cache is on (BLOCS_CACHE_DIR=off disables it): docs/performance.md,
    # "Long batches", on the abort that once kept it off
    enable_compile_cache()
    paths: list[Path] = []
    code = 0
    r: Any
    with handle_errors():
        check_outputs(out=out)
        sc = load(scenario, parse_sets(set_))
        with err_console().status("Nash tariff war ...", spinner="dots") as st:
            try:
                r = nash_for_scenario(
                    sc,
                    players,
                    shape=shape.value,
                    max_tariff=max_tariff,
                    verify=verify,
                    method=method.value,
                    progress=lambda m: st.update(text(m)),
                )
            except ConvergenceError as exc:
                if exc.result is None:
                    raise
                r, code = exc.result, EXIT_NO_CONVERGENCE
                print_error(exc, code=code)
        frame = r.to_frame()
        table = new_table(
            [
                "player",
                ("tariff %", "right"),
                ("welfare start %", "right"),
                ("welfare Nash %", "right"),
                ("deviation gain", "right"),
            ]
        )
        order = np.argsort(-frame["income"].to_numpy(), kind="stable")
        for k in order[:rows]:
            row = frame.iloc[int(k)]
            mark = "" if row["verified"] else "*"
            table.add_row(
                text(_label(row)),
                _f(100 * row["tariff"]),
                _f(row["welfare_start_pct"], 3, signed=True),
                _f(row["welfare_pct"], 3, signed=True),
                _f(row["deviation_gain"], 1, sci=True) + mark,
            )
        title = f"{r.scenario}: Nash tariff war of {len(r.players)} players ({r.shape}, {r.kind})"
        print_table(title, table)
        say(
            f"{r.method}: {r.iterations} iterations, {_f(r.seconds, 1)} s. Certificate: largest "
            f"gain any player could still get by deviating {_f(r.certificate, 1, sci=True)} of "
            "its income"
        )
        note(
            "welfare: % real-income change from the data's baseline; deviation gain: "
            "fraction of income; * = second-order estimate from the Newton step, others a "
            f"full best response ({', '.join(r.verified) or 'none'})"
        )
        if out is not None:
            tables = {
                "nash.csv": frame,
                "instruments.csv": r.instruments,
                "countries.csv": r.countries,
            }
            paths = _write(out, tables, r.summary())
    if paths:
        report_written(paths)
    if code:
        raise typer.Exit(code)


def talks(
    scenario: ScenarioArg,
    players: Annotated[
        str, typer.Option("--players", help="two players, e.g. USA,CHN or USA,EU27")
    ],
    shape: ShapeAnn = ShapeOpt.uniform,
    max_tariff: MaxTariffOpt = 2.0,
    out: OutOpt = None,
    set_: SetOpt = None,
) -> None:
    """Trade talks: efficient tariffs and Nash bargaining with the tariff war as threat point.

    Example: blocs talks global-tariff-war --players USA,CHN
    """
    # the persistent cache is on (BLOCS_CACHE_DIR=off disables it): docs/performance.md,
    # "Long batches", on the abort that once kept it off
    enable_compile_cache()
    paths: list[Path] = []
    with handle_errors():
        check_outputs(out=out)
        sc = load(scenario, parse_sets(set_))
        with err_console().status("trade talks ...", spinner="dots") as st:
            r = talks_for_scenario(
                sc,
                players,
                shape=shape.value,
                max_tariff=max_tariff,
                progress=lambda m: st.update(text(m)),
            )
        table = new_table(
            [
                "outcome",
                "player",
                ("tariff %", "right"),
                ("welfare %", "right"),
                ("vs status quo (pp)", "right"),
                ("vs war (pp)", "right"),
            ],
            first_bold=False,
        )
        for _, row in r.to_frame().iterrows():
            table.add_row(
                text(row["outcome"]),
                text(row["player"]),
                _f(100 * row["tariff"]),
                _f(row["welfare_pct"], 3, signed=True),
                _f(row["gain_vs_status_quo_pp"], 3, signed=True),
                _f(row["gain_vs_war_pp"], 3, signed=True),
            )
        a, b = r.players
        print_table(f"{r.scenario}: trade talks {a} - {b} ({r.shape}, {r.kind})", table)
        wa, wb = r.efficient_weights
        note(
            f"efficient: maximum of {_f(wa, 3)} W({a}) + {_f(wb, 3)} W({b}) (income weights); "
            f"war certificate {_f(r.war_certificate, 1, sci=True)}; {_f(r.seconds, 1)} s"
        )
        if out is not None:
            paths = _write(out, {"talks.csv": r.to_frame()}, r.summary())
        if not r.converged:
            raise ConvergenceError(
                "trade talks: an optimisation did not converge (see the table); try a "
                "smaller --max-tariff or another --shape"
            )
    if paths:
        report_written(paths)


#: name -> command function (registered by blocs.cli).
COMMANDS = {"optimal": optimal, "nash": nash, "talks": talks}
