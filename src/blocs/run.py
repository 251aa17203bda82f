"""Run a scenario end to end: data -> policy -> equilibrium -> tables -> files.

Example:
    >>> import blocs
    >>> r = blocs.run_scenario("liberation-day")
    >>> round(float(r.countries.set_index("iso3").loc["USA", "welfare_pct"]), 2)
    1.13
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from blocs.data import load_dataset, load_economy
from blocs.economy import Economy
from blocs.errors import InputError
from blocs.models import imls
from blocs.results import COUNTRY_COLUMNS, country_table, group_summary
from blocs.scenario import DataSpec, Scenario, compile_policy, load_scenario, resolve_group

__all__ = ["Run", "atomic_write_text", "default_groups", "run_scenario", "write_run"]

#: Rows of the printed summary by default (EU27 and non-US are groups).
DEFAULT_ROWS = ("USA", "CHN", "EU27", "CAN", "MEX", "JPN", "non-US")


@dataclasses.dataclass(frozen=True)
class Run:
    """A solved scenario.

    Attributes:
        scenario: the parsed scenario.
        economy: the baseline economy.
        solution: the equilibrium (:class:`blocs.models.imls.Solution`).
        countries: one row per country, columns :data:`blocs.results.COUNTRY_COLUMNS`.
        manifest: scenario, parameters, data checksum, version, solver diagnostics.
    """

    scenario: Scenario
    economy: Economy
    solution: imls.Solution
    countries: pd.DataFrame
    manifest: dict[str, Any]

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
            columns=COUNTRY_COLUMNS[2:],
        )

    def members(self, row: str) -> list[str]:
        """Country codes of a row name: a code, a group, ``non-US`` / ``non-X``."""
        if row.lower().startswith("non-"):
            target = {"US": "USA"}.get(row[4:].upper(), row[4:])
            excl = set(
                resolve_group(target, self.scenario.groups, self.economy, where="--countries")
            )
            return [c for c in self.economy.iso3 if c not in excl]
        return resolve_group(row, self.scenario.groups, self.economy, where="--countries")


def default_groups() -> dict[str, list[str]]:
    return {}


def _economy_for(sc: Scenario) -> Economy:
    data = sc.scenario.data
    if isinstance(data, DataSpec):
        base = Path(sc.base_dir)
        flows = base / data.flows
        countries = base / data.countries if data.countries else None
        return load_economy(flows, countries)
    return load_dataset(data)


def run_scenario(
    scenario: str | Path | Scenario,
    *,
    overrides: Mapping[str, Any] | None = None,
    tol: float = 1e-12,
    max_steps: int = 60,
) -> Run:
    """Load (if needed), compile and solve a scenario.

    Args:
        scenario: a built-in name, a TOML path or a :class:`Scenario`.
        overrides: model options replacing the scenario's (e.g. ``{"trade_elasticity": 8}``).
        tol, max_steps: solver settings.

    Raises:
        InputError: bad scenario or data. ConvergenceError: no equilibrium found.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        try:
            model = imls.IMLS.model_validate(
                {**sc.model.model_dump(exclude_unset=True), **overrides}
            )
        except Exception as exc:  # pydantic ValidationError
            raise InputError(f"model overrides: {exc}") from None
        sc = sc.model_copy(update={"model": model})
    economy = _economy_for(sc)
    policy = compile_policy(sc, economy)
    sol = imls.solve(economy, policy, sc.model, tol=tol, max_steps=max_steps)
    table = country_table(economy, sol)
    from blocs import __version__

    manifest = {
        "scenario": sc.model_dump(mode="json"),
        "scenario_source": sc.path,
        "model": sc.model.model_dump(mode="json"),
        "parameters": {
            "trade_elasticity": float(sol.params.eps),
            "labour_supply_elasticity": float(sol.params.kappa),
            "psi": float(sol.params.psi),
            "profit_share_us": _maybe(economy, sol.params.nu, "USA"),
            "profit_share_other_median": float(np.median(np.asarray(sol.params.nu))),
        },
        "data": {
            "source": economy.source,
            "countries": economy.n,
            "checksum_sha256": economy.checksum,
        },
        "blocs_version": __version__,
        "solver": {
            "status": "converged" if bool(sol.converged) else "failed",
            "method": "damped Newton, exact autodiff Jacobian",
            "iterations": int(sol.iterations),
            "max_residual": float(sol.max_residual),
            "walras_residual": float(sol.walras_residual),
            "tolerance": tol,
            "solve_seconds": sol.seconds,
        },
    }
    return Run(
        scenario=sc,
        economy=economy,
        solution=sol,
        countries=table[list(COUNTRY_COLUMNS) + ["expenditure", "gdp"]],
        manifest=manifest,
    )


def _maybe(economy: Economy, arr: Any, code: str) -> float | None:
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
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_run(run: Run, out_dir: str | Path) -> list[Path]:
    """Write ``countries.csv`` and ``run.json`` into ``out_dir``, each atomically."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    csv_text = run.countries[list(COUNTRY_COLUMNS)].to_csv(index=False, float_format="%.10g")
    json_text = json.dumps(run.manifest, indent=2, default=str) + "\n"
    paths = [out / "countries.csv", out / "run.json"]
    atomic_write_text(paths[0], csv_text)
    atomic_write_text(paths[1], json_text)
    return paths
