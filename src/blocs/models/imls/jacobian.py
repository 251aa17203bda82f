"""The one-sector residual and its Jacobian in closed form (issue 13, item 2).

:func:`blocs.models.imls.equations.residual` depends on the unknowns ``x = [a, l]``
(``a = log w_hat``, ``l = log L_hat``, shape (2N,)) through two N-vectors and directly:

    c = a - psi l                 log unit costs: the shares lambda' = A / sum_j A
    q = a + l + log Y             log labour income wLY (the deficit term, (2) and (1))

With ``lam = lambda'`` and ``M = wLY + deficit term`` (so ``E' = M / (1 - u)``), the
derivatives of the pieces are N x N matrices ``[i, m]`` (``d/dc_m``, ``d/dq_m``):

    d logS_i / dc_m = -eps lam[m, i]
    d u_i    / dc_m = eps (u_i lam[m, i] - W2[m, i] lam[m, i])
    d v_j    / dc_m = -eps v_j delta_jm + sum_i W1[j, i] lam[j, i] (eps z_i lam[m, i] + dz_i/dc_m)
    d v_j    / dq_m = sum_i W1[j, i] lam[j, i] dz_i/dq_m               (z = (1 - nu) E')

and the rest is elementwise or rank one. The Jacobian with respect to ``x`` is then
``d/da = d/dc + d/dq + direct`` and ``d/dl = -psi d/dc + d/dq + direct``: one N x N x 2N
matrix product, against 2N forward-mode passes through the trade kernels for
``jax.jacfwd`` (the same numbers to rounding; ``tests/models/test_imls_jacobian.py``).
The compiled solve is smaller (XLA compiles it faster) and each Newton step cheaper.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from blocs.models.base import Policy
from blocs.models.imls.equations import (
    Aggregates,
    Params,
    conditions,
    deficit_term,
    dropped_equation,
)

__all__ = ["State", "residual_and_jacobian", "state"]


def income_jacobian(
    p: Params, wLY: jax.Array, M: jax.Array, deficits: str
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``dM / dq = D(d) + outer(cM, r)``, as ``(d, cM, r)`` (each (N,)): ``M = wLY + deficit
    term`` against ``q = log wLY``."""
    if deficits in ("fixed_share_of_world_income", "balanced_with_us"):
        return wLY, p.T / jnp.sum(p.Y), wLY
    if deficits == "fixed_ratio":  # M = rho wLY sum(wLY) / sum(rho wLY)
        rho = (p.Y + p.T) / p.Y
        return M, M, wLY / jnp.sum(wLY) - rho * wLY / jnp.sum(rho * wLY)
    return wLY, jnp.zeros_like(wLY), jnp.zeros_like(wLY)  # balanced: no deficit term


class State(NamedTuple):
    """The one-sector equilibrium quantities at unknowns ``x`` (:func:`state`).

    Attributes:
        w_hat, L_hat, E_hat, P_hat: hats, shape (N,).
        lam: new expenditure shares ``lambda'[j, i] = A[j, i] / S[i]``, shape (N, N);
        S: ``sum_j A[j, i]``, shape (N,).
        W1lam, W2lam: ``lam / (1 + t')`` and ``lam t' / (1 + t')``, shape (N, N).
        u: revenue share of spending ``sum_j W2lam[j, i]``, shape (N,).
        wLY: labour income, shape (N,); M: ``wLY`` + deficit term, shape (N,).
        Ez: expenditure ``E_hat E = M / (1 - u)``, shape (N,).
        v: producers' sales net of the profit shares' spending ``sum_i W1lam[j, i] z[i]``
            with ``z = (1 - nu) Ez``, shape (N,); sales: left side of (1), shape (N,).
    """

    w_hat: jax.Array
    L_hat: jax.Array
    E_hat: jax.Array
    P_hat: jax.Array
    lam: jax.Array
    S: jax.Array
    W1lam: jax.Array
    W2lam: jax.Array
    u: jax.Array
    wLY: jax.Array
    M: jax.Array
    Ez: jax.Array
    v: jax.Array
    sales: jax.Array


def state(x: jax.Array, p: Params, policy: Policy, deficits: str) -> State:
    """The quantities of :func:`blocs.models.imls.equations.aggregates` at
    ``x = [log w_hat, log L_hat]``, with the N x N shares kept (no custom derivative rules:
    :func:`residual_and_jacobian` differentiates by hand)."""
    n = p.E.shape[0]
    a, l = x[:n], x[n:]
    w_hat, L_hat = jnp.exp(a), jnp.exp(l)
    tau_hat = (1.0 + policy.t) / (1.0 + p.t0)
    B = p.lam * tau_hat ** (-p.eps * p.phi[None, :]) * policy.d_hat ** (-p.eps)
    A = B * jnp.exp(-p.eps * (a - p.psi * l))[:, None]
    S = jnp.sum(A, axis=0)
    lam = A / S[None, :]
    W1lam, W2lam = lam / (1.0 + policy.t), lam * (policy.t / (1.0 + policy.t))
    u = jnp.sum(W2lam, axis=0)
    wLY = w_hat * L_hat * p.Y
    M = wLY + deficit_term(p, wLY, None, deficits)
    Ez = M / (1.0 - u)
    v = W1lam @ ((1.0 - p.nu) * Ez)
    E_hat = Ez / p.E
    P_hat = (E_hat / w_hat) ** (1.0 - p.phi) * jnp.exp(-jnp.log(S) / p.eps)
    sales = v + p.nu * Ez * (1.0 - u)
    return State(w_hat, L_hat, E_hat, P_hat, lam, S, W1lam, W2lam, u, wLY, M, Ez, v, sales)


