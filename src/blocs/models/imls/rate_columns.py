"""The one-sector residual and welfare when one rate moves a few importers' columns.

A best response (:mod:`blocs.coalitions.response`) moves one rate ``r`` on the tariffs
``t'[j, i] = r`` where ``pos[j, i]``, and ``pos`` is False outside a few importer columns
``i in C`` (the responding country's). Through :func:`blocs.models.imls.equations.aggregates`
every derivative in ``r`` pushes a full N x N tangent through the tariff powers
``B = lambda tau_hat**(-eps phi)`` and both trade kernels, although only the columns ``C``
of ``B``, ``W1 = 1/(1+t')`` and ``W2 = t'/(1+t')`` move. Here the same aggregates are
computed in two parts (columns in ``C`` only change the importer sums of those columns):

    logS[i], u[i]   i not in C: the share kernel on the fixed N x N arrays
                    i in C:     the same sums over an N x |C| block that carries ``r``
    v[j]            = sales kernel on the fixed arrays with ``z[C] = 0``
                      + sum_{i in C} W1[j, i] lambda'[j, i] z[i]   (N x |C|)

so derivatives in ``r`` (first and second, alone or mixed with the unknowns) cost O(N |C|)
on top of the unknowns' own; the values equal :func:`~blocs.models.imls.equations.residual`
and :func:`~blocs.models.imls.equations.welfare` to rounding. Policies here have no iceberg
change (``d_hat = 1``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from blocs.models.imls.equations import (
    Aggregates,
    Params,
    Static,
    conditions,
    expenditure,
    welfare,
)
from blocs.models.kernel import sales_kernel, share_kernel

__all__ = ["Fixed", "RateFunction", "column_aggregates", "fixed_arrays", "rate_functions"]

#: ``(x, rate) -> (residual (2N,), welfare (N,))``.
RateFunction = Callable[[jax.Array, jax.Array], tuple[jax.Array, jax.Array]]


def _powers(p: Params, t: jax.Array, t0: jax.Array, phi: jax.Array) -> jax.Array:
    """``tau_hat**(-eps phi)`` of tariffs ``t`` (any block of columns with ``t0``, ``phi``)."""
    return ((1.0 + t) / (1.0 + t0)) ** (-p.eps * phi[None, :])


class Fixed(NamedTuple):
    """What the rate does not move (computed once per policy, e.g. outside a solver loop).

    Attributes:
        B, W1, W2: the kernels' arrays at the base tariffs, (N, N) (the columns ``C`` hold
            the base tariffs' values; their sums are replaced).
        base_c, pos_c, lam_c, t0_c: ``base``, ``pos``, ``lambda``, ``t0`` on the columns,
            (N, |C|). phi_c: (|C|,).
    """

    B: jax.Array
    W1: jax.Array
    W2: jax.Array
    base_c: jax.Array
    pos_c: jax.Array
    lam_c: jax.Array
    t0_c: jax.Array
    phi_c: jax.Array


def fixed_arrays(p: Params, base: jax.Array, pos: jax.Array, columns: Sequence[int]) -> Fixed:
    """:class:`Fixed` of tariffs ``where(pos, rate, base)`` (``pos`` False outside
    ``columns``, shapes (N, N))."""
    cols = jnp.asarray(columns, dtype=int)
    return Fixed(
        B=p.lam * _powers(p, base, p.t0, p.phi),
        W1=1.0 / (1.0 + base),
        W2=base / (1.0 + base),
        base_c=base[:, cols],
        pos_c=pos[:, cols],
        lam_c=p.lam[:, cols],
        t0_c=p.t0[:, cols],
        phi_c=p.phi[cols],
    )


def column_aggregates(x: jax.Array, rate: jax.Array, p: Params, f: Fixed,
                      columns: Sequence[int], deficits: str) -> Aggregates:  # fmt: skip
    """:func:`~blocs.models.imls.equations.aggregates` at ``t' = where(pos, rate, base)``.

    Args:
        x: ``[log w_hat, log L_hat]`` (2N). rate: scalar.
        f: :func:`fixed_arrays` of ``base``, ``pos``, ``columns``.
        columns: the importers whose column ``pos`` touches (static).
    """
    n = p.E.shape[0]
    cols = jnp.asarray(columns, dtype=int)
    w_hat, L_hat = jnp.exp(x[:n]), jnp.exp(x[n:])
    logc = x[:n] - p.psi * x[n:]
    logS, u = share_kernel(logc, f.B, f.W2, p.eps)
    # the columns the rate moves: N x |C|
    tc = jnp.where(f.pos_c, rate, f.base_c)
    Bc = f.lam_c * _powers(p, tc, f.t0_c, f.phi_c)
    ac = Bc * jnp.exp(-p.eps * logc)[:, None]
    Sc = jnp.sum(ac, axis=0)
    lamc = ac / Sc[None, :]
    uc = jnp.sum(tc / (1.0 + tc) * lamc, axis=0)
    wLY = w_hat * L_hat * p.Y
    # E' of the columns outside C does not move with the rate
    Ez_fixed = expenditure(p, wLY, u, deficits)
    u = u.at[cols].set(uc)
    logS = logS.at[cols].set(jnp.log(Sc))
    Ez = expenditure(p, wLY, u, deficits)
    z = (1.0 - p.nu) * Ez
    v = sales_kernel(logc, ((1.0 - p.nu) * Ez_fixed).at[cols].set(0.0), f.B, f.W1, p.eps)
    v = v + (lamc / (1.0 + tc)) @ z[cols]
    E_hat = Ez / p.E
    P_hat = (E_hat / w_hat) ** (1.0 - p.phi) * jnp.exp(-logS / p.eps)
    sales = v + p.nu * Ez * (1.0 - u)
    return Aggregates(w_hat, E_hat, L_hat, P_hat, Ez * u, wLY, sales)


def rate_functions(p: Params, st: Static, base: jax.Array, pos: jax.Array,
                   columns: Sequence[int]) -> RateFunction:  # fmt: skip
    """``(x, rate) -> (residual, welfare)`` of the one-sector model (no intermediate
    inputs), shapes (2N,) and (N,), at the tariffs ``where(pos, rate, base)`` (see the
    module docstring). The arrays the rate does not move are computed once, here."""
    f = fixed_arrays(p, base, pos, columns)

    def both(x: Any, rate: Any) -> tuple[jax.Array, jax.Array]:
        g = column_aggregates(x, rate, p, f, columns, st.deficits)
        return conditions(g, p, st), welfare(p, g, st.revenue)  # type: ignore[arg-type]

    return both
