"""A fourth model in one module: the Armington endowment model (the worked example of
docs/architecture.md, "Adding a model").

Each country ``i`` is endowed with ``Y[i]`` units of its own good; importer ``n`` spends
``E[n] = Y[n] w_hat[n] + R[n] + D[n]`` with CES shares of elasticity ``sigma - 1 = eps``:

    lambda'[i, n] = lambda[i, n] (w_hat[i] tau_hat[i, n] d_hat[i, n])**(-eps) / sum_k (...)
    market clearing:  sum_n lambda'[i, n] E'[n] / (1 + t'[i, n]) = w_hat[i] Y[i]
    numeraire:        sum_i w_hat[i] Y[i] = sum_i Y[i]   (replaces the largest economy's)

Revenue is rebated lump sum; deficits are held fixed in the numeraire; welfare is real
expenditure ``E_hat / P_hat``.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from blocs.economy import Economy
from blocs.models.base import Model, Policy, Tables
from blocs.solvers import SolverResult


class ArmingtonOptions(BaseModel):
    """Options: the trade elasticity."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    trade_elasticity: float = Field(4.0, gt=0)


class ArmingtonParams(NamedTuple):
    lam: jax.Array  # (N, N) baseline tariff-inclusive shares
    E: jax.Array  # (N,) baseline expenditure
    Y: jax.Array  # (N,) endowment income
    D: jax.Array  # (N,) deficits
    t0: jax.Array  # (N, N)
    eps: jax.Array  # scalar


class ArmingtonEquilibrium(NamedTuple):
    w_hat: jax.Array
    E_hat: jax.Array
    P_hat: jax.Array
    status: jax.Array
    converged: jax.Array
    iterations: jax.Array
    max_residual: jax.Array


def _spending(x: jax.Array, p: ArmingtonParams, policy: Policy):
    w_hat = jnp.exp(x)
    tau_hat = (1.0 + policy.t) / (1.0 + p.t0)
    a = p.lam * (w_hat[:, None] * tau_hat * policy.d_hat) ** (-p.eps)
    lam_new = a / a.sum(axis=0)
    u = jnp.sum(lam_new * policy.t / (1.0 + policy.t), axis=0)  # revenue share of spending
    E = (w_hat * p.Y + p.D) / (1.0 - u)
    P_hat = a.sum(axis=0) ** (-1.0 / p.eps)
    return w_hat, lam_new, E, P_hat


class ArmingtonModel(Model):
    """The Armington endowment model behind the common interface."""

    name: ClassVar[str] = "armington"
    Options: ClassVar[type[BaseModel]] = ArmingtonOptions
    multisector: ClassVar[bool] = False
    economy_types: ClassVar[tuple[type, ...]] = (Economy,)
    outcome_names: ClassVar[tuple[str, ...]] = ("welfare_pct", "wage_pct")

    def calibrate(self, economy: Any, options: Any, *, elasticity: Any = None) -> ArmingtonParams:
        X = jnp.asarray(economy.X)
        t0 = jnp.asarray(economy.t)
        E = jnp.sum((1.0 + t0) * X, axis=0)
        Y = jnp.sum(X, axis=1)
        R = jnp.sum(t0 * X, axis=0)
        eps = options.trade_elasticity if elasticity is None else elasticity
        return ArmingtonParams(
            lam=(1.0 + t0) * X / E[None, :],
            E=E,
            Y=Y,
            D=E - Y - R,
            t0=t0,
            eps=jnp.reshape(jnp.asarray(eps, dtype=float), ()),
        )

    def elasticities(self, params: ArmingtonParams) -> jax.Array:
        return jnp.reshape(params.eps, (1,))

    def static(self, options: Any) -> None:
        return None

    def initial_guess(self, params: ArmingtonParams) -> jax.Array:
        return jnp.zeros(params.Y.shape[0])

    def residual(self, x: jax.Array, args: tuple[Any, Policy, Any]) -> jax.Array:
        p, policy, _ = args
        w_hat, lam_new, E, _ = _spending(x, p, policy)
        sales = jnp.sum(lam_new * E[None, :] / (1.0 + policy.t), axis=1)
        r = sales / (w_hat * p.Y) - 1.0
        numeraire = jnp.sum(w_hat * p.Y) / jnp.sum(p.Y) - 1.0
        return r.at[jnp.argmax(p.Y)].set(numeraire)

    def equilibrium(
        self, x: jax.Array, params: Any, policy: Policy, static: Any, result: SolverResult
    ) -> ArmingtonEquilibrium:
        w_hat, _, E, P_hat = _spending(x, params, policy)
        return ArmingtonEquilibrium(
            w_hat, E / params.E, P_hat, result.status, result.converged, result.iterations,
            result.max_residual,
        )  # fmt: skip

    def unknowns(self, eq: ArmingtonEquilibrium) -> jax.Array:
        return jnp.log(eq.w_hat)

    def outcomes(self, eq: ArmingtonEquilibrium) -> dict[str, jax.Array]:
        return {
            "welfare_pct": 100.0 * (eq.E_hat / eq.P_hat - 1.0),
            "wage_pct": 100.0 * (eq.w_hat - 1.0),
        }

    def welfare_hat(self, eq: ArmingtonEquilibrium) -> jax.Array:
        return eq.E_hat / eq.P_hat

    def tables(self, economy: Any, eq: ArmingtonEquilibrium) -> Tables:
        out = {k: np.asarray(v) for k, v in self.outcomes(eq).items()}
        weights = np.asarray(jnp.sum(jnp.asarray(economy.X), axis=0))
        countries = pd.DataFrame(
            {"iso3": list(economy.iso3), "name": list(economy.names), **out,
             "expenditure": weights, "gdp": weights}
        )  # fmt: skip
        return Tables(countries=countries, sectors=None)


#: The instance a registry line (or ``blocs.models.registry.register``) adds.
MODEL = ArmingtonModel()
