"""blocs.solvers.fixed_point: fixed points of contractions and Neumann linear solves."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocs.solvers import (
    FIXED_POINT_TOL,
    fixed_point,
    fixed_point_root,
    linear_solve,
    neumann,
)

#: A contraction: spectral radius 0.6.
M = jnp.array([[0.5, 0.1, 0.0], [0.2, 0.3, 0.1], [0.0, 0.2, 0.4]])
B = jnp.array([1.0, -2.0, 0.5])
#: Agreement with a direct (LU) solve.
SOLVE_TOL = 1e-13
#: Autodiff against an analytic derivative.
GRAD_TOL = 1e-12


def test_fixed_point_of_cos_and_its_stopping_rule():
    x = fixed_point(lambda x: x - jnp.cos(x), jnp.array([1.0, 0.0]), max_iter=500)
    np.testing.assert_allclose(np.asarray(x), 0.7390851332151607, atol=1e-14)
    assert FIXED_POINT_TOL == 1e-15
    # the step cap stops it early: three steps from 1 are far from the fixed point
    x3 = fixed_point(lambda x: x - jnp.cos(x), jnp.array([1.0]), max_iter=3)
    assert abs(float(x3[0]) - 0.7390851332151607) > 1e-3
    # a loose tolerance stops it early too
    xl = fixed_point(lambda x: x - jnp.cos(x), jnp.array([1.0]), max_iter=500, tol=1e-3)
    assert 1e-12 < abs(float(xl[0]) - 0.7390851332151607) < 1e-2


def test_neumann_matches_a_direct_solve():
    x = neumann(lambda x: x - M @ x, B, max_iter=1000)
    ref = jnp.linalg.solve(jnp.eye(3) - M, B)
    np.testing.assert_allclose(np.asarray(x), np.asarray(ref), atol=SOLVE_TOL)


def test_linear_solve_derivatives_are_those_of_the_solution():
    def via_neumann(b, m):
        return jnp.sum(linear_solve(lambda x: x - m @ x, b, max_iter=1000) ** 2)

    def via_lu(b, m):
        return jnp.sum(jnp.linalg.solve(jnp.eye(3) - m, b) ** 2)

    g1 = jax.grad(via_neumann, argnums=(0, 1))(B, M)
    g2 = jax.grad(via_lu, argnums=(0, 1))(B, M)
    for a, b in zip(g1, g2, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-11)
    # forward mode too
    j1 = jax.jacfwd(lambda b: linear_solve(lambda x: x - M @ x, b, max_iter=1000))(B)
    np.testing.assert_allclose(np.asarray(j1), np.linalg.inv(np.eye(3) - np.asarray(M)), atol=1e-12)


def test_fixed_point_root_implicit_derivative():
    def root(a):
        return fixed_point_root(lambda x: a * jnp.cos(x), jnp.zeros(()), max_iter=500)

    a = 0.5
    x = root(a)
    assert abs(float(x - a * jnp.cos(x))) < 1e-15
    # x = a cos x  =>  dx/da = cos x / (1 + a sin x)
    expected = jnp.cos(x) / (1.0 + a * jnp.sin(x))
    assert float(jax.grad(root)(a)) == pytest.approx(float(expected), abs=GRAD_TOL)
    assert float(jax.jacfwd(root)(a)) == pytest.approx(float(expected), abs=GRAD_TOL)


def test_jit_and_vmap():
    solve = jax.jit(jax.vmap(lambda b: linear_solve(lambda x: x - M @ x, b, max_iter=1000)))
    bs = jnp.stack([B, 2.0 * B, jnp.zeros(3)])
    out = solve(bs)
    ref = jnp.linalg.solve(jnp.eye(3) - M, bs.T).T
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), atol=SOLVE_TOL)
