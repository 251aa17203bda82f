"""Broyden's method and iterative refinement (blocs.solvers.broyden)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocs.solvers import Status, broyden, refine
from blocs.solvers.broyden import BLOCK


def _system(x, a):
    """A smooth 3-unknown system with the root x = (1, 2, 3) when a = 1."""
    return jnp.array(
        [
            x[0] ** 2 + x[1] - 3.0 * a,
            jnp.exp(x[1] - 2.0) + x[2] - 4.0 * a,
            x[0] * x[2] - 3.0 * a,
        ]
    )


ROOT = np.array([1.0, 2.0, 3.0])


def _start(a=1.0, offset=0.05):
    x0 = jnp.asarray(ROOT + offset)
    H0 = jnp.linalg.inv(jax.jacfwd(_system)(x0, a))
    return x0, H0


def test_known_root():
    x0, H0 = _start()
    res, H = broyden(_system, x0, 1.0, H0=H0, tol=1e-13, max_steps=50)
    assert int(res.status) == Status.CONVERGED and bool(res.converged)
    np.testing.assert_allclose(res.x, ROOT, atol=1e-12)
    assert float(res.max_residual) <= 1e-13
    assert 1 <= int(res.iterations) < 50
    # the updated estimate is close to the inverse Jacobian at the root
    J = jax.jacfwd(_system)(res.x, 1.0)
    assert float(jnp.max(jnp.abs(H @ J - jnp.eye(3)))) < 0.1


def _dense_broyden(fn, x, H, steps):
    """Broyden's update written out densely (``H`` rewritten every step)."""
    f = fn(x)
    for _ in range(steps):
        dx = -H @ f
        x = x + dx
        f_new = fn(x)
        Hdf = H @ (f_new - f)
        H = H + jnp.outer(dx - Hdf, dx @ H) / (dx @ Hdf)
        f = f_new
    return x, H


def test_low_rank_updates_equal_the_dense_iteration():
    """Across two blocks of kept-apart updates, the iterates and the final estimate are
    those of the dense rank-one iteration (to rounding)."""
    A = jnp.asarray(np.eye(6) * 3.0 + 0.8 * np.random.default_rng(1).normal(size=(6, 6)))

    def fn(x, _=None):
        return A @ x + 0.3 * jnp.sin(3.0 * x) - 1.0

    x0 = jnp.full(6, 2.0)
    H0 = jnp.eye(6) / 3.0  # a poor estimate: many steps
    res, H = broyden(fn, x0, None, H0=H0, tol=1e-6, max_steps=100)
    steps = int(res.iterations)
    assert BLOCK < steps < 2 * BLOCK and bool(res.converged)
    x_ref, H_ref = _dense_broyden(fn, x0, H0, steps)
    np.testing.assert_allclose(res.x, x_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(H, H_ref, rtol=0, atol=1e-10 * float(jnp.max(jnp.abs(H_ref))))
    assert float(jnp.max(jnp.abs(fn(x_ref)))) <= 1e-6  # the reference converged there too


def test_step_limit_and_nonfinite_statuses():
    x0, H0 = _start(offset=0.3)
    res, _ = broyden(_system, x0, 1.0, H0=H0, tol=1e-13, max_steps=1)
    assert int(res.status) == Status.MAX_STEPS and int(res.iterations) == 1
    assert not bool(res.converged) and float(res.max_residual) > 1e-13
    bad, _ = broyden(lambda x, a: jnp.log(x) - a, jnp.array([-1.0]), 0.0, H0=jnp.eye(1))
    assert int(bad.status) == Status.NONFINITE and np.isinf(float(bad.max_residual))
    assert int(bad.iterations) == 0


def test_vmapped_lanes_stop_independently():
    """Lanes far from their root take more steps; each stops when it converges."""
    offsets = jnp.array([0.0, 1e-3, 0.1])

    def lane(off):
        x0 = jnp.asarray(ROOT) + off
        H0 = jnp.linalg.inv(jax.jacfwd(_system)(x0, 1.0))
        return broyden(_system, x0, 1.0, H0=H0, tol=1e-13, max_steps=50)[0]

    res = jax.jit(jax.vmap(lane))(offsets)
    assert np.all(np.asarray(res.converged))
    its = np.asarray(res.iterations)
    assert its[0] == 0 and its[1] < its[2]
    np.testing.assert_allclose(res.x, np.tile(ROOT, (3, 1)), atol=1e-12)


def test_traced_tolerance_does_not_recompile():
    x0, H0 = _start()
    f = jax.jit(lambda tol: broyden(_system, x0, 1.0, H0=H0, tol=tol, max_steps=50)[0])
    loose, tight = f(jnp.asarray(1e-4)), f(jnp.asarray(1e-13))
    assert int(loose.iterations) < int(tight.iterations)
    assert f._cache_size() == 1


def test_refine_solves_with_an_approximate_inverse():
    rng = np.random.default_rng(0)
    J = jnp.asarray(np.eye(5) * 4.0 + rng.normal(size=(5, 5)))
    H = jnp.linalg.inv(J) + 1e-3 * jnp.asarray(rng.normal(size=(5, 5)))  # inexact
    b = jnp.asarray(rng.normal(size=5))
    v, r = refine(J, H, b)
    np.testing.assert_allclose(J @ v, b, atol=1e-13)
    assert float(r) <= 1e-14
    # a useless "inverse" does not converge: the residual says so
    v, r = refine(J, -jnp.eye(5), b, max_steps=5)
    assert float(r) > 1e-3 or not np.isfinite(float(r))


@pytest.mark.parametrize("scale", [1e-200, 1.0, 1e200])
def test_refine_relative_residual_is_scale_free(scale):
    J = jnp.array([[2.0, 1.0], [0.0, 3.0]])
    v, r = refine(J, jnp.linalg.inv(J), jnp.array([3.0, 3.0]) * scale)
    np.testing.assert_allclose(v / scale, [1.0, 1.0], rtol=1e-14)
    assert float(r) <= 1e-14
