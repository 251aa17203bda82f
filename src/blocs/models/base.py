"""The model interface: what every general-equilibrium model in blocs provides.

A model is a stateless object (one per model, registered in :mod:`blocs.models.registry`)
whose methods are pure functions of immutable data:

==========================  ==============================================================
``Options``                 a frozen pydantic class of the model's options (``[model]``)
``calibrate``               economy + options -> ``Params`` (a PyTree of baseline arrays)
``elasticities``            the trade elasticity of each sector, shape (S,), from ``Params``
``static``                  the hashable part of the options the equations branch on
``initial_guess``           the starting unknowns (the baseline), shape (m,)
``residual``                scaled equilibrium conditions ``r(x)``, shape (m,)
``equilibrium``             unknowns at the root -> the model's equilibrium record
``solve``                   pure: ``newton(residual)`` then ``equilibrium`` (jit/vmap/grad)
``solve_economy``           the top-level solve: calibrate, solve, raise on failure
``outcomes``                traceable per-country percent changes, ``{name: (N,)}``
``welfare_hat``             real income change per country (hat), shape (N,)
``welfare_at``              the same at given unknowns (for implicit derivatives)
``expenditure``             baseline expenditure per country (weights), shape (N,)
``tables``                  labelled pandas tables (countries; sectors for multi-sector)
``rebase``                  the counterfactual as a new baseline ``Params``
==========================  ==============================================================

Conventions (indices, hats, units, numeraire) are those of :mod:`blocs._conventions` and
``docs/models.md``. Policies are :class:`Policy` records: counterfactual tariffs ``t'`` and
iceberg trade-cost changes ``d_hat``, shape (N, N) for a one-sector model and (N, N, S) for a
multi-sector one. ``docs/architecture.md`` shows how to add a model.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp
from pydantic import BaseModel, ValidationError

from blocs.errors import ConvergenceError, InputError
from blocs.solvers import (
    DEFAULT_MAX_STEPS,
    DEFAULT_TOL,
    SolverResult,
    newton,
    one_blas_thread,
    status_message,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Model",
    "Policy",
    "SweepParameters",
    "Tables",
    "DEFICIT_NOISE_SHARE",
    "deficit_change",
    "undefined_deficits",
    "options_error",
    "pct_change",
]


class Policy(NamedTuple):
    """A counterfactual: new tariffs and iceberg trade-cost changes.

    Attributes:
        t: counterfactual tariffs ``t'[i, n]`` (one sector, shape (N, N)) or
            ``t'[i, n, s]`` (shape (N, N, S)); zero on the diagonal.
        d_hat: iceberg trade-cost changes (1 = none), the shape of ``t``.
    """

    t: jax.Array
    d_hat: jax.Array


class Tables(NamedTuple):
    """Labelled results of one equilibrium.

    Attributes:
        countries: one row per country (``iso3``, ``name`` and ``*_pct`` outcome columns).
        sectors: one row per country and sector (multi-sector models), else None.
    """

    countries: pd.DataFrame
    sectors: pd.DataFrame | None


class SweepParameters(NamedTuple):
    """What a sweep (:mod:`blocs.sweep`) may vary in a model.

    Attributes:
        grid: option keys a sweep may set to listed values (``grid``).
        random: parameters a sweep may draw at random: option keys (numbers), or the
            factors ``theta_scale`` (one factor on every elasticity) and ``theta_sector``
            (one per sector) on :meth:`Model.elasticities`, which the sweep passes to
            :meth:`Model.calibrate` as ``elasticity``.
    """

    grid: tuple[str, ...] = ()
    random: tuple[str, ...] = ()


def options_error(where: str, exc: ValidationError) -> InputError:
    """An :class:`InputError` naming each bad key of an options table."""
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(table)"
        parts.append(f"{where}.{key}: {err['msg']}")
    return InputError("; ".join(parts))


class Model(abc.ABC):
    """A general-equilibrium trade model (see the module docstring for the contract).

    Subclasses set :attr:`name`, :attr:`Options`, :attr:`multisector` and
    :attr:`economy_types`, and implement the abstract methods. Every method is pure; the
    only ones that may raise are :meth:`options`, :meth:`check_economy` and
    :meth:`solve_economy` (top-level entry points).
    """

    #: Registry key (the ``model`` of a scenario file).
    name: ClassVar[str]
    #: The model's options: a frozen pydantic class with the paper's defaults.
    Options: ClassVar[type[BaseModel]]
    #: Whether policies carry a sector axis (shape (N, N, S)).
    multisector: ClassVar[bool]
    #: The economy classes this model runs on.
    economy_types: ClassVar[tuple[type, ...]]
    #: The percent-change outcome columns :meth:`outcomes` returns, in display order.
    outcome_names: ClassVar[tuple[str, ...]]
    #: The model in a few words, with its source (for reports).
    title: ClassVar[str] = ""
    #: A one-line description of the solution method (for manifests).
    method: ClassVar[str] = "damped Newton, exact autodiff Jacobian"
    #: What a sweep may vary (none by default).
    sweep_parameters: ClassVar[SweepParameters] = SweepParameters()

    # -- options and data ---------------------------------------------------------------

    def options(self, raw: Mapping[str, Any] | None = None, *, where: str = "model") -> Any:
        """Validated options from a ``[model]`` table; errors name the key."""
        try:
            return self.Options.model_validate(dict(raw or {}))
        except ValidationError as exc:
            raise options_error(where, exc) from None

    def accepts(self, economy: Any) -> bool:
        """Whether ``economy`` is data this model runs on."""
        return isinstance(economy, self.economy_types)

    def check_economy(self, economy: Any, *, where: str = "data") -> None:
        """Raise :class:`InputError` if ``economy`` is not data for this model."""
        if not self.accepts(economy):
            kind = "multi-sector" if self.multisector else "one-sector"
            raise InputError(
                f"{where}: the {self.name} model needs {kind} data "
                f"({', '.join(t.__name__ for t in self.economy_types)}), "
                f"not {type(economy).__name__}"
            )

    def sectors(self, economy: Any) -> tuple[str, ...] | None:
        """Sector codes of ``economy`` (None for one-sector models)."""
        return tuple(economy.sectors) if self.multisector else None

    def baseline_policy(self, economy: Any) -> Policy:
        """The baseline as a policy: the data's tariffs, no trade-cost change."""
        t = jnp.asarray(economy.t, dtype=float)
        return Policy(t=t, d_hat=jnp.ones_like(t))

    # -- calibration --------------------------------------------------------------------

    @abc.abstractmethod
    def calibrate(self, economy: Any, options: Any, *, elasticity: Any = None) -> Any:
        """Baseline arrays (a PyTree) for ``economy`` under ``options``.

        ``elasticity`` (optional, may be a JAX tracer: a scalar, or shape (S,)) replaces the
        trade elasticity everywhere it enters, so derivatives with respect to it equal those
        of re-running with another elasticity.
        """

    @abc.abstractmethod
    def elasticities(self, params: Any) -> jax.Array:
        """Trade elasticity of each sector, shape (S,) (S = 1 for one-sector models)."""

    def rebase(self, params: Any, eq: Any) -> Any:
        """The equilibrium ``eq`` as a new baseline (``Params``); traceable."""
        raise NotImplementedError(f"the {self.name} model cannot re-base on an equilibrium")

    # -- solving ------------------------------------------------------------------------

    def static(self, options: Any) -> Any:
        """The hashable options the equations branch on (a ``jit`` static argument).

        Numbers that may vary in a batch (elasticities) belong in ``Params``, not here, so
        that changing them does not recompile.
        """
        return options

    @abc.abstractmethod
    def initial_guess(self, params: Any) -> jax.Array:
        """Unknowns at the baseline, shape (m,)."""

    @abc.abstractmethod
    def residual(self, x: jax.Array, args: tuple[Any, Policy, Any]) -> jax.Array:
        """Scaled equilibrium conditions at ``x``; ``args = (params, policy, static)``."""

    @abc.abstractmethod
    def equilibrium(
        self, x: jax.Array, params: Any, policy: Policy, static: Any, result: SolverResult
    ) -> Any:
        """The model's equilibrium record at unknowns ``x`` (``result``: the solver's)."""

    @abc.abstractmethod
    def unknowns(self, eq: Any) -> jax.Array:
        """The unknowns of an equilibrium (a warm start for a nearby solve), shape (m,)."""

    def solve(
        self,
        params: Any,
        policy: Policy,
        static: Any,
        *,
        tol: float = DEFAULT_TOL,
        max_steps: int = DEFAULT_MAX_STEPS,
        x0: jax.Array | None = None,
    ) -> Any:
        """Solve for the equilibrium: pure, jittable, vmappable, differentiable.

        ``static`` is :meth:`static` of the options. Never raises: the record's ``status``
        says whether (and why not) it converged.
        """
        x0 = self.initial_guess(params) if x0 is None else x0
        res = newton(self.residual, x0, (params, policy, static), tol=tol, max_steps=max_steps)
        return self.equilibrium(res.x, params, policy, static, res)

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
    ) -> Any:
        """Calibrate and solve (the top-level call); raise on failure when ``throw``.

        ``x0``: a warm start, :meth:`unknowns` of a nearby equilibrium of the same model,
        data and options (default: the baseline)."""
        options = self.Options() if options is None else options
        params = self.calibrate(economy, options)
        with one_blas_thread():  # small LUs on one BLAS thread (issue 13)
            eq = self.solve(
                params, policy, self.static(options), tol=tol, max_steps=max_steps, x0=x0
            )
            jax.block_until_ready(eq)
        if throw and not bool(eq.converged):
            raise ConvergenceError(
                f"the {self.name} equilibrium did not converge: {status_message(eq.status)} "
                f"(largest relative residual {float(eq.max_residual):.3g}, tolerance {tol:g})",
                eq,
            )
        return eq

    # -- results ------------------------------------------------------------------------

    @abc.abstractmethod
    def outcomes(self, eq: Any) -> dict[str, jax.Array]:
        """Per-country percent changes, ``{name: shape (N,)}`` (traceable)."""

    @abc.abstractmethod
    def welfare_hat(self, eq: Any) -> jax.Array:
        """Real income change per country (a hat: 1 = no change), shape (N,) (traceable)."""

    def welfare_at(self, x: jax.Array, params: Any, policy: Policy, static: Any) -> jax.Array:
        """:meth:`welfare_hat` of the equilibrium at unknowns ``x``, shape (N,) (traceable).

        A function of the unknowns for derivatives through an equilibrium (implicit
        function theorem). The default builds the whole record; a model may compute the
        welfare alone, more cheaply.
        """
        dummy = SolverResult(x, jnp.asarray(0, jnp.int32), jnp.asarray(0, jnp.int32),
                             jnp.asarray(0.0))  # fmt: skip
        return self.welfare_hat(self.equilibrium(x, params, policy, static, dummy))

    def rate_functions(self, params: Any, static: Any, base: jax.Array, pos: jax.Array,
                       columns: Sequence[int]) -> Callable | None:  # fmt: skip
        """``(x, rate) -> (residual, welfare)`` at the tariffs ``where(pos, rate, base)``
        (``d_hat = 1``), computed so that derivatives in the rate cost O(N) per column,
        or None (the default: not available; use :meth:`residual` and :meth:`welfare_at`
        of the whole policy).

        Args:
            base: tariffs, the shape of the policy's. pos: bool, the same shape, False
                outside the importers ``columns`` (static ints).

        The values equal :meth:`residual` and :meth:`welfare_at` to rounding, as do their
        derivatives (traceable; used by best responses, :mod:`blocs.coalitions.response`).
        """
        return None

    def expenditure(self, params: Any) -> jax.Array:
        """Baseline expenditure (final demand) per country, shape (N,): the weights of
        group averages of welfare (traceable).

        Raises:
            NotImplementedError: the model does not say (coalition analysis needs it).
        """
        raise NotImplementedError(f"the {self.name} model does not give its expenditure")

    @abc.abstractmethod
    def tables(self, economy: Any, eq: Any) -> Tables:
        """Labelled tables of an equilibrium (concrete arrays)."""

    def country_columns(self, economy: Any, eq: Any) -> dict[str, Any]:
        """The columns of ``tables(economy, eq).countries`` as ``{name: NumPy array (N,)}``,
        in order. The default reads the table; a model may build them without pandas (a
        one-off ``blocs run`` then never imports it, issue 13)."""
        countries = self.tables(economy, eq).countries
        return {str(c): countries[c].to_numpy() for c in countries.columns}

    # -- optional capabilities --------------------------------------------------------

    def closed_form_tariff(
        self, params: Any, importer: int, convention: str = "expenditure"
    ) -> jax.Array:
        """The model's closed-form uniform optimal tariff of ``importer`` at the baseline.

        ``convention``: which variant of the formula (IMLS: ``"expenditure"`` or ``"gdp"``
        in the denominator of ``delta``, docs/models.md §1).

        Raises:
            NotImplementedError: the model has no closed form.
        """
        raise NotImplementedError

    def closed_form_retaliation(
        self, params: Any, by: Any, convention: str = "expenditure"
    ) -> jax.Array:
        """Closed-form optimal uniform tariff of the region ``by`` (bool mask, shape (N,))
        against everyone else, at the baseline (``convention`` as in
        :meth:`closed_form_tariff`).

        Raises:
            NotImplementedError: the model has no closed form (a numerical best response is
                used instead).
        """
        raise NotImplementedError

    def formula_optimal_tariffs(self, eq: Any) -> jax.Array:
        """Each country's optimal uniform tariff on all its imports by the model's
        closed-form formula, evaluated at the equilibrium ``eq``, shape (N,) (imposing it
        for every country gives the formula-based Nash war of ``tariffwar``).

        Raises:
            NotImplementedError: the model has no such formula.
        """
        raise NotImplementedError(f"the {self.name} model has no optimal-tariff formula")

    def parameters(self, economy: Any, eq: Any) -> dict[str, Any]:
        """The model's parameters at ``eq`` for a run manifest (JSON-ready)."""
        return {}

    def diagnostics(self, eq: Any) -> dict[str, float]:
        """Solver diagnostics beyond status, iterations and residual (JSON-ready)."""
        return {}

    # -- strategy (tariff games) ----------------------------------------------------------

    def baseline_income(self, economy: Any) -> jax.Array:
        """Baseline income of each country, shape (N,): the weights of a group's members
        in a tariff game's objective (:mod:`blocs.strategy.game`)."""
        raise NotImplementedError(f"the {self.name} model does not define baseline income")

    def closed_form_optimal_tariff(self, economy: Any, options: Any, country: str) -> float | None:
        """A closed-form optimal uniform tariff of ``country`` on every other, if the model
        has one (reported beside the numerical optimum); None otherwise."""
        return None


