"""Compiling a scenario for an economy: rules -> a :class:`PolicyProgram` (pure).

Order: the tariffs in force at a date (``[us_tariffs]``, ``[retaliation_in_force]``), tariff
rules (in order), agreements, trade-cost rules, retaliation; a later rule
overrides an earlier one for the same pair; a country never tariffs itself. Compiling reads
the scenario and the economy's labels and baseline tariffs only: no model parameter, no
solve. :func:`compile_policy` compiles and resolves at the scenario's own model options.

Example:
    >>> import blocs
    >>> from blocs.scenario import load_scenario
    >>> eco = blocs.load_world2023()
    >>> prog = compile_scenario(load_scenario("liberation-day"), eco)
    >>> prog.needs_parameters
    False
"""

from __future__ import annotations

from typing import Any

import numpy as np

from blocs.data.multisector import cp2015_nafta_tariffs
from blocs.errors import InputError, ScenarioError
from blocs.models.base import Policy
from blocs.models.registry import get_model
from blocs.scenario.estimates import EstimatedEffect
from blocs.scenario.groups import check_group_names_for, countries, resolve_sectors
from blocs.scenario.in_force import in_force_ops
from blocs.scenario.program import (
    Add,
    Cap,
    ClosedFormTariff,
    CostChange,
    Floor,
    Mirror,
    OptimalResponse,
    PartialEffect,
    PolicyProgram,
    Respond,
    Scale,
    Set,
    resolve,
)
from blocs.scenario.rates import us_tariffs_2025
from blocs.scenario.schema import Scenario, estimated_effects

__all__ = ["compile_policy", "compile_scenario"]


def _mask(shape: tuple[int, ...], exp: list[int], imp: list[int], sec: list[int]) -> np.ndarray:
    m = np.zeros(shape, dtype=bool)
    if exp and imp and sec:
        m[np.ix_(exp, imp, sec)] = True
    return m


def _some_pair(mask: np.ndarray, where: str, why: str) -> np.ndarray:
    """``mask`` if it holds a pair of two different countries, else a ScenarioError."""
    n = mask.shape[0]
    if not (mask & ~np.eye(n, dtype=bool)[:, :, None]).any():
        raise ScenarioError(
            f"{where}: the rule matches no pair of countries ({why}); fix or drop it"
        )
    return mask


def _no_pair_reason(exp: list[int], imp: list[int], sec: list[int], a: str, b: str) -> str:
    if not imp:
        return f"no country is left in {a} (an empty group, or every one excluded)"
    if not exp:
        return f"no country is left in {b} (an empty group, or every one excluded)"
    if not sec:
        return "no sector is left"
    return f"{a} and {b} are the same single country"


def _safe(fn: Any, where: str) -> Any:
    try:
        return fn()
    except ScenarioError:
        raise
    except InputError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _us_2025_block(economy: Any, exp: list[int], imp: list[int], shape: tuple, where: str):
    """``US_TARIFFS_2025``: the rate of the US's partner in each pair (exporter otherwise)."""
    us_rate = _safe(lambda: us_tariffs_2025(economy), where)
    us = economy.iso3.index("USA") if "USA" in economy.iso3 else -1
    value = np.zeros(shape)
    for i in exp:
        for m in imp:
            value[i, m, :] = us_rate[m] if i == us else us_rate[i]
    return value


def _tariff_ops(sc: Scenario, economy: Any, sectors: Any, shape: tuple) -> list[Any]:
    ops: list[Any] = []
    for k, rule in enumerate(sc.tariffs):
        where = f"{sc.path}, tariffs[{k}]"
        imp = countries(rule.importers, rule.except_importers, sc, economy, where, "importers")
        exp = countries(rule.exporters, rule.except_exporters, sc, economy, where, "exporters")
        sec = resolve_sectors(rule.sectors, sc, economy, where, sectors)
        op, value = rule.operation()
        why = _no_pair_reason(exp, imp, sec, "importers", "exporters")
        mask = _some_pair(_mask(shape, exp, imp, sec), where, why)
        if op == "rate" and value == "US_TARIFFS_2025":
            ops.append(Set(where, mask, _us_2025_block(economy, exp, imp, shape, where)))
        elif op == "rate" and value == "NAFTA_2005":
            if economy.dataset != "cp2015":
                raise ScenarioError(f"{where}.rate: NAFTA_2005 needs the cp2015 data")
            ops.append(Set(where, mask, np.asarray(cp2015_nafta_tariffs(), dtype=float)))
        elif op == "rate" and value == "OPTIMAL":
            if sectors is not None:
                raise ScenarioError(
                    f"{where}.rate: OPTIMAL (closed form) needs the one-sector model; use a number"
                )
            ops.append(ClosedFormTariff(where, mask, tuple(imp), rule.convention or "expenditure"))
        elif op == "rate":
            ops.append(Set(where, mask, float(value)))
        elif op == "add":
            ops.append(Add(where, mask, float(value)))
        elif op == "multiply":
            ops.append(Scale(where, mask, float(value)))
        elif op == "cap":
            ops.append(Cap(where, mask, float(value)))
        else:
            ops.append(Floor(where, mask, float(value)))
    return ops


def _partial_effect(where: str, mask: np.ndarray, value: Any, multiply: bool,
                    effects: dict[str, EstimatedEffect]) -> PartialEffect:  # fmt: skip
    """A number, or the estimate's term read for the rule ``where`` (with its identity)."""
    source = effects.get(where)
    if source is not None:
        return PartialEffect(where, mask, source.value, multiply=multiply, source=source)
    return PartialEffect(where, mask, float(value), multiply=multiply)


