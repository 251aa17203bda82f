"""The Ossa (2014) model behind the common interface (:class:`blocs.models.base.Model`)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from pydantic import BaseModel, ConfigDict

from blocs.models.base import Model, Policy, Tables
from blocs.models.ossa.data import OssaEconomy
from blocs.models.ossa.equations import baseline_objects, residual, shock
from blocs.models.ossa.solve import OssaEquilibrium, balance, equilibrium_at
from blocs.solvers import SolverResult

__all__ = ["MODEL", "Ossa", "OssaModel", "OssaParams", "outcomes"]


class Ossa(BaseModel):
    """Options of the Ossa (2014) model (``[model]`` of a scenario).

    Attributes:
        deficits: ``"balanced"`` purges the baseline's trade imbalances first
            (:func:`blocs.models.ossa.balance`, Ossa's procedure) and holds net exports at
            zero; ``"data"`` holds the baseline's net exports fixed in levels.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    deficits: Literal["balanced", "data"] = "balanced"


class OssaParams(NamedTuple):
    """Calibrated Ossa arrays (a PyTree).

    Attributes:
        economy: the baseline (balanced under ``deficits="balanced"``).
        nx_new: counterfactual net exports in levels, shape (N,).
    """

    economy: OssaEconomy
    nx_new: jax.Array


def outcomes(eq: OssaEquilibrium) -> dict[str, jax.Array]:
    """Percent changes per region, arrays of shape (N,) (traceable)."""
    return {
        "welfare_pct": 100.0 * (eq.W_hat - 1.0),
        "government_welfare_pct": 100.0 * (eq.G_hat - 1.0),
        "expenditure_pct": 100.0 * (eq.E_hat - 1.0),
        "cpi_pct": 100.0 * (eq.P_hat - 1.0),
        "wage_pct": 100.0 * (eq.w_hat - 1.0),
        "relative_wage_pct": 100.0 * eq.relative_wage,
        "profit_wage_pct": 100.0 * (eq.profit_wage - 1.0),
    }


class OssaModel(Model):
    """Ossa (2014): many industries, Krugman with profit shifting (docs/models.md §5).

    Unknowns ``log w_hat`` (N); expenditure is solved exactly inside the residual. Policies
    have shape (N, N, S); the trade elasticity of industry ``s`` is ``sigma[s] - 1``.

    Example:
        >>> import jax.numpy as jnp
        >>> X = jnp.array([[8.0, 2.0], [2.0, 8.0]])[:, :, None]
        >>> eco = OssaEconomy(X=X, t=jnp.zeros((2, 2, 1)), sigma=jnp.array([4.0]),
        ...                   lam=jnp.ones((2, 1)), regions=("H", "F"), sectors=("x",))
        >>> t = jnp.array([[0.0, 0.0], [0.2, 0.0]])[:, :, None]
        >>> eq = MODEL.solve_economy(eco, Policy(t, jnp.ones_like(t)))
        >>> bool(MODEL.welfare_hat(eq)[0] > 1)
        True
    """

    name: ClassVar[str] = "ossa"
    title: ClassVar[str] = (
        "Ossa (2014) multi-industry Krugman model with profit shiftin"
        "g and political-economy weights"
    )
    Options: ClassVar[type[Ossa]] = Ossa
    multisector: ClassVar[bool] = True
    economy_types: ClassVar[tuple[type, ...]] = (OssaEconomy,)
    outcome_names: ClassVar[tuple[str, ...]] = (
        "welfare_pct",
        "government_welfare_pct",
        "expenditure_pct",
        "cpi_pct",
        "wage_pct",
        "relative_wage_pct",
        "profit_wage_pct",
    )
    method: ClassVar[str] = "damped Newton on log wages, expenditure solved exactly inside"

    def calibrate(self, economy: Any, options: Any, *, elasticity: Any = None) -> OssaParams:
        eco = economy
        if elasticity is not None:
            sigma = 1.0 + jnp.broadcast_to(jnp.asarray(elasticity, dtype=float), (economy.s,))
            eco = dataclasses.replace(eco, sigma=sigma)
        if options.deficits == "balanced":
            return OssaParams(economy=balance(eco), nx_new=jnp.zeros(eco.n))
        return OssaParams(economy=eco, nx_new=baseline_objects(eco).NX)

    def elasticities(self, params: OssaParams) -> jax.Array:
        return params.economy.sigma - 1.0

    def static(self, options: Any) -> None:
        return None

    def initial_guess(self, params: OssaParams) -> jax.Array:
        return jnp.zeros(params.economy.n)

    def _system(self, params: OssaParams, policy: Policy) -> tuple[Any, Any]:
        eco = params.economy
        t_new = jnp.asarray(policy.t) * (1.0 - jnp.eye(eco.n))[:, :, None]
        b = baseline_objects(eco)
        return b, shock(eco, b, t_new, params.nx_new, jnp.asarray(policy.d_hat))

    def residual(self, x: jax.Array, args: tuple[Any, Policy, Any]) -> jax.Array:
        params, policy, _ = args
        b, sh = self._system(params, policy)
        return residual(x, (b, params.economy.sigma, sh))

    def equilibrium(
        self, x: jax.Array, params: OssaParams, policy: Policy, static: Any, result: SolverResult
    ) -> OssaEquilibrium:
        b, sh = self._system(params, policy)
        return equilibrium_at(result._replace(x=x), params.economy, b, sh)

    def unknowns(self, eq: OssaEquilibrium) -> jax.Array:
        return jnp.log(eq.w_hat)

    def rebase(self, params: OssaParams, eq: OssaEquilibrium) -> OssaParams:
        eco = dataclasses.replace(params.economy, X=eq.X_new, t=eq.t_new)
        return OssaParams(economy=eco, nx_new=params.nx_new)

    def outcomes(self, eq: OssaEquilibrium) -> dict[str, jax.Array]:
        return outcomes(eq)

    def welfare_hat(self, eq: OssaEquilibrium) -> jax.Array:
        return eq.W_hat

    def baseline_income(self, economy: Any) -> jax.Array:
        return baseline_objects(economy).E

    def tables(self, economy: Any, eq: OssaEquilibrium) -> Tables:
        import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

        out = {k: np.asarray(v) for k, v in outcomes(eq).items()}
        countries = pd.DataFrame(
            {"iso3": list(economy.regions), "name": list(economy.regions), **out}
        )
        n, S = economy.n, economy.s
        sectors = pd.DataFrame(
            {
                "iso3": np.repeat(list(economy.regions), S),
                "sector": list(economy.sectors) * n,
                "price_pct": 100.0 * (np.asarray(eq.P_hat_s).reshape(-1) - 1.0),
            }
        )
        return Tables(countries=countries, sectors=sectors)

    def parameters(self, economy: Any, eq: OssaEquilibrium) -> dict[str, Any]:
        return {
            "sigma": dict(zip(economy.sectors, map(float, np.asarray(economy.sigma)), strict=True))
        }


#: The registered instance.
MODEL = OssaModel()
