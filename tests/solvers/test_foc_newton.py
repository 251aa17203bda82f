"""blocs.solvers.foc_newton: Newton on stacked first-order conditions with bounds."""

from __future__ import annotations

import numpy as np
import pytest

import blocs
from blocs.solvers import FocResult, Status, foc_newton

#: A linear-quadratic game: U_p = -(x_p - b_p - c sum_{q != p} x_q)^2 / 2, so
#: g_p = -(x_p - b_p - c sum_{q != p} x_q) and J = -(I - c (1 - I)).
C = 0.3


def _game(b: np.ndarray):
    P = b.size
    J = -(np.eye(P) - C * (1.0 - np.eye(P)))

    def gradient(x):
        g = -(x - b - C * (x.sum() - x))
        return -0.5 * g**2 - 1.0, g

    def system(x):
        u, g = gradient(x)
        return u, g, J

    return system, gradient, J


def test_interior_equilibrium_solves_the_linear_system():
    b = np.array([0.1, 0.2, 0.05])
    system, gradient, J = _game(b)
    r = foc_newton(system, gradient, np.zeros(3), np.zeros(3), np.full(3, 10.0), max_step=10.0)
    assert isinstance(r, FocResult) and r.converged and r.status == Status.CONVERGED
    np.testing.assert_allclose(r.x, np.linalg.solve(-J, b), atol=1e-12)
    assert r.max_residual < 1e-9 and np.all(r.gains < 1e-15)


def test_bounds_hold_an_agent_and_broyden_matches_exact():
    b = np.array([0.1, -0.5, 0.2])  # agent 1 wants a negative x: held at 0
    system, gradient, _ = _game(b)
    kw = dict(lower=np.zeros(3), upper=np.full(3, 10.0), max_step=0.05)
    br = foc_newton(system, gradient, np.full(3, 0.2), **kw)
    ex = foc_newton(system, gradient, np.full(3, 0.2), jacobian="exact", **kw)
    assert br.converged and ex.converged
    assert br.x[1] == 0.0 and br.gains[1] == 0.0
    np.testing.assert_allclose(br.x, ex.x, atol=1e-10)
    assert ex.exact_jacobians == ex.iterations


def test_failures_are_values():
    b = np.array([0.1, 0.2])
    system, gradient, _ = _game(b)
    few = foc_newton(system, gradient, np.zeros(2), np.zeros(2), np.ones(2), max_iter=1,
                     max_step=1e-3)  # fmt: skip
    assert not few.converged and few.status == Status.MAX_STEPS and few.iterations == 1

    def bad(x):
        return np.full(2, np.nan), np.full(2, np.nan), np.eye(2)

    nf = foc_newton(bad, lambda x: bad(x)[:2], np.zeros(2), np.zeros(2), np.ones(2))
    assert nf.status == Status.NONFINITE and not nf.converged
    with pytest.raises(blocs.InputError, match="broyden"):
        foc_newton(system, gradient, np.zeros(2), np.zeros(2), np.ones(2), jacobian="x")  # type: ignore[arg-type]
