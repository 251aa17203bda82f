"""The safeguarded 1-D Newton maximisation (blocs.solvers.scalar)."""

from __future__ import annotations

import math

import pytest

from blocs.solvers import ScalarSearch, Status, maximize_step

TOLS = {"x_tol": 1e-12, "g_tol": 1e-15, "max_steps": 50}


def _run(df, d2f, x0, lower, upper, **kw):
    """Drive a search on f with derivatives df, d2f; returns (result, points visited)."""
    s = ScalarSearch.start(x0, lower, upper)
    seen = [s.x]
    while True:
        s, out = maximize_step(s, df(s.x), d2f(s.x), **{**TOLS, **kw})
        if out is not None:
            return out, seen
        assert s.lower <= s.lo <= s.x <= s.hi <= s.upper  # stays in the bracket
        seen.append(s.x)


def test_interior_maximum_by_newton():
    # f = log(1 + x) - x**2 / 2: f' = 1/(1+x) - x, maximum at (sqrt(5) - 1) / 2
    out, seen = _run(lambda x: 1 / (1 + x) - x, lambda x: -1 / (1 + x) ** 2 - 1, 0.1, 0.0, 2.0)
    assert out.converged and out.status == Status.CONVERGED
    assert out.x == pytest.approx((math.sqrt(5) - 1) / 2, abs=1e-12)
    assert out.iterations == len(seen) and out.iterations <= 6  # quadratic convergence


@pytest.mark.parametrize(("slope", "corner"), [(-1.0, 0.0), (1.0, 2.0)])
def test_corner_optima_are_found_by_visiting_the_bound(slope, corner):
    """A linear f: the Newton step is undefined (f'' = 0); the bound f' points at is tried
    next and is the optimum."""
    out, seen = _run(lambda x: slope, lambda x: 0.0, 0.7, 0.0, 2.0)
    assert out.converged and out.x == corner and seen == [0.7, corner]


def test_non_concave_region_bisects():
    """Where f'' >= 0 there is no Newton step: the unexplored bound, then bisection."""
    s = ScalarSearch.start(0.5, 0.0, 2.0)
    s, out = maximize_step(s, 0.2, 0.5, **TOLS)  # f'' > 0: no Newton step
    assert out is None and s.lo == 0.5 and s.lo_seen and s.x == 2.0  # unexplored bound
    s, out = maximize_step(s, -0.3, 0.5, **TOLS)
    assert out is None and s.hi == 2.0 and s.x == pytest.approx(1.25)  # bisection


def test_step_outside_the_bracket_is_replaced():
    s = ScalarSearch.start(1.0, 0.0, 2.0)
    s, _ = maximize_step(s, 1.0, -10.0, **TOLS)  # lo = 1, next 1.1
    s, out = maximize_step(s, -1.0, -0.1, **TOLS)  # Newton: 1.1 - 10 < lo: bisect
    assert out is None and s.x == pytest.approx(1.05)


def test_statuses_max_steps_and_nonfinite():
    s = ScalarSearch.start(0.3, 0.0, 2.0)
    s, out = maximize_step(s, 0.5, -0.01, x_tol=1e-12, g_tol=1e-15, max_steps=1)
    assert out is not None and out.status == Status.MAX_STEPS and not out.converged
    assert out.iterations == 1 and out.x == 0.3 and out.gradient == 0.5
    s = ScalarSearch.start(0.3, 0.0, 2.0)
    s2, out = maximize_step(s, math.nan, -1.0, **TOLS)
    assert out is not None and out.status == Status.NONFINITE and out.iterations == 0
    assert s2 == s


def test_tolerances_end_the_search():
    s = ScalarSearch.start(0.4, 0.0, 2.0)
    _, out = maximize_step(s, 1e-16, -1.0, **TOLS)  # |f'| <= g_tol
    assert out is not None and out.converged and out.x == 0.4
    _, out = maximize_step(s, 1e-13, -1.0, x_tol=1e-12, g_tol=0.0, max_steps=9)  # tiny step
    assert out is not None and out.converged


def test_start_checks_the_interval_and_clips():
    assert ScalarSearch.start(5.0, 0.0, 2.0).x == 2.0
    with pytest.raises(ValueError, match="interval"):
        ScalarSearch.start(0.0, 1.0, 1.0)
