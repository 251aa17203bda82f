"""The compiled policy: a declarative program over the tariff and trade-cost arrays.

Compiling a scenario (:func:`blocs.scenario.compile.compile_scenario`) gives a
:class:`PolicyProgram`: the baseline tariffs and an ordered list of operations on
``t[i, n, s]`` and ``d_hat[i, n, s]`` in index space. It needs no model parameter and runs no
solver: a gravity partial effect stays a partial effect ``beta``, an "optimal" rate stays a
request. :func:`resolve` runs the program with a model's calibrated parameters (``jax.numpy``,
so derivatives and batched draws see the elasticity move ``d_hat = exp(-beta / eps_s)`` and
the closed-form rates), giving the :class:`~blocs.models.base.Policy` a model solves.

Example:
    >>> import numpy as np
    >>> prog = PolicyProgram(t0=np.zeros((2, 2, 1)), ops=(
    ...     Set("tariffs[0]", np.array([[[False], [True]], [[False], [False]]]), 0.25),))
    >>> prog.needs_parameters
    False
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from blocs.errors import ScenarioError
from blocs.models.base import Model, Policy
from blocs.scenario.estimates import EstimatedEffect

__all__ = [
    "Add",
    "Betas",
    "Cap",
    "ClosedFormTariff",
    "CostChange",
    "Floor",
    "Mirror",
    "OptimalResponse",
    "PartialEffect",
    "PolicyProgram",
    "Resolution",
    "ResolvedRate",
    "Respond",
    "Scale",
    "Set",
    "resolve",
]

#: ``respond(t, d_hat, by, against, sectors) -> t'``: a numerical best response (run layer).
Respond = Callable[[Any, Any, list[int], list[int], list[int]], Any]


@dataclasses.dataclass(frozen=True)
class Set:
    """``t = value`` on ``mask`` (shape (N, N, S)); ``value`` a number or an (N, N, S) array."""

    where: str
    mask: np.ndarray
    value: Any


@dataclasses.dataclass(frozen=True)
class Add:
    """``t = t + value`` on ``mask`` (percentage points as a fraction)."""

    where: str
    mask: np.ndarray
    value: float


@dataclasses.dataclass(frozen=True)
class Scale:
    """``1 + t = (1 + t) * factor`` on ``mask``."""

    where: str
    mask: np.ndarray
    factor: float


@dataclasses.dataclass(frozen=True)
class Cap:
    """``t = min(t, value)`` on ``mask``."""

    where: str
    mask: np.ndarray
    value: float


@dataclasses.dataclass(frozen=True)
class Floor:
    """``t = max(t, value)`` on ``mask``."""

    where: str
    mask: np.ndarray
    value: float


@dataclasses.dataclass(frozen=True)
class ClosedFormTariff:
    """Each importer's closed-form uniform optimal tariff (the model's), on ``mask``."""

    where: str
    mask: np.ndarray
    importers: tuple[int, ...]
    convention: str = "expenditure"


@dataclasses.dataclass(frozen=True)
class PartialEffect:
    """A gravity partial effect ``beta``: ``d_hat = exp(-beta / eps_s)`` on ``mask``.

    ``multiply``: multiplies the current ``d_hat`` (agreements); else sets it (trade costs).
    ``source``: the estimate's term ``beta`` comes from (``partial_effect = { estimate = ...,
    term = ... }``), None for a number typed in the scenario; :func:`resolve` can replace
    ``beta`` by a draw of that term (``betas``).
    """

    where: str
    mask: np.ndarray
    beta: float
    multiply: bool
    source: EstimatedEffect | None = None


@dataclasses.dataclass(frozen=True)
class CostChange:
    """``d_hat = factor`` on ``mask`` (a direct iceberg trade-cost change)."""

    where: str
    mask: np.ndarray
    factor: float


@dataclasses.dataclass(frozen=True)
class Mirror:
    """Each of ``by`` levies on each of ``against`` what that country levies on it."""

    where: str
    by: tuple[int, ...]
    against: tuple[int, ...]
    sectors: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class OptimalResponse:
    """``by`` (one region) answer ``against`` with their optimal uniform tariff.

    Resolved with the model's closed form (variant ``convention``) where it has one
    (one-sector IMLS: the paper's formula on the two-region aggregate), else, or when
    ``numerical``, by a numerical best response (``respond``).
    """

    where: str
    by: tuple[int, ...]
    against: tuple[int, ...]
    sectors: tuple[int, ...]
    convention: str = "expenditure"
    numerical: bool = False


#: ``{(estimate sha256, term): beta}``: values replacing the estimated partial effects of a
#: program (:attr:`EstimatedEffect.key`), e.g. a sweep's draws from the sampling distribution.
Betas = Mapping[tuple[str, str], Any]

#: Operations whose result depends on a model's parameters.
PARAMETRIC = (ClosedFormTariff, PartialEffect, OptimalResponse)


@dataclasses.dataclass(frozen=True)
class PolicyProgram:
    """A scenario compiled for one economy: baseline tariffs and operations, in order.

    Attributes:
        t0: baseline tariffs ``t[i, n, s]``, shape (N, N, S) (S = 1 for one-sector data).
        ops: the operations (tariff rules, agreements, trade costs, retaliation, in order).
        one_sector: whether the policy is returned with shape (N, N) (one-sector models).
        provenance: ``{where: record}`` for operations compiled from a dated record of
            tariffs in force (a :class:`~blocs.data.us_tariffs.TariffsInForce`, whose
            ``measures`` list the measure ids behind each pair's rate); empty otherwise.
    """

    t0: np.ndarray
    ops: tuple[Any, ...]
    one_sector: bool = True
    provenance: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    @property
    def needs_parameters(self) -> bool:
        """Whether resolving needs a model's parameters (else it is the same for every model)."""
        return any(isinstance(op, PARAMETRIC) for op in self.ops)

    @property
    def estimates(self) -> tuple[tuple[str, EstimatedEffect], ...]:
        """``(rule, effect)`` of every partial effect taken from an estimate, in order."""
        return tuple(
            (op.where, op.source)
            for op in self.ops
            if isinstance(op, PartialEffect) and op.source is not None
        )

    @property
    def needs_response(self) -> bool:
        """Whether the program asks for an optimal response."""
        return any(isinstance(op, OptimalResponse) for op in self.ops)


class ResolvedRate(NamedTuple):
    """A rate the resolution computed (an optimal tariff or response)."""

    where: str
    rule: str
    rate: Any


class Resolution(NamedTuple):
    """A resolved program.

    Attributes:
        policy: the counterfactual (tariffs and ``d_hat``, (N, N) or (N, N, S)).
        rates: the rates computed for requests (closed forms, optimal responses).
        provenance: the program's :attr:`PolicyProgram.provenance` (records of the tariffs
            in force it started from).
        estimates: the program's :attr:`PolicyProgram.estimates` (``(rule, effect)`` of the
            partial effects read from estimate files; the point values, not ``betas``).
    """

    policy: Policy
    rates: tuple[ResolvedRate, ...]
    provenance: Mapping[str, Any] = MappingProxyType({})
    estimates: tuple[tuple[str, EstimatedEffect], ...] = ()


def _concrete(x: Any) -> bool:
    """Whether ``x`` (a PyTree) holds no JAX tracer (so it can be checked and printed)."""
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x))


