"""Stacking draws for one vmapped solve: only what varies gets a batch axis."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from blocs.errors import BlocsError
from blocs.models.base import Policy
from blocs.models.registry import get_model
from blocs.sweep import SweepSpec, make_spec
from blocs.sweep.chunks import stack, varying_axes


def test_varying_axes_and_stack() -> None:
    shared = jnp.ones((2, 2))
    a = Policy(t=shared, d_hat=jnp.asarray([1.0, 2.0]))
    b = Policy(t=jnp.ones((2, 2)), d_hat=jnp.asarray([1.0, 3.0]))  # t equal, not identical
    axes = varying_axes(a, b)
    assert axes == Policy(t=None, d_hat=0)
    s = stack([a, b, b], axes, "test")
    assert s.t is shared
    np.testing.assert_array_equal(s.d_hat, [[1.0, 2.0], [1.0, 3.0], [1.0, 3.0]])
    with pytest.raises(BlocsError, match="did not vary in the probe"):
        stack([a, Policy(t=2 * shared, d_hat=a.d_hat)], axes, "test")


def test_models_declare_what_a_sweep_varies() -> None:
    imls, cp = get_model("imls"), get_model("caliendo_parro")
    assert "trade_elasticity" in imls.sweep_parameters.grid
    assert cp.sweep_parameters.random == ("theta_scale", "theta_sector")
    spec = make_spec(scenario="liberation-day", grid={"pass_through": ["none", "benchmark"]})
    assert isinstance(spec, SweepSpec) and spec.n_draws == 2
