"""One-sector model with markups, elastic labour and tariff pass-through.

Ignatenko, Macedoni, Lashkaripour & Simonovska (2025), "Making America Great Again? The
Economic Impacts of Liberation Day Tariffs", J. Int. Econ. (``docs/models.md`` §1). It nests
Eaton-Kortum / Armington (``profit_shares="zero"``, ``pass_through="none"``,
``labour_supply_elasticity=0``) and the ``ge_gravity`` endowment model.

Notation (see :mod:`blocs._conventions`): ``j``/``i`` exporter, ``i``/``n`` importer; arrays
``[exporter, importer]``. Unknowns ``w_hat`` and ``L_hat`` (2N, solved in logs); ``E_hat``
follows from (2) in closed form given them (revenue is a cost-determined share of spending).

    A[j, i]       = lambda[j, i] (w_hat[j] / L_hat[j]**psi)**(-eps) tau_hat[j, i]**(-eps phi[i])
                    d_hat[j, i]**(-eps)
    lambda'[j, i] = A[j, i] / sum_j A[j, i]
    P_hat[i]      = (E_hat[i] / w_hat[i])**(1 - phi[i]) (sum_j A[j, i])**(-1/eps)
    X'[j, i]      = lambda'[j, i] E_hat[i] E[i] / (1 + t'[j, i])
    R[i]          = sum_j lambda'[j, i] E_hat[i] E[i] t'[j, i] / (1 + t'[j, i])
    (1) sum_i (1 - nu_i) X'[j, i] + nu_j sum_k X'[k, j] = w_hat[j] L_hat[j] Y[j]   (but one)
        + numeraire
    (2) E_hat[i] E[i] = R[i] + w_hat[i] L_hat[i] Y[i] + deficit term
    (3) L_hat[i] = (taxrelief_hat[i] w_hat[i] / P_hat[i])**kappa
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from blocs.economy import Economy
from blocs.errors import InputError
from blocs.models.base import Policy
from blocs.models.imls.options import IMLS, PARTIAL_PASS_THROUGH, PSI_NUMERATOR, THETA_DENOMINATOR
from blocs.models.kernel import sales_kernel, share_kernel

__all__ = [
    "Aggregates",
    "Outcome",
    "Params",
    "Static",
    "aggregates",
    "calibrate",
    "conditions",
    "dropped_equation",
    "evaluate",
    "numeraire",
    "residual",
    "residual_reference",
    "transfers_balanced_with_us",
    "welfare",
]


class Params(NamedTuple):
    """Calibrated model arrays (a PyTree; the solver differentiates through it).

    Attributes:
        lam: baseline expenditure shares ``lambda[j, i]`` (tariff-inclusive), shape (N, N).
        E: baseline expenditure, shape (N,).
        Y: baseline income from production ``w L`` plus profits, shape (N,).
        T: baseline deficit term ``E - Y - R0``, shape (N,).
        nu: profit shares, shape (N,).
        phi: pass-through wedges, shape (N,).
        t0: baseline tariffs, shape (N, N).
        eps, kappa, psi: scalars.
        beta: value-added share of gross output under roundabout production (a scalar), or
            None (no intermediate inputs; the equations of this module).
    """

    lam: jax.Array
    E: jax.Array
    Y: jax.Array
    T: jax.Array
    nu: jax.Array
    phi: jax.Array
    t0: jax.Array
    eps: jax.Array
    kappa: jax.Array
    psi: jax.Array
    beta: Any = None


@dataclasses.dataclass(frozen=True)
class Static:
    """The options the equations branch on (hashable: a ``jit`` static argument)."""

    revenue: str
    deficits: str
    numeraire: str


def calibrate(economy: Economy, model: IMLS | None = None, *, eps: Any = None) -> Params:
    """Model arrays for ``economy`` under ``model`` (models.md §1, steps 3-4 and variants).

    ``eps`` (optional, may be a JAX tracer) replaces ``model.trade_elasticity`` everywhere
    it enters: the equations, ``psi = 0.67 / eps`` (unless ``model.psi`` is set) and the
    pass-through wedge ``phi`` (unless ``model.pass_through_elasticity`` is set), so
    derivatives with respect to ``eps`` are those of re-running with another elasticity.
    """
    model = model or IMLS()
    # concrete data and elasticity: NumPy (no XLA program per operation; the results go to
    # JAX as arrays); a traced elasticity or economy: jax.numpy (differentiable)
    xp: Any = jnp if _traced(economy, eps) else np
    X = xp.asarray(economy.X, dtype=float)
    t0 = xp.asarray(economy.t, dtype=float)
    nu = xp.zeros(economy.n) if model.profit_shares == "zero" else xp.asarray(economy.nu)
    beta = None
    if model.input_output == "roundabout":
        # the domestic flow holds the intermediate inputs too: data / value-added share
        beta = xp.asarray(float(model.value_added_share))
        X = X + xp.diag(xp.diag(X)) * (1.0 / beta - 1.0)
    E = xp.sum((1.0 + t0) * X, axis=0)
    R0 = xp.sum(t0 * X, axis=0)
    costs = xp.sum((1.0 - nu)[None, :] * X, axis=1)  # sum_n (1 - nu_n) X[i, n]
    share = 1.0 if beta is None else beta
    # Y[i] = beta sum_n (1 - nu_n) X[i, n] + nu_i E[i]   (beta = 1, nu = 0: total sales)
    Y = share * costs + nu * (E - R0)
    T = E - Y - R0 - (1.0 - share) * costs
    if model.deficits == "balanced_with_us":
        T = transfers_balanced_with_us(economy, xp.asarray(economy.X, dtype=float), T)
    eps = xp.asarray(model.trade_elasticity if eps is None else eps, dtype=float)
    eps_pt = model.pass_through_elasticity or eps
    theta = eps_pt / THETA_DENOMINATOR
    phi_tilde = (1.0 + theta) / ((1.0 - nu) * theta) - 1.0 / theta - 1.0
    if model.pass_through == "benchmark":
        phi = 1.0 + phi_tilde
    elif model.pass_through == "partial":
        phi = PARTIAL_PASS_THROUGH + phi_tilde
    else:
        phi = xp.ones(economy.n)
    psi = xp.asarray(model.psi, dtype=float) if model.psi is not None else PSI_NUMERATOR / eps
    params = Params(
        lam=(1.0 + t0) * X / E[None, :],
        E=E,
        Y=Y,
        T=T,
        nu=nu,
        phi=xp.asarray(phi, dtype=float),
        t0=t0,
        eps=eps,
        kappa=xp.asarray(float(model.labour_supply_elasticity)),
        psi=xp.asarray(psi, dtype=float),
        beta=beta,
    )
    return jax.tree.map(jax.device_put, params) if xp is np else params


def _traced(*trees: Any) -> bool:
    """Whether any leaf of ``trees`` is a JAX tracer (inside ``jit``, ``grad``, ``vmap``)."""
    return any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(trees))


def transfers_balanced_with_us(economy: Economy, X: jax.Array, T: jax.Array) -> jax.Array:
    """IMLS (2025) Table 10's transfers: ``T - (X[US, :] - X[:, US])``, zero for the US.

    Each partner's bilateral balance with the US leaves its transfer and the US transfer
    is zero. These transfers do not sum to zero (the US transfer includes its profit
    income, which the bilateral balances do not): see ``dropped_equation``.
    """
    if "USA" not in economy.iso3:
        raise InputError("deficits='balanced_with_us' needs the USA in the data")
    us = economy.iso3.index("USA")
    out = T - (X[us, :] - X[:, us])
    if isinstance(out, np.ndarray):
        out[us] = 0.0
        return out
    return out.at[us].set(0.0)


# ----------------------------------------------------------------------------------------
# Equations, one small function each (paper notation)


def unit_cost_shares(p: Params, w_hat, L_hat, tau_hat, d_hat):
    """``A[j, i]`` of the price index, shape (N, N)."""
    cost = (w_hat / L_hat**p.psi)[:, None]
    return p.lam * cost ** (-p.eps) * tau_hat ** (-p.eps * p.phi[None, :]) * d_hat ** (-p.eps)


def price_index(p: Params, A, w_hat, E_hat):
    """``P_hat[i] = (E_hat / w_hat)**(1 - phi) (sum_j A[j, i])**(-1/eps)``."""
    return (E_hat / w_hat) ** (1.0 - p.phi) * jnp.sum(A, axis=0) ** (-1.0 / p.eps)


def flows(p: Params, lam_new, E_hat, t_new):
    """Counterfactual customs-value flows ``X'[j, i]``."""
    return lam_new * (E_hat * p.E)[None, :] / (1.0 + t_new)


