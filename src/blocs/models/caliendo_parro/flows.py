"""How the flows of a multi-sector data set are read (the ``flows`` and
``domestic_flow_offset`` options of :class:`~blocs.models.caliendo_parro.CaliendoParro`).

The embedded data sets state flows at customs value (before tariffs). Lashkaripour's
``tariffwar`` reads the same icio2022 numbers as tariff-inclusive spending and adds one
million USD to every domestic flow; :func:`read_flows` re-reads an economy that way and
recomputes what depends on the flows: deficits and final-demand shares (docs/models.md,
"tariffwar's conventions").
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp

from blocs.economy import MultiSectorEconomy
from blocs.errors import InputError

__all__ = ["FLOW_READINGS", "read_flows"]

#: Ways of reading the flows: before tariffs (the data's convention) or tariffs included.
FLOW_READINGS = ("customs_value", "tariff_inclusive")


def read_flows(
    economy: MultiSectorEconomy, flows: str = "customs_value", domestic_flow_offset: float = 0.0
) -> MultiSectorEconomy:
    """``economy`` with its flows re-read; itself when both options are the defaults.

    ``X' = (X + offset * [i == n]) / (1 + t)`` when ``flows = "tariff_inclusive"`` (without
    the division otherwise); deficits ``D`` = imports - exports of ``X'`` at customs value;
    final-demand shares ``alpha[n, k] = max(E[n, k] - sum_s gamma_io[n, k, s] GO[n, s], 0)``
    normalised over ``k`` (with no input-output links: the expenditure shares). ``gamma_va``,
    ``gamma_io``, ``theta`` and the tariffs are kept.

    Raises:
        InputError: an unknown reading or a negative offset.
    """
    if flows not in FLOW_READINGS:
        raise InputError(f"flows={flows!r}: choose one of {', '.join(FLOW_READINGS)}")
    offset = float(domestic_flow_offset)
    if not offset >= 0.0:
        raise InputError(f"domestic_flow_offset={offset:g}: give a number >= 0 (data units)")
    if flows == "customs_value" and offset == 0.0:
        return economy
    n, s = economy.n, economy.s
    eye = jnp.eye(n)[:, :, None]
    X = economy.X + offset * jnp.broadcast_to(eye, (n, n, s))
    if flows == "tariff_inclusive":
        X = X / (1.0 + economy.t)
    foreign = X * (1.0 - eye)
    D = jnp.sum(foreign, axis=(0, 2)) - jnp.sum(foreign, axis=(1, 2))
    E = jnp.sum((1.0 + economy.t) * X, axis=0)
    if economy.gamma_io is not None:
        E = E - jnp.einsum("nks,ns->nk", economy.gamma_io, jnp.sum(X, axis=1))
    alpha = jnp.clip(E, 0.0, None)
    alpha = alpha / jnp.sum(alpha, axis=1, keepdims=True)
    return dataclasses.replace(economy, X=X, D=D, alpha=alpha)
