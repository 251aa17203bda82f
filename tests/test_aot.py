"""Ahead-of-time exported solves (issue 13, item 2; blocs.models.imls.aot): the same numbers
as the jitted solve, kept in a folder and read back, never used on traced arguments."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import blocs
from blocs.models.base import Policy
from blocs.models.imls import IMLS, aot, calibrate
from blocs.models.imls.equations import Static
from blocs.models.imls.solve import solve_jit, solve_program


@pytest.fixture
def programs(tmp_path):
    aot.use_exported_programs(tmp_path)
    yield tmp_path
    aot.use_exported_programs(None)


def _double(x, y):
    return {"sum": (x + y).sum(), "pair": (x * 2.0, y)}


def test_off_by_default_and_on_traced_arguments(programs):
    aot.use_exported_programs(None)
    assert aot.call("double", _double, (np.ones(3), np.ones(3)), ()) is None
    aot.use_exported_programs(programs)
    traced = jax.jit(lambda x: aot.call("double", _double, (x, x), ()) is None)
    assert jax.eval_shape(traced, jnp.ones(3)) is not None  # no error, and None inside:
    seen = []
    jax.jit(lambda x: seen.append(aot.call("double", _double, (x, x), ())) or x)(jnp.ones(3))
    assert seen == [None]


def test_exported_equals_the_function_and_is_read_back(programs):
    x, y = np.arange(3.0), np.full(3, 0.5)
    out = aot.call("double", _double, (x, y), ())
    files = list(programs.glob("double-*.jaxexport"))
    assert len(files) == 1
    np.testing.assert_array_equal(out["pair"][0], 2.0 * x)
    assert float(out["sum"]) == 4.5
    aot.forget_loaded()
    again = aot.call("double", _double, (x, y), ())
    assert float(again["sum"]) == 4.5
    assert list(programs.glob("double-*.jaxexport")) == files  # read, not written again
    # other shapes or options: another program
    aot.call("double", _double, (np.ones(4), np.ones(4)), ())
    aot.call("double", _double, (x, y), ("other",))
    assert len(list(programs.glob("double-*.jaxexport"))) == 3


def test_a_damaged_file_is_exported_again(programs):
    x = np.ones(2)
    aot.call("double", _double, (x, x), ())
    (path,) = programs.glob("double-*.jaxexport")
    path.write_bytes(b"not a program")
    aot.forget_loaded()
    assert float(aot.call("double", _double, (x, x), ())["sum"]) == 4.0
    assert path.read_bytes() != b"not a program"


@pytest.mark.slow
@pytest.mark.parametrize("deficits", ["fixed_share_of_world_income", "balanced_with_us"])
def test_exported_solve_is_the_jitted_solve(programs, deficits):
    eco = blocs.load_world2023()
    options = IMLS(deficits=deficits)
    p = calibrate(eco, options)
    t = jnp.asarray(blocs.liberation_day_tariffs(eco))
    policy = Policy(t=t, d_hat=jnp.ones_like(t))
    st = Static(options.revenue, options.deficits, options.numeraire)
    fast = solve_program(p, policy, st, 1e-10, 50)
    slow = solve_jit(p, policy, st, 1e-10, 50)
    assert list(programs.glob("imls_solve-*.jaxexport"))
    assert jax.tree.structure(fast) == jax.tree.structure(slow)
    for a, b in zip(jax.tree.leaves(fast), jax.tree.leaves(slow), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-13, atol=1e-15)
    assert bool(fast.converged)
    assert (fast.reference is None) == (deficits != "balanced_with_us")
    if fast.reference is None:  # IMLS (2025), Table 3: +1.13 % for the US
        assert round(100 * (float(fast.welfare_hat[eco.index("USA")]) - 1), 2) == 1.13


def test_gradients_are_unchanged_with_programs_on(programs):
    """With programs on, a derivative through the solve traces the ordinary solve."""
    eco = blocs.load_world2023()
    t = jnp.asarray(blocs.liberation_day_tariffs(eco))
    st = Static("income_tax_relief", "fixed_share_of_world_income", "price_index")
    us = eco.index("USA")

    def us_welfare(scale):
        p = calibrate(eco, IMLS())
        sol = solve_program(p, Policy(t=scale * t, d_hat=jnp.ones_like(t)), st, 1e-12, 50)
        return sol.welfare_hat[us]

    g = jax.grad(us_welfare)(1.0)
    h = 1e-5
    fd = (us_welfare(1.0 + h) - us_welfare(1.0 - h)) / (2 * h)
    assert float(g) == pytest.approx(float(fd), rel=1e-6)