def revenue(p: Params, lam_new, E_hat, t_new):
    """Tariff revenue ``R[i]`` (counterfactual, numeraire units)."""
    return jnp.sum(lam_new * (E_hat * p.E)[None, :] * t_new / (1.0 + t_new), axis=0)


def producer_income(p: Params, X_new):
    """Left side of (1): ``sum_i (1 - nu_i) X'[j, i] + nu_j sum_k X'[k, j]``."""
    return jnp.sum((1.0 - p.nu)[None, :] * X_new, axis=1) + p.nu * jnp.sum(X_new, axis=0)


def baseline_revenue(p: Params):
    """Baseline tariff revenue ``R0[i] = sum_j lambda[j, i] E[i] t[j, i] / (1 + t[j, i])``."""
    return jnp.sum(p.lam * p.E[None, :] * p.t0 / (1.0 + p.t0), axis=0)


def tax_relief(p: Params, R, wLY, revenue_rule: str):
    """``taxrelief_hat = (1 - R0 / Y) / (1 - R / (w L Y))`` under income-tax relief, else 1.

    With zero baseline tariffs (the paper's data) this is ``1 / (1 - R / (w L Y))``.
    """
    if revenue_rule == "income_tax_relief":
        return (1.0 - baseline_revenue(p) / p.Y) / (1.0 - R / wLY)
    return jnp.ones_like(wLY)