def _check(t_new: Any, mask: np.ndarray, where: str, what: str) -> None:
    if _concrete(t_new) and bool(np.any(np.asarray(t_new)[mask] <= -1.0)):
        raise ScenarioError(f"{where}: the {what} operation gives a tariff <= -100 %")


def _pairs(by: tuple[int, ...], against: tuple[int, ...], shape: tuple[int, ...],
           sectors: tuple[int, ...]) -> np.ndarray:  # fmt: skip
    """Mask of ``[a, b, s]`` with ``a`` in ``against``, ``b`` in ``by``, ``a != b``."""
    m = np.zeros(shape, dtype=bool)
    if by and against and sectors:
        m[np.ix_(list(against), list(by), list(sectors))] = True
    n = shape[0]
    m[np.arange(n), np.arange(n), :] = False
    return m


def resolve(
    program: PolicyProgram,
    model: Model | None = None,
    params: Any = None,
    *,
    respond: Respond | None = None,
    betas: Betas | None = None,
) -> Resolution:
    """Run ``program`` with ``model``'s calibrated ``params`` (traceable in ``params``).

    ``model``/``params`` may be omitted when the program needs no parameters. ``respond``
    computes a numerical best response where the model has no closed form. ``betas``
    (traceable too) replaces the partial effects taken from estimates, keyed by
    :attr:`EstimatedEffect.key`; keys the program does not use are an error.

    Raises:
        ScenarioError: a request the model cannot resolve, or a tariff <= -100 %.
    """
    if program.needs_parameters and (model is None or params is None):
        raise ScenarioError("this policy depends on model parameters: pass model and params")
    # no parameters: NumPy (no XLA program per operation, issue 13); else traceable
    xp: Any = np if params is None and betas is None else jnp
    t = xp.asarray(program.t0, dtype=float)
    log_d = xp.zeros_like(t)
    rates: list[ResolvedRate] = []
    eps = None if model is None or params is None else model.elasticities(params)
    beta_of = _beta_source(program, betas)
    for op in program.ops:
        if isinstance(op, Set):
            t = xp.where(op.mask, xp.broadcast_to(xp.asarray(op.value, dtype=float), t.shape), t)
        elif isinstance(op, Add):
            t = xp.where(op.mask, t + op.value, t)
            _check(t, op.mask, op.where, "add")
        elif isinstance(op, Scale):
            t = xp.where(op.mask, (1.0 + t) * op.factor - 1.0, t)
            _check(t, op.mask, op.where, "multiply")
        elif isinstance(op, Cap):
            t = xp.where(op.mask, xp.minimum(t, op.value), t)
            _check(t, op.mask, op.where, "cap")
        elif isinstance(op, Floor):
            t = xp.where(op.mask, xp.maximum(t, op.value), t)
        elif isinstance(op, ClosedFormTariff):
            assert model is not None
            cols = jnp.zeros(t.shape[1])
            for m in op.importers:
                rate = _closed_form(model, params, m, op.where, op.convention)
                rates.append(ResolvedRate(op.where, "OPTIMAL", rate))
                cols = cols.at[m].set(rate)
            t = xp.where(op.mask, xp.broadcast_to(cols[None, :, None], t.shape), t)
            _check(t, op.mask, op.where, "OPTIMAL rate")
        elif isinstance(op, PartialEffect):
            assert eps is not None
            value = xp.broadcast_to(-beta_of(op) / eps[None, None, :], t.shape)
            log_d = xp.where(op.mask, log_d + value if op.multiply else value, log_d)
        elif isinstance(op, CostChange):
            log_d = xp.where(op.mask, xp.log(op.factor), log_d)
        elif isinstance(op, Mirror):
            mask = _pairs(op.by, op.against, t.shape, op.sectors)
            t = xp.where(mask, xp.swapaxes(t, 0, 1), t)
        elif isinstance(op, OptimalResponse):
            assert model is not None
            t = _respond(op, model, params, t, xp.exp(log_d), respond, rates)
        else:  # pragma: no cover - every op type is handled above
            raise TypeError(f"unknown policy operation {op!r}")
    n = t.shape[0]
    off = (1.0 - xp.eye(n))[:, :, None]
    t = t * off
    d_hat = xp.exp(log_d * off)
    if program.one_sector:
        t, d_hat = t[:, :, 0], d_hat[:, :, 0]
    if xp is np:  # to JAX arrays without a compiled program
        t, d_hat = jax.device_put(t), jax.device_put(d_hat)
    policy = Policy(t=t, d_hat=d_hat)
    return Resolution(policy, tuple(rates), program.provenance, program.estimates)


