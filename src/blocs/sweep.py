"""Sweeps: Monte Carlo over elasticities and scenario grids, resumable, on any backend.

A :class:`SweepSpec` names a scenario and the uncertainty around it: grids of model options
(``trade_elasticity = [3, 4, 6, 8]``, ``labour_supply_elasticity``, ``pass_through`` for the
one-sector model; ``elasticities`` -- the 8 published sets of icio2022, ``"all"`` -- for a
multi-sector scenario) and/or ``draws`` random replicates of ``trade_elasticity`` /
``labour_supply_elasticity`` (one-sector) or of the sectoral trade elasticities ``theta``
(multi-sector: ``theta_scale``, one factor on every sector's elasticity, and
``theta_sector``, an independent factor per sector) from a distribution.

Design (draw ``d`` = one parameter vector, one equilibrium)
    The draws are the Cartesian product ``grid points x replicates``: draw id
    ``g * R + r`` is grid point ``g`` (the last grid key varies fastest) and replicate ``r``
    (``R = max(draws, 1)``). Replicate ``r`` takes its random numbers from
    ``numpy.random.default_rng([seed, r])``, in the fixed order of
    :data:`RANDOM_PARAMETERS`: the numbers depend on ``(seed, r)`` only, never on the
    chunking or the backend, and every grid point sees the same random numbers (common
    random numbers, so differences between grid points are not noise). The ``S`` factors of
    ``theta_sector`` come from ``default_rng([seed, r, 1])``, sector by sector. A draw's
    sectoral elasticities are ``theta_set[s] * theta_scale * theta_sector[s]``.

Execution
    Draws are solved in chunks of ``chunk_size``. A chunk is one ``jax.vmap`` over the
    draws of the one-sector model (:func:`blocs.models.imls.solve_params`; the draws differ
    only in ``eps, kappa, psi, phi``) or of the multi-sector model
    (:func:`blocs.models.caliendo_parro.solve_multisector`; the draws differ in ``theta``).
    The last chunk is padded to the full size so every chunk runs the same compiled
    program. One-sector draws start Newton from the scenario's own equilibrium (its
    options unswept), which halves the iterations on world2023. A one-sector draw that fails is retried alone with the checked
    :func:`blocs.models.imls.solve` (continuation); if it still fails its rows carry
    ``converged = False`` and summaries leave it out (failure is a value). Backends only
    decide *where* chunks run: :class:`InProcess`, :class:`Processes`
    (``concurrent.futures.ProcessPoolExecutor``) and :class:`Dask`
    (``dask.distributed``); each runs the same chunk function, so the numbers are the same.

Resumable output
    With ``out``, every finished chunk is written to ``out/chunks/chunk-NNNNNN.parquet`` (a
    temporary file, then a rename) and recorded in ``out/manifest.json`` (spec, spec hash,
    chunk size, finished chunks). A rerun skips finished chunks; a killed run loses at most
    the chunks in flight; a rerun with a different spec or chunk size is refused.

Example:
    >>> spec = SweepSpec(scenario="liberation-day", draws=8, seed=0,
    ...                  distributions={"trade_elasticity": LogNormal(mean=1.386, sd=0.25)})
    >>> res = run_sweep(spec, chunk_size=8)                          # doctest: +SKIP
    >>> res.summary().loc["USA", ["p5", "p50", "p95"]]               # doctest: +SKIP
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import functools
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from blocs.economy import Economy, economy_from_tables
from blocs.errors import ConvergenceError, DataError, InputError, closest
from blocs.models import imls
from blocs.models.caliendo_parro import MultiSectorEconomy, solve_multisector, trade_deficits
from blocs.results import (
    COUNTRY_COLUMNS,
    MULTISECTOR_COLUMNS,
    country_table,
    multisector_tables,
)
from blocs.scenario import Scenario, compile_policy, load_scenario, row_members

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_ROWS",
    "RANDOM_PARAMETERS",
    "Backend",
    "Dask",
    "InProcess",
    "LogNormal",
    "Processes",
    "SweepProgress",
    "SweepResult",
    "SweepSpec",
    "Uniform",
    "draw_parameters",
    "theta_factors",
    "load_sweep",
    "make_spec",
    "run_sweep",
    "summarize",
    "synthetic_economy",
    "synthetic_tables",
]

#: Draws per chunk (one vmapped solve; one Parquet file).
DEFAULT_CHUNK_SIZE = 50
#: Rows of the printed summary by default.
DEFAULT_ROWS = ("USA", "CHN", "EU27", "non-US")
#: Parameters that can be drawn at random, in the order their numbers are drawn.
RANDOM_PARAMETERS = ("trade_elasticity", "labour_supply_elasticity", "theta_scale", "theta_sector")
#: ... of the one-sector model (options of :class:`blocs.models.imls.IMLS`).
IMLS_RANDOM = ("trade_elasticity", "labour_supply_elasticity")
#: ... of the multi-sector model: multiplicative factors on the sectoral elasticities.
MULTISECTOR_RANDOM = ("theta_scale", "theta_sector")
#: Grid parameters of the one-sector model (options of :class:`blocs.models.imls.IMLS`).
IMLS_GRID = ("trade_elasticity", "labour_supply_elasticity", "pass_through")
#: Grid parameters of the multi-sector model (``elasticities``: icio2022's published sets).
MULTISECTOR_GRID = ("elasticities",)
#: Outcome columns per country of each model (as in ``blocs run``).
IMLS_OUTCOMES = tuple(COUNTRY_COLUMNS[2:])
MULTISECTOR_OUTCOMES = (*COUNTRY_COLUMNS[2:], *MULTISECTOR_COLUMNS)
_MANIFEST = "manifest.json"
_CHUNKS = "chunks"
_FORMAT_VERSION = 1


# ----------------------------------------------------------------------------------------
# The specification


class LogNormal(BaseModel):
    """``exp(mean + sd * z)``, ``z`` standard normal (``mean``, ``sd`` of the log).

    Example:
        >>> LogNormal(mean=math.log(4.0), sd=0.25).median()
        4.0
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    dist: Literal["lognormal"] = "lognormal"
    mean: float
    sd: float = Field(gt=0)

    def sample(self, rng: np.random.Generator) -> float:
        return float(np.exp(self.mean + self.sd * rng.standard_normal()))

    def median(self) -> float:
        return float(np.exp(self.mean))


