"""Run a scenario end to end: data -> policy -> equilibrium -> tables -> files.

Example:
    >>> import blocs
    >>> r = blocs.run_scenario("liberation-day")
    >>> round(float(r.countries.set_index("iso3").loc["USA", "welfare_pct"]), 2)
    1.13
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from blocs.io import atomic_write_parquet, atomic_write_text, write_folder
from blocs.models.base import DEFICIT_NOISE_SHARE, Policy, undefined_deficits
from blocs.models.registry import get_model
from blocs.results import Summary, summarize
from blocs.scenario import (
    Resolution,
    Scenario,
    compile_scenario,
    economy_for,
    load_scenario,
    resolve,
    row_members,
)
from blocs.scenario.in_force import provenance_json
from blocs.scenario.program import Respond
from blocs.solvers import (
    DEFAULT_MAX_STEPS,
    DEFAULT_TOL,
    check_solver_settings,
    one_blas_thread,
    status_message,
)
from blocs.version import VERSION

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Run",
    "Solved",
    "array_checksum",
    "atomic_write_parquet",
    "atomic_write_text",
    "data_checksum",
    "default_rows",
    "economy_for",
    "policy_for",
    "respond_for",
    "run_scenario",
    "run_files",
    "run_variants",
    "solve_scenario",
    "solve_variants",
    "variant_names",
    "write_run",
]

#: The numerical best response ``rule = "optimal"`` uses: (module, function), imported on
#: first use so that a run without such a rule does not import :mod:`blocs.strategy`.
OPTIMAL_RESPONSE = ("blocs.strategy.retaliation", "optimal_retaliation")

#: Rows of the printed summary by default (EU27 and non-US are groups), on data that has
#: them; other data get :func:`default_rows`.
DEFAULT_ROWS = ("USA", "CHN", "EU27", "CAN", "MEX", "JPN", "non-US")
#: How many of the largest economies (by GDP) :func:`default_rows` lists on other data.
LARGEST_ROWS = 6


def default_rows(economy: Any) -> tuple[str, ...]:
    """The summary rows for ``economy``: :data:`DEFAULT_ROWS` where the data has the US,
    China, Canada, Mexico, Japan and an EU member; else its :data:`LARGEST_ROWS` largest
    economies by GDP (the user's own data rarely has all of them)."""
    codes = set(economy.iso3)
    if {"USA", "CHN", "CAN", "MEX", "JPN", "DEU"} <= codes:
        return DEFAULT_ROWS
    gdp = np.asarray(getattr(economy, "gdp", np.zeros(economy.n)), dtype=float)
    if gdp.shape != (economy.n,):
        return tuple(economy.iso3[:LARGEST_ROWS])
    order = np.argsort(-gdp, kind="stable")[:LARGEST_ROWS]
    return tuple(economy.iso3[int(k)] for k in order)


@dataclasses.dataclass(frozen=True)
class Run:
    """A solved scenario.

    Attributes:
        scenario: the parsed scenario.
        economy: the baseline (:class:`~blocs.economy.Economy` or
            :class:`~blocs.models.caliendo_parro.MultiSectorEconomy`).
        solution: the equilibrium (:class:`blocs.models.imls.Solution` or
            :class:`~blocs.models.caliendo_parro.MultiSectorEquilibrium`).
        countries: one row per country, columns :data:`blocs.results.COUNTRY_COLUMNS`
            (plus :data:`~blocs.results.MULTISECTOR_COLUMNS` for the multi-sector model).
        manifest: scenario, parameters, data checksum, version, solver diagnostics.
        sectors: per country and sector (multi-sector model only), columns
            :data:`blocs.results.SECTOR_COLUMNS`; else None.
        variant: the variant's name ("" for the scenario as written).
        notes: what a reader of the results should know that the tables do not say: the
            rates ``rate = "OPTIMAL"`` and ``rule = "optimal"`` applied, outcomes not
            defined (a deficit change from a balanced baseline). The CLI prints them.
    """

    scenario: Scenario
    economy: Any
    solution: Any
    countries: pd.DataFrame
    manifest: dict[str, Any]
    sectors: pd.DataFrame | None = None
    variant: str = ""
    notes: tuple[str, ...] = ()

    @property
    def outcome_columns(self) -> list[str]:
        """The outcome columns of :attr:`countries` (percent changes)."""
        return [c for c in self.countries.columns if c.endswith("_pct")]

    def summary(
        self, rows: Sequence[str] | None = None, *, weights: str = "expenditure"
    ) -> pd.DataFrame:
        """Countries and groups (``non-US``, ``EU27``, scenario groups, ``ALL``) as rows.

        ``rows``: default :func:`default_rows` (:data:`DEFAULT_ROWS` on data that has
        them, else the largest economies of the data).
        """
        data = {str(c): self.countries[c].to_numpy() for c in self.countries.columns}
        return row_summary(self, data, rows, weights, self.outcome_columns).to_frame()

    def members(self, row: str) -> list[str]:
        """Country codes of a row name: a code, a group, ``non-US`` / ``non-X``."""
        return row_members(row, self.economy, self.scenario.groups, where="summary rows")


def data_checksum(economy: Any) -> str:
    """SHA-256 identifying the baseline data: the input tables', else the arrays'."""
    known = getattr(economy, "checksum", "")
    return known or array_checksum(economy)


def respond_for(sc: Scenario, economy: Any) -> Respond:
    """The numerical best response ``rule = "optimal"`` uses where a model has no closed form."""
    model = get_model(sc.kind)
    options = sc.options

    def respond(t: Any, d_hat: Any, by: list[int], against: list[int], sectors: list[int]) -> Any:
        module, name = OPTIMAL_RESPONSE
        optimal_retaliation = getattr(importlib.import_module(module), name)
        policy = Policy(t=t, d_hat=d_hat)
        return optimal_retaliation(model, economy, options, policy, by, against, sectors)

    return respond


def policy_for(sc: Scenario, economy: Any, params: Any = None) -> Resolution:
    """Compile ``sc`` for ``economy`` and resolve it with the model's parameters.

    ``params``: the model's calibrated parameters, if at hand (else calibrated here when the
    policy needs them). Returns the policy and the rates computed for requests.
    """
    program = compile_scenario(sc, economy)
    if not program.needs_parameters:
        return resolve(program)
    model = get_model(sc.kind)
    if params is None:
        params = model.calibrate(economy, sc.options)
    return resolve(program, model, params, respond=respond_for(sc, economy))


@dataclasses.dataclass(frozen=True)
class Solved:
    """A solved scenario before its pandas tables (:meth:`run` makes the :class:`Run`):
    what ``blocs run`` prints needs no pandas (issue 13).

    Attributes:
        scenario, economy, solution, manifest, variant, notes: as in :class:`Run`.
        columns: the countries table's columns, ``{name: NumPy array (N,)}``
            (:meth:`blocs.models.base.Model.country_columns`).
    """

    scenario: Scenario
    economy: Any
    solution: Any
    columns: dict[str, np.ndarray]
    manifest: dict[str, Any]
    variant: str = ""
    notes: tuple[str, ...] = ()

    @property
    def outcome_columns(self) -> list[str]:
        """The outcome columns (percent changes), in order."""
        return [c for c in self.columns if c.endswith("_pct")]

    def summary(
        self, rows: Sequence[str] | None = None, *, weights: str = "expenditure"
    ) -> Summary:
        """:meth:`Run.summary` in NumPy (:class:`blocs.results.Summary`)."""
        return row_summary(self, self.columns, rows, weights, self.outcome_columns)

    def members(self, row: str) -> list[str]:
        """Country codes of a row name (:meth:`Run.members`)."""
        return row_members(row, self.economy, self.scenario.groups, where="summary rows")

    def run(self) -> Run:
        """The :class:`Run`, with the model's pandas tables."""
        tables = get_model(self.scenario.kind).tables(self.economy, self.solution)
        return Run(
            scenario=self.scenario,
            economy=self.economy,
            solution=self.solution,
            countries=tables.countries,
            manifest=self.manifest,
            sectors=tables.sectors,
            variant=self.variant,
            notes=self.notes,
        )


def row_summary(
    run: Run | Solved,
    columns: Mapping[str, np.ndarray],
    rows: Sequence[str] | None,
    weights: str,
    outcomes: Sequence[str],
) -> Summary:
    """The summary rows of a run (``rows`` default: :func:`default_rows`)."""
    if rows is None:
        rows = default_rows(run.economy)
    groups = {row: run.members(row) for row in rows}
    return summarize(columns, groups, weights=weights, outcomes=outcomes)  # type: ignore[arg-type]


@one_blas_thread  # small LUs on one BLAS thread: no spinning against other jobs (issue 13)
def run_scenario(
    scenario: str | Path | Scenario,
    *,
    overrides: Mapping[str, Any] | None = None,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    economy: Any = None,
    x0: Any = None,
) -> Run:
    """Load (if needed), compile, resolve and solve a scenario.

    Args:
        scenario: a built-in name, a TOML path or a :class:`Scenario`.
        overrides: model options replacing the scenario's (e.g. ``{"trade_elasticity": 8}``).
        tol, max_steps: solver settings.
        economy: the baseline to use instead of loading the scenario's data (advanced).
        x0: a warm start for the solver, ``model.unknowns(run.solution)`` of a run of the same
            data and model options (advanced; the result is the same within ``tol``).

    Raises:
        InputError: bad scenario or data. ConvergenceError: no equilibrium found.
    """
    solved = solve_scenario(
        scenario, overrides=overrides, tol=tol, max_steps=max_steps, economy=economy, x0=x0
    )
    return solved.run()


@one_blas_thread
def solve_scenario(
    scenario: str | Path | Scenario,
    *,
    overrides: Mapping[str, Any] | None = None,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    economy: Any = None,
    x0: Any = None,
) -> Solved:
    """:func:`run_scenario` up to the tables: the :class:`Solved` scenario (no pandas)."""
    check_solver_settings(tol, max_steps)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        sc = sc.with_model(overrides)
    model = get_model(sc.kind)
    economy = economy if economy is not None else economy_for(sc)
    model.check_economy(economy, where=f"{sc.path}, scenario.data")
    options = sc.options
    resolution = policy_for(sc, economy)
    start = time.perf_counter()
    sol = model.solve_economy(
        economy, resolution.policy, options, tol=tol, max_steps=max_steps, x0=x0
    )
    jax.block_until_ready(model.welfare_hat(sol))
    seconds = time.perf_counter() - start
    columns = model.country_columns(economy, sol)
    manifest = {
        "scenario": sc.model_dump(mode="json"),
        "scenario_source": sc.path,
        "model_name": model.name,
        "model": options.model_dump(mode="json"),
        "parameters": model.parameters(economy, sol),
        "resolved_rates": [
            {"rule": r.where, "kind": r.rule, "rate": float(r.rate)} for r in resolution.rates
        ],
        "tariffs_in_force": provenance_json(resolution.provenance),
        "estimates": [{"rule": w, **e.manifest()} for w, e in resolution.estimates],
        "data": {
            "source": economy.source,
            "countries": economy.n,
            "sectors": len(model.sectors(economy) or ()) or 1,
            "checksum_sha256": data_checksum(economy),
        },
        "blocs_version": VERSION,
        "solver": {
            "status": "converged" if bool(sol.converged) else "failed",
            "reason": status_message(sol.status),
            "method": model.method,
            "iterations": int(sol.iterations),
            "max_residual": float(sol.max_residual),
            **model.diagnostics(sol),
            "tolerance": tol,
            "solve_seconds": seconds,
        },
    }
    notes = run_notes(resolution, columns)
    manifest["notes"] = list(notes)
    return Solved(
        scenario=sc, economy=economy, solution=sol, columns=columns, manifest=manifest, notes=notes
    )


def run_notes(
    resolution: Resolution, countries: pd.DataFrame | Mapping[str, np.ndarray]
) -> tuple[str, ...]:
    """The notes of a run (:attr:`Run.notes`): the rates requests resolved to, outcomes not
    defined. ``countries``: the countries table, or its columns (:attr:`Solved.columns`)."""
    notes = [
        f"{r.where}: {r.rule} rate applied: {100 * float(r.rate):.2f} %" for r in resolution.rates
    ]
    undefined = undefined_deficits(countries) if hasattr(countries, "loc") else nan_rows(countries)
    if undefined:
        shown = ", ".join(undefined[:8]) + (" ..." if len(undefined) > 8 else "")
        notes.append(
            f"deficit change not defined (NaN) for {shown}: the baseline deficit is below "
            f"{100 * DEFICIT_NOISE_SHARE:g} % of the country's trade (balanced)"
        )
    return tuple(notes)


def nan_rows(columns: Mapping[str, np.ndarray], column: str = "deficit_change_pct") -> list[str]:
    """ISO3 codes whose ``column`` is not defined (NaN), from NumPy columns
    (:func:`blocs.models.base.undefined_deficits` of a table)."""
    if column not in columns:
        return []
    mask = np.isnan(np.asarray(columns[column], dtype=float))
    return [str(c) for c in np.asarray(columns["iso3"], dtype=object)[mask]]


def run_variants(scenario: str | Path | Scenario, **kwargs: Any) -> list[Run]:
    """The scenario as written, then each of its ``[[variants]]`` (same data, loaded once)."""
    return [s.run() for s in solve_variants(scenario, **kwargs)]


def solve_variants(scenario: str | Path | Scenario, **kwargs: Any) -> list[Solved]:
    """:func:`run_variants` up to the tables (:class:`Solved`; no pandas)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    base = solve_scenario(sc, **kwargs)
    runs = [dataclasses.replace(base, variant=sc.scenario.name)]
    for v in sc.variants:
        variant_sc = sc.with_model(v.model)
        economy = base.economy
        if "elasticities" in v.model:
            economy = None  # another data option (the elasticity set): reload
        r = solve_scenario(variant_sc, economy=economy, **kwargs)
        r.manifest["variant"] = v.model_dump(mode="json")
        runs.append(dataclasses.replace(r, variant=v.name))
    return runs


def array_checksum(economy: Any) -> str:
    """SHA-256 of an economy's array fields (every JAX/NumPy array of the record)."""
    h = hashlib.sha256()
    for field in dataclasses.fields(economy):
        value = getattr(economy, field.name)
        if isinstance(value, jax.Array | np.ndarray):
            h.update(field.name.encode())
            h.update(np.ascontiguousarray(np.asarray(value)).tobytes())
    return h.hexdigest()


def variant_names(runs: Sequence[Run]) -> list[str]:
    """The sub-folder of each variant (``runs[1:]``) inside a run's output folder.

    Safe (letters, digits, ``-``, ``_`` only: never ``.``, ``..`` or a path) and unique
    (``a/b`` and ``a-b`` get ``a-b`` and ``a-b-2``); an empty result is ``variant``.

    Example:
        >>> names = ["..", ".", "a/b", "a-b", "", "élan"]
        >>> variant_names([Run(None, None, None, None, {}, variant=v) for v in ["", *names]])
        ['variant', 'variant-2', 'a-b', 'a-b-2', 'variant-3', 'élan']
    """
    used: set[str] = set()
    names = []
    for r in runs[1:]:
        slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in r.variant).strip("-_")
        slug = slug or "variant"
        name, k = slug, 2
        while name.lower() in used:
            name, k = f"{slug}-{k}", k + 1
        used.add(name.lower())
        names.append(name)
    return names


