"""The column-structured residual and welfare of a rate (``Model.rate_functions``) against
forward-mode derivatives of the whole residual and welfare (two methods agree)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import blocs
from blocs.models.base import Policy
from blocs.models.imls import IMLS, MODEL

CASES = [
    pytest.param(IMLS(), (0,), id="benchmark-one-column"),
    pytest.param(
        IMLS(revenue="lump_sum", deficits="fixed_ratio", numeraire="wage_index"),
        (3, 40),
        id="lumpsum-ratio-wage-two-columns",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        IMLS(deficits="balanced", pass_through="partial", labour_supply_elasticity=0.5),
        (7,),
        id="balanced-partial",
        marks=pytest.mark.slow,
    ),
]


def _setup(world, options, columns, seed):
    p = MODEL.calibrate(world, options)
    st = MODEL.static(options)
    n = world.n
    rng = np.random.default_rng(seed)
    base = np.asarray(world.t, dtype=float) + 0.1 * rng.random((n, n))
    np.fill_diagonal(base, 0.0)
    lanes = []
    for k in range(3):  # lanes with different rows (members) in the columns
        pos = np.zeros((n, n), dtype=bool)
        rows = rng.choice([i for i in range(n) if i not in columns], size=5 + 7 * k, replace=False)
        pos[np.ix_(rows, columns)] = True
        lanes.append(pos)
    pos = jnp.asarray(np.stack(lanes))
    bases = jnp.asarray(np.stack([base] * 3))
    x = jnp.asarray(0.05 * rng.standard_normal((3, 2 * n)))
    dx = jnp.asarray(rng.standard_normal((3, 2 * n)))
    r = jnp.asarray([0.3, 0.0, 1.2])
    return p, st, bases, pos, x, dx, r


def _whole(p, st, base, pos):
    def fw(x, rate):
        t = jnp.where(pos, rate, base)
        policy = Policy(t=t, d_hat=jnp.ones_like(t))
        return MODEL.residual(x, (p, policy, st)), MODEL.welfare_at(x, p, policy, st)

    return fw


def _derivatives(fw, x, dx, r):
    """Values, d/dr at fixed x, and the first and second derivatives along (dx, 1)."""
    val = fw(x, r)
    d_r = jax.jvp(lambda rate: fw(x, rate), (r,), (jnp.ones_like(r),))[1]

    def along(s):
        return jax.jvp(lambda u: fw(x + u * dx, r + u), (s,), (jnp.ones_like(s),))

    (_, d1), (_, d2) = jax.jvp(along, (jnp.zeros_like(r),), (jnp.ones_like(r),))
    d_rr = jax.jacfwd(jax.jacfwd(lambda rate: fw(x, rate)))(r)  # F_rr, W_rr
    return val, d_r, d1, d2, d_rr


def _close(a, b, tol=1e-12):
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        u, v = np.asarray(u), np.asarray(v)
        scale = max(np.max(np.abs(v)), 1e-300)
        assert np.max(np.abs(u - v)) <= tol * scale, (np.max(np.abs(u - v)), scale)


@pytest.fixture(scope="module")
def world():
    return blocs.load_world2023()


@pytest.mark.parametrize(("options", "columns"), CASES)
def test_structured_derivatives_match_forward_mode(world, options, columns):
    p, st, bases, pos, x, dx, r = _setup(world, options, list(columns), seed=len(columns))

    def lane(kind):
        def one(base, pos_, x_, dx_, r_):
            fw = (
                MODEL.rate_functions(p, st, base, pos_, columns)
                if kind == "structured"
                else _whole(p, st, base, pos_)
            )
            return _derivatives(fw, x_, dx_, r_)

        return jax.jit(jax.vmap(one))(bases, pos, x, dx, r)

    got, want = lane("structured"), lane("whole")
    for g, w in zip(got, want, strict=True):
        _close(g, w)
    # the rate moves the residual: the test is not comparing zeros
    assert float(jnp.max(jnp.abs(want[1][0]))) > 1e-4
    assert float(jnp.max(jnp.abs(want[4][0]))) > 1e-6


def test_not_available_with_roundabout_production(world):
    options = IMLS(input_output="roundabout")
    p = MODEL.calibrate(world, options)
    n = world.n
    t = jnp.zeros((n, n))
    assert MODEL.rate_functions(p, MODEL.static(options), t, t > 0, (0,)) is None