def _agreement_ops(
    sc: Scenario, economy: Any, sectors: Any, shape: tuple, effects: dict[str, EstimatedEffect]
) -> list[Any]:
    ops: list[Any] = []
    n = shape[0]
    for k, ag in enumerate(sc.agreements):
        where = f"{sc.path}, agreements[{k}]"
        mem = countries(ag.members, [], sc, economy, where, "members")
        if len(mem) < 2:
            raise ScenarioError(
                f"{where}.members: an agreement needs at least two countries "
                f"in this data (found {len(mem)})"
            )
        sec = resolve_sectors(ag.sectors, sc, economy, where, sectors)
        inside = _mask(shape, mem, mem, sec)
        if ag.free_trade:
            ops.append(Set(where, inside, 0.0))
        if ag.partial_effect is not None:
            pairs = inside.copy()
            pairs[np.arange(n), np.arange(n), :] = False
            ops.append(_partial_effect(where, pairs, ag.partial_effect, True, effects))
        if ag.external_tariff is not None:
            outside = [i for i in range(n) if i not in set(mem)]
            ops.append(Set(where, _mask(shape, outside, mem, sec), float(ag.external_tariff)))
    return ops


def _trade_cost_ops(
    sc: Scenario, economy: Any, sectors: Any, shape: tuple, effects: dict[str, EstimatedEffect]
) -> list[Any]:
    ops: list[Any] = []
    n = shape[0]
    for k, tc in enumerate(sc.trade_costs):
        where = f"{sc.path}, trade_costs[{k}]"
        imp = countries(tc.importers, tc.except_importers, sc, economy, where, "importers")
        exp = countries(tc.exporters, tc.except_exporters, sc, economy, where, "exporters")
        sec = resolve_sectors(tc.sectors, sc, economy, where, sectors)
        mask = _mask(shape, exp, imp, sec)
        if tc.symmetric:
            mask |= np.swapaxes(mask, 0, 1)
        _some_pair(mask, where, _no_pair_reason(exp, imp, sec, "importers", "exporters"))
        mask[np.arange(n), np.arange(n), :] = False
        if tc.partial_effect is not None:
            ops.append(_partial_effect(where, mask, tc.partial_effect, False, effects))
        else:
            ops.append(CostChange(where, mask, float(tc.change)))  # type: ignore[arg-type]
    return ops


def _retaliation_ops(sc: Scenario, economy: Any, sectors: Any) -> list[Any]:
    ops: list[Any] = []
    for k, rt in enumerate(sc.retaliation):
        where = f"{sc.path}, retaliation[{k}]"
        against = countries(rt.against, [], sc, economy, where, "against")
        by = [b for b in countries(rt.by, [], sc, economy, where, "by") if b not in against]
        sec = tuple(resolve_sectors(rt.sectors, sc, economy, where, sectors))
        if rt.rule != "none" and not (by and against and sec):
            why = (
                "every country of by is also in against: a country does not retaliate "
                "against itself"
                if against and sec
                else _no_pair_reason(by, against, list(sec), "against", "by")
            )
            raise ScenarioError(f"{where}: the rule matches no pair of countries ({why})")
        if rt.rule == "mirror":
            ops.append(Mirror(where, tuple(by), tuple(against), sec))
        elif rt.rule in ("optimal", "best_response"):
            convention = rt.convention or "expenditure"
            numerical = rt.rule == "best_response"
            ops.append(
                OptimalResponse(where, tuple(by), tuple(against), sec, convention, numerical)
            )
    return ops


def compile_scenario(sc: Scenario, economy: Any) -> PolicyProgram:
    """The scenario's rules as a :class:`PolicyProgram` for ``economy`` (pure: no solve).

    Raises:
        ScenarioError: unknown names, rules that cannot apply to this data, tariffs
            <= -100 % (checked on the concrete operations), a partial effect's estimate
            file missing, not converged or without the term.
    """
    model = get_model(sc.kind)
    sectors = model.sectors(economy)
    n = economy.n
    t0 = np.array(economy.t, dtype=float)
    if sectors is None:
        t0 = t0[:, :, None]
    shape = (n, n, t0.shape[2])
    check_group_names_for(sc.groups, sc.group_sources, economy)
    first, provenance = in_force_ops(sc, economy, shape)
    effects = dict(estimated_effects(sc))  # rule -> the estimate's term (read, checked)
    ops = [
        *first,
        *_tariff_ops(sc, economy, sectors, shape),
        *_agreement_ops(sc, economy, sectors, shape, effects),
        *_trade_cost_ops(sc, economy, sectors, shape, effects),
        *_retaliation_ops(sc, economy, sectors),
    ]
    program = PolicyProgram(
        t0=t0, ops=tuple(ops), one_sector=sectors is None, provenance=provenance
    )
    _dry_run(program)
    return program


def _dry_run(program: PolicyProgram) -> None:
    """Check the concrete operations (requests left at the current rates) for bad tariffs."""
    skip = (ClosedFormTariff, OptimalResponse, PartialEffect)
    concrete = tuple(op for op in program.ops if not isinstance(op, skip))
    resolve(PolicyProgram(t0=program.t0, ops=concrete, one_sector=program.one_sector))


def compile_policy(
    sc: Scenario, economy: Any, *, respond: Respond | None = None, params: Any = None
) -> Policy:
    """Compile and resolve at the scenario's model options: the policy the model solves.

    ``params`` (optional): the model's calibrated parameters, if already at hand;
    ``respond``: a numerical best response for ``rule = "optimal"`` where the model has no
    closed form (:func:`blocs.run.policy_for` supplies one).
    """
    program = compile_scenario(sc, economy)
    if not program.needs_parameters:
        return resolve(program).policy
    model = get_model(sc.kind)
    if params is None:
        params = model.calibrate(economy, sc.options)
    return resolve(program, model, params, respond=respond).policy