def run_files(run: Run) -> dict[str, str]:
    """The files of one run: ``countries.csv``, ``run.json`` (and ``sectors.csv``)."""
    cols = [c for c in run.countries.columns if c not in ("expenditure", "gdp")]
    texts = {
        "countries.csv": run.countries[cols].to_csv(index=False, float_format="%.10g"),
        "run.json": json.dumps(run.manifest, indent=2, default=str) + "\n",
    }
    if run.sectors is not None:
        texts["sectors.csv"] = run.sectors.to_csv(index=False, float_format="%.10g")
    return texts


def write_run(run: Run | Sequence[Run], out_dir: str | Path) -> list[Path]:
    """Write a run as the folder ``out_dir``: ``countries.csv``, ``run.json`` (and
    ``sectors.csv``); given a list (:func:`run_variants`), the first run there and each
    variant in a sub-folder (:func:`variant_names`).

    The folder is replaced whole and in one step (:func:`blocs.io.write_folder`): no file of
    an earlier run stays beside the new ones, concurrent writers never mix, and a killed
    writer leaves the old folder or the new one. Everything is prepared before anything is
    written.

    Raises:
        InputError: ``out_dir`` is a file, or a folder holding files blocs did not write.
    """
    runs = [run] if isinstance(run, Run) else list(run)
    files: dict[str, str] = dict(run_files(runs[0]))
    for name, r in zip(variant_names(runs), runs[1:], strict=True):
        files.update({f"{name}/{k}": v for k, v in run_files(r).items()})
    return write_folder(out_dir, files)
