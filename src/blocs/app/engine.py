"""The app's solver: scenarios solved on one worker thread, the newest edit of a tab first.

Each browser tab is a *client* numbering its edits. :meth:`Engine.solve` runs on the worker;
a solve whose edit is no longer the tab's newest when it starts is skipped, and one that
finishes after a newer edit arrived is discarded (no queue of stale solves). Embedded data
sets are loaded once; :meth:`Engine.warm` compiles the models before the first request.

Example:
    >>> from blocs.app.documents import builtin_document
    >>> engine = Engine()
    >>> out = engine.solve("tab", 1, builtin_document("allied-front"))
    >>> out["status"], out["countries"]["CHN"]["text"]["welfare_pct"]
    ('ok', '-3.33')
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from blocs.app.documents import error_location, scenario_from_document, scenario_toml
from blocs.errors import BlocsError
from blocs.run import DEFAULT_ROWS, Run, run_scenario
from blocs.scenario import Scenario, economy_for

__all__ = ["COLUMN_TITLES", "DIGITS", "Engine", "results_csv"]

#: Digits shown, as the CLI prints them (``blocs run``: 2 decimals).
DIGITS = 2

#: Outcome columns and their titles (the CLI's ``blocs run`` headings).
COLUMN_TITLES = {
    "welfare_pct": "welfare",
    "deficit_change_pct": "deficit",
    "exports_gdp_pct": "exp/GDP",
    "imports_gdp_pct": "imp/GDP",
    "employment_pct": "employ",
    "cpi_pct": "prices",
    "tariff_revenue_pct": "revenue",
    "welfare_linear_pct": "ToT+VoT",
    "tot_pct": "ToT",
    "vot_pct": "VoT",
    "real_wage_pct": "real wage",
}


@dataclasses.dataclass
class Engine:
    """Solves app scenarios; one per server (thread-safe; the server calls it on a worker)."""

    rows: tuple[str, ...] = DEFAULT_ROWS
    _latest: dict[str, int] = dataclasses.field(default_factory=dict)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    _economies: dict[tuple[str, str], Any] = dataclasses.field(default_factory=dict)

    def submit(self, client: str, seq: int) -> None:
        """Record that ``client`` made edit ``seq`` (older edits of it are now stale)."""
        with self._lock:
            self._latest[client] = max(seq, self._latest.get(client, seq))

    def stale(self, client: str, seq: int) -> bool:
        with self._lock:
            return self._latest.get(client, seq) > seq

    def solve(self, client: str, seq: int, document: Any) -> dict[str, Any]:
        """Solve the browser's scenario; a JSON-ready result, an error or ``superseded``."""
        self.submit(client, seq)
        if self.stale(client, seq):
            return {"status": "superseded", "seq": seq}
        try:
            sc = scenario_from_document(document)
            result = run_scenario(sc, economy=self._economy(sc))
        except BlocsError as exc:
            message = str(exc)
            return {
                "status": "error",
                "seq": seq,
                "message": message,
                "where": error_location(message),
                "kind": type(exc).__name__,
            }
        if self.stale(client, seq):
            return {"status": "superseded", "seq": seq}
        return {"status": "ok", "seq": seq, **self.payload(result)}

    def warm(self, documents: Sequence[Mapping[str, Any]]) -> float:
        """Solve ``documents`` once each (compiles the models); returns the seconds taken."""
        start = time.perf_counter()
        for k, doc in enumerate(documents):
            self.solve(f"warm-{k}", 0, doc)
        return time.perf_counter() - start

    def payload(self, result: Run) -> dict[str, Any]:
        """Countries, groups and the solver's status of a run, numbers with display text."""
        table = result.countries
        cols = [c for c in COLUMN_TITLES if c in table.columns]
        values = table[cols].to_numpy(dtype=float)
        shown = np.where(np.isfinite(values), values, np.nan)
        countries = {}
        for code, name, row in zip(table["iso3"], table["name"], shown, strict=True):
            nums = [None if np.isnan(v) else float(v) for v in row]
            countries[str(code)] = {
                "name": str(name),
                "values": dict(zip(cols, nums, strict=True)),
                "text": {c: _text(v) for c, v in zip(cols, nums, strict=True)},
            }
        rows = tuple(dict.fromkeys((*self.rows, *result.scenario.groups)))
        rows = tuple(r for r in rows if _has(result, r))
        summary = result.summary(rows)
        groups = []
        for name, rec in summary.iterrows():
            values = {c: _number(rec[c]) for c in cols if c in summary.columns}
            groups.append(
                {
                    "name": str(name),
                    "members": int(rec["members"]),
                    "values": values,
                    "text": {c: _text(v) for c, v in values.items()},
                }
            )
        solver = result.manifest["solver"]
        return {
            "scenario": result.scenario.name,
            "model": result.manifest["model_name"],
            "columns": [{"key": c, "title": COLUMN_TITLES[c]} for c in cols],
            "countries": countries,
            "groups": groups,
            "solver": {
                "status": solver["status"],
                "reason": solver["reason"],
                "iterations": solver["iterations"],
                "max_residual": f"{solver['max_residual']:.1e}",
                "seconds": round(float(solver["solve_seconds"]), 4),
            },
            "resolved_rates": result.manifest["resolved_rates"],
        }

    def _economy(self, sc: Scenario) -> Any:
        key = (str(sc.scenario.data), sc.kind)
        if key not in self._economies:
            self._economies[key] = economy_for(sc)
        return self._economies[key]


def results_csv(document: Any) -> tuple[str, str]:
    """(file name, CSV text) of a scenario's country results, as ``blocs run --out`` writes."""
    sc = scenario_from_document(document)
    result = run_scenario(sc)
    return f"{sc.name}-countries.csv", result.countries.to_csv(index=False, float_format="%.6g")


def toml_download(document: Any) -> tuple[str, str]:
    """(file name, TOML text) of a browser scenario."""
    sc = scenario_from_document(document)
    return f"{sc.name}.toml", scenario_toml(sc)


def _has(result: Run, row: str) -> bool:
    try:
        return bool(result.members(row))
    except BlocsError:
        return False


def _number(v: Any) -> float | None:
    x = float(v)
    return x if np.isfinite(x) else None


def _text(v: float | None) -> str:
    return "–" if v is None else f"{v:.{DIGITS}f}"