def residual_and_jacobian(
    x: jax.Array, args: tuple[Params, Policy, Any]
) -> tuple[jax.Array, jax.Array]:
    """The residual of :func:`blocs.models.imls.equations.residual` at ``x`` and its
    Jacobian, shapes (2N,) and (2N, 2N) (the model without intermediate inputs)."""
    p, policy, st = args
    n = p.E.shape[0]
    eps, phi, nu = p.eps, p.phi, p.nu
    s = state(x, p, policy, st.deficits)
    lam, _, W1lam, W2lam, u, wLY, M, Ez, v, sales = s[4:]
    z = (1.0 - nu) * Ez
    g = Aggregates(s.w_hat, s.E_hat, s.L_hat, s.P_hat, Ez * u, wLY, sales)
    f = conditions(g, p, st)

    # Every derivative with respect to c is L-part + W-part, rows scaled: D(x) L + D(y) W
    # with L[i, m] = lam[m, i], W[i, m] = W2[m, i] lam[m, i]; every derivative with respect
    # to q (but v's) is diagonal plus rank one: D(x) + outer(y, r). Pairs below are (x, y).
    d, cM, r = income_jacobian(p, wLY, M, st.deficits)  # dM/dq = D(d) + outer(cM, r)
    e = Ez / (1.0 - u)
    u_c = (eps * u, -eps * jnp.ones(n))
    Ez_c = (e * u_c[0], e * u_c[1])
    Ez_q = (d / (1.0 - u), cM / (1.0 - u))
    z_c = ((1.0 - nu) * Ez_c[0], (1.0 - nu) * Ez_c[1])
    z_q = ((1.0 - nu) * Ez_q[0], (1.0 - nu) * Ez_q[1])
    # log P_hat = (1 - phi) (log E' - log E - a) - log S / eps;  d log S / dc = -eps L
    sE = (1.0 - phi) / Ez
    P_c = (sE * Ez_c[0] + 1.0, sE * Ez_c[1])
    P_q = (sE * Ez_q[0], sE * Ez_q[1])
    P_a = -(1.0 - phi)  # diagonal
    # r3 = l - kappa (log relief + a - log P_hat); log relief = const - log(1 - R / wLY)
    if st.revenue == "income_tax_relief":
        rho = Ez * u / wLY
        s_r = 1.0 / ((1.0 - rho) * wLY)
        f_c = (s_r * (u * Ez_c[0] + Ez * u_c[0]), s_r * (u * Ez_c[1] + Ez * u_c[1]))
        f_q = (s_r * u * Ez_q[0] - rho / (1.0 - rho), s_r * u * Ez_q[1])
    else:
        f_c = f_q = (jnp.zeros(n), jnp.zeros(n))
    kappa = p.kappa
    r3_c = (-kappa * (f_c[0] - P_c[0]), -kappa * (f_c[1] - P_c[1]))
    r3_q = (-kappa * (f_q[0] - P_q[0]), -kappa * (f_q[1] - P_q[1]))
    r3_a = -kappa * (1.0 - P_a)

    L, W = lam.T, W2lam.T
    eye = jnp.eye(n)
    # (1): v[j] = sum_i W1lam[j, i] z[i]; the one N x N x N product is v's change in c
    Cz = (eps * z + z_c[0])[:, None] * L + z_c[1][:, None] * W
    top_c = (W1lam @ Cz - eps * v[:, None] * eye) / wLY[:, None]
    top_q = (
        W1lam * z_q[0][None, :] / wLY[:, None]
        + ((nu * d - sales) / wLY)[:, None] * eye
        + jnp.outer((W1lam @ z_q[1] + nu * cM) / wLY, r)
    )
    bottom_c = r3_c[0][:, None] * L + r3_c[1][:, None] * W
    bottom_q = r3_q[0][:, None] * eye + jnp.outer(r3_q[1], r)
    # the numeraire replaces equation k of (1)
    row_c, row_q, row_a = numeraire_rows(g, p, st.numeraire, lam, W2lam, r, (P_c, P_q, P_a))
    is_k = (jnp.arange(n) == dropped_equation(p, st.deficits))[:, None]
    top_a = jnp.where(is_k, (row_c + row_q + row_a)[None, :], top_c + top_q)
    top_l = jnp.where(is_k, (-p.psi * row_c + row_q)[None, :], -p.psi * top_c + top_q)
    bottom_a = bottom_c + bottom_q + r3_a[:, None] * eye
    bottom_l = -p.psi * bottom_c + bottom_q + eye
    J = jnp.block([[top_a, top_l], [bottom_a, bottom_l]])
    return f, J


def numeraire_rows(
    g: Aggregates,
    p: Params,
    rule: str,
    lam: jax.Array,
    W2lam: jax.Array,
    r: jax.Array,
    logP: tuple[Any, Any, jax.Array],
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The derivatives of :func:`blocs.models.imls.equations.numeraire` with respect to
    ``c``, ``q`` and ``a`` directly, shapes (N,); ``logP``: those of ``log P_hat`` (as
    pairs of vectors, see :func:`residual_and_jacobian`)."""
    zero = jnp.zeros_like(g.w_hat)
    if rule == "price_index":  # sum((P_hat - 1) E) / sum(E)
        weight = g.P_hat * p.E / jnp.sum(p.E)
        (cL, cW), (qd, qc), a = logP
        return (
            lam @ (weight * cL) + W2lam @ (weight * cW),
            weight * qd + (weight @ qc) * r,
            weight * a,
        )
    if rule == "wage_index":  # sum(w_hat Y) / sum(Y) - 1
        return zero, zero, g.w_hat * p.Y / jnp.sum(p.Y)
    return zero, g.wLY / jnp.sum(p.Y), zero  # world income: sum(wLY) / sum(Y) - 1
