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
import json
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pandas as pd

from blocs.data import load_dataset, load_economy
from blocs.errors import InputError
from blocs.models import imls
from blocs.results import COUNTRY_COLUMNS, country_table, group_summary, multisector_tables
from blocs.scenario import DataSpec, Scenario, compile_policy, load_scenario, row_members

__all__ = [
    "Run",
    "array_checksum",
    "atomic_write_parquet",
    "atomic_write_text",
    "economy_for",
    "run_scenario",
    "run_variants",
    "write_run",
]

#: Rows of the printed summary by default (EU27 and non-US are groups).
DEFAULT_ROWS = ("USA", "CHN", "EU27", "CAN", "MEX", "JPN", "non-US")


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
    """

    scenario: Scenario
    economy: Any
    solution: Any
    countries: pd.DataFrame
    manifest: dict[str, Any]
    sectors: pd.DataFrame | None = None
    variant: str = ""

    @property
    def outcome_columns(self) -> list[str]:
        """The outcome columns of :attr:`countries` (percent changes)."""
        return [c for c in self.countries.columns if c.endswith("_pct")]

    def summary(
        self, rows: Sequence[str] = DEFAULT_ROWS, *, weights: str = "expenditure"
    ) -> pd.DataFrame:
        """Countries and groups (``non-US``, ``EU27``, scenario groups, ``ALL``) as rows."""
        groups: dict[str, list[str]] = {}
        for row in rows:
            groups[row] = self.members(row)
        return group_summary(
            self.countries,
            groups,
            weights=weights,  # type: ignore[arg-type]
            columns=self.outcome_columns,
        )

    def members(self, row: str) -> list[str]:
        """Country codes of a row name: a code, a group, ``non-US`` / ``non-X``."""
        return row_members(row, self.economy, self.scenario.groups)


def _economy_for(sc: Scenario) -> Any:
    data = sc.scenario.data
    if isinstance(data, DataSpec):
        if sc.kind != "imls":
            raise InputError(f'{sc.path}: user data files are one-sector (model = "imls")')
        base = Path(sc.base_dir)
        flows = base / data.flows
        countries = base / data.countries if data.countries else None
        return load_economy(flows, countries)
    if data in ("icio2022", "cp2015"):
        if sc.kind != "caliendo_parro":
            raise InputError(
                f"{sc.path}, scenario.model: {data} is multi-sector data; use "
                'model = "caliendo_parro" (the default for it)'
            )
        from blocs.data.multisector import load_cp2015, load_icio2022

        if data == "cp2015":
            return load_cp2015()
        return load_icio2022(sc.options.elasticities)
    if sc.kind != "imls":
        raise InputError(
            f'{sc.path}, scenario.model: {data} is one-sector data; use model = "imls"'
        )
    return load_dataset(data)


def run_scenario(
    scenario: str | Path | Scenario,
    *,
    overrides: Mapping[str, Any] | None = None,
    tol: float = 1e-12,
    max_steps: int = 60,
    economy: Any = None,
) -> Run:
    """Load (if needed), compile and solve a scenario.

    Args:
        scenario: a built-in name, a TOML path or a :class:`Scenario`.
        overrides: model options replacing the scenario's (e.g. ``{"trade_elasticity": 8}``).
        tol, max_steps: solver settings.
        economy: the baseline to use instead of loading the scenario's data (advanced).

    Raises:
        InputError: bad scenario or data. ConvergenceError: no equilibrium found.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        sc = sc.with_model(overrides)
    economy = economy if economy is not None else _economy_for(sc)
    policy = compile_policy(sc, economy)
    options = sc.options
    from blocs import __version__

    sectors = None
    sol: Any
    parameters: dict[str, Any]
    if sc.kind == "imls":
        start = time.perf_counter()
        sol = imls.solve(economy, policy, options, tol=tol, max_steps=max_steps)
        seconds = sol.seconds or (time.perf_counter() - start)
        table = country_table(economy, sol)[list(COUNTRY_COLUMNS) + ["expenditure", "gdp"]]
        parameters = {
            "trade_elasticity": float(sol.params.eps),
            "labour_supply_elasticity": float(sol.params.kappa),
            "psi": float(sol.params.psi),
            "profit_share_us": _maybe(economy, sol.params.nu, "USA"),
            "profit_share_other_median": float(np.median(np.asarray(sol.params.nu))),
        }
        walras = float(sol.walras_residual)
        checksum = economy.checksum
    else:
        from blocs.models.caliendo_parro import solve_multisector

        start = time.perf_counter()
        sol = solve_multisector(
            economy,
            policy.t,
            d_hat=policy.d_hat,
            deficits=options.deficits,
            tol=tol,
            max_steps=max_steps,
            inner_iterations=options.inner_iterations,
        )
        jax.block_until_ready(sol.w_hat)
        seconds = time.perf_counter() - start
        table, sectors = multisector_tables(sol)
        parameters = {
            "trade_elasticities": dict(
                zip(economy.sectors, map(float, np.asarray(economy.theta)), strict=True)
            ),
            "input_output_links": economy.gamma_io is not None,
        }
        walras = float(np.max(np.abs(np.asarray(sol.trade_balance_residual))))
        checksum = _array_checksum(economy)
    manifest = {
        "scenario": sc.model_dump(mode="json"),
        "scenario_source": sc.path,
        "model_name": sc.kind,
        "model": options.model_dump(mode="json"),
        "parameters": parameters,
        "data": {
            "source": economy.source,
            "countries": economy.n,
            "sectors": len(getattr(economy, "sectors", ()) or ()) or 1,
            "checksum_sha256": checksum,
        },
        "blocs_version": __version__,
        "solver": {
            "status": "converged" if bool(sol.converged) else "failed",
            "method": "damped Newton, exact autodiff Jacobian",
            "iterations": int(sol.iterations),
            "max_residual": float(sol.max_residual),
            "walras_residual": walras,
            "tolerance": tol,
            "solve_seconds": seconds,
        },
    }
    return Run(
        scenario=sc,
        economy=economy,
        solution=sol,
        countries=table,
        manifest=manifest,
        sectors=sectors,
    )