class Uniform(BaseModel):
    """Uniform on ``[low, high]``.

    Example:
        >>> Uniform(low=0.0, high=1.0).median()
        0.5
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"uniform needs finite low < high (got {self.low}, {self.high})")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        return float(self.low + (self.high - self.low) * rng.random())

    def median(self) -> float:
        return 0.5 * (self.low + self.high)


Distribution = Annotated[LogNormal | Uniform, Field(discriminator="dist")]


class SweepSpec(BaseModel):
    """What to sweep (see the module docstring for the design of draws).

    Attributes:
        scenario: a built-in name, a TOML path or a :class:`blocs.scenario.Scenario`.
        grid: parameter -> values: ``trade_elasticity``, ``labour_supply_elasticity``,
            ``pass_through`` (one-sector scenarios); ``elasticities`` (multi-sector scenarios
            on icio2022; ``"all"`` = the 8 published sets).
        draws: random replicates per grid point (0 = none).
        distributions: parameter -> :class:`LogNormal` / :class:`Uniform`, drawn per
            replicate: ``trade_elasticity``, ``labour_supply_elasticity`` (one-sector);
            ``theta_scale``, ``theta_sector`` (multi-sector: factors on ``theta``, e.g.
            ``LogNormal(mean=0, sd=0.2)`` for a median of 1).
        seed: seed of the random numbers.
        percentiles: reported by :meth:`SweepResult.summary`.
        rows: countries and groups of the summary (``EU27``, ``non-US``, scenario groups).
        tol, max_steps: solver settings.

    Example:
        >>> s = SweepSpec(scenario="liberation-day", grid={"trade_elasticity": [3, 4, 6, 8]})
        >>> s.n_draws
        4
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    scenario: str | Scenario
    grid: dict[str, list[float | str]] = Field(default_factory=dict)
    draws: int = Field(0, ge=0)
    distributions: dict[str, Distribution] = Field(default_factory=dict)
    seed: int = Field(0, ge=0)
    percentiles: tuple[float, ...] = (5.0, 50.0, 95.0)
    rows: tuple[str, ...] = DEFAULT_ROWS
    tol: float = Field(1e-12, gt=0)
    max_steps: int = Field(60, gt=0)

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        allowed = (*IMLS_GRID, *MULTISECTOR_GRID)
        for key, values in self.grid.items():
            if key not in allowed:
                raise ValueError(
                    f"grid: unknown parameter {key!r}{closest(key, allowed)}; "
                    f"allowed: {', '.join(allowed)}"
                )
            if not values:
                raise ValueError(f"grid.{key}: give at least one value")
            _check_values(key, values)
        for key in self.distributions:
            if key not in RANDOM_PARAMETERS:
                raise ValueError(
                    f"distributions: cannot draw {key!r}{closest(key, RANDOM_PARAMETERS)}; "
                    f"random parameters: {', '.join(IMLS_RANDOM)} (one-sector model), "
                    f"{', '.join(MULTISECTOR_RANDOM)} (multi-sector model)"
                )
            if key in self.grid:
                raise ValueError(f"{key!r} is both in grid and in distributions: choose one")
        if self.draws and not self.distributions:
            raise ValueError(
                f"draws={self.draws} but no distributions: say what to draw, e.g. "
                "distributions={'trade_elasticity': LogNormal(mean=log(4), sd=0.25)}"
            )
        if self.distributions and not self.draws:
            raise ValueError("distributions given but draws=0: set the number of draws")
        for q in self.percentiles:
            if not 0.0 <= q <= 100.0:
                raise ValueError(f"percentiles: {q} is not in [0, 100]")
        return self

    @property
    def grid_values(self) -> dict[str, list[Any]]:
        """The grid with ``elasticities = ["all"]`` expanded."""
        from blocs.data.multisector import ICIO2022_ELASTICITIES

        out: dict[str, list[Any]] = {}
        for key, values in self.grid.items():
            if key == "elasticities" and any(str(v).lower() == "all" for v in values):
                out[key] = list(ICIO2022_ELASTICITIES)
            elif key in ("pass_through", "elasticities"):
                out[key] = [str(v) for v in values]
            else:
                out[key] = [float(v) for v in values]
        return out

    @property
    def n_grid_points(self) -> int:
        return math.prod(len(v) for v in self.grid_values.values())

    @property
    def n_draws(self) -> int:
        """Total number of equilibria: grid points x replicates."""
        return self.n_grid_points * max(self.draws, 1)

    def load_scenario(self) -> Scenario:
        """The scenario, parsed and checked against the swept parameters.

        Raises:
            ScenarioError: the scenario is bad. InputError: a swept parameter is not an
                option of the scenario's model.
        """
        sc = self.scenario if isinstance(self.scenario, Scenario) else load_scenario(self.scenario)
        allowed = (
            (*IMLS_GRID, *IMLS_RANDOM)
            if sc.kind == "imls"
            else (*MULTISECTOR_GRID, *MULTISECTOR_RANDOM)
        )
        for key in (*self.grid, *self.distributions):
            if key not in allowed:
                raise InputError(
                    f"{sc.path}: cannot sweep {key!r}: the scenario uses the {sc.kind} model, "
                    f"whose sweepable options are {', '.join(allowed)}"
                    + (
                        " (elasticity sets are for multi-sector scenarios on icio2022, e.g. "
                        "liberation-day-icio)"
                        if key == "elasticities"
                        else ""
                    )
                )
        if "elasticities" in self.grid and sc.scenario.data != "icio2022":
            raise InputError(
                f"{sc.path}: the published elasticity sets belong to icio2022, but this "
                f"scenario uses {sc.scenario.data!r}; sweep them on an icio2022 scenario "
                "(e.g. liberation-day-icio)"
            )
        return sc


def _check_values(key: str, values: Sequence[Any]) -> None:
    if key == "pass_through":
        ok = ("benchmark", "partial", "none")
        for v in values:
            if v not in ok:
                raise ValueError(f"grid.pass_through: {v!r} is not one of {', '.join(ok)}")
    elif key == "elasticities":
        from blocs.data.multisector import ICIO2022_ELASTICITIES as SETS

        for v in values:
            if str(v).lower() != "all" and v not in SETS:
                raise ValueError(
                    f"grid.elasticities: unknown set {v!r}{closest(str(v), SETS)}; "
                    f"choose from: all, {', '.join(SETS)}"
                )
    else:
        for v in values:
            if isinstance(v, str) or not math.isfinite(v):
                raise ValueError(f"grid.{key}: {v!r} is not a finite number")
            if key == "trade_elasticity" and v <= 0:
                raise ValueError(f"grid.trade_elasticity: {v} must be > 0")
            if key == "labour_supply_elasticity" and v < 0:
                raise ValueError(f"grid.labour_supply_elasticity: {v} must be >= 0")


