"""Roundabout production: the one-sector model with intermediate inputs (IMLS 2025, Table 4).

Option ``input_output="roundabout"`` (``docs/models.md`` §1, "Roundabout production"). Firms
combine labour (share ``beta`` of costs, the value-added share) with the aggregate good of
their own country (share ``1 - beta``), so the price index feeds back into unit costs and the
domestic flow of the data is gross of intermediate purchases (calibration divides it by
``beta``; :func:`blocs.models.imls.equations.calibrate`).

Unknowns ``x = [log w_hat, log E_hat, log L_hat, log P_hat]`` (4N): ``E_hat`` is gross
spending (final plus intermediate), ``P_hat`` the price index of the aggregate good.

    c_hat[j]      = w_hat[j]**beta P_hat[j]**(1 - beta)                      (input bundle)
    A[j, i]       = lambda[j, i] (c_hat[j] / ((w_hat[j] / P_hat[j])**(1 - beta) L_hat[j])**psi)
                    **(-eps) tau_hat[j, i]**(-eps phi[i]) d_hat[j, i]**(-eps)
    (1) beta sum_i (1 - nu_i) X'[j, i] + nu_j sum_k X'[k, j] = w_hat[j] L_hat[j] Y[j] (but one)
    (2) E'[i] = R[i] + w_hat L_hat Y[i] + (1 - beta) sum_n (1 - nu_n) X'[i, n] + deficit term
    (3) L_hat[i] = (taxrelief_hat[i] w_hat[i] / P_hat[i])**kappa
    (4) P_hat[i] = (E_hat[i] / w_hat[i])**(1 - phi[i]) (sum_j A[j, i])**(-1/eps)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from blocs.models.base import Policy
from blocs.models.imls.equations import (
    Params,
    deficit_term,
    dropped_equation,
    numeraire,
    tax_relief,
)

__all__ = ["State", "conditions", "producer_income", "residual", "state", "welfare"]


class State(NamedTuple):
    """The roundabout model at unknowns ``x`` (hats relative to the baseline).

    Attributes:
        w_hat, E_hat, L_hat, P_hat: shape (N,) (``E_hat``: gross spending).
        lam_new, X_new: counterfactual shares and customs-value flows, shape (N, N).
        R: tariff revenue; wLY: value added ``w_hat L_hat Y``; inputs: intermediate
            purchases ``(1 - beta) sum_n (1 - nu_n) X'[i, n]``; A_sum: ``sum_j A[j, i]``;
            all shape (N,).
    """

    w_hat: jax.Array
    E_hat: jax.Array
    L_hat: jax.Array
    P_hat: jax.Array
    lam_new: jax.Array
    X_new: jax.Array
    R: jax.Array
    wLY: jax.Array
    inputs: jax.Array
    A_sum: jax.Array


def state(x: jax.Array, p: Params, policy: Policy) -> State:
    """Everything the conditions and the outcomes need, from the unknowns."""
    n = p.E.shape[0]
    w_hat, E_hat, L_hat, P_hat = (jnp.exp(x[k * n : (k + 1) * n]) for k in range(4))
    beta = p.beta
    log_bundle = beta * jnp.log(w_hat) + (1.0 - beta) * jnp.log(P_hat)
    log_scale = (1.0 - beta) * (jnp.log(w_hat) - jnp.log(P_hat)) + jnp.log(L_hat)
    log_cost = log_bundle - p.psi * log_scale
    tau_hat = (1.0 + policy.t) / (1.0 + p.t0)
    A = (
        p.lam
        * jnp.exp(-p.eps * log_cost)[:, None]
        * tau_hat ** (-p.eps * p.phi[None, :])
        * policy.d_hat ** (-p.eps)
    )
    A_sum = jnp.sum(A, axis=0)
    lam_new = A / A_sum[None, :]
    spend = E_hat * p.E
    X_new = lam_new * spend[None, :] / (1.0 + policy.t)
    R = jnp.sum(X_new * policy.t, axis=0)
    inputs = (1.0 - beta) * jnp.sum((1.0 - p.nu)[None, :] * X_new, axis=1)
    return State(w_hat, E_hat, L_hat, P_hat, lam_new, X_new, R, w_hat * L_hat * p.Y,
                 inputs, A_sum)  # fmt: skip


def producer_income(p: Params, X_new: jax.Array) -> jax.Array:
    """Left side of (1): ``beta sum_i (1 - nu_i) X'[j, i] + nu_j sum_k X'[k, j]``."""
    return p.beta * jnp.sum((1.0 - p.nu)[None, :] * X_new, axis=1) + p.nu * jnp.sum(X_new, axis=0)


def conditions(s: State, p: Params, st: Any) -> jax.Array:
    """(1) market clearing (one replaced by the numeraire), (2) budgets, (3) labour, (4) prices.

    Each a relative error; shape (4N,).
    """
    r1 = producer_income(p, s.X_new) / s.wLY - 1.0
    r1 = r1.at[dropped_equation(p, st.deficits)].set(numeraire(s, p, st.numeraire))
    spend = s.R + s.wLY + s.inputs + deficit_term(p, s.wLY, s.R, st.deficits)
    r2 = spend / (s.E_hat * p.E) - 1.0
    relief = tax_relief(p, s.R, s.wLY, st.revenue)
    r3 = jnp.log(s.L_hat) - p.kappa * jnp.log(relief * s.w_hat / s.P_hat)
    log_P = (1.0 - p.phi) * jnp.log(s.E_hat / s.w_hat) - jnp.log(s.A_sum) / p.eps
    r4 = jnp.log(s.P_hat) - log_P
    return jnp.concatenate([r1, r2, r3, r4])


def residual(x: jax.Array, args: tuple[Params, Policy, Any]) -> jax.Array:
    """Scaled residual; ``x = [log w_hat, log E_hat, log L_hat, log P_hat]`` (4N)."""
    p, policy, st = args
    return conditions(state(x, p, policy), p, st)


def welfare(p: Params, s: State, st: Any) -> jax.Array:
    """``W_hat = delta Ec_hat / P_hat + (1 - delta) w_hat L_hat / P_hat`` on final spending.

    ``Ec = Y + T + R0`` is final expenditure (gross spending less intermediate inputs),
    ``Ec' = R + w_hat L_hat Y + deficit term``; ``delta`` as in the model without inputs.
    """
    R0 = jnp.sum(p.lam * p.E[None, :] * p.t0 / (1.0 + p.t0), axis=0)
    Ec = p.Y + p.T + R0
    Ec_new = s.R + s.wLY + deficit_term(p, s.wLY, s.R, st.deficits)
    tax = s.R / s.wLY if st.revenue == "income_tax_relief" else jnp.zeros_like(s.wLY)
    delta = Ec / (Ec - p.kappa * (1.0 - tax) * p.Y / (1.0 + p.kappa))
    return delta * Ec_new / Ec / s.P_hat + (1.0 - delta) * s.w_hat * s.L_hat / s.P_hat
