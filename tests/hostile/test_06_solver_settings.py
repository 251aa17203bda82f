"""Item 6: solver settings are range-checked in the library (tolerance in (0, 1e-4], steps
>= 1): out of range is bad input (exit 2), never a "converged in 0 steps" table."""

from __future__ import annotations

import math

import pytest

from blocs.errors import InputError
from blocs.run import run_scenario
from blocs.solvers import MAX_TOL, check_solver_settings


@pytest.mark.parametrize("tol", [1.0, -1.0, 0.0, math.nan, math.inf, 2 * MAX_TOL])
def test_bad_tolerance(tol):
    with pytest.raises(InputError, match="tolerance"):
        run_scenario("liberation-day", tol=tol)


@pytest.mark.parametrize("steps", [0, -3, 2.5])
def test_bad_steps(steps):
    with pytest.raises(InputError, match="max_steps"):
        run_scenario("liberation-day", max_steps=steps)


def test_good_settings_pass():
    check_solver_settings(1e-10, 1)
    check_solver_settings(MAX_TOL, 100)


def test_library_messages_name_no_flag():
    with pytest.raises(InputError) as err:
        check_solver_settings(1.0, 60)
    assert "--" not in str(err.value)


@pytest.mark.parametrize(
    "args", [("--tol", "1"), ("--tol", "-1"), ("--tol", "nan"), ("--max-steps", "-3")]
)
def test_cli_exit_2(cli, args):
    code, out = cli("run", "liberation-day", *args)
    assert code == 2, out
    assert "Traceback" not in out