def make_spec(**fields: Any) -> SweepSpec:
    """:class:`SweepSpec` from keyword fields; raises :class:`InputError` naming the field.

    Example:
        >>> make_spec(scenario="liberation-day", grid={"trade_elasticity": [4, 8]}).n_draws
        2
    """
    try:
        return SweepSpec(**fields)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"sweep spec{', ' + loc if loc else ''}: {msg}")
        raise InputError("\n".join(dict.fromkeys(lines))) from None


def draw_parameters(spec: SweepSpec, draw: int) -> dict[str, Any]:
    """Parameters of draw ``draw`` (deterministic in ``(spec.seed, replicate)``).

    Returns:
        ``{"draw", "grid_point", "replicate"}`` and one entry per swept parameter.

    Example:
        >>> s = SweepSpec(scenario="liberation-day", grid={"trade_elasticity": [3, 4]})
        >>> draw_parameters(s, 1)["trade_elasticity"]
        4.0
    """
    if not 0 <= draw < spec.n_draws:
        raise InputError(f"draw {draw} is outside 0..{spec.n_draws - 1}")
    reps = max(spec.draws, 1)
    g, r = divmod(draw, reps)
    out: dict[str, Any] = {"draw": draw, "grid_point": g, "replicate": r}
    grid = spec.grid_values
    sizes = [len(v) for v in grid.values()]
    rest = g
    idx = []
    for size in reversed(sizes):
        rest, k = divmod(rest, size)
        idx.append(k)
    for (key, values), k in zip(grid.items(), reversed(idx), strict=True):
        out[key] = values[k]
    if spec.draws:
        rng = np.random.default_rng([spec.seed, r])
        for key in RANDOM_PARAMETERS[:3]:
            if key in spec.distributions:
                out[key] = spec.distributions[key].sample(rng)
    return out


def theta_factors(spec: SweepSpec, prm: Mapping[str, Any], sectors: int) -> np.ndarray:
    """Multi-sector draws: the factor on each sector's elasticity, shape (S,)
    (``theta_scale * theta_sector[s]``; ones when neither is drawn)."""
    f = np.full(sectors, float(prm.get("theta_scale", 1.0)))
    if "theta_sector" in spec.distributions and spec.draws:
        rng = np.random.default_rng([spec.seed, int(prm["replicate"]), 1])
        dist = spec.distributions["theta_sector"]
        f *= np.array([dist.sample(rng) for _ in range(sectors)])
    return f


def _canonical(spec: SweepSpec, checksum: str) -> dict[str, Any]:
    """What determines the results, as JSON: the spec with the scenario's full content (not
    just its name) and the data's checksum."""
    sc = spec.load_scenario()
    # rows and percentiles only shape the summary: a rerun may change them
    doc = spec.model_dump(mode="json", exclude={"scenario", "rows", "percentiles"})
    doc["scenario"] = sc.model_dump(mode="json")
    doc["data_checksum"] = checksum
    doc["format"] = _FORMAT_VERSION
    return doc


