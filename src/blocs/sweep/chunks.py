"""Solving a chunk of draws: one jitted ``jax.vmap`` of the scenario's model.

A draw (:class:`Draw`) is the scenario with the draw's options (grid values and random
option values), calibrated by its model (:meth:`~blocs.models.base.Model.calibrate`, with
the draw's elasticities when ``theta_scale``/``theta_sector`` factors are drawn), and its
policy (:func:`compiled_policy`). A chunk stacks its draws' ``Params`` and policies along a
new axis where the sweep varies them and shares them where it does not (which leaves vary
is found once per sweep by comparing the scenario's own draw with a probe draw in which
every swept parameter differs), then runs :meth:`~blocs.models.base.Model.solve` vmapped.
The last chunk is padded to the full size so every chunk runs the same compiled program.

Draws start Newton from the scenario's own equilibrium, solved once by the same compiled
program, when the policy is the same for every draw (it halves the iterations on world2023).
A draw that fails is retried alone with :meth:`~blocs.models.base.Model.solve_economy` (the
one-sector model then uses continuation) unless its elasticities were drawn (that method
takes none); if it still fails, or its calibration failed (a balanced baseline that did not
converge), its rows carry ``converged = False`` and summaries leave it out (failure is a
value). Outcomes and weights are the model's :meth:`~blocs.models.base.Model.tables`.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from blocs.errors import BlocsError, ConvergenceError, InputError
from blocs.models.base import Model, Policy
from blocs.scenario import PolicyProgram, Scenario, compile_scenario, economy_for, resolve
from blocs.sweep.spec import (
    ELASTICITY_FACTORS,
    EstimateGroup,
    SweepSpec,
    draw_parameters,
    estimate_groups,
    model_of,
    option_updates,
    partial_effect_betas,
    theta_factors,
)
from blocs.sweep.store import spec_hash

__all__ = ["Context", "Draw", "chunk_draws", "compiled_policy", "context", "solve_chunk"]


@dataclasses.dataclass(frozen=True)
class Draw:
    """One parameter vector of a sweep, ready to solve.

    Attributes:
        prm: :func:`~blocs.sweep.draw_parameters` of the draw (``{}`` plus the scenario's
            options for the scenario's own draw).
        scenario: the scenario with the draw's options.
        economy: the baseline data (per grid point: an elasticity set changes the data).
        options: the model options of the draw.
        elasticity: the draw's elasticities, shape (S,), when factors are drawn; else None.
        params: the calibrated ``Params``; None if calibrating failed (e.g. a balanced
            baseline that did not converge): the draw then counts as failed.
        betas: the draw's partial effects from estimates, ``{(sha256, term): beta}``, when
            ``partial_effect_draws``; else None (the estimates' point values).
    """

    prm: Mapping[str, Any]
    scenario: Scenario
    economy: Any
    options: Any
    elasticity: np.ndarray | None
    params: Any
    betas: Mapping[tuple[str, str], float] | None = None


@dataclasses.dataclass
class Context:
    """What every chunk of a sweep shares (built once per process and spec)."""

    spec: SweepSpec
    model: Model
    scenario: Scenario
    economies: dict[str, Any]  # grid option updates (JSON) -> baseline data
    base_elasticities: dict[str, np.ndarray]  # grid option updates (JSON) -> theta (S,)
    central: Draw = dataclasses.field(init=False)  # the scenario as written
    policy_for: Callable[[Draw], Policy] = dataclasses.field(init=False)
    params_axes: Any = dataclasses.field(init=False)  # vmap axes: 0 varies, None shared
    policy_axes: Any = dataclasses.field(init=False)
    x0: jax.Array | None = None  # Newton start of every draw (see _start)
    estimates: tuple[EstimateGroup, ...] = ()  # drawn partial effects (partial_effect_draws)
    axes_key: tuple[Any, ...] = dataclasses.field(init=False)  # what the compilation depends on

    def economy_at(self, grid: Mapping[str, Any]) -> Any:
        """The baseline data at a grid point (``grid``: its option updates)."""
        key = json.dumps(dict(grid), sort_keys=True, default=str)
        if key not in self.economies:
            self.economies[key] = economy_for(self.scenario.with_model(grid))
        return self.economies[key]


_CONTEXTS: dict[str, Context] = {}
_SOLVERS: dict[Any, Callable[..., Any]] = {}
_LOCK = threading.Lock()


def context(spec: SweepSpec) -> Context:
    """The solving context of ``spec`` in this process (built on first use)."""
    key = spec_hash(spec.model_dump(mode="json")) + repr(spec.scenario)
    with _LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            ctx = _build_context(spec)
            _CONTEXTS[key] = ctx
    return ctx


def _build_context(spec: SweepSpec) -> Context:
    sc = spec.load_scenario()
    ctx = Context(spec, model_of(sc), sc, {"{}": economy_for(sc)}, {})
    if spec.partial_effect_draws:
        ctx.estimates = estimate_groups(sc)
    ctx.central = make_draw(ctx, {"draw": -1, "grid_point": -1, "replicate": -1}, central=True)
    probe = make_draw(ctx, _probe_parameters(spec, ctx.central))
    if probe.params is None:
        probe = ctx.central
    ctx.policy_for = compiled_policy(spec, ctx.central, probe)
    ctx.params_axes = varying_axes(ctx.central.params, probe.params)
    ctx.policy_axes = varying_axes(ctx.policy_for(ctx.central), ctx.policy_for(probe))
    ctx.axes_key = (
        jax.tree.structure(ctx.central.params),
        tuple(_flat(ctx.central.params, ctx.params_axes)),
        tuple(_flat(ctx.policy_for(ctx.central), ctx.policy_axes)),
    )
    return ctx


def _start(ctx: Context, size: int) -> jax.Array:
    """The Newton start of every draw: the scenario's own equilibrium, solved by the
    chunks' program (no other compilation), when the policy is the same for every draw and
    the solve converges; else the baseline. Computed once per process and spec."""
    if ctx.x0 is not None:
        return ctx.x0
    model, c = ctx.model, ctx.central
    x0 = model.initial_guess(c.params)
    if all(a is None for a in _flat(ctx.policy_for(c), ctx.policy_axes)):
        params = stack([c.params] * size, ctx.params_axes, "the scenario")
        policy = stack([ctx.policy_for(c)] * size, ctx.policy_axes, "the scenario")
        batch = _solver(ctx, size)(params, policy, x0)
        eq = jax.tree.map(lambda a: a[0], batch)
        if bool(eq.converged):
            x0 = model.unknowns(eq)
    ctx.x0 = x0
    return x0


def _probe_parameters(spec: SweepSpec, central: Draw) -> dict[str, Any]:
    """Draw parameters in which every swept parameter differs from the scenario's."""
    out: dict[str, Any] = {"draw": -2, "grid_point": -2, "replicate": 0}
    for key, values in spec.grid_values.items():
        current = getattr(central.options, key)
        other = [v for v in values if v != current]
        if other:
            out[key] = other[0]
    for key in spec.distributions:
        if key == "theta_scale":
            out[key] = 1.37
        elif key not in ELASTICITY_FACTORS:
            out[key] = float(getattr(central.options, key)) * 1.37 + 0.11
    return out


def make_draw(ctx: Context, prm: Mapping[str, Any], *, central: bool = False) -> Draw:
    """Calibrate the draw with parameters ``prm`` (see :class:`Draw`); ``central``: the
    scenario's own draw (no elasticity factors; a calibration failure raises).

    Raises:
        InputError: a drawn value is not a valid option.
    """
    model, spec = ctx.model, ctx.spec
    update = option_updates(prm, model)
    try:
        sc = ctx.scenario.with_model(update) if update else ctx.scenario
    except InputError as exc:
        raise InputError(f"draw {prm['draw']}: invalid model options {update}: {exc}") from None
    grid = option_updates(prm, model, grid_only=True)
    economy = ctx.economy_at(grid)
    options = sc.options
    elasticity = None
    if not central and any(k in spec.distributions for k in ELASTICITY_FACTORS):
        base = _base_elasticities(ctx, grid, economy, options)
        elasticity = base * theta_factors(spec, prm, len(base))
    if central:
        return Draw(prm, sc, economy, options, None, model.calibrate(economy, options))
    betas = None
    if ctx.estimates and spec.draws:
        betas = partial_effect_betas(spec, ctx.estimates, int(prm["replicate"]))
    try:
        params = model.calibrate(economy, options, elasticity=elasticity)
    except ConvergenceError:
        params = None
    return Draw(prm, sc, economy, options, elasticity, params, betas)


def _base_elasticities(ctx: Context, grid: Mapping[str, Any], economy: Any, options: Any) -> Any:
    key = json.dumps(dict(grid), sort_keys=True, default=str)
    if key not in ctx.base_elasticities:
        base = ctx.model.elasticities(ctx.model.calibrate(economy, options))
        ctx.base_elasticities[key] = np.asarray(base, dtype=float)
    return ctx.base_elasticities[key]


def compiled_policy(spec: SweepSpec, central: Draw, probe: Draw) -> Callable[[Draw], Policy]:
    """``policy_for(draw)``: the scenario's policy resolved with the draw's parameters.

    Compiling is pure (:func:`blocs.scenario.compile_scenario`), so a policy that depends on
    the model's parameters (gravity partial effects ``d_hat = exp(-beta / eps)``, closed-form
    optimal rates) is re-resolved per draw, exactly as re-running the scenario would; one
    that does not is resolved once.

    Raises:
        ScenarioError: the policy needs a numerical best response (``rule = "optimal"`` on a
            model without a closed form), which is not available per draw.
    """
    programs: dict[int, PolicyProgram] = {}

    def program(economy: Any) -> PolicyProgram:
        if id(economy) not in programs:
            programs[id(economy)] = compile_scenario(central.scenario, economy)
        return programs[id(economy)]

    first = program(central.economy)
    if not first.needs_parameters:
        fixed = resolve(first).policy
        return lambda draw: fixed
    model = model_of(central.scenario)
    central_policy = resolve(first, model, central.params).policy

    def policy_for(draw: Draw) -> Policy:
        if draw.params is None:  # calibration failed: the draw is reported as failed
            return central_policy
        return resolve(program(draw.economy), model, draw.params, betas=draw.betas).policy

    return policy_for


def _policy(pol: Any) -> Policy:
    return Policy(t=jnp.asarray(pol.t, dtype=float), d_hat=jnp.asarray(pol.d_hat, dtype=float))


def _same(a: Policy, b: Policy) -> bool:
    return bool(np.array_equal(a.t, b.t) and np.array_equal(a.d_hat, b.d_hat))


# ----------------------------------------------------------------------------------------
# Stacking draws


def _flat(tree: Any, axes: Any) -> list[Any]:
    """The axes of ``tree``'s leaves, in order (``axes``: a tree of 0/None like ``tree``)."""
    treedef: Any = jax.tree.structure(tree)
    return list(treedef.flatten_up_to(axes))


def _same_structure(a: Any, b: Any) -> bool:
    return bool(a == b)


def varying_axes(a: Any, b: Any) -> Any:
    """vmap axes of a PyTree: 0 for the leaves that differ between ``a`` and ``b``, None
    for those that are equal (shared by every draw)."""
    la, tree = jax.tree.flatten(a)
    lb, tree_b = jax.tree.flatten(b)
    if not _same_structure(tree, tree_b):
        raise BlocsError(f"draws of one sweep have different structures: {tree} vs {tree_b}")
    axes = [None if x is y or np.array_equal(x, y) else 0 for x, y in zip(la, lb, strict=True)]
    return jax.tree.unflatten(tree, axes)


def stack(trees: Sequence[Any], axes: Any, where: str) -> Any:
    """The trees as one: leaves with axis 0 stacked, the others shared (checked equal)."""
    columns = [jax.tree.leaves(t) for t in trees]
    out = []
    for j, (axis, first) in enumerate(zip(_flat(trees[0], axes), columns[0], strict=True)):
        col = [c[j] for c in columns]
        if axis == 0:
            out.append(jnp.stack(col))
        elif all(x is first or np.array_equal(x, first) for x in col):
            out.append(first)
        else:
            raise BlocsError(
                f"{where}: a model array varies across draws but did not vary in the probe "
                "draw (a bug: please report the sweep spec)"
            )
    return jax.tree.unflatten(jax.tree.structure(trees[0]), out)


def _solver(ctx: Context, size: int) -> Callable[..., Any]:
    """The jitted, vmapped solve (cached: one compilation per model, options and axes)."""
    model, spec = ctx.model, ctx.spec
    static = model.static(ctx.central.options)
    key = (
        model.name,
        static,
        spec.tol,
        spec.max_steps,
        size,
        ctx.axes_key,
    )
    with _LOCK:
        fn = _SOLVERS.get(key)
        if fn is None:

            def one(params: Any, policy: Policy, x0: jax.Array) -> Any:
                return model.solve(
                    params, policy, static, tol=spec.tol, max_steps=spec.max_steps, x0=x0
                )

            axes = (ctx.params_axes, ctx.policy_axes, None)
            fn = jax.jit(jax.vmap(one, in_axes=axes, axis_size=size))
            _SOLVERS[key] = fn
    return fn


# ----------------------------------------------------------------------------------------
# One chunk


def chunk_draws(n_draws: int, chunk_size: int, chunk: int) -> range:
    """Draw ids of ``chunk``."""
    return range(chunk * chunk_size, min((chunk + 1) * chunk_size, n_draws))


def solve_chunk(spec: SweepSpec, chunk_size: int, chunk: int) -> pd.DataFrame:
    """Solve the draws of one chunk; one row per (draw, country).

    Pure in its inputs (the same arguments give the same numbers on any machine of the same
    platform); every backend runs this function.

    Returns:
        Columns ``draw, grid_point, replicate``, the model's grid parameters, ``iso3``, the
        outcomes (:attr:`~blocs.models.base.Model.outcome_names`), ``expenditure``
        (baseline weight), ``converged``, ``iterations``, ``max_residual`` (and, for models
        with elasticity factors, ``theta_scale`` and ``theta_mean``).
    """
    ctx = context(spec)
    model = ctx.model
    ids = list(chunk_draws(spec.n_draws, chunk_size, chunk))
    if not ids:
        raise InputError(f"chunk {chunk} is empty ({spec.n_draws} draws of {chunk_size})")
    draws = [make_draw(ctx, draw_parameters(spec, k)) for k in ids]
    static = model.static(ctx.central.options)
    for d in draws:
        if model.static(d.options) != static:
            raise BlocsError(f"draw {d.prm['draw']}: a swept option changes {static!r}")
    solvable = [d if d.params is not None else dataclasses.replace(d, params=ctx.central.params)
                for d in draws]  # fmt: skip
    padded = solvable + [solvable[-1]] * (chunk_size - len(solvable))
    where = f"chunk {chunk}"
    params = stack([d.params for d in padded], ctx.params_axes, where)
    policy = stack([ctx.policy_for(d) for d in padded], ctx.policy_axes, where)
    x0 = _start(ctx, chunk_size)
    batch = jax.tree.map(np.asarray, _solver(ctx, chunk_size)(params, policy, x0))
    frames = []
    for k, d in enumerate(draws):
        eq = jax.tree.map(lambda a, k=k: a[k], batch)
        if d.params is not None and not bool(eq.converged) and d.elasticity is None:
            retry = model.solve_economy(
                d.economy,
                ctx.policy_for(d),
                d.options,
                tol=spec.tol,
                max_steps=spec.max_steps,
                throw=False,
            )
            if bool(retry.converged):
                eq = jax.tree.map(np.asarray, retry)
        frames.append(_frame(ctx, d, eq))
    return _order(pd.concat(frames, ignore_index=True), model)


def _frame(ctx: Context, d: Draw, eq: Any) -> pd.DataFrame:
    """The rows of one draw."""
    model = ctx.model
    table = model.tables(d.economy, eq).countries
    frame = table[["iso3", *model.outcome_names, "expenditure"]].copy()
    failed = d.params is None  # calibration failed: the numbers are not this draw's
    if failed:
        frame[list(model.outcome_names)] = np.nan
    frame["converged"] = bool(eq.converged) and not failed
    frame["iterations"] = int(eq.iterations)
    frame["max_residual"] = float(eq.max_residual) if not failed else float("inf")
    for key in ("draw", "grid_point", "replicate"):
        frame[key] = int(d.prm[key])
    sp = model.sweep_parameters
    for key in sp.grid:
        frame[key] = getattr(d.options, key)
    for (_, term), beta in (d.betas or {}).items():
        frame[f"beta_{term}"] = beta
    if any(k in sp.random for k in ELASTICITY_FACTORS):
        theta = model.elasticities(d.params if d.params is not None else ctx.central.params)
        frame["theta_scale"] = float(d.prm.get("theta_scale", 1.0))
        frame["theta_mean"] = float(np.mean(np.asarray(theta)))
    return frame


def _order(df: pd.DataFrame, model: Model) -> pd.DataFrame:
    first = ["draw", "grid_point", "replicate"]
    params = [c for c in model.sweep_parameters.grid if c in df.columns]
    rest = [c for c in df.columns if c not in first + params]
    return df[first + params + rest]
