"""The tariff war as it happened: every US tariff regime of 2025-2026, solved.

:func:`solve_timeline` solves each regime of :data:`blocs.data.us_tariffs.REGIMES` (the US
tariffs in force at its date, with or without the retaliation then in force) on icio2022 and
world2023 and returns a :class:`Timeline`: one row per (data, retaliation, path, regime) with
the US import-weighted effective tariff rate and the model's outcomes. Each regime is the
scenario a ``[us_tariffs]`` table describes (the built-ins ``us-2025-08-07``,
``us-2025-08-07-retaliation-world``, ...): compiled by :func:`blocs.scenario.compile_scenario`
and solved with one calibration and one compiled solver per data set, so the whole timeline
takes seconds once JAX has compiled (about half a minute per data set).

Example:
    >>> tl = solve_timeline(data=("world2023",), retaliation=(False,), upheld_path=False)
    >>> row = tl.table.set_index("regime").loc["us-2025-08-07"]
    >>> round(float(row.effective_tariff_pct), 1), row.status
    (19.8, 'converged')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import pandas as pd

from blocs.data.us_tariffs import REGIMES, effective_us_tariff_rate, latest_date
from blocs.errors import InputError
from blocs.io import atomic_write_parquet, atomic_write_text
from blocs.models.registry import get_model
from blocs.results import group_summary
from blocs.run import economy_for
from blocs.scenario import Scenario, compile_scenario, parse_scenario, resolve, row_members
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL, status_message

__all__ = [
    "DATA_SETS",
    "EVENTS",
    "PATHS",
    "REAL_INCOME_ROWS",
    "Timeline",
    "regime_scenario",
    "solve_timeline",
]

#: Data sets the timeline runs on (the suffix of their built-in scenarios).
DATA_SETS = {"icio2022": "", "world2023": "-world"}

#: Rows whose real income the table reports (EU27 and world: expenditure-weighted means).
REAL_INCOME_ROWS = ("USA", "CHN", "CAN", "MEX", "EU27", "JPN", "KOR", "IND", "VNM", "GBR",
                    "CHE", "BRA", "world")  # fmt: skip

#: ``"enacted"``: the record as it happened; ``"ieepa_upheld"``: from the ruling on, the
#: counterfactual where the Supreme Court upheld IEEPA (``[us_tariffs] ieepa = "upheld"``).
PATHS = ("enacted", "ieepa_upheld")

#: The date of the 2024 baseline row (no 2025 measure in force).
BASELINE_DATE = dt.date(2024, 12, 31)
_RULING = dt.date(2026, 2, 24)

#: Events the chart annotates: date -> label.
EVENTS: dict[dt.date, str] = {
    dt.date(2025, 4, 9): "Liberation Day rates",
    dt.date(2025, 5, 14): "Geneva truce",
    dt.date(2025, 8, 7): "August rates",
    dt.date(2025, 11, 10): "Busan",
    dt.date(2026, 2, 20): "IEEPA ruling",
    dt.date(2026, 7, 24): "S122 expires; forced-labour 301",
}


def regime_scenario(
    date: dt.date | str,
    data: str = "icio2022",
    *,
    retaliation: bool = False,
    path: str = "enacted",
    unknown: str = "in_force",
    name: str | None = None,
) -> Scenario:
    """The scenario of the tariffs in force on ``date`` (what a ``[us_tariffs]`` file says).

    ``retaliation`` adds ``[retaliation_in_force]`` at the same date (``unknown``: its
    assumption for removals the record does not document); ``path="ieepa_upheld"`` sets
    ``ieepa = "upheld"``. The built-in ``us-<date>[-retaliation][-world]`` files are these
    scenarios.
    """
    if path not in PATHS:
        raise InputError(f"path={path!r}: use one of {', '.join(PATHS)}")
    if data not in DATA_SETS:
        raise InputError(f"data={data!r}: use one of {', '.join(DATA_SETS)}")
    day = date.isoformat() if isinstance(date, dt.date) else str(date)
    doc: dict[str, Any] = {
        "scenario": {
            "name": name or f"us-{day}{'-retaliation' if retaliation else ''}{DATA_SETS[data]}",
            "description": f"The US tariffs in force on {day}"
            + (" with the retaliation then in force" if retaliation else ""),
            "source": "blocs.data.us_tariffs",
            "data": data,
        },
        "us_tariffs": {"date": day, "ieepa": "upheld" if path == "ieepa_upheld" else "struck_down"},
    }
    if retaliation:
        doc["retaliation_in_force"] = {"unknown": unknown}
    return parse_scenario(doc, path=f"timeline {day}")


@dataclasses.dataclass(frozen=True)
class Timeline:
    """A solved timeline.

    Attributes:
        table: one row per (data, retaliation, path, regime), sorted by data, retaliation,
            path and date. Columns: ``date`` (datetime.date), ``regime`` (``us-2025-08-07``,
            ``baseline`` for the 2024 row), ``data``, ``retaliation`` (bool), ``path``
            (:data:`PATHS`), ``effective_tariff_pct`` (the US import-weighted effective
            tariff rate: pre-substitution, all US goods imports, 2023 exporter weights
            (BACI) with icio2022's sector mix, baseline tariffs included; the same on both data sets), ``real_income_<ROW>_pct``
            for each of :data:`REAL_INCOME_ROWS` (percent change from the baseline),
            ``us_prices_pct`` (US consumer prices), ``us_tariff_revenue_pct`` (the level of
            US tariff revenue, baseline tariffs included, in percent of baseline US
            expenditure), ``status`` (``converged`` or the
            solver's reason), ``iterations``, ``max_residual``, ``scenario`` (the built-in
            scenario's name).
        seconds: wall time of :func:`solve_timeline` (loading, compiling and solving).
        notes: the assumptions and what was dropped (from the records of the tariffs in
            force), one line each.
    """

    table: pd.DataFrame
    seconds: float
    notes: tuple[str, ...] = ()

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write ``timeline.csv``, ``timeline.parquet`` and ``timeline.json`` (the notes and
        seconds) into ``out_dir``, atomically; returns the paths."""
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise InputError(f"out_dir {out}: exists and is not a folder")
        table = self.table.assign(date=pd.to_datetime(self.table["date"]))
        paths = [out / "timeline.csv", out / "timeline.parquet", out / "timeline.json"]
        csv = self.table.to_csv(index=False, float_format="%.10g")
        atomic_write_text(paths[0], csv)
        atomic_write_parquet(paths[1], table)
        meta = {"seconds": self.seconds, "notes": list(self.notes), "rows": len(self.table)}
        atomic_write_text(paths[2], json.dumps(meta, indent=2) + "\n")
        return paths


def _dates(regimes: Sequence[str] | None) -> dict[str, dt.date]:
    if regimes is None:
        return dict(REGIMES)
    out = {}
    for name in regimes:
        if name == "us-now":
            out[name] = latest_date()
        elif name in REGIMES:
            out[name] = REGIMES[name]
        else:
            raise InputError(
                f"regimes: unknown regime {name!r}; use {', '.join(REGIMES)} or us-now"
            )
    return out


@functools.partial(jax.jit, static_argnames=("model", "static", "tol", "max_steps"))
def _solve(params: Any, policy: Any, *, model: Any, static: Any, tol: float,
           max_steps: int) -> Any:  # fmt: skip
    """The model's pure solve, compiled once per model, options and shapes (shared by calls)."""
    return model.solve(params, policy, static, tol=tol, max_steps=max_steps)


class _Solver:
    """One data set: the economy, the model's parameters and the compiled solve, reused."""

    def __init__(self, sc: Scenario, tol: float, max_steps: int) -> None:
        self.model = get_model(sc.kind)
        self.economy = economy_for(sc)
        self.options = sc.options
        self.params = self.model.calibrate(self.economy, self.options)
        self.static = self.model.static(self.options)
        self.tol, self.max_steps = tol, max_steps
        self.members = {
            row: row_members("ALL" if row == "world" else row, self.economy, {})
            for row in REAL_INCOME_ROWS
        }

    def solve(self, sc: Scenario) -> tuple[Any, Any]:
        program = compile_scenario(sc, self.economy)
        resolution = resolve(program)
        eq = _solve(self.params, resolution.policy, model=self.model, static=self.static,
                    tol=self.tol, max_steps=self.max_steps)  # fmt: skip
        if not bool(eq.converged):  # the model's own top-level solve (e.g. continuation)
            eq = self.model.solve_economy(
                self.economy, resolution.policy, self.options, tol=self.tol,
                max_steps=self.max_steps, throw=False,
            )  # fmt: skip
        return eq, resolution

    def outcomes(self, eq: Any) -> dict[str, Any]:
        countries = self.model.tables(self.economy, eq).countries
        groups = group_summary(countries, self.members, columns=["welfare_pct"])
        us = countries.set_index("iso3").loc["USA"]
        out: dict[str, Any] = {
            f"real_income_{row}_pct": float(groups.loc[row, "welfare_pct"])
            for row in REAL_INCOME_ROWS
        }
        out["us_prices_pct"] = float(us["cpi_pct"])
        out["us_tariff_revenue_pct"] = float(us["tariff_revenue_pct"])
        out["status"] = "converged" if bool(eq.converged) else status_message(eq.status)
        out["iterations"] = int(eq.iterations)
        out["max_residual"] = float(eq.max_residual)
        return out


@functools.lru_cache(maxsize=4)
def _solver_for(data: str, tol: float, max_steps: int) -> _Solver:
    """The solver of a data set (its default model and options), kept for later calls."""
    return _Solver(regime_scenario(latest_date(), data), tol, max_steps)


def _baseline_row(solver: _Solver, data: str, retaliation: bool) -> dict[str, Any]:
    """The data's own tariffs, solved (a zero shock: the changes are 0, the revenue is the
    baseline's)."""
    sc = parse_scenario({"scenario": {"name": "baseline", "data": data}}, path="baseline")
    eq, _ = solver.solve(sc)
    return {
        "date": BASELINE_DATE, "regime": "baseline", "data": data, "retaliation": retaliation,
        "path": "enacted", "effective_tariff_pct": effective_us_tariff_rate(BASELINE_DATE),
        **solver.outcomes(eq), "scenario": "",
    }  # fmt: skip


def solve_timeline(
    data: Sequence[str] = ("icio2022", "world2023"),
    retaliation: Sequence[bool] = (False, True),
    *,
    regimes: Sequence[str] | None = None,
    upheld_path: bool = True,
    unknown: str = "in_force",
    baseline: bool = True,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    progress: Callable[[str], None] | None = None,
) -> Timeline:
    """Solve every US tariff regime on each data set, with and without retaliation.

    Args:
        data: data sets (:data:`DATA_SETS`).
        retaliation: whether each regime also has the retaliation then in force (both by
            default).
        regimes: regime names (default: the seven of :data:`~blocs.data.us_tariffs.REGIMES`;
            ``"us-now"`` is the latest date).
        upheld_path: also solve the regimes from the ruling on (2026-02-24 and later) with
            ``ieepa = "upheld"`` (path ``"ieepa_upheld"``): what the ruling changed.
        unknown: the retaliation's assumption for removals the record does not document
            (``"in_force"`` or ``"ended"``).
        baseline: add a 2024 row (date 2024-12-31: the data's own tariffs, solved; the
            changes are zero and the revenue is the baseline's).
        tol, max_steps: solver settings.
        progress: called with a short message before each solve (e.g. a CLI status line).

    Returns:
        A :class:`Timeline`. A regime that does not converge is a row with its status (not
        an exception).
    """
    start = time.perf_counter()
    dates = _dates(regimes)
    for d in data:
        if d not in DATA_SETS:
            raise InputError(f"data: unknown data set {d!r}; use {', '.join(DATA_SETS)}")
    if unknown not in ("in_force", "ended"):
        raise InputError(f"unknown={unknown!r}: use 'in_force' or 'ended'")
    rows: list[dict[str, Any]] = []
    notes: dict[str, None] = {}
    for d in data:
        solver = _solver_for(d, tol, max_steps)
        for ret in retaliation:
            if baseline:
                rows.append(_baseline_row(solver, d, bool(ret)))
            for path in PATHS if upheld_path else PATHS[:1]:
                for regime, day in dates.items():
                    if path == "ieepa_upheld" and day < _RULING:
                        continue
                    sc = regime_scenario(day, d, retaliation=bool(ret), path=path,
                                         unknown=unknown)  # fmt: skip
                    if progress is not None:
                        progress(f"{d} {regime}{' + retaliation' if ret else ''} ({path})")
                    eq, resolution = solver.solve(sc)
                    for rec in resolution.provenance.values():
                        for note in rec.notes:
                            notes[f"{d}: {note}"] = None
                    rate = effective_us_tariff_rate(day, ieepa_upheld=path == "ieepa_upheld")
                    rows.append({
                        "date": day, "regime": regime, "data": d, "retaliation": bool(ret),
                        "path": path, "effective_tariff_pct": rate, **solver.outcomes(eq),
                        "scenario": _builtin_name(regime, d, bool(ret), path),
                    })  # fmt: skip
    table = pd.DataFrame(rows)
    if len(table):
        table = table.sort_values(["data", "retaliation", "path", "date"], kind="stable")
        table = table.reset_index(drop=True)
    return Timeline(table=table, seconds=time.perf_counter() - start, notes=tuple(notes))


def _builtin_name(regime: str, data: str, retaliation: bool, path: str) -> str:
    """The built-in scenario that is this row ("" where none ships)."""
    if path == "ieepa_upheld":
        known = {"us-2026-02-24": "us-2026-02-24-ieepa-upheld"}
        name = known.get(regime, "")
        return name if (name and data == "icio2022" and not retaliation) else ""
    return f"{regime}{'-retaliation' if retaliation else ''}{DATA_SETS[data]}"