def run_variants(scenario: str | Path | Scenario, **kwargs: Any) -> list[Run]:
    """The scenario as written, then each of its ``[[variants]]`` (same data, loaded once)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    base = run_scenario(sc, **kwargs)
    runs = [dataclasses.replace(base, variant=sc.scenario.name)]
    for v in sc.variants:
        variant_sc = sc.with_model(v.model)
        economy = base.economy
        if sc.kind == "caliendo_parro" and "elasticities" in v.model:
            economy = None  # another elasticity set: reload
        r = run_scenario(variant_sc, economy=economy, **kwargs)
        r.manifest["variant"] = v.model_dump(mode="json")
        runs.append(dataclasses.replace(r, variant=v.name))
    return runs


def economy_for(sc: Scenario) -> Any:
    """The baseline economy a scenario runs on (its data set, or the user's files)."""
    return _economy_for(sc)


def array_checksum(economy: Any) -> str:
    """SHA-256 of a multi-sector economy's arrays (for manifests)."""
    return _array_checksum(economy)


def _array_checksum(economy: Any) -> str:
    h = hashlib.sha256()
    for name in ("X", "t", "theta", "alpha", "gamma_va", "D"):
        h.update(np.ascontiguousarray(np.asarray(getattr(economy, name))).tobytes())
    if economy.gamma_io is not None:
        h.update(np.ascontiguousarray(np.asarray(economy.gamma_io)).tobytes())
    return h.hexdigest()


def _maybe(economy: Any, arr: Any, code: str) -> float | None:
    return float(np.asarray(arr)[economy.iso3.index(code)]) if code in economy.iso3 else None


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_parquet(path: Path, table: pd.DataFrame) -> None:
    """Write ``table`` (no index) to ``path`` as Parquet via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        table.to_parquet(tmp, index=False)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_run(run: Run, out_dir: str | Path) -> list[Path]:
    """Write ``countries.csv``, ``run.json`` (and ``sectors.csv``) into ``out_dir``, atomically."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    cols = [c for c in run.countries.columns if c not in ("expenditure", "gdp")]
    texts = {
        "countries.csv": run.countries[cols].to_csv(index=False, float_format="%.10g"),
        "run.json": json.dumps(run.manifest, indent=2, default=str) + "\n",
    }
    if run.sectors is not None:
        texts["sectors.csv"] = run.sectors.to_csv(index=False, float_format="%.10g")
    paths = []
    for name, text in texts.items():
        atomic_write_text(out / name, text)
        paths.append(out / name)
    return paths
