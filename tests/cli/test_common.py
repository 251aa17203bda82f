"""The shared CLI helpers (blocs.cli.common): the number formatter, ``--set`` parsing and its
errors, exit codes, user text printed literally, unwrapped errors and full-width tables.

Every printed-text test runs with ``COLUMNS`` unset, 40 and 300 (issue 12, item 15).
"""

from __future__ import annotations

import math

import pytest
import typer
from rich.table import Table
from rich.text import Text
from typer.testing import CliRunner

from blocs.cli import COMMAND_MODULES, COMMANDS, app
from blocs.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_NO_CONVERGENCE,
    check_solver,
    clean,
    exit_code,
    fmt_number,
    handle_errors,
    new_table,
    parse_rows,
    parse_sets,
    parse_value,
    print_error,
    print_table,
    text,
)
from blocs.errors import ConvergenceError, InputError, ScenarioError

runner = CliRunner()


@pytest.fixture(params=[None, "40", "300"], ids=["COLUMNS-unset", "COLUMNS-40", "COLUMNS-300"])
def columns(request, monkeypatch):
    if request.param is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", request.param)
    return request.param


# ----------------------------------------------------------------------------------------
# the number formatter


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (1.1349, {}, "1.13"),
        (-0.004, {}, "-0.00"),
        (2, {"digits": 0}, "2"),
        (0.5, {"digits": 1, "signed": True}, "+0.5"),
        (-0.5, {"digits": 3, "signed": True}, "-0.500"),
        (3.2e-13, {"digits": 1, "sci": True}, "3.2e-13"),
        (float("nan"), {}, "–"),
        (float("inf"), {"signed": True}, "–"),
        (-math.inf, {"sci": True}, "–"),
        ("USA", {}, "USA"),
        (None, {}, "None"),
    ],
)
def test_fmt_number(value, kwargs, expected):
    assert fmt_number(value, **kwargs) == expected


def test_fmt_number_numpy_scalars():
    np = pytest.importorskip("numpy")
    assert fmt_number(np.float32(1.5), 1) == "1.5"
    assert fmt_number(np.float64("nan")) == "–"


# ----------------------------------------------------------------------------------------
# --set KEY=VALUE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8", 8),
        ("-3", -3),
        ("0.25", 0.25),
        ("1e-3", 1e-3),
        ("true", True),
        ("False", False),
        ("lump_sum", "lump_sum"),
        (" none ", "none"),
    ],
)
def test_parse_value(raw, expected):
    value = parse_value(raw)
    assert value == expected and type(value) is type(expected)


def test_parse_sets():
    assert parse_sets(None) == {}
    assert parse_sets(["trade_elasticity=8", " revenue = lump_sum", "flag=true"]) == {
        "trade_elasticity": 8,
        "revenue": "lump_sum",
        "flag": True,
    }
    assert parse_sets(["note=a=b"]) == {"note": "a=b"}  # the first '=' splits


@pytest.mark.parametrize(
    ("items", "names"),
    [
        (["trade_elasticity"], ["--set", "trade_elasticity", "KEY=VALUE"]),
        (["=8"], ["--set", "KEY=VALUE"]),
        (["psi="], ["--set psi", "no value"]),
        (["psi=NaN"], ["--set psi=NaN", "not a finite number"]),
        (["psi=inf"], ["--set psi=inf", "not a finite number"]),
        (["psi=1", "psi=2"], ["--set psi", "given twice"]),
    ],
)
def test_parse_sets_errors_name_the_flag_and_the_key(items, names):
    with pytest.raises(InputError) as err:
        parse_sets(items)
    assert all(n in str(err.value) for n in names), str(err.value)


def test_check_solver():
    check_solver(1e-12, 60)
    check_solver(1e-4, 1)
    for tol in (1.0, 0.0, -1.0, math.nan, math.inf):
        with pytest.raises(InputError, match="--tol"):
            check_solver(tol, 60)
    for steps in (0, -3):
        with pytest.raises(InputError, match="--max-steps"):
            check_solver(1e-12, steps)


def test_parse_rows():
    assert parse_rows(None) is None and parse_rows(" , ") is None
    assert parse_rows("USA, CHN,,EU27") == ("USA", "CHN", "EU27")


# ----------------------------------------------------------------------------------------
# exit codes and the error handler