def _hash(doc: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


# ----------------------------------------------------------------------------------------
# Per-process solving context (built once per process and spec)


@dataclasses.dataclass
class _Context:
    kind: Literal["imls", "caliendo_parro"]
    scenario: Scenario
    economy: Any  # Economy or MultiSectorEconomy
    policy: Any  # imls.Policy (one-sector or multi-sector arrays); None if it varies per draw
    solver: Callable[..., Any]
    x0: jax.Array | None = None  # Newton start of every draw (one-sector model)


_CONTEXTS: dict[str, _Context] = {}
_LOCK = threading.Lock()


def _economy_for(sc: Scenario) -> Any:
    from blocs.run import economy_for as run_economy

    return run_economy(sc)


def _array_checksum(economy: Any) -> str:
    from blocs.run import array_checksum as checksum

    return checksum(economy)


def _varying_axes() -> imls.Params:
    """vmap axes of :class:`blocs.models.imls.Params`: only what the options change."""
    return imls.Params(
        lam=None,  # type: ignore[arg-type]
        E=None,  # type: ignore[arg-type]
        Y=None,  # type: ignore[arg-type]
        T=None,  # type: ignore[arg-type]
        nu=None,  # type: ignore[arg-type]
        phi=0,  # type: ignore[arg-type]
        t0=None,  # type: ignore[arg-type]
        eps=0,  # type: ignore[arg-type]
        kappa=0,  # type: ignore[arg-type]
        psi=0,  # type: ignore[arg-type]
    )


def _context(spec: SweepSpec) -> _Context:
    key = _hash(spec.model_dump(mode="json")) + repr(spec.scenario)
    with _LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            ctx = _build_context(spec)
            _CONTEXTS[key] = ctx
    return ctx


def _build_context(spec: SweepSpec) -> _Context:
    sc = spec.load_scenario()
    if sc.kind == "caliendo_parro":
        return _multisector_context(spec, sc)
    if sc.options.deficits == "balanced":
        raise InputError(
            f"{sc.path}: deficits='balanced' re-solves the baseline for every parameter "
            "draw and is not supported in sweeps; use deficits='fixed_share_of_world_income' "
            "or 'fixed_ratio'"
        )
    eco = _economy_for(sc)
    m = sc.options
    policy_axes = 0 if _policy_varies(spec, sc, eco) else None
    solver = _imls_solver(m.revenue, m.deficits, m.numeraire, spec.tol, spec.max_steps, policy_axes)
    policy = None if policy_axes == 0 else _policy(sc, eco)
    x0 = jnp.zeros(2 * eco.n)
    if policy is not None:
        central = imls.solve(eco, policy, m, tol=spec.tol, max_steps=spec.max_steps, throw=False)
        if bool(central.converged):
            x0 = jnp.log(jnp.concatenate([central.w_hat, central.L_hat]))
    return _Context("imls", sc, eco, policy, solver, x0)


@functools.lru_cache(maxsize=16)
def _imls_solver(
    revenue: str, deficits: str, numeraire: str, tol: float, max_steps: int, policy_axes: int | None
) -> Callable[..., Any]:
    """The jitted, vmapped one-sector solve (cached: one compilation per shape and options)."""

    st = imls.Static(revenue, deficits, numeraire)

    def one(p: imls.Params, policy: imls.Policy, x0: jax.Array) -> imls.Solution:
        # imls.solve_params with a start: the scenario's own equilibrium (warm start)
        return imls.MODEL.solve(p, policy, st, tol=tol, max_steps=max_steps, x0=x0)

    return jax.jit(jax.vmap(one, in_axes=(_varying_axes(), policy_axes, None)))


@functools.lru_cache(maxsize=16)
def _multisector_solver(
    deficits: str, inner_iterations: int, tol: float, max_steps: int, axes: int | None
) -> Callable[..., Any]:
    """The jitted multi-sector solve, vmapped over ``theta`` (and the policy if ``axes``)."""

    def one(theta: jax.Array, eco: Any, t_new: jax.Array, d_hat: jax.Array) -> Any:
        e = dataclasses.replace(eco, theta=theta)
        return solve_multisector(
            e,
            t_new,
            d_hat=d_hat,
            deficits=deficits,  # type: ignore[arg-type]
            tol=tol,
            max_steps=max_steps,
            inner_iterations=inner_iterations,
            throw=False,
        )

    return jax.jit(jax.vmap(one, in_axes=(0, None, axes, axes)))


def _policy(sc: Scenario, eco: Any) -> imls.Policy:
    pol = compile_policy(sc, eco)
    return imls.Policy(t=jnp.asarray(pol.t), d_hat=jnp.asarray(pol.d_hat))


def _probe(spec: SweepSpec, sc: Scenario) -> dict[str, Any]:
    """Options that differ from the scenario's in every swept parameter."""
    opts = sc.options
    out: dict[str, Any] = {}
    for key in (*spec.grid, *spec.distributions):
        if key in MULTISECTOR_RANDOM:
            continue  # not options: checked by _multisector_context
        if key == "pass_through":
            out[key] = "none" if opts.pass_through != "none" else "benchmark"
        elif key == "elasticities":
            out[key] = "uniform_4" if opts.elasticities != "uniform_4" else "shapiro_2016"
        else:
            out[key] = float(getattr(opts, key)) * 1.37 + 0.11
    return out


def _policy_varies(spec: SweepSpec, sc: Scenario, eco: Any) -> bool:
    """Whether the compiled policy depends on the swept options (``OPTIMAL`` rates or
    gravity partial effects do): then it is compiled per draw and vmapped too."""
    probe_sc = sc.with_model(_probe(spec, sc))
    probe_eco = _economy_for(probe_sc) if sc.kind == "caliendo_parro" else eco
    a, b = compile_policy(sc, eco), compile_policy(probe_sc, probe_eco)
    return not (np.array_equal(a.t, b.t) and np.array_equal(a.d_hat, b.d_hat))


def _multisector_context(spec: SweepSpec, sc: Scenario) -> _Context:
    eco = _economy_for(sc)
    opts = sc.options

    axes = 0 if _policy_varies(spec, sc, eco) else None
    if any(k in spec.distributions for k in MULTISECTOR_RANDOM):
        a = compile_policy(sc, eco)
        b = compile_policy(sc, dataclasses.replace(eco, theta=jnp.asarray(eco.theta) * 1.37))
        if not (np.array_equal(a.t, b.t) and np.array_equal(a.d_hat, b.d_hat)):
            raise InputError(
                f"{sc.path}: the scenario's policy depends on the trade elasticities (optimal "
                "retaliation or gravity partial effects), so random theta draws would need a "
                "policy per draw; sweep the published sets (--elasticity-sets) instead"
            )
    solver = _multisector_solver(
        opts.deficits, opts.inner_iterations, spec.tol, spec.max_steps, axes
    )
    policy = None if axes == 0 else _policy(sc, eco)
    return _Context("caliendo_parro", sc, eco, policy, solver)


# ----------------------------------------------------------------------------------------
# One chunk


def _scenario_for(sc: Scenario, prm: Mapping[str, Any]) -> Scenario:
    keys = IMLS_GRID if sc.kind == "imls" else MULTISECTOR_GRID
    update = {k: prm[k] for k in keys if k in prm}
    if not update:
        return sc
    try:
        return sc.with_model(update)
    except InputError as exc:
        raise InputError(f"draw {prm['draw']}: invalid model options {update}: {exc}") from None


def chunk_draws(n_draws: int, chunk_size: int, chunk: int) -> range:
    """Draw ids of ``chunk``."""
    return range(chunk * chunk_size, min((chunk + 1) * chunk_size, n_draws))


def solve_chunk(spec: SweepSpec, chunk_size: int, chunk: int) -> pd.DataFrame:
    """Solve the draws of one chunk; one row per (draw, country).

    Pure in its inputs (the same arguments give the same numbers on any machine of the same
    platform); every backend runs this function.

    Returns:
        Columns ``draw, grid_point, replicate``, the swept parameters, ``iso3``, the
        outcomes (``welfare_pct`` ...), ``expenditure`` (baseline weight), ``converged``,
        ``iterations``, ``max_residual``.
    """
    ctx = _context(spec)
    ids = list(chunk_draws(spec.n_draws, chunk_size, chunk))
    if not ids:
        raise InputError(f"chunk {chunk} is empty ({spec.n_draws} draws of {chunk_size})")
    prms = [draw_parameters(spec, k) for k in ids]
    padded = prms + [prms[-1]] * (chunk_size - len(prms))
    if ctx.kind == "imls":
        return _imls_chunk(ctx, spec, prms, padded)
    return _multisector_chunk(ctx, spec, prms, padded)


def _imls_chunk(
    ctx: _Context, spec: SweepSpec, prms: list[dict[str, Any]], padded: list[dict[str, Any]]
) -> pd.DataFrame:
    scs = [_scenario_for(ctx.scenario, p) for p in padded]
    models = [s.options for s in scs]
    ps = [imls.calibrate(ctx.economy, m) for m in models]
    stacked = ps[0]._replace(
        phi=jnp.stack([p.phi for p in ps]),
        eps=jnp.stack([p.eps for p in ps]),
        kappa=jnp.stack([p.kappa for p in ps]),
        psi=jnp.stack([p.psi for p in ps]),
    )
    if ctx.policy is None:
        pols = [_policy(s, ctx.economy) for s in scs]
        policy = imls.Policy(
            t=jnp.stack([q.t for q in pols]), d_hat=jnp.stack([q.d_hat for q in pols])
        )
    else:
        pols, policy = [], ctx.policy
    batch = jax.tree.map(np.asarray, ctx.solver(stacked, policy, ctx.x0))
    frames = []
    for k, prm in enumerate(prms):
        sol = jax.tree.map(lambda a, k=k: a[k], batch)
        if not bool(sol.converged):
            retry = imls.solve(
                ctx.economy,
                pols[k] if pols else ctx.policy,
                models[k],
                tol=spec.tol,
                max_steps=spec.max_steps,
                throw=False,
            )
            if bool(retry.converged):
                sol = jax.tree.map(np.asarray, retry)
        table = country_table(ctx.economy, sol)
        frame = table[["iso3", *IMLS_OUTCOMES, "expenditure"]].copy()
        _label(frame, prm, sol)
        m = models[k]
        frame["trade_elasticity"] = float(m.trade_elasticity)
        frame["labour_supply_elasticity"] = float(m.labour_supply_elasticity)
        frame["pass_through"] = m.pass_through
        frames.append(frame)
    return _order(pd.concat(frames, ignore_index=True))


def _label(frame: pd.DataFrame, prm: Mapping[str, Any], sol: Any) -> None:
    frame["converged"] = bool(sol.converged)
    frame["iterations"] = int(sol.iterations)
    frame["max_residual"] = float(sol.max_residual)
    for key in ("draw", "grid_point", "replicate"):
        frame[key] = int(prm[key])


def _multisector_chunk(
    ctx: _Context, spec: SweepSpec, prms: list[dict[str, Any]], padded: list[dict[str, Any]]
) -> pd.DataFrame:
    scs = [_scenario_for(ctx.scenario, p) for p in padded]
    ecos = [_economy_for(s) if s is not ctx.scenario else ctx.economy for s in scs]
    S = len(ctx.economy.sectors)
    factors = [theta_factors(spec, p, S) for p in padded]
    thetas = jnp.stack([jnp.asarray(e.theta) * f for e, f in zip(ecos, factors, strict=True)])
    if ctx.policy is None:
        pols = [_policy(s, e) for s, e in zip(scs, ecos, strict=True)]
        t_new = jnp.stack([q.t for q in pols])
        d_hat = jnp.stack([q.d_hat for q in pols])
    else:
        t_new, d_hat = ctx.policy.t, ctx.policy.d_hat
    batch = jax.tree.map(np.asarray, ctx.solver(thetas, ctx.economy, t_new, d_hat))
    frames = []
    for k, prm in enumerate(prms):
        eq = jax.tree.map(lambda a, k=k: a[k], batch)
        table, _ = multisector_tables(eq)
        frame = table[["iso3", *MULTISECTOR_OUTCOMES, "expenditure"]].copy()
        _label(frame, prm, eq)
        frame["elasticities"] = scs[k].options.elasticities
        frame["theta_scale"] = float(prm.get("theta_scale", 1.0))
        frame["theta_mean"] = float(np.mean(np.asarray(thetas[k])))
        frames.append(frame)
    return _order(pd.concat(frames, ignore_index=True))


def _order(df: pd.DataFrame) -> pd.DataFrame:
    first = ["draw", "grid_point", "replicate"]
    params = [c for c in (*IMLS_GRID, *MULTISECTOR_GRID) if c in df.columns]
    rest = [c for c in df.columns if c not in first + params]
    return df[first + params + rest]


# ----------------------------------------------------------------------------------------
# Backends: where chunks run (never how they are scheduled: that is the executor's job)

ChunkFn = Callable[[int], pd.DataFrame]


class Backend(Protocol):
    """Runs chunk functions; yields ``(chunk, table)`` as chunks finish."""

    name: str

    def map_chunks(self, fn: ChunkFn, chunks: Sequence[int]) -> Iterator[tuple[int, pd.DataFrame]]:
        """Run ``fn(c)`` for every ``c``; stop (cancel what has not started) when closed."""
        ...


class InProcess:
    """Chunks one after another in this process (each chunk one ``jax.vmap``).

    Example:
        >>> InProcess().name
        'inprocess'
    """

    name = "inprocess"

    def map_chunks(self, fn: ChunkFn, chunks: Sequence[int]) -> Iterator[tuple[int, pd.DataFrame]]:
        for c in chunks:
            yield c, fn(c)


class Processes:
    """Chunks in ``workers`` processes (``ProcessPoolExecutor``, ``spawn`` start method:
    forking a process that runs JAX threads is unsafe).

    Example:
        >>> Processes(2).name
        'processes'
    """

    name = "processes"

    def __init__(self, workers: int = 2) -> None:
        if workers < 1:
            raise InputError(f"--processes {workers}: give at least 1 worker process")
        self.workers = workers

    def map_chunks(self, fn: ChunkFn, chunks: Sequence[int]) -> Iterator[tuple[int, pd.DataFrame]]:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx) as pool:
            futures = {pool.submit(fn, c): c for c in chunks}
            try:
                for fut in cf.as_completed(futures):
                    yield futures[fut], fut.result()
            finally:
                for fut in futures:
                    fut.cancel()


