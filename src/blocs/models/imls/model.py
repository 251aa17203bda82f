"""The one-sector IMLS model behind the common interface (:class:`blocs.models.base.Model`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from blocs.economy import Economy
from blocs.errors import ConvergenceError
from blocs.models.base import (
    DEFICIT_NOISE_SHARE,
    Model,
    Policy,
    SweepParameters,
    Tables,
    deficit_change,
    pct_change,
)
from blocs.models.imls.closed_form import (
    optimal_tariff_closed_form,
    region_optimal_tariff,
    unilateral_optimal_tariff,
)
from blocs.models.imls.equations import Params, Static, aggregates, calibrate, welfare
from blocs.models.imls.options import IMLS
from blocs.models.imls.rate_columns import rate_functions
from blocs.models.imls.solve import (
    Solution,
    initial_unknowns,
    rebase,
    solution_at,
    solution_x,
    solve,
    solve_core,
    solve_program,
    system_residual,
)
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL, SolverResult, status_message

__all__ = [
    "COUNTRY_COLUMNS",
    "IMLSModel",
    "MODEL",
    "data_outcomes",
    "outcomes",
    "welfare_change",
]

#: Columns of the country table, in display order (docs/models.md §1 "Welfare and outcomes").
COUNTRY_COLUMNS = (
    "iso3",
    "name",
    "welfare_pct",
    "deficit_change_pct",
    "exports_gdp_pct",
    "imports_gdp_pct",
    "employment_pct",
    "cpi_pct",
    "tariff_revenue_pct",
)


def outcomes(sol: Solution, xp: Any = jnp) -> dict[str, Any]:
    """The percent-change outcomes of a solution, arrays of shape (N,) (traceable).

    With a reference equilibrium (``deficits="balanced_with_us"``) each outcome is the
    difference between this equilibrium's and the reference's changes from the data, as
    IMLS (2025, Table 10) report them. ``xp=numpy``: the same numbers from a concrete
    solution in NumPy (no XLA program per operation; :meth:`IMLSModel.tables`).
    """
    own = data_outcomes(sol, xp)
    if sol.reference is None:
        return own
    ref = data_outcomes(sol.reference, xp)
    return {k: v - ref[k] for k, v in own.items()}


def welfare_change(sol: Solution) -> jax.Array:
    """Welfare as a hat, consistent with :func:`outcomes` (difference from the reference)."""
    if sol.reference is None:
        return sol.welfare_hat
    return 1.0 + sol.welfare_hat - sol.reference.welfare_hat


def data_outcomes(sol: Solution, xp: Any = jnp) -> dict[str, Any]:
    """The percent changes of ``sol`` from the data's baseline, shape (N,) each
    (``xp``: ``jax.numpy``, traceable, or ``numpy`` on a concrete solution)."""
    if xp is np:
        sol = jax.tree.map(np.asarray, sol)
    p = sol.params
    off = 1.0 - xp.eye(p.E.shape[0])
    X0 = p.lam * p.E[None, :] / (1.0 + p.t0)
    X1 = sol.X_new
    Y0 = p.Y
    Y1 = sol.w_hat * sol.L_hat * Y0
    imp0, imp1 = (X0 * off).sum(0), (X1 * off).sum(0)
    exp0, exp1 = (X0 * off).sum(1), (X1 * off).sum(1)
    change = deficit_change if xp is jnp else deficit_change_np
    return {
        "welfare_pct": 100.0 * (sol.welfare_hat - 1.0),
        "deficit_change_pct": change(imp1 - exp1, imp0 - exp0, imp0 + exp0),
        "exports_gdp_pct": pct_change(exp1 / Y1, exp0 / Y0),
        "imports_gdp_pct": pct_change(imp1 / Y1, imp0 / Y0),
        "employment_pct": 100.0 * (sol.L_hat - 1.0),
        "cpi_pct": 100.0 * (sol.P_hat - 1.0),
        "tariff_revenue_pct": 100.0 * sol.R / p.E,
    }


def deficit_change_np(D1: np.ndarray, D0: np.ndarray, trade0: np.ndarray) -> np.ndarray:
    """:func:`blocs.models.base.deficit_change` in NumPy (NaN where the baseline deficit is
    below :data:`~blocs.models.base.DEFICIT_NOISE_SHARE` of trade)."""
    defined = np.abs(D0) > DEFICIT_NOISE_SHARE * np.abs(trade0)
    safe = np.where(defined, np.abs(D0), 1.0)
    return np.where(defined, 100.0 * (D1 - D0) / safe, np.nan)


class IMLSModel(Model):
    """Ignatenko, Macedoni, Lashkaripour & Simonovska (2025): one sector (docs/models.md §1).

    Unknowns ``[log w_hat, log L_hat]`` (2N); ``Params`` from :func:`calibrate` (with the
    deficits purged first under ``deficits="balanced"``).

    Example:
        >>> import blocs
        >>> eco = blocs.load_world2023()
        >>> m = IMLSModel()
        >>> sol = m.solve_economy(eco, Policy(jnp.asarray(blocs.liberation_day_tariffs(eco)),
        ...                                   jnp.ones((eco.n, eco.n))))
        >>> round(float(m.outcomes(sol)["welfare_pct"][eco.index("USA")]), 2)
        1.13
    """

    name: ClassVar[str] = "imls"
    title: ClassVar[str] = (
        "IMLS one-sector general equilibrium (Ignatenko, Macedoni, Lashkaripour & Simonovska 2025)"
    )
    Options: ClassVar[type[IMLS]] = IMLS
    multisector: ClassVar[bool] = False
    economy_types: ClassVar[tuple[type, ...]] = (Economy,)
    outcome_names: ClassVar[tuple[str, ...]] = COUNTRY_COLUMNS[2:]
    sweep_parameters: ClassVar[SweepParameters] = SweepParameters(
        grid=("trade_elasticity", "labour_supply_elasticity", "pass_through"),
        random=("trade_elasticity", "labour_supply_elasticity"),
    )

    def calibrate(self, economy: Any, options: Any, *, elasticity: Any = None) -> Params:
        eps = None if elasticity is None else jnp.reshape(jnp.asarray(elasticity), ())
        p = calibrate(economy, options, eps=eps)
        if options.deficits != "balanced":
            return p
        st = Static(options.revenue, "balanced", options.numeraire)
        n = economy.n
        sol = solve_program(p, Policy(t=p.t0, d_hat=jax.device_put(np.ones((n, n)))), st,
                            DEFAULT_TOL, DEFAULT_MAX_STEPS)  # fmt: skip
        if not isinstance(sol.converged, jax.core.Tracer) and not bool(sol.converged):
            raise ConvergenceError(
                "could not balance the baseline "
                f"({status_message(sol.status)}; max residual {float(sol.max_residual):.3g}); "
                "try deficits='fixed_share_of_world_income'",
                sol,
            )
        return rebase(p, sol)

    def elasticities(self, params: Params) -> jax.Array:
        return jnp.reshape(params.eps, (1,))

    def static(self, options: Any) -> Static:
        if isinstance(options, Static):
            return options
        return Static(options.revenue, options.deficits, options.numeraire)

    def initial_guess(self, params: Params) -> jax.Array:
        return initial_unknowns(params)

    def residual(self, x: jax.Array, args: tuple[Any, Policy, Any]) -> jax.Array:
        return system_residual(x, args)

    def solve(
        self,
        params: Params,
        policy: Policy,
        static: Any,
        *,
        tol: float = DEFAULT_TOL,
        max_steps: int = DEFAULT_MAX_STEPS,
        x0: jax.Array | None = None,
    ) -> Solution:
        """Pure solve (with the reference equilibrium where the deficit option needs one)."""
        return solve_core(params, Policy(*policy), self.static(static), tol, max_steps, x0)

    def equilibrium(
        self, x: jax.Array, params: Params, policy: Policy, static: Any, result: SolverResult
    ) -> Solution:
        return solution_at(x, params, Policy(*policy), static, result)

    def unknowns(self, eq: Solution) -> jax.Array:
        return solution_x(eq)

    def rebase(self, params: Params, eq: Solution) -> Params:
        return rebase(params, eq)

    def solve_economy(
        self,
        economy: Any,
        policy: Policy,
        options: Any = None,
        *,
        tol: float = DEFAULT_TOL,
        max_steps: int = DEFAULT_MAX_STEPS,
        throw: bool = True,
        x0: jax.Array | None = None,
    ) -> Solution:
        """Calibrate, solve (with continuation from the baseline if a direct solve fails).

        ``x0``: a warm start (:meth:`unknowns` of a nearby equilibrium, same data and
        options); if Newton fails from it, the solve starts again from the baseline."""
        return solve(
            economy, Policy(*policy), options, tol=tol, max_steps=max_steps, throw=throw, x0=x0
        )

    def closed_form_tariff(
        self, params: Params, importer: int, convention: str = "expenditure"
    ) -> jax.Array:
        return unilateral_optimal_tariff(params, importer, convention)

    def closed_form_retaliation(
        self, params: Params, by: Any, convention: str = "expenditure"
    ) -> jax.Array:
        return region_optimal_tariff(params, by, convention)

    def outcomes(self, eq: Solution) -> dict[str, jax.Array]:
        return outcomes(eq)

    def welfare_hat(self, eq: Solution) -> jax.Array:
        return welfare_change(eq)

    def welfare_at(self, x: jax.Array, params: Params, policy: Policy, static: Any) -> jax.Array:
        """Welfare from the fast aggregates (no N x N flows): the same number as through
        the flows (to ~1e-16), at a fraction of the cost of its derivatives."""
        return welfare(params, aggregates(x, params, policy, static.deficits), static.revenue)  # type: ignore[arg-type]

    def rate_functions(self, params: Params, static: Any, base: jax.Array, pos: jax.Array,
                       columns: Sequence[int]) -> Callable | None:  # fmt: skip
        """Column-structured residual and welfare (:mod:`blocs.models.imls.rate_columns`);
        None under roundabout production or for tariffs that are not (N, N)."""
        if params.beta is not None or jnp.ndim(base) != 2:
            return None
        return rate_functions(params, self.static(static), base, pos, columns)

    def expenditure(self, params: Params) -> jax.Array:
        return params.E

    def tables(self, economy: Any, eq: Solution) -> Tables:
        import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

        countries = pd.DataFrame(self.country_columns(economy, eq))
        return Tables(countries=countries, sectors=None)

    def country_columns(self, economy: Any, eq: Solution) -> dict[str, Any]:
        """The countries table's columns in NumPy (no pandas, no XLA program)."""
        return {
            "iso3": np.asarray(economy.iso3, dtype=object),
            "name": np.asarray(economy.names, dtype=object),
            **{k: np.asarray(v) for k, v in outcomes(eq, np).items()},
            "expenditure": np.asarray(eq.params.E),
            "gdp": np.asarray(eq.params.Y),
        }

    def parameters(self, economy: Any, eq: Solution) -> dict[str, Any]:
        p = eq.params
        nu = np.asarray(p.nu)
        return {
            "trade_elasticity": float(p.eps),
            "labour_supply_elasticity": float(p.kappa),
            "psi": float(p.psi),
            "profit_share_us": float(nu[economy.iso3.index("USA")])
            if "USA" in economy.iso3
            else None,
            "profit_share_other_median": float(np.median(nu)),
        }

    def diagnostics(self, eq: Solution) -> dict[str, float]:
        return {"walras_residual": float(eq.walras_residual)}

    def baseline_income(self, economy: Any) -> jax.Array:
        return economy.E

    def closed_form_optimal_tariff(self, economy: Any, options: Any, country: str) -> float:
        return optimal_tariff_closed_form(economy, options, country)


#: The registered instance.
MODEL = IMLSModel()
