"""What a sweep varies: :class:`SweepSpec`, the distributions, and the draws.

Draw ``d`` is grid point ``g = d // R`` (the last grid key varies fastest) and replicate
``r = d % R`` (``R = max(draws, 1)``). Replicate ``r`` takes its random numbers from
``numpy.random.default_rng([seed, r])`` in the order of :data:`RANDOM_PARAMETERS`, and the
``S`` factors of ``theta_sector`` from ``default_rng([seed, r, 1])``, and the partial effects
drawn from estimates (``partial_effect_draws``) from ``default_rng([seed, r, 2])``: the numbers
depend on ``(seed, r)`` only, never on chunking or backend, and every grid point sees the same
ones.

Which keys a scenario may sweep is declared by its model
(:attr:`blocs.models.base.Model.sweep_parameters`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from blocs.data.multisector import ICIO2022_ELASTICITIES
from blocs.errors import InputError, closest
from blocs.estimate import GravityEstimate, draw_partial_effects, read_estimate
from blocs.models.base import Model
from blocs.models.registry import MODELS, get_model
from blocs.scenario import Scenario, load_scenario
from blocs.scenario.schema import estimated_effects
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL

__all__ = [
    "DEFAULT_ROWS",
    "ELASTICITY_FACTORS",
    "RANDOM_PARAMETERS",
    "Distribution",
    "EstimateGroup",
    "LogNormal",
    "SweepSpec",
    "Uniform",
    "draw_parameters",
    "estimate_groups",
    "make_spec",
    "model_of",
    "option_updates",
    "partial_effect_betas",
    "theta_factors",
]

#: Rows of the printed summary by default.
DEFAULT_ROWS = ("USA", "CHN", "EU27", "non-US")
#: Parameters that can be drawn at random, in the order their numbers are drawn (part of
#: the reproducibility contract: never reorder; append new ones at the end).
RANDOM_PARAMETERS = ("trade_elasticity", "labour_supply_elasticity", "theta_scale", "theta_sector")
#: Random parameters that are factors on the model's elasticities (not model options).
ELASTICITY_FACTORS = ("theta_scale", "theta_sector")
#: Grid key of the published elasticity sets of icio2022 (``"all"`` expands to them).
ELASTICITY_SETS = "elasticities"


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


def _sweepable(kind: Literal["grid", "random"]) -> tuple[str, ...]:
    """Keys some registered model lets a sweep vary (in registry order, no repeats)."""
    keys = (k for m in MODELS.values() for k in getattr(m.sweep_parameters, kind))
    return tuple(dict.fromkeys(keys))


def _by_model(kind: Literal["grid", "random"]) -> str:
    """``"a, b (imls model), c (caliendo_parro model)"``."""
    parts = [
        f"{', '.join(getattr(m.sweep_parameters, kind))} ({m.name} model)"
        for m in MODELS.values()
        if getattr(m.sweep_parameters, kind)
    ]
    return ", ".join(parts)


class SweepSpec(BaseModel):
    """What to sweep (see the module docstring for the design of draws).

    Attributes:
        scenario: a built-in name, a TOML path or a :class:`blocs.scenario.Scenario`.
        grid: parameter -> values; the keys the scenario's model declares
            (``trade_elasticity``, ``labour_supply_elasticity``, ``pass_through`` for the
            one-sector model; ``elasticities`` for multi-sector scenarios on icio2022,
            ``"all"`` = the 8 published sets).
        draws: random replicates per grid point (0 = none).
        distributions: parameter -> :class:`LogNormal` / :class:`Uniform`, drawn per
            replicate: ``trade_elasticity``, ``labour_supply_elasticity`` (one-sector);
            ``theta_scale``, ``theta_sector`` (multi-sector: factors on ``theta``, e.g.
            ``LogNormal(mean=0, sd=0.2)`` for a median of 1).
        partial_effect_draws: draw, per replicate, the partial effects the scenario takes
            from estimates (``partial_effect = { estimate = ..., term = ... }``) from their
            sampling distribution: normal with the estimated covariance, joint across the
            terms of one estimate, independent of the other random parameters (see
            :func:`partial_effect_betas`).
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
    partial_effect_draws: bool = False
    seed: int = Field(0, ge=0)
    percentiles: tuple[float, ...] = (5.0, 50.0, 95.0)
    rows: tuple[str, ...] = DEFAULT_ROWS
    tol: float = Field(DEFAULT_TOL, gt=0)
    max_steps: int = Field(DEFAULT_MAX_STEPS, gt=0)

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        allowed = _sweepable("grid")
        for key, values in self.grid.items():
            if key not in allowed:
                raise ValueError(
                    f"grid: unknown parameter {key!r}{closest(key, allowed)}; "
                    f"allowed: {', '.join(allowed)}"
                )
            if not values:
                raise ValueError(f"grid.{key}: give at least one value")
            _check_values(key, values)
        random = _sweepable("random")
        for key in self.distributions:
            if key not in random or key not in RANDOM_PARAMETERS:
                raise ValueError(
                    f"distributions: cannot draw {key!r}{closest(key, random)}; "
                    f"random parameters: {_by_model('random')}"
                )
            if key in self.grid:
                raise ValueError(f"{key!r} is both in grid and in distributions: choose one")
        if self.draws and not self.distributions and not self.partial_effect_draws:
            raise ValueError(
                f"draws={self.draws} but no distributions: say what to draw, e.g. "
                "distributions={'trade_elasticity': LogNormal(mean=log(4), sd=0.25)}, "
                "or partial_effect_draws=True (partial effects taken from estimates)"
            )
        if self.distributions and not self.draws:
            raise ValueError("distributions given but draws=0: set the number of draws")
        if self.partial_effect_draws and not self.draws:
            raise ValueError("partial_effect_draws=True but draws=0: set the number of draws")
        for q in self.percentiles:
            if not 0.0 <= q <= 100.0:
                raise ValueError(f"percentiles: {q} is not in [0, 100]")
        return self

    @property
    def grid_values(self) -> dict[str, list[Any]]:
        """The grid with ``elasticities = ["all"]`` expanded (numbers as floats)."""
        out: dict[str, list[Any]] = {}
        for key, values in self.grid.items():
            if key == ELASTICITY_SETS and any(str(v).lower() == "all" for v in values):
                out[key] = list(ICIO2022_ELASTICITIES)
            else:
                out[key] = [v if isinstance(v, str) else float(v) for v in values]
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
            ScenarioError: the scenario is bad. InputError: a swept parameter is not
                sweepable in the scenario's model, or a grid value is not a valid option.
        """
        sc = self.scenario if isinstance(self.scenario, Scenario) else load_scenario(self.scenario)
        model = model_of(sc)
        sp = model.sweep_parameters
        allowed = tuple(dict.fromkeys((*sp.grid, *sp.random)))
        for key in (*self.grid, *self.distributions):
            ok = key in (sp.grid if key in self.grid else sp.random)
            if not ok:
                raise InputError(
                    f"{sc.path}: cannot sweep {key!r}: the scenario uses the {model.name} "
                    f"model, whose sweepable options are {', '.join(allowed) or '(none)'}"
                    + (
                        " (elasticity sets are for multi-sector scenarios on icio2022, e.g. "
                        "liberation-day-icio)"
                        if key == ELASTICITY_SETS
                        else ""
                    )
                )
        if ELASTICITY_SETS in self.grid and sc.scenario.data != "icio2022":
            raise InputError(
                f"{sc.path}: the published elasticity sets belong to icio2022, but this "
                f"scenario uses {sc.scenario.data!r}; sweep them on an icio2022 scenario "
                "(e.g. liberation-day-icio)"
            )
        for key, values in self.grid_values.items():
            for v in values:
                try:
                    sc.with_model({key: v})
                except InputError as exc:
                    raise InputError(f"grid.{key} = {v!r}: {exc}") from None
        if self.partial_effect_draws and not estimated_effects(sc):
            raise InputError(
                f"{sc.path}: partial_effect_draws needs a partial effect taken from an "
                'estimate (partial_effect = { estimate = "est/estimate.json", term = "fta" } '
                "in [[agreements]] or [[trade_costs]]); this scenario has none"
            )
        return sc


def _check_values(key: str, values: list[Any]) -> None:
    """Values that are wrong whatever the model (options are checked by the model's own
    validation when the scenario is loaded)."""
    if key == ELASTICITY_SETS:
        for v in values:
            if str(v).lower() != "all" and v not in ICIO2022_ELASTICITIES:
                raise ValueError(
                    f"grid.elasticities: unknown set {v!r}{closest(str(v), ICIO2022_ELASTICITIES)}; "
                    f"choose from: all, {', '.join(ICIO2022_ELASTICITIES)}"
                )
        return
    for v in values:
        if not isinstance(v, str) and not math.isfinite(v):
            raise ValueError(f"grid.{key}: {v!r} is not a finite number")


def model_of(sc: Scenario) -> Model:
    """The model a scenario runs."""
    return get_model(sc.kind, where=f"{sc.path}, scenario.model")


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
        ``{"draw", "grid_point", "replicate"}`` and one entry per swept parameter
        (``theta_sector`` excepted: see :func:`theta_factors`).

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
        for key in RANDOM_PARAMETERS:
            if key in spec.distributions and key != "theta_sector":
                out[key] = spec.distributions[key].sample(rng)
    return out


def theta_factors(spec: SweepSpec, prm: Mapping[str, Any], sectors: int) -> np.ndarray:
    """The factor on each sector's elasticity, shape (S,) (``theta_scale *
    theta_sector[s]``; ones when neither is drawn)."""
    f = np.full(sectors, float(prm.get("theta_scale", 1.0)))
    if "theta_sector" in spec.distributions and spec.draws:
        rng = np.random.default_rng([spec.seed, int(prm["replicate"]), 1])
        dist = spec.distributions["theta_sector"]
        f *= np.array([dist.sample(rng) for _ in range(sectors)])
    return f


def option_updates(
    prm: Mapping[str, Any], model: Model, *, grid_only: bool = False
) -> dict[str, Any]:
    """The model options a draw sets: its grid values and (unless ``grid_only``) its
    random option values (elasticity factors are not options)."""
    sp = model.sweep_parameters
    keys = sp.grid if grid_only else (*sp.grid, *sp.random)
    return {k: prm[k] for k in dict.fromkeys(keys) if k in prm and k not in ELASTICITY_FACTORS}


# ----------------------------------------------------------------------------------------
# Partial effects drawn from estimates


@dataclasses.dataclass(frozen=True)
class EstimateGroup:
    """The terms a scenario takes from one estimate file, drawn jointly.

    Attributes:
        estimate: the record (coefficients and covariance).
        sha256: the file's checksum (the key of the draws, with the term).
        terms: the terms, in the order of first use in the scenario.
    """

    estimate: GravityEstimate
    sha256: str
    terms: tuple[str, ...]


def estimate_groups(sc: Scenario) -> tuple[EstimateGroup, ...]:
    """The scenario's estimated partial effects, grouped by estimate file (by checksum), in
    the order of first use."""
    by_sha: dict[str, tuple[str, list[str]]] = {}
    for _, effect in estimated_effects(sc):
        path, terms = by_sha.setdefault(effect.sha256, (effect.path, []))
        if effect.term not in terms:
            terms.append(effect.term)
    out = []
    for sha, (path, terms) in by_sha.items():
        est, checksum = read_estimate(path)
        if checksum != sha:
            raise InputError(f"{path}: the estimate file changed while the sweep was starting")
        out.append(EstimateGroup(est, sha, tuple(terms)))
    return tuple(out)


def partial_effect_betas(
    spec: SweepSpec, groups: tuple[EstimateGroup, ...], replicate: int
) -> dict[tuple[str, str], float]:
    """Replicate ``replicate``'s draw of the estimated partial effects: ``{(sha256, term):
    beta}``.

    One standard-normal vector per estimate, in the order of ``groups``, from
    ``numpy.random.default_rng([seed, replicate, 2])``, mapped to ``b + L z`` with ``L L'``
    the estimated covariance of the group's terms
    (:func:`blocs.estimate.draw_partial_effects`): joint across the terms of one estimate,
    independent across estimates and of the other random parameters.
    """
    rng = np.random.default_rng([spec.seed, int(replicate), 2])
    out: dict[tuple[str, str], float] = {}
    for g in groups:
        values = draw_partial_effects(g.estimate, g.terms, 1, rng)[0]
        for term, v in zip(g.terms, values, strict=True):
            out[(g.sha256, term)] = float(v)
    return out