class Dask:
    """Chunks as ``dask.distributed`` tasks.

    Args:
        scheduler: address of a running scheduler (``tcp://HOST:8786``); or
        n_workers: start a ``LocalCluster`` with this many workers for the run (closed
            after it); ``processes=False`` makes them threads of this process.
        client: an existing ``dask.distributed.Client`` (left open).

    Example:
        >>> Dask(n_workers=2).name
        'dask'
    """

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        *,
        n_workers: int | None = None,
        processes: bool = True,
        client: Any | None = None,
    ) -> None:
        given = sum(x is not None for x in (scheduler, n_workers, client))
        if given != 1:
            raise InputError(
                "Dask backend: give exactly one of scheduler='tcp://HOST:8786', "
                "n_workers=N (a LocalCluster for this run) or client=Client(...)"
            )
        if n_workers is not None and n_workers < 1:
            raise InputError(f"--local-cluster {n_workers}: give at least 1 worker")
        self.scheduler = scheduler
        self.n_workers = n_workers
        self.processes = processes
        self.client = client

    def map_chunks(self, fn: ChunkFn, chunks: Sequence[int]) -> Iterator[tuple[int, pd.DataFrame]]:
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = None
        client = self.client
        if client is None and self.n_workers is not None:
            cluster = LocalCluster(
                n_workers=self.n_workers,
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=None,
            )
            client = Client(cluster)
        elif client is None:
            try:
                client = Client(self.scheduler, timeout=30)
            except OSError as exc:
                raise InputError(
                    f"--scheduler {self.scheduler}: cannot reach the Dask scheduler ({exc}); "
                    "start one with `dask scheduler` and workers with `dask worker "
                    f"{self.scheduler}`, or use --local-cluster N"
                ) from None
        try:
            run = uuid.uuid4().hex[:12]  # fresh keys: never a cached result of another run
            futures = [client.submit(fn, c, key=f"blocs-chunk-{run}-{c}") for c in chunks]
            by_key = {f.key: c for f, c in zip(futures, chunks, strict=True)}
            try:
                for fut in as_completed(futures):
                    yield by_key[fut.key], fut.result()
            finally:
                client.cancel(futures)
        finally:
            if client is not self.client:
                client.close()
            if cluster is not None:
                cluster.close()