def _beta_source(program: PolicyProgram, betas: Betas | None) -> Callable[[PartialEffect], Any]:
    """``beta(op)``: the op's own ``beta``, or its estimate term's value in ``betas``."""
    if not betas:
        return lambda op: op.beta
    known = {effect.key for _, effect in program.estimates}
    unknown = [k for k in betas if k not in known]
    if unknown:
        raise ScenarioError(
            f"betas: {', '.join(repr(k[1]) for k in unknown)} (estimate "
            f"{unknown[0][0][:12]}...) is not a partial effect of this program; its "
            f"estimated terms: {', '.join(sorted({k[1] for k in known})) or '(none)'}"
        )

    def beta(op: PartialEffect) -> Any:
        if op.source is not None and op.source.key in betas:
            return betas[op.source.key]
        return op.beta

    return beta


def _closed_form(model: Model, params: Any, importer: int, where: str, convention: str) -> Any:
    try:
        return model.closed_form_tariff(params, importer, convention)
    except NotImplementedError:
        raise ScenarioError(
            f"{where}.rate: OPTIMAL (the closed-form optimal tariff) needs a model that has one "
            f"(the one-sector model); the {model.name} model has none: use a number"
        ) from None


def _respond(
    op: OptimalResponse,
    model: Model,
    params: Any,
    t: Any,
    d_hat: Any,
    respond: Respond | None,
    rates: list[ResolvedRate],
) -> Any:
    by_mask = np.zeros(t.shape[0], dtype=bool)
    by_mask[list(op.by)] = True
    rate = None
    if not op.numerical:
        with contextlib.suppress(NotImplementedError):
            rate = model.closed_form_retaliation(params, by_mask, op.convention)
    if rate is not None:
        rates.append(ResolvedRate(op.where, "optimal", rate))
        mask = _pairs(op.by, op.against, t.shape, tuple(range(t.shape[2])))
        return jnp.where(mask, rate, t)
    rule = "best_response" if op.numerical else "optimal"
    if respond is None:
        raise ScenarioError(
            f"{op.where}: rule = '{rule}' needs a numerical best response on the {model.name} "
            "model, which this call cannot compute (run the scenario, or use rule = 'mirror')"
        )
    if not (_concrete(t) and _concrete(params)):
        raise ScenarioError(
            f"{op.where}: rule = '{rule}' on the {model.name} model is a numerical best "
            "response; derivatives and batched draws through it are not available"
        )
    if model.multisector:
        t_new = jnp.asarray(respond(t, d_hat, list(op.by), list(op.against), list(op.sectors)))
    else:  # one-sector models take (N, N) policies
        t_new = jnp.asarray(respond(t[:, :, 0], d_hat[:, :, 0], list(op.by), list(op.against),
                                    list(op.sectors)))[:, :, None]  # fmt: skip
    changed = np.asarray(t_new) != np.asarray(t)
    if changed.any():
        rates.append(ResolvedRate(op.where, rule, float(np.asarray(t_new)[changed][0])))
    return t_new
