"""The multi-sector model behind the common interface (:class:`blocs.models.base.Model`).

:class:`CaliendoParro` are its options (``[model]`` table), :class:`CaliendoParroModel` the
interface implementation and :data:`MODEL` the registered instance.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from blocs.economy import MultiSectorEconomy
from blocs.errors import InputError
from blocs.models.base import Model, SweepParameters, Tables
from blocs.models.caliendo_parro.equations import paper_baseline, shock_weights
from blocs.models.caliendo_parro.flows import read_flows
from blocs.models.caliendo_parro.formula import formula_optimal_tariffs
from blocs.models.caliendo_parro.inner import DEFAULT_INNER_ITERATIONS, scaled_residual
from blocs.models.caliendo_parro.results import MultiSectorEquilibrium, outcomes, tables
from blocs.models.caliendo_parro.solve import (
    anonymous,
    balanced_baseline,
    data_baseline,
    data_gap,
    equilibrium_from_root,
    rebase,
    solve_multisector,
)
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL, SolverResult

__all__ = ["MODEL", "CPParams", "CPStatic", "CaliendoParro", "CaliendoParroModel"]

Array = jax.Array


class CaliendoParro(BaseModel):
    """Options of the multi-sector model (Caliendo & Parro 2015).

    ``deficits``: ``"data"`` holds the baseline deficits fixed, measured from the model's own
    equilibrium with them when the data are not one (as Caliendo & Parro's code and the R
    ``cp2015`` package do); ``"balanced"`` re-bases on a zero-deficit world first (the
    paper's Table 2). ``elasticities``: which set of sectoral
    trade elasticities the data loader attaches (icio2022). ``inner_iterations``: cap on the
    inner fixed-point steps.

    How the flows of the data are read (docs/models.md, "tariffwar's conventions"):
    ``flows = "customs_value"`` (default) reads them as before tariffs;
    ``"tariff_inclusive"`` as what the importer pays, tariffs included (customs value
    ``X / (1 + t)``), as Lashkaripour's ``tariffwar`` does. ``domestic_flow_offset`` is added
    to every domestic flow (exporter = importer, every sector) before that, in the data's
    units (tariffwar adds 1, i.e. one million USD, on icio2022 so that no country has a zero
    domestic flow). Deficits and final-demand shares are recomputed from the flows read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    deficits: Literal["data", "balanced"] = "data"
    elasticities: str = "caliendo_parro_2015"
    inner_iterations: int = Field(DEFAULT_INNER_ITERATIONS, ge=10)
    flows: Literal["customs_value", "tariff_inclusive"] = "customs_value"
    domestic_flow_offset: float = Field(0.0, ge=0.0, allow_inf_nan=False)


class CPParams(NamedTuple):
    """Calibrated arrays of the multi-sector model.

    Attributes:
        economy: the (label-free) baseline the hats refer to: the data, or the balanced world
            under ``deficits="balanced"``; its ``theta`` holds the elasticities used.
        D_new: counterfactual deficits, shape (N,) (the baseline's, or zeros).
    """

    economy: MultiSectorEconomy
    D_new: Array


class CPStatic(NamedTuple):
    """The hashable options the equations branch on."""

    inner_iterations: int
    tol: float


class CaliendoParroModel(Model):
    """Caliendo & Parro (2015): many sectors, input-output links (docs/models.md §2).

    Unknowns ``log w_hat`` (N); the price and expenditure systems are solved inside the
    residual. Policies have shape (N, N, S).
    """

    name: ClassVar[str] = "caliendo_parro"
    title: ClassVar[str] = (
        "Caliendo-Parro multi-sector general equilibrium with input-o"
        "utput links (Caliendo & Parro 2015)"
    )
    Options: ClassVar[type[CaliendoParro]] = CaliendoParro
    multisector: ClassVar[bool] = True
    economy_types: ClassVar[tuple[type, ...]] = (MultiSectorEconomy,)
    outcome_names: ClassVar[tuple[str, ...]] = (
        "welfare_pct",
        "deficit_change_pct",
        "exports_gdp_pct",
        "imports_gdp_pct",
        "employment_pct",
        "cpi_pct",
        "tariff_revenue_pct",
        "tot_pct",
        "vot_pct",
        "welfare_linear_pct",
        "real_wage_pct",
    )
    sweep_parameters: ClassVar[SweepParameters] = SweepParameters(
        grid=("elasticities",), random=("theta_scale", "theta_sector")
    )

    def calibrate(self, economy: Any, options: Any, *, elasticity: Any = None) -> CPParams:
        eco = anonymous(read_flows(economy, options.flows, options.domestic_flow_offset))
        if elasticity is not None:
            theta = jnp.broadcast_to(jnp.asarray(elasticity, dtype=float), (economy.s,))
            eco = dataclasses.replace(eco, theta=theta)
        if options.deficits == "balanced":
            eco = balanced_baseline(eco, inner_iterations=options.inner_iterations)
            return CPParams(economy=eco, D_new=jnp.zeros(economy.n))
        eco = data_baseline(eco, inner_iterations=options.inner_iterations)
        return CPParams(economy=eco, D_new=eco.D)

    def elasticities(self, params: CPParams) -> Array:
        return params.economy.theta

    def static(self, options: Any) -> CPStatic:
        if isinstance(options, CPStatic):
            return options
        return CPStatic(options.inner_iterations, DEFAULT_TOL)

    def initial_guess(self, params: CPParams) -> Array:
        return jnp.zeros(params.economy.n)

    def residual(self, x: Array, args: tuple[Any, Any, Any]) -> Array:
        params, policy, st = args
        base = paper_baseline(params.economy)
        W = shock_weights(base, policy.t, policy.d_hat)
        return scaled_residual(x, (base, W, params.D_new), iterations=st.inner_iterations)

    def equilibrium(
        self, x: Array, params: CPParams, policy: Any, static: Any, result: SolverResult
    ) -> MultiSectorEquilibrium:
        base = paper_baseline(params.economy)
        W = shock_weights(base, policy.t, policy.d_hat)
        res = result._replace(x=x)
        return equilibrium_from_root(
            res,
            params.economy,
            base,
            W,
            params.D_new,
            policy.t,
            policy.d_hat,
            static.inner_iterations,
            static.tol,
        )

    def unknowns(self, eq: MultiSectorEquilibrium) -> Array:
        return jnp.log(eq.w_hat)

    def rebase(self, params: CPParams, eq: MultiSectorEquilibrium) -> CPParams:
        return CPParams(economy=rebase(eq), D_new=eq.D_new)

    def solve_economy(
        self,
        economy: Any,
        policy: Any,
        options: Any = None,
        *,
        tol: float = DEFAULT_TOL,
        max_steps: int = DEFAULT_MAX_STEPS,
        throw: bool = True,
        x0: Any = None,
    ) -> MultiSectorEquilibrium:
        """Calibrate and solve. ``x0`` (a warm start) is accepted for the common signature
        and not used: the multi-sector solve always starts from the baseline."""
        del x0
        options = options or CaliendoParro()
        return solve_multisector(
            read_flows(economy, options.flows, options.domestic_flow_offset),
            policy.t,
            d_hat=policy.d_hat,
            deficits=options.deficits,
            tol=tol,
            max_steps=max_steps,
            inner_iterations=options.inner_iterations,
            throw=throw,
        )

    def expenditure(self, params: CPParams) -> Array:
        return params.economy.income

    def baseline_income(self, economy: Any) -> Array:
        return economy.income

    def outcomes(self, eq: MultiSectorEquilibrium) -> dict[str, Array]:
        return outcomes(eq)

    def welfare_hat(self, eq: MultiSectorEquilibrium) -> Array:
        return 1.0 + eq.welfare_pct / 100.0

    def formula_optimal_tariffs(self, eq: MultiSectorEquilibrium) -> Array:
        if eq.baseline.gamma_io is not None:
            raise InputError(
                "the optimal-tariff formula of Lashkaripour (2021) holds without "
                "input-output links; this data has them (use the exact Nash equilibrium)"
            )
        return formula_optimal_tariffs(eq)

    def tables(self, economy: Any, eq: MultiSectorEquilibrium) -> Tables:
        return tables(economy, eq)

    def parameters(self, economy: Any, eq: MultiSectorEquilibrium) -> dict[str, Any]:
        return {
            "trade_elasticities": dict(
                zip(economy.sectors, map(float, np.asarray(eq.baseline.theta)), strict=True)
            ),
            "input_output_links": economy.gamma_io is not None,
        }

    def diagnostics(self, eq: MultiSectorEquilibrium) -> dict[str, float]:
        return {"walras_residual": float(np.max(np.abs(np.asarray(eq.trade_balance_residual))))}

    def data_gap(self, economy: Any, options: Any = None) -> float:
        """How far ``economy`` is from an equilibrium with its own deficits (largest scaled
        residual at the data; ``deficits="data"`` solves that equilibrium first if > tol)."""
        options = options or CaliendoParro()
        economy = read_flows(economy, options.flows, options.domestic_flow_offset)
        return float(data_gap(economy, inner_iterations=options.inner_iterations))


#: The registered instance.
MODEL = CaliendoParroModel()