def _backend(backend: Backend | str) -> Backend:
    if not isinstance(backend, str):
        return backend
    if backend == "inprocess":
        return InProcess()
    if backend == "processes":
        return Processes(os.cpu_count() or 1)
    if backend == "dask":
        return Dask(n_workers=os.cpu_count() or 1)
    raise InputError(
        f"unknown backend {backend!r}{closest(backend, ['inprocess', 'processes', 'dask'])}; "
        "use inprocess, processes or dask (or a Backend object)"
    )


# ----------------------------------------------------------------------------------------
# Output folder: manifest, chunk files


def _chunk_path(out: Path, chunk: int) -> Path:
    return out / _CHUNKS / f"chunk-{chunk:06d}.parquet"


def _write_chunk(out: Path, chunk: int, table: pd.DataFrame) -> None:
    """Write a chunk to a temporary file, flush it to disk, then rename (atomic)."""
    from blocs.run import atomic_write_parquet

    atomic_write_parquet(_chunk_path(out, chunk), table)


def _finished_on_disk(out: Path, n_chunks: int) -> set[int]:
    found = set()
    for p in (out / _CHUNKS).glob("chunk-*.parquet"):
        try:
            c = int(p.stem.removeprefix("chunk-"))
        except ValueError:
            continue
        if 0 <= c < n_chunks:
            found.add(c)
    return found


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return ", ".join(keys) or "(none visible)"


def _open_output(out: Path, doc: dict[str, Any], chunk_size: int, n_draws: int) -> set[int]:
    """Create or check ``out``; returns the finished chunks."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    manifest_path = out / _MANIFEST
    n_chunks = math.ceil(n_draws / chunk_size)
    spec_hash = _hash(doc)
    if manifest_path.exists():
        try:
            old = json.loads(manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(
                f"{manifest_path}: cannot read it ({exc}); use a new --out folder"
            ) from None
        if old.get("spec_hash") != spec_hash:
            raise InputError(
                f"--out {out}: this folder holds a sweep with a different spec (hash "
                f"{str(old.get('spec_hash'))[:12]}, now {spec_hash[:12]}; differing: "
                f"{_diff(old.get('spec', {}), doc)}). Use a new --out folder, or delete "
                f"{out} to start over"
            )
        if old.get("chunk_size") != chunk_size:
            raise InputError(
                f"--out {out}: this sweep was run with --chunk-size {old.get('chunk_size')}; "
                f"rerun with --chunk-size {old.get('chunk_size')} to resume it (or use a new "
                "--out folder)"
            )
        finished = set(int(c) for c in old.get("finished", []))
    else:
        if out.exists() and any(out.iterdir()):
            raise InputError(
                f"--out {out}: the folder is not empty and has no {_MANIFEST}; it is not a "
                "sweep folder. Use a new or empty folder"
            )
        finished = set()
    for stale in (out / _CHUNKS).glob(".chunk-*.tmp") if (out / _CHUNKS).exists() else []:
        stale.unlink(missing_ok=True)  # a chunk in flight when a run was killed
    finished |= _finished_on_disk(out, n_chunks) if (out / _CHUNKS).exists() else set()
    finished = {c for c in finished if _chunk_path(out, c).exists()}
    _save_manifest(out, doc, chunk_size, n_draws, finished)
    return finished


def _save_manifest(
    out: Path, doc: dict[str, Any], chunk_size: int, n_draws: int, finished: set[int]
) -> None:
    from blocs import __version__
    from blocs.run import atomic_write_text

    manifest = {
        "spec": doc,
        "spec_hash": _hash(doc),
        "chunk_size": chunk_size,
        "n_draws": n_draws,
        "n_chunks": math.ceil(n_draws / chunk_size),
        "finished": sorted(finished),
        "blocs_version": __version__,
    }
    atomic_write_text(out / _MANIFEST, json.dumps(manifest, indent=1) + "\n")


def _combine(tables: Sequence[pd.DataFrame], n_draws: int, where: str) -> pd.DataFrame:
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if table.empty:
        raise DataError(f"{where}: no results")
    dup = table.duplicated(["draw", "iso3"])
    if dup.any():
        row = table[dup].iloc[0]
        raise DataError(
            f"{where}: draw {int(row['draw'])}, {row['iso3']} appears twice; the chunk "
            "files overlap (delete the folder and rerun)"
        )
    missing = sorted(set(range(n_draws)) - set(table["draw"].unique()))
    if missing:
        raise DataError(
            f"{where}: draws {missing[:5]}{' ...' if len(missing) > 5 else ''} are missing; "
            "rerun the same command to finish the sweep"
        )
    return table.sort_values(["draw", "iso3"], kind="stable").reset_index(drop=True)


def load_sweep(out: str | Path) -> pd.DataFrame:
    """The results of a finished sweep folder (the union of its chunk files, checked).

    Raises:
        DataError: no manifest, duplicated (draw, country) rows or missing draws.
    """
    out = Path(out)
    try:
        manifest = json.loads((out / _MANIFEST).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{out}: no readable {_MANIFEST} ({exc}); not a sweep folder") from None
    n_chunks = int(manifest["n_chunks"])
    files = [_chunk_path(out, c) for c in range(n_chunks) if _chunk_path(out, c).exists()]
    return _combine([pd.read_parquet(f) for f in files], int(manifest["n_draws"]), str(out))


# ----------------------------------------------------------------------------------------
# Running and summarising


@dataclasses.dataclass(frozen=True)
class SweepProgress:
    """Progress of a sweep (passed to the ``progress`` callback after every chunk).

    Attributes:
        chunks_done, chunks_total: finished (including skipped) and all chunks.
        draws_done, draws_total: the same in draws.
        skipped: chunks found finished in ``out`` at the start.
        seconds: wall time since the start of this run.
        chunk: the chunk just finished (None for the first call).
    """

    chunks_done: int
    chunks_total: int
    draws_done: int
    draws_total: int
    skipped: int
    seconds: float
    chunk: int | None


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """A finished sweep.

    Attributes:
        spec: the :class:`SweepSpec`.
        table: one row per (draw, country), see :func:`solve_chunk`.
        manifest: spec (JSON), hash, chunk size, draws, data checksum, timing.
        economy: the baseline (labels and groups for summaries).
        scenario: the parsed scenario.
    """

    spec: SweepSpec
    table: pd.DataFrame
    manifest: dict[str, Any]
    economy: Any
    scenario: Scenario

    @property
    def n_failed(self) -> int:
        """Draws that did not converge (left out of summaries)."""
        return int((~self.table.groupby("draw")["converged"].first()).sum())

    def summary(
        self,
        rows: Sequence[str] | None = None,
        *,
        column: str = "welfare_pct",
        percentiles: Sequence[float] | None = None,
    ) -> pd.DataFrame:
        """Percentiles of ``column`` across draws per country or group (see :func:`summarize`)."""
        return summarize(
            self.table,
            self.economy,
            rows or self.spec.rows,
            column=column,
            percentiles=percentiles or self.spec.percentiles,
            groups=self.scenario.groups,
        )


def members(row: str, economy: Any, groups: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Country codes of a summary row: an ISO3 code, a group (``EU27``), ``non-US``/``non-X``."""
    return row_members(row, economy, groups, where="rows")