def _app(exc: Exception | None) -> typer.Typer:
    a = typer.Typer()

    @a.command()
    def go() -> None:
        with handle_errors():
            if exc is not None:
                raise exc
        print("done")

    @a.command()
    def other() -> None:  # a second command keeps `go` a sub-command
        pass

    return a


def test_exit_codes(columns):
    assert exit_code(InputError("x")) == EXIT_BAD_INPUT == 2
    assert exit_code(ScenarioError("x")) == 2
    assert exit_code(ConvergenceError("x")) == EXIT_NO_CONVERGENCE == 3
    assert runner.invoke(_app(None), ["go"]).exit_code == 0
    res = runner.invoke(_app(InputError("bad key 'x'")), ["go"])
    assert res.exit_code == 2 and "error: bad key 'x'" in res.stderr
    res = runner.invoke(_app(ConvergenceError("did not converge")), ["go"])
    assert res.exit_code == 3 and "no convergence: did not converge" in res.stderr


def test_errors_are_never_wrapped_nor_markup(columns):
    long = "a/very/long/path/" * 12 + "x.toml, tariffs[0].rate: [bold]not markup[/] " + "y" * 90
    res = runner.invoke(_app(InputError(long)), ["go"])
    assert res.exit_code == 2
    assert f"error: {long}\n" in res.stderr  # one line, literally


def test_print_error_strips_control_sequences(capsys, columns):
    print_error("bad \x1b[31mred\x1b[0m name\x07", code=3)
    err = capsys.readouterr().err
    assert err == "no convergence: bad red name\n"


# ----------------------------------------------------------------------------------------
# user text and tables


def test_clean_and_text():
    assert clean("a\x1b[1;31mb\x1b[0mc") == "abc"
    assert clean("title\x1b]0;owned\x07!") == "title!"
    assert clean("tab\tnew\nline\x00\x7f\x9b") == "tab\tnew\nline"
    t = text("tariffs[/] [bold]x")
    assert isinstance(t, Text) and t.plain == "tariffs[/] [bold]x"


def test_tables_print_user_text_literally_and_in_full(capsys, columns):
    title = "tariffs[/] [bold]x \x1b[31m" + "long title " * 20
    table = new_table(["name", ("value", "right")])
    long_cell = "description " * 30
    table.add_row(text("[red]EU27[/]"), text(long_cell.strip()))
    print_table(title, table)
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "tariffs[/] [bold]x " + "long title " * 19 + "long title" in out  # one line
    assert "[red]EU27[/]" in out
    assert long_cell.strip() in out  # not wrapped: stdout is not a terminal
    assert isinstance(table, Table)


# ----------------------------------------------------------------------------------------
# the commands

SOLVING = {
    "run": ["liberation-day"],
    "compare": ["liberation-day", "liberation-day"],
    "coalition": ["--allies", "JPN"],
    "optimal": ["liberation-day", "--player", "USA"],
    "nash": ["liberation-day"],
    "talks": ["liberation-day", "--players", "USA,CHN"],
    "gradient": ["liberation-day"],
    "sweep": ["liberation-day"],
}


def test_every_command_module_is_registered():
    names = set(COMMANDS)  # registered lazily (blocs.cli.LazyCommands)
    expected = {name for m in COMMAND_MODULES for name in m.COMMANDS}
    assert names == expected and set(SOLVING) <= names


@pytest.mark.parametrize("command", sorted(SOLVING))
def test_set_on_every_solving_command(command, columns):
    """``--set`` is parsed before anything is solved: errors exit 2 naming flag and key."""
    args = [command, *SOLVING[command]]
    res = runner.invoke(app, [*args, "--set", "psi=NaN"])
    assert res.exit_code == 2, res.output
    assert "error: --set psi=NaN: 'NaN' is not a finite number" in res.stderr
    res = runner.invoke(app, [*args, "--set", "trade_elastcity=8"])
    assert res.exit_code == 2, res.output
    assert "--set trade_elastcity=8:" in res.stderr and "model.trade_elastcity" in res.stderr


@pytest.mark.parametrize("command", ["run", "compare", "coalition", "sweep"])
def test_solver_settings_are_range_checked(command, columns):
    args = [command, *SOLVING[command]]
    for flag, value in (("--tol", "1"), ("--tol", "nan"), ("--tol", "-1"), ("--max-steps", "-3")):
        res = runner.invoke(app, [*args, flag, value])
        assert res.exit_code == 2, (flag, value, res.output)
        assert f"error: {flag} " in res.stderr