def deficit_term(p: Params, wLY, R, deficits: str):
    """Expenditure not financed by income and revenue, (2)'s last term."""
    if deficits in ("fixed_share_of_world_income", "balanced_with_us"):
        return p.T * jnp.sum(wLY) / jnp.sum(p.Y)
    if deficits == "fixed_ratio":
        # expenditure net of revenue proportional to output, (E - R)' = rho Y' with
        # rho = (E - R0) / Y, rescaled by one common factor so that world spending equals
        # world income (Walras' law; the ge_gravity / gegravity iteration's fixed point).
        rho = (p.Y + p.T) / p.Y
        scale = jnp.sum(wLY) / jnp.sum(rho * wLY)
        return wLY * (rho * scale - 1.0)
    return jnp.zeros_like(wLY)  # balanced (after re-basing, T = 0)


class Outcome(NamedTuple):
    w_hat: jax.Array
    E_hat: jax.Array
    L_hat: jax.Array
    A: jax.Array
    lam_new: jax.Array
    P_hat: jax.Array
    X_new: jax.Array
    R: jax.Array
    wLY: jax.Array


def evaluate(x, p: Params, policy: Policy) -> Outcome:
    n = p.E.shape[0]
    w_hat, E_hat, L_hat = jnp.exp(x[:n]), jnp.exp(x[n : 2 * n]), jnp.exp(x[2 * n :])
    tau_hat = (1.0 + policy.t) / (1.0 + p.t0)
    A = unit_cost_shares(p, w_hat, L_hat, tau_hat, policy.d_hat)
    lam_new = A / jnp.sum(A, axis=0)[None, :]
    P_hat = price_index(p, A, w_hat, E_hat)
    X_new = flows(p, lam_new, E_hat, policy.t)
    R = revenue(p, lam_new, E_hat, policy.t)
    return Outcome(w_hat, E_hat, L_hat, A, lam_new, P_hat, X_new, R, w_hat * L_hat * p.Y)


class Aggregates(NamedTuple):
    w_hat: jax.Array
    E_hat: jax.Array
    L_hat: jax.Array
    P_hat: jax.Array
    R: jax.Array
    wLY: jax.Array
    sales: jax.Array


def expenditure(p: Params, wLY, u, deficits: str):
    """``E_hat E`` from (2), in closed form: ``E' (1 - u) = w L Y + deficit term``.

    ``u[i] = sum_j lambda'[j, i] t'[j, i] / (1 + t'[j, i])`` is the revenue share of spending
    (it depends on costs only), so revenue ``R = u E'`` and (2) is linear in ``E'``.
    """
    return (wLY + deficit_term(p, wLY, None, deficits)) / (1.0 - u)


