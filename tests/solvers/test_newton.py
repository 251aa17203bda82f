"""blocs.solvers.newton and the typed result: roots, statuses with reasons, batches, derivatives."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocs.solvers import (
    DEFAULT_MAX_STEPS,
    DEFAULT_TOL,
    SolverResult,
    Status,
    newton,
    status_code,
    status_message,
)


def _square_root(x, a):
    return x**2 - a


def test_finds_a_known_root_to_the_tolerance():
    res = newton(_square_root, jnp.array([1.0, 3.0]), jnp.array([2.0, 9.0]))
    assert isinstance(res, SolverResult)
    np.testing.assert_allclose(res.x, [np.sqrt(2.0), 3.0], rtol=1e-14)
    assert int(res.status) == Status.CONVERGED and bool(res.converged)
    assert float(res.max_residual) <= DEFAULT_TOL
    assert 0 < int(res.iterations) <= DEFAULT_MAX_STEPS


def test_step_limit_is_reported_with_its_reason():
    res = newton(_square_root, jnp.array([100.0]), jnp.array([2.0]), max_steps=2)
    assert int(res.status) == Status.MAX_STEPS and not bool(res.converged)
    assert "max_steps" in status_message(res.status)


def test_a_root_that_does_not_exist_stalls():
    # x^2 + 1 has no real root: the line search cannot decrease |F| at x = 0
    res = newton(lambda x, a: x**2 + a, jnp.array([0.0]), jnp.array([1.0]))
    assert int(res.status) == Status.STALLED
    assert "stalled" in status_message(res.status)


def test_non_finite_equations_are_reported():
    res = newton(lambda x, a: jnp.log(x) - a, jnp.array([-1.0]), jnp.array([0.0]))
    assert int(res.status) == Status.NONFINITE
    assert "non-finite" in status_message(res.status)


def test_status_code_orders_the_reasons():
    inf, small, big = jnp.asarray(jnp.inf), jnp.asarray(1e-14), jnp.asarray(1.0)
    assert int(status_code(inf, 1e-12, jnp.asarray(True))) == Status.NONFINITE
    assert int(status_code(small, 1e-12, jnp.asarray(True))) == Status.CONVERGED
    assert int(status_code(big, 1e-12, jnp.asarray(True))) == Status.STALLED
    assert int(status_code(big, 1e-12, jnp.asarray(False))) == Status.MAX_STEPS


def test_batched_lanes_stop_independently():
    a = jnp.array([2.0, 9.0, 1e6])
    res = jax.vmap(lambda ai: newton(_square_root, jnp.array([1.0]), ai[None]))(a)
    np.testing.assert_allclose(res.x[:, 0], np.sqrt(a), rtol=1e-13)
    assert (np.asarray(res.status) == Status.CONVERGED).all()
    # each lane takes the steps it takes alone (a lane that converged stops moving)
    alone = [int(newton(_square_root, jnp.array([1.0]), ai[None]).iterations) for ai in a]
    np.testing.assert_array_equal(np.asarray(res.iterations), alone)
    assert len(set(alone)) > 1  # (a = 9 lands on the root in one damped step)


def test_implicit_derivative_matches_the_analytic_one():
    def root(a):
        return newton(_square_root, jnp.array([1.0]), a[None]).x[0]

    for a in (2.0, 5.0):
        assert float(jax.grad(root)(a)) == pytest.approx(0.5 / np.sqrt(a), rel=1e-12)
        # and the derivative of the derivative (Hessian-vector products go through too)
        assert float(jax.grad(jax.grad(root))(a)) == pytest.approx(-0.25 * a**-1.5, rel=1e-10)


def _numpy_damped_newton(F, J, x, tol, max_steps):
    """The algorithm newton documents, step by step in NumPy (independent re-computation):
    Newton step, halvings until ||F||_2 decreases by the Armijo factor (30 at most)."""
    f, k = F(x), 0
    while np.max(np.abs(f)) > tol and k < max_steps:
        dx = np.linalg.solve(J(x), -f)
        n0, alpha, j = np.linalg.norm(f), 1.0, 0
        f_new = F(x + dx)
        while np.linalg.norm(f_new) > (1.0 - 1e-4 * alpha) * n0 and j < 30:
            alpha, j = 0.5 * alpha, j + 1
            f_new = F(x + alpha * dx)
        x, f, k = x + alpha * dx, f_new, k + 1
    return x, k


def test_damped_steps_match_a_step_by_step_recomputation():
    # arctan: full Newton steps from x0 = 3 diverge, so the line search must halve them
    a = np.array([0.5, -0.2])

    def F(x):
        return np.array([np.arctan(x[0]) - a[0], np.arctan(x[1]) + 0.1 * x[0] - a[1]])

    def J(x):
        return np.array([[1 / (1 + x[0] ** 2), 0.0], [0.1, 1 / (1 + x[1] ** 2)]])

    def fn(x, a):
        return jnp.stack([jnp.arctan(x[0]) - a[0], jnp.arctan(x[1]) + 0.1 * x[0] - a[1]])

    x0 = np.array([3.0, -4.0])
    x_ref, k_ref = _numpy_damped_newton(F, J, x0, DEFAULT_TOL, DEFAULT_MAX_STEPS)
    res = newton(fn, jnp.asarray(x0), jnp.asarray(a))
    assert int(res.status) == Status.CONVERGED
    assert int(res.iterations) == k_ref
    np.testing.assert_allclose(res.x, x_ref, rtol=1e-13)
    # with the Jacobian supplied (one evaluation per trial point): the same steps
    res = newton(fn, jnp.asarray(x0), jnp.asarray(a), jacobian=_with_jacobian(fn))
    assert int(res.status) == Status.CONVERGED
    assert int(res.iterations) == k_ref
    np.testing.assert_allclose(res.x, x_ref, rtol=1e-13)


def _with_jacobian(fn):
    """``(x, args) -> (fn(x, args), dfn/dx)`` (reverse mode: another method than newton's)."""
    return lambda x, args: (fn(x, args), jax.jacrev(fn)(x, args))


@pytest.mark.parametrize("jacobian", [None, _with_jacobian(_square_root)])
def test_statuses_are_the_same_with_a_supplied_jacobian(jacobian):
    res = newton(_square_root, jnp.array([100.0]), jnp.array([2.0]), max_steps=2, jacobian=jacobian)
    assert int(res.status) == Status.MAX_STEPS and int(res.iterations) == 2
    grow = _with_jacobian(lambda x, a: x**2 + a) if jacobian else None
    res = newton(lambda x, a: x**2 + a, jnp.array([0.0]), jnp.array([1.0]), jacobian=grow)
    assert int(res.status) == Status.STALLED
    log = _with_jacobian(lambda x, a: jnp.log(x) - a) if jacobian else None
    res = newton(lambda x, a: jnp.log(x) - a, jnp.array([-1.0]), jnp.array([0.0]), jacobian=log)
    assert int(res.status) == Status.NONFINITE
    x0 = jnp.array([1.0, 5.0])
    res = newton(_square_root, x0, jnp.array([2.0, 9.0]), max_steps=0, jacobian=jacobian)
    assert int(res.iterations) == 0 and int(res.status) == Status.MAX_STEPS
    assert float(res.max_residual) == 16.0
    x0 = jnp.array([3.0, 2.0])
    res = newton(_square_root, x0, jnp.array([9.0, 4.0]), jacobian=jacobian)
    assert int(res.iterations) == 0 and int(res.status) == Status.CONVERGED
    np.testing.assert_array_equal(res.x, x0)


def test_a_supplied_jacobian_keeps_batches_and_derivatives():
    a = jnp.array([2.0, 9.0, 1e6])
    jac = _with_jacobian(_square_root)
    res = jax.vmap(lambda ai: newton(_square_root, jnp.array([1.0]), ai[None], jacobian=jac))(a)
    np.testing.assert_allclose(res.x[:, 0], np.sqrt(a), rtol=1e-13)
    alone = [int(newton(_square_root, jnp.array([1.0]), ai[None]).iterations) for ai in a]
    np.testing.assert_array_equal(np.asarray(res.iterations), alone)

    def root(a):
        return newton(_square_root, jnp.array([1.0]), a[None], jacobian=jac).x[0]

    assert float(jax.grad(root)(2.0)) == pytest.approx(0.5 / np.sqrt(2.0), rel=1e-12)


def test_a_start_at_the_root_takes_no_step():
    x0 = jnp.array([3.0, 2.0])
    res = newton(_square_root, x0, jnp.array([9.0, 4.0]))
    assert int(res.iterations) == 0 and int(res.status) == Status.CONVERGED
    np.testing.assert_array_equal(res.x, x0)
    assert float(res.max_residual) == 0.0


def test_no_steps_allowed_returns_the_start_and_its_residual():
    x0 = jnp.array([1.0, 5.0])
    res = newton(_square_root, x0, jnp.array([2.0, 9.0]), max_steps=0)
    assert int(res.iterations) == 0 and int(res.status) == Status.MAX_STEPS
    np.testing.assert_array_equal(res.x, x0)
    assert float(res.max_residual) == 16.0  # |5^2 - 9|
