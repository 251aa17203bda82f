"""``blocs optimal``, ``blocs nash``, ``blocs talks``: strategic tariffs on a scenario.

Thin shells over :mod:`blocs.strategy.scenario_games` (one call each). Register them on the main app::

    from blocs.cli_strategy import nash, optimal, talks
    app.command("optimal")(optimal)
    app.command("nash")(nash)
    app.command("talks")(talks)

Exit codes: 0 ok, 2 bad input, 3 no convergence (the partial result is still printed).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from blocs._clitools import enable_compile_cache, fail, fmt_number
from blocs.errors import BlocsError, ConvergenceError, InputError

out_console = Console()
err_console = Console(stderr=True)


class ShapeOpt(StrEnum):
    uniform = "uniform"
    by_partner = "by-partner"
    by_partner_sector = "by-partner-sector"


ScenarioArg = Annotated[
    str,
    typer.Argument(help="built-in name (see `blocs scenarios`) or a path to a scenario .toml file"),
]
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


def _fail(exc: BlocsError) -> None:
    fail(exc)


_f = fmt_number


def _write(out: Path, tables: dict[str, Any], summary: dict[str, Any]) -> list[Path]:
    from blocs.run import atomic_write_text

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder; give a folder path")
    paths = []
    for name, frame in tables.items():
        atomic_write_text(out / name, frame.to_csv(index=False, float_format="%.10g"))
        paths.append(out / name)
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2, default=_json) + "\n")
    paths.append(out / "summary.json")
    return paths


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


def _status(msg: str, status: Any) -> None:
    status.update(msg)


_compile_cache = enable_compile_cache


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
) -> None:
    """A country's or group's welfare-maximising tariffs; everyone else's at the scenario's.

    Example: blocs optimal liberation-day --player USA --shape by-partner
    """
    from blocs.strategy import optimal_for_scenario

    _compile_cache()

    paths: list[Path] = []
    try:
        with err_console.status("optimal tariffs ...", spinner="dots") as st:
            r = optimal_for_scenario(
                scenario,
                player,
                shape=shape.value,
                max_tariff=max_tariff,
                weights=_weights(weights),
                progress=lambda m: _status(m, st),
            )
        table = Table(
            title=f"{r.scenario}: optimal tariffs of {r.player} ({r.shape}, {r.kind})",
            title_justify="left",
        )
        for col in ("partner", "sector", "start %", "optimal %"):
            table.add_column(col, justify="right" if "%" in col else "left")
        inst = r.to_frame()
        shown = inst.reindex(inst["tariff"].sort_values(ascending=False).index).head(25)
        for _, row in shown.iterrows():
            table.add_row(
                str(row["partner"]),
                str(row["sector"]),
                _f(100 * row["start"]),
                _f(100 * row["tariff"]),
            )
        out_console.print(table)
        more = f" (25 of {len(inst)} shown, highest first)" if len(inst) > 25 else ""
        out_console.print(
            f"mean tariff {_f(100 * r.rate)} %; welfare of {r.player} "
            f"{_f(r.welfare_start_pct, 3, True)} % -> {_f(r.welfare_pct, 3, True)} % "
            f"(from the baseline){more}\n[dim]{r.iterations} iterations, projected gradient "
            f"{r.gradient_norm:.1e}, {r.seconds:.1f} s[/]"
        )
        if r.closed_form is not None:
            out_console.print(
                f"closed form of IMLS (2025) on baseline shares: {_f(100 * r.closed_form)} % "
                "[dim](a first-order approximation of the optimum above; exact only with two "
                "countries, fixed labour and balanced trade)[/]"
            )
        if out is not None:
            paths = _write(
                out,
                {"optimal_tariffs.csv": inst, "countries.csv": r.countries},
                r.summary(),
            )
    except BlocsError as exc:
        _fail(exc)
        return
    if paths:
        err_console.print(f"wrote {', '.join(str(p) for p in paths)}")


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
    out: OutOpt = None,
) -> None:
    """A Nash tariff war: every player's tariffs a best response to the others'.

    Example: blocs nash global-tariff-war --players USA,CHN,EU27
    """
    from blocs.strategy import nash_for_scenario

    _compile_cache()

    paths: list[Path] = []
    result: Any = None
    code = 0
    try:
        with err_console.status("Nash tariff war ...", spinner="dots") as st:
            try:
                result = nash_for_scenario(
                    scenario,
                    players,
                    shape=shape.value,
                    max_tariff=max_tariff,
                    verify=verify,
                    progress=lambda m: _status(m, st),
                )
            except ConvergenceError as exc:
                if exc.result is None:
                    raise
                result, code = exc.result, 3
                err_console.print(f"[bold red]no convergence:[/] {exc}", markup=True)
        r = result
        frame = r.to_frame()
        table = Table(
            title=f"{r.scenario}: Nash tariff war of {len(r.players)} players ({r.shape}, "
            f"{r.kind})",
            title_justify="left",
        )
        for col, just in (
            ("player", "left"),
            ("tariff %", "right"),
            ("welfare start %", "right"),
            ("welfare Nash %", "right"),
            ("deviation gain", "right"),
        ):
            table.add_column(col, justify=just)  # type: ignore[arg-type]
        order = np.argsort(-frame["income"].to_numpy(), kind="stable")
        for k in order[:rows]:
            row = frame.iloc[int(k)]
            mark = "" if row["verified"] else "*"
            table.add_row(
                _label(row),
                _f(100 * row["tariff"]),
                _f(row["welfare_start_pct"], 3, True),
                _f(row["welfare_pct"], 3, True),
                f"{row['deviation_gain']:.1e}{mark}",
            )
        out_console.print(table)
        out_console.print(
            f"{r.method}: {r.iterations} iterations, {r.seconds:.1f} s. Certificate: largest "
            f"gain any player could still get by deviating {r.certificate:.1e} of its income"
            f"\n[dim]welfare: % real-income change from the data's baseline; deviation gain: "
            f"fraction of income; * = second-order estimate from the Newton step, others a "
            f"full best response ({', '.join(r.verified) or 'none'})[/]"
        )
        if out is not None:
            paths = _write(
                out,
                {"nash.csv": frame, "instruments.csv": r.instruments, "countries.csv": r.countries},
                r.summary(),
            )
    except BlocsError as exc:
        _fail(exc)
        return
    if paths:
        err_console.print(f"wrote {', '.join(str(p) for p in paths)}")
    if code:
        raise typer.Exit(code)


def _label(row: Any) -> str:
    m = int(row["members"])
    return str(row["player"]) if m == 1 else f"{row['player']} ({m})"


def talks(
    scenario: ScenarioArg,
    players: Annotated[
        str, typer.Option("--players", help="two players, e.g. USA,CHN or USA,EU27")
    ],
    shape: ShapeAnn = ShapeOpt.uniform,
    max_tariff: MaxTariffOpt = 2.0,
    out: OutOpt = None,
) -> None:
    """Trade talks: efficient tariffs and Nash bargaining with the tariff war as threat point.

    Example: blocs talks global-tariff-war --players USA,CHN
    """
    from blocs.strategy import talks_for_scenario

    _compile_cache()

    paths: list[Path] = []
    try:
        with err_console.status("trade talks ...", spinner="dots") as st:
            r = talks_for_scenario(
                scenario,
                players,
                shape=shape.value,
                max_tariff=max_tariff,
                progress=lambda m: _status(m, st),
            )
        table = Table(
            title=f"{r.scenario}: trade talks {r.players[0]} - {r.players[1]} ({r.shape}, "
            f"{r.kind})",
            title_justify="left",
        )
        for col, just in (
            ("outcome", "left"),
            ("player", "left"),
            ("tariff %", "right"),
            ("welfare %", "right"),
            ("vs status quo (pp)", "right"),
            ("vs war (pp)", "right"),
        ):
            table.add_column(col, justify=just)  # type: ignore[arg-type]
        for _, row in r.to_frame().iterrows():
            table.add_row(
                str(row["outcome"]),
                str(row["player"]),
                _f(100 * row["tariff"]),
                _f(row["welfare_pct"], 3, True),
                _f(row["gain_vs_status_quo_pp"], 3, True),
                _f(row["gain_vs_war_pp"], 3, True),
            )
        out_console.print(table)
        out_console.print(
            f"[dim]efficient: maximum of {r.efficient_weights[0]:.3f} W({r.players[0]}) + "
            f"{r.efficient_weights[1]:.3f} W({r.players[1]}) (income weights); war "
            f"certificate {r.war_certificate:.1e}; {r.seconds:.1f} s[/]"
        )
        if out is not None:
            paths = _write(out, {"talks.csv": r.to_frame()}, r.summary())
        if not r.converged:
            raise ConvergenceError(
                "trade talks: an optimisation did not converge (see the table); try a "
                "smaller --max-tariff or another --shape"
            )
    except BlocsError as exc:
        _fail(exc)
        return
    if paths:
        err_console.print(f"wrote {', '.join(str(p) for p in paths)}")