def aggregates(x, p: Params, policy: Policy, deficits: str) -> Aggregates:
    """The N-vectors the equilibrium conditions need, through the fast trade kernels.

    ``x = [log w_hat, log L_hat]`` (2N); ``E_hat`` follows from (2) in closed form.
    """
    if p.beta is not None:
        raise InputError(
            "input_output='roundabout' has its own equations "
            "(blocs.models.imls.roundabout); solve it through blocs.models.imls.solve or the "
            "model interface"
        )
    n = p.E.shape[0]
    w_hat, L_hat = jnp.exp(x[:n]), jnp.exp(x[n:])
    logc = x[:n] - p.psi * x[n:]  # log(w_hat / L_hat**psi)
    tau_hat = (1.0 + policy.t) / (1.0 + p.t0)
    B = p.lam * tau_hat ** (-p.eps * p.phi[None, :]) * policy.d_hat ** (-p.eps)
    W1 = 1.0 / (1.0 + policy.t)
    W2 = policy.t / (1.0 + policy.t)
    logS, u = share_kernel(logc, B, W2, p.eps)
    wLY = w_hat * L_hat * p.Y
    Ez = expenditure(p, wLY, u, deficits)
    v = sales_kernel(logc, (1.0 - p.nu) * Ez, B, W1, p.eps)
    E_hat = Ez / p.E
    P_hat = (E_hat / w_hat) ** (1.0 - p.phi) * jnp.exp(-logS / p.eps)
    sales = v + p.nu * Ez * (1.0 - u)  # producer_income(p, X') without forming X'
    return Aggregates(w_hat, E_hat, L_hat, P_hat, Ez * u, wLY, sales)


def conditions(g: Aggregates, p: Params, st: Any) -> jax.Array:
    """(1) market clearing (the last replaced by the numeraire) and (3) labour supply."""
    r1 = g.sales / g.wLY - 1.0
    r1 = r1.at[dropped_equation(p, st.deficits)].set(numeraire(g, p, st.numeraire))
    relief = tax_relief(p, g.R, g.wLY, st.revenue)
    r3 = jnp.log(g.L_hat) - p.kappa * jnp.log(relief * g.w_hat / g.P_hat)
    return jnp.concatenate([r1, r3])


def numeraire(g: Any, p: Params, rule: str) -> jax.Array:
    """The numeraire condition (zero when it holds); ``g`` has ``P_hat``, ``w_hat``, ``wLY``
    (the aggregates of either one-sector variant)."""
    if rule == "price_index":
        return jnp.sum((g.P_hat - 1.0) * p.E) / jnp.sum(p.E)
    if rule == "wage_index":
        return jnp.sum(g.w_hat * p.Y) / jnp.sum(p.Y) - 1.0
    return jnp.sum(g.wLY) / jnp.sum(p.Y) - 1.0


def dropped_equation(p: Params, deficits: str = "") -> Any:
    """Index of the market-clearing equation replaced by the numeraire.

    Walras' law makes one equation redundant when the transfers sum to zero; blocs drops the
    largest economy's (dropping a tiny economy's leaves Newton badly scaled; it can stall).
    Under ``deficits="balanced_with_us"`` the transfers do not sum to zero, so the choice
    matters: as in the paper's code, the equation of the country listed last is dropped and
    that market absorbs the world's excess spending (``walras_residual`` shows how much).
    """
    if deficits == "balanced_with_us":
        return p.E.shape[0] - 1
    return jnp.argmax(p.Y)


def residual(x, args):
    """Scaled residual; ``x = [log w_hat, log L_hat]``, ``args = (params, policy, static)``.

    Components: (1) relative market clearing, the last replaced by the numeraire, and (3)
    log labour supply; shape (2N,). (2) holds exactly by construction of ``E_hat``.
    """
    p, policy, st = args
    return conditions(aggregates(x, p, policy, st.deficits), p, st)


def residual_reference(x, args):
    """The same residual computed through the full N x N flows (plain autodiff; tests)."""
    p, policy, st = args
    n = p.E.shape[0]
    g0 = aggregates(x, p, policy, st.deficits)  # for E_hat only
    xx = jnp.concatenate([x[:n], jnp.log(g0.E_hat), x[n:]])
    o = evaluate(xx, p, policy)
    g = Aggregates(o.w_hat, o.E_hat, o.L_hat, o.P_hat, o.R, o.wLY, producer_income(p, o.X_new))
    return conditions(g, p, st)


def welfare(p: Params, o: Outcome, revenue_rule: str):
    """``W_hat = delta E_hat / P_hat + (1 - delta) w_hat L_hat / P_hat`` (models.md §1)."""
    tax = o.R / o.wLY if revenue_rule == "income_tax_relief" else jnp.zeros_like(o.wLY)
    delta = p.E / (p.E - p.kappa * (1.0 - tax) * p.Y / (1.0 + p.kappa))
    return delta * o.E_hat / o.P_hat + (1.0 - delta) * o.w_hat * o.L_hat / o.P_hat
