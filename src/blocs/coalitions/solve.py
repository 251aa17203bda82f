"""The entry point: :func:`solve_coalitions` solves every coalition of a spec (and its
variants) and analyses them.

Work: ``2**k`` equilibria per variant (:class:`~blocs.coalitions.engine.Engine`) plus ``2k``
betrayal equilibria for credibility; with an optimal response, ``2**k`` best-response
searches (:mod:`blocs.coalitions.response`). With an optimal response the target
best-responds in every America-First coalition too, and the betrayal equilibria keep the
rate the target chose against ``S``: the target responds to the coalition as formed, and the
betrayal comes later (the leader's tariff on ``a`` is then the only difference between
``W_a(S)`` and ``W_a(S, a tariffed)``).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from blocs.coalitions.analysis import analyse, credibility
from blocs.coalitions.engine import Engine, Progress
from blocs.coalitions.policies import (
    CoalitionPolicies,
    america_first_baseline,
    coalition_policies,
    has_2025_rates,
    leader_2025_rates,
)
from blocs.coalitions.response import best_responses
from blocs.coalitions.results import CoalitionResults
from blocs.coalitions.spec import CoalitionSpec
from blocs.data import load_world2023
from blocs.data.multisector import load_icio2022
from blocs.errors import InputError
from blocs.models.registry import model_for
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL

__all__ = ["DATA_UNITS_TO_BN", "EMBEDDED", "load_data", "solve_coalitions"]

#: Embedded data sets for coalitions: name -> (loader, billions of USD per data unit,
#: multi-sector). world2023: thousand USD; icio2022: million USD.
EMBEDDED: dict[str, tuple[Any, float, bool]] = {
    "world2023": (load_world2023, 1e-6, False),
    "icio2022": (load_icio2022, 1e-3, True),
}
#: Billions of USD per data unit of the embedded data sets.
DATA_UNITS_TO_BN = {name: units for name, (_, units, _) in EMBEDDED.items()}


def load_data(name: str) -> Any:
    """The embedded data set ``name`` (:data:`EMBEDDED`)."""
    if name not in EMBEDDED:
        raise InputError(
            f"data={name!r}: embedded data sets for coalitions are 'world2023' (one sector) "
            "and 'icio2022' (81 economies x 28 sectors); or pass an economy"
        )
    return EMBEDDED[name][0]()


def solve_coalitions(
    economy: Any,
    spec: CoalitionSpec,
    options: Any = None,
    *,
    chunk_size: int = 64,
    progress: Progress | None = None,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> CoalitionResults:
    """Solve every coalition of ``spec`` (and its variants) and analyse them.

    Args:
        economy: data of a registered model (:func:`blocs.models.registry.model_for`: an
            :class:`~blocs.economy.Economy` for the one-sector IMLS model, a
            :class:`~blocs.models.caliendo_parro.MultiSectorEconomy` for Caliendo-Parro),
            or None to load ``spec.data``.
        spec: the :class:`~blocs.coalitions.spec.CoalitionSpec`.
        options: that model's options (default: its ``Options()``, the paper's).
        chunk_size: equilibria solved together in one ``vmap`` (bounds memory; with 64 the
            whole process peaks near 0.9 GB on world2023 and 2 GB on icio2022); with an
            optimal response, the number of best-response searches run side by side.
        progress: called as ``progress(done, total)`` after each chunk (optimal response:
            after each coalition).
        tol, max_steps: solver tolerance (largest scaled residual) and Newton steps.

    Returns:
        :class:`CoalitionResults` (plain variant), with ``america_first`` (the America-First
        variant's :class:`CoalitionResults`) and ``credibility`` (on both variants) filled
        when the spec asks for them; ``spec`` holds the resolved ``america_first`` and
        ``punishment``. Work: ``2**k`` equilibria per variant plus ``2k`` for credibility
        (an optimal response: ``2**k`` best-response searches of ~5 equilibria each, the
        ``2k`` betrayal equilibria keep the chosen rates). Unconverged equilibria and failed
        searches are reported in ``converged`` / ``failures`` with NaN welfare, never
        dropped.

    Raises:
        InputError: bad players, rates, or variants the data cannot support.
    """
    if chunk_size < 1:
        raise InputError(f"chunk_size={chunk_size}: must be >= 1")
    if economy is None:
        economy = load_data(spec.data)
    model = model_for(economy)
    options = model.Options() if options is None else options
    if spec.data in EMBEDDED and model.multisector != EMBEDDED[spec.data][2]:
        raise InputError(
            f"spec.data={spec.data!r} does not match the economy given "
            f"({type(economy).__name__}): pass economy=None to load {spec.data}, or set data "
            "to a label of your own"
        )
    to_bn = EMBEDDED[spec.data][1] if spec.data in EMBEDDED else float("nan")
    plain = coalition_policies(
        economy, spec.leader, spec.target, spec.allies, spec.tariff, spec.response
    )
    k = plain.players.k
    has_2025 = has_2025_rates(economy, plain.players.leader, spec.data)
    if spec.america_first is None or spec.punishment == "auto":
        spec = dataclasses.replace(
            spec,
            america_first=has_2025 if spec.america_first is None else spec.america_first,
            punishment=("us_tariffs_2025" if has_2025 else None)
            if spec.punishment == "auto"
            else spec.punishment,
        )
    af_policies = None
    if spec.america_first:
        rates = leader_2025_rates(economy, spec, "america_first")
        base = america_first_baseline(economy, plain.players, rates)
        af_policies = coalition_policies(
            economy,
            spec.leader,
            spec.target,
            spec.allies,
            spec.tariff,
            spec.response,
            baseline_t=base,
            member_relief=True,
        )
    punish_rates = None
    if spec.punishment is not None:
        if spec.punishment == "us_tariffs_2025":
            punish_rates = leader_2025_rates(economy, spec, "punishment")
        else:
            punish_rates = np.full(economy.n, float(spec.punishment))
    M = 2**k
    per_variant = M + (2 * k if punish_rates is not None else 0)
    total = per_variant * (2 if af_policies is not None else 1)
    engine = Engine(
        economy,
        model,
        options,
        tol=tol,
        max_steps=max_steps,
        chunk=min(chunk_size, M),
        progress=progress,
        total=total,
    )
    source = getattr(economy, "source", "")
    start = time.perf_counter()

    def variant(policies: CoalitionPolicies, name: str) -> CoalitionResults:
        if policies.optimal:
            batch = best_responses(engine, policies, M, float(spec.max_response))
        else:
            fixed = np.nan if policies.response_rate is None else policies.response_rate
            batch = dataclasses.replace(
                engine.solve(policies.tariffs, M), response_rate=np.full(M, fixed)
            )
        res = analyse(
            spec, name, policies.players, economy.iso3, engine.weights, batch, to_bn, 0.0, source
        )
        if punish_rates is None:
            return res
        rates = punish_rates
        chosen = batch.response_rate

        def betrayal(r: int) -> np.ndarray | None:
            """Row r: the grand coalition (r < k) or {leader, j}, with ally j tariffed; an
            optimal response keeps the rate the target chose against that coalition."""
            j = r % k
            mask = M - 1 if r < k else 1 << j
            if not policies.optimal:
                return policies.betrayed(mask, j, rates)
            assert chosen is not None
            if not np.isfinite(chosen[mask]):
                return None  # the response failed: no betrayal equilibrium to compute
            return policies.betrayed(mask, j, rates, float(chosen[mask]))

        cred = credibility(res, engine.solve(betrayal, 2 * k), spec.punishment or "")
        return dataclasses.replace(res, credibility=cred)

    res = variant(plain, "plain")
    af = variant(af_policies, "america_first") if af_policies is not None else None
    seconds = time.perf_counter() - start
    if af is not None:
        af = dataclasses.replace(af, seconds=seconds)
    return dataclasses.replace(res, america_first=af, seconds=seconds)