def pct_change(x1: Any, x0: Any) -> Any:
    """``100 (x1 / x0 - 1)`` (traceable)."""
    return 100.0 * (x1 / x0 - 1.0)


#: A baseline deficit smaller than this share of the country's trade (imports + exports)
#: counts as balanced: its percent change is not defined (NaN). 1e-4 of trade (0.01 %) is
#: below every deficit of the embedded data sets and above the rounding noise of balanced
#: data written in decimals, whose percent changes would otherwise read +55,500 % (or
#: 1e16 % on exactly balanced data).
DEFICIT_NOISE_SHARE = 1e-4


def deficit_change(D1: Any, D0: Any, trade0: Any) -> Any:
    """``100 (D' - D) / |D|``, NaN where the baseline deficit ``|D|`` is below
    :data:`DEFICIT_NOISE_SHARE` of the baseline trade ``trade0`` (imports + exports): the
    change of a balanced baseline is not a percentage (traceable)."""
    defined = jnp.abs(D0) > DEFICIT_NOISE_SHARE * jnp.abs(trade0)
    safe = jnp.where(defined, jnp.abs(D0), 1.0)
    return jnp.where(defined, 100.0 * (D1 - D0) / safe, jnp.nan)


def undefined_deficits(countries: Any) -> list[str]:
    """ISO3 codes of a countries table whose ``deficit_change_pct`` is not defined (NaN)."""
    if "deficit_change_pct" not in countries.columns:
        return []
    mask = countries["deficit_change_pct"].isna()
    return [str(c) for c in countries.loc[mask, "iso3"]]
