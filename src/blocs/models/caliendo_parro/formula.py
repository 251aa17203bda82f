"""The optimal-tariff formula of Lashkaripour (2021) on the multi-sector model without
input-output links (docs/models.md, "tariffwar's conventions").

A country ``i`` that sets one tariff on all its imports (every partner and sector) and
takes the others' tariffs as given chooses ``t_i = 1 / sum_{n != i, s} chi[i, n, s]
eps[s] (1 - lambda[i, n, s])``: one over its exports' trade-weighted export-supply
elasticity, with ``chi`` the shares of ``i``'s foreign sales (customs value) by destination
and sector and ``lambda`` ``i``'s share of the destination's spending, both at the
equilibrium the tariffs produce. Like ``tariffwar``, the weighted elasticity is floored at 1
(the tariff capped at 100 %) for a country that barely trades.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from blocs.models.caliendo_parro.results import MultiSectorEquilibrium

__all__ = ["formula_optimal_tariffs"]


def formula_optimal_tariffs(eq: MultiSectorEquilibrium) -> jax.Array:
    """Each country's formula tariff at ``eq`` (module docstring), shape (N,). Traceable."""
    n = eq.X_new.shape[0]
    foreign = eq.X_new * (1.0 - jnp.eye(n))[:, :, None]
    theta = eq.baseline.theta
    supply = jnp.sum(theta[None, None, :] * foreign * (1.0 - eq.pi_new), axis=(1, 2))
    exports = jnp.sum(foreign, axis=(1, 2))
    weighted = supply / jnp.where(exports > 0, exports, 1.0)
    return 1.0 / jnp.maximum(weighted, 1.0)