def summarize(
    table: pd.DataFrame,
    economy: Any,
    rows: Sequence[str],
    *,
    column: str = "welfare_pct",
    percentiles: Sequence[float] = (5.0, 50.0, 95.0),
    groups: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Percentiles across converged draws of ``column``, per country and group.

    A group's value in a draw is the mean over its members weighted by baseline
    expenditure (as in ``blocs run``); percentiles are then taken across draws.

    Returns:
        Index: the rows; columns ``members``, ``p<q>`` for each percentile, ``mean``,
        ``draws`` (converged) and ``failed``.
    """
    if column not in table.columns:
        outcomes = [c for c in table.columns if c.endswith("_pct")]
        raise InputError(
            f"unknown outcome column {column!r}{closest(column, outcomes)}; "
            f"available: {', '.join(outcomes)}"
        )
    ok = table[table["converged"]]
    failed = int(table.loc[~table["converged"], "draw"].nunique())
    out = []
    for row in rows:
        codes = members(row, economy, groups)
        sub = ok[ok["iso3"].isin(codes)]
        v = sub[column].to_numpy(dtype=float)
        w = sub["expenditure"].to_numpy(dtype=float)
        fin = np.isfinite(v)
        num = pd.Series(np.where(fin, v * w, 0.0)).groupby(sub["draw"].to_numpy()).sum()
        den = pd.Series(np.where(fin, w, 0.0)).groupby(sub["draw"].to_numpy()).sum()
        values = (num / den).to_numpy()
        rec: dict[str, Any] = {"row": row, "members": len(codes)}
        for q in percentiles:
            rec[_pname(q)] = float(np.percentile(values, q)) if len(values) else float("nan")
        rec["mean"] = float(values.mean()) if len(values) else float("nan")
        rec["draws"] = len(values)
        rec["failed"] = failed
        out.append(rec)
    return pd.DataFrame(out).set_index("row")


def _pname(q: float) -> str:
    return f"p{q:g}"


def _chunk_task(spec: SweepSpec, chunk_size: int, chunk: int) -> pd.DataFrame:
    return solve_chunk(spec, chunk_size, chunk)


def run_sweep(
    spec: SweepSpec,
    *,
    out: str | Path | None = None,
    backend: Backend | str = "inprocess",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[SweepProgress], None] | None = None,
) -> SweepResult:
    """Run a sweep (resuming it if ``out`` holds a part of it).

    Args:
        spec: what to sweep.
        out: folder for the chunk files and manifest (resumable); None keeps everything in
            memory.
        backend: :class:`InProcess` (default), :class:`Processes`, :class:`Dask`, or one of
            their names.
        chunk_size: draws per chunk (one vmapped solve, one file).
        progress: called after every chunk with a :class:`SweepProgress` (and once at the
            start); an exception it raises stops the run, finished chunks stay written.

    Returns:
        :class:`SweepResult`.

    Raises:
        InputError: a bad spec or scenario, or ``out`` holds a different sweep.
    """
    if chunk_size < 1:
        raise InputError(f"--chunk-size {chunk_size}: must be at least 1")
    be = _backend(backend)
    sc = spec.load_scenario()
    economy = _economy_for(sc)
    checksum = getattr(economy, "checksum", "") or _array_checksum(economy)
    for row in spec.rows:
        members(row, economy, sc.groups)  # fail early on unknown codes
    doc = _canonical(spec, checksum)
    n = spec.n_draws
    n_chunks = math.ceil(n / chunk_size)
    out_path = Path(out) if out is not None else None
    finished = _open_output(out_path, doc, chunk_size, n) if out_path else set()
    tables: dict[int, pd.DataFrame] = {}
    todo = [c for c in range(n_chunks) if c not in finished]
    skipped = n_chunks - len(todo)
    start = time.perf_counter()
    draws_done = sum(len(chunk_draws(n, chunk_size, c)) for c in finished)

    def report(chunk: int | None) -> None:
        if progress is not None:
            progress(
                SweepProgress(
                    chunks_done=skipped + done,
                    chunks_total=n_chunks,
                    draws_done=draws_done,
                    draws_total=n,
                    skipped=skipped,
                    seconds=time.perf_counter() - start,
                    chunk=chunk,
                )
            )

    done = 0
    report(None)
    fn = functools.partial(_chunk_task, spec, chunk_size)
    if todo:
        stream = be.map_chunks(fn, todo)
        try:
            for c, table in stream:
                if out_path is not None:
                    _write_chunk(out_path, c, table)
                    finished.add(c)
                    _save_manifest(out_path, doc, chunk_size, n, finished)
                else:
                    tables[c] = table
                done += 1
                draws_done += len(chunk_draws(n, chunk_size, c))
                report(c)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
    if out_path is not None:
        result = load_sweep(out_path)
    else:
        result = _combine([tables[c] for c in sorted(tables)], n, "sweep")
    failed = result.loc[~result["converged"], "draw"].nunique()
    if failed == n:
        worst = result.sort_values("max_residual").iloc[-1]
        raise ConvergenceError(
            f"all {n} draws failed to converge (largest residual "
            f"{float(worst['max_residual']):.3g} at draw {int(worst['draw'])}); try "
            "max_steps larger, tol larger, or narrower parameter ranges"
        )
    manifest = {
        "spec": doc,
        "spec_hash": _hash(doc),
        "chunk_size": chunk_size,
        "n_draws": n,
        "backend": be.name,
        "chunks_run": done,
        "chunks_skipped": skipped,
        "seconds": time.perf_counter() - start,
    }
    return SweepResult(spec=spec, table=result, manifest=manifest, economy=economy, scenario=sc)


# ----------------------------------------------------------------------------------------
# Synthetic economies (benchmarks and tests)

#: Log-size dispersion of synthetic economies (sd of log GDP; about that of world GDPs).
_SIZE_SD = 2.2
#: Distance elasticity of synthetic gravity.
_DISTANCE_ELASTICITY = 1.0


def _codes(n: int) -> list[str]:
    """``USA``, ``CHN`` (the two largest) and then ``AAA``, ``AAB``, ..."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pool = ("".join(p) for p in itertools.product(letters, repeat=3))
    others = [c for c in pool if c not in ("USA", "CHN")]
    return ["USA", "CHN"][:n] + others[: max(n - 2, 0)]


def _gravity(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GDP (sorted, largest first), home shares and foreign weights ``w[i, n]``."""
    gdp = np.sort(np.exp(rng.normal(0.0, _SIZE_SD, n)))[::-1] * 1e3
    loc = rng.uniform(0.0, 1.0, (n, 2))
    dist = np.sqrt(((loc[:, None, :] - loc[None, :, :]) ** 2).sum(-1)) + 0.05
    z = (np.log(gdp) - np.log(gdp).mean()) / np.log(gdp).std()
    # home share of spending: ~0.7 at the median, higher for large economies (US ~0.85)
    home = 1.0 / (1.0 + np.exp(-(0.85 + 0.25 * z + 0.5 * rng.standard_normal(n))))
    w = gdp[:, None] * dist**-_DISTANCE_ELASTICITY
    np.fill_diagonal(w, 0.0)
    w = w / w.sum(axis=0, keepdims=True)
    return gdp, np.clip(home, 0.3, 0.95), w


def _balance(X: np.ndarray, target: np.ndarray, steps: int = 200) -> np.ndarray:
    """Scale rows and columns of foreign flows ``X`` (RAS) so that every country's exports
    and imports both equal ``target``: balanced trade, as in a balanced-baseline world
    (large synthetic deficits make some counterfactuals needlessly hard to solve)."""
    for _ in range(steps):
        X = X * (target / X.sum(axis=1))[:, None]
        X = X * (target / X.sum(axis=0))[None, :]
    return X


def synthetic_tables(n_countries: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flows and countries tables of a random one-sector world (see :func:`synthetic_economy`).

    Returns:
        ``flows`` (exporter, importer, value, tariff; foreign pairs) and ``countries``
        (iso3, name, gdp, us_tariff_2025_04), ready for :func:`blocs.economy_from_tables`
        or for CSV files a scenario can name.
    """
    if n_countries < 3:
        raise InputError(f"n_countries={n_countries}: a synthetic world needs at least 3")
    rng = np.random.default_rng([seed, n_countries])
    gdp, home, w = _gravity(rng, n_countries)
    imports = (1.0 - home) * gdp
    X = _balance(w * imports[None, :], imports)
    t = rng.uniform(0.0, 0.08, X.shape)
    codes = _codes(n_countries)
    i, k = np.nonzero(~np.eye(n_countries, dtype=bool))
    flows = pd.DataFrame(
        {
            "exporter": [codes[a] for a in i],
            "importer": [codes[b] for b in k],
            "value": X[i, k],
            "tariff": t[i, k],
        }
    )
    countries = pd.DataFrame(
        {
            "iso3": codes,
            "name": [f"synthetic {c}" for c in codes],
            "gdp": gdp,
            "us_tariff_2025_04": np.round(rng.uniform(0.1, 0.5, n_countries), 2),
        }
    )
    # sorted by code, as real data sets are (so the largest, USA, comes last)
    countries = countries.sort_values("iso3", kind="stable").reset_index(drop=True)
    flows = flows.sort_values(["exporter", "importer"], kind="stable").reset_index(drop=True)
    return flows, countries


def synthetic_economy(
    n_countries: int, n_sectors: int = 1, seed: int = 0
) -> Economy | MultiSectorEconomy:
    """A random world with realistic size dispersion and home bias.

    GDP is log-normal (sd of log 2.2, like the world's); trade follows gravity (exporter
    size over distance between random locations); the home share of spending is about 0.7
    at the median, higher for large economies; trade is balanced (foreign flows scaled
    so that exports equal imports). The two largest countries are called USA and CHN (so
    US scenarios apply), the rest AAA, AAB, ...; countries are sorted by code, as in real
    data sets.

    Args:
        n_countries: N >= 3.
        n_sectors: 1 gives a one-sector :class:`~blocs.economy.Economy` (IMLS profit
            shares and domestic flows calibrated from GDP as for world2023); more gives a
            :class:`~blocs.models.caliendo_parro.MultiSectorEconomy` without input-output
            links (sector shares of spending Dirichlet, elasticities log-normal around 5).
        seed: random seed.

    Example:
        >>> eco = synthetic_economy(20)
        >>> eco.n, "USA" in eco.iso3
        (20, True)
    """
    if n_sectors < 1:
        raise InputError(f"n_sectors={n_sectors}: give at least 1")
    if n_sectors == 1:
        flows, countries = synthetic_tables(n_countries, seed)
        return economy_from_tables(flows, countries, source=f"synthetic(seed={seed})")
    if n_countries < 3:
        raise InputError(f"n_countries={n_countries}: a synthetic world needs at least 3")
    rng = np.random.default_rng([seed, n_countries, n_sectors])
    gdp, home, w = _gravity(rng, n_countries)
    N, S = n_countries, n_sectors
    alpha0 = rng.dirichlet(np.full(S, 2.0), N)  # spending shares [n, s]
    cap = np.exp(rng.normal(0.0, 0.7, (N, S)))  # comparative advantage [i, s]
    X = np.empty((N, N, S))
    for s in range(S):
        ws = w * cap[:, s : s + 1]
        ws = ws / ws.sum(axis=0, keepdims=True)
        hs = np.clip(home * np.exp(0.2 * rng.standard_normal(N)), 0.2, 0.97)
        spend = alpha0[:, s] * gdp
        X[:, :, s] = ws * ((1.0 - hs) * spend)[None, :]
        X[np.arange(N), np.arange(N), s] = hs * spend
    t = rng.uniform(0.0, 0.08, (N, N, S))
    theta = np.exp(rng.normal(np.log(5.0), 0.3, S))
    codes = _codes(N)
    order = np.argsort(codes, kind="stable")  # sorted by code, as real data sets are
    codes = [codes[k] for k in order]
    X, t = X[np.ix_(order, order)], t[np.ix_(order, order)]
    from blocs.data.multisector import calibrate_final_demand

    D = trade_deficits(X)
    alpha = calibrate_final_demand(X, t * (1.0 - np.eye(N))[:, :, None], np.ones((N, S)), None, D)
    return MultiSectorEconomy.from_arrays(
        X=X,
        t=t,
        theta=theta,
        alpha=alpha,
        D=D,
        iso3=codes,
        names=[f"synthetic {c}" for c in codes],
        sectors=[f"S{s:03d}" for s in range(S)],
        source=f"synthetic(seed={seed})",
    )
