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
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import blocs.report
from blocs.app.documents import error_location, scenario_from_document, scenario_toml
from blocs.app.uploads import Uploads
from blocs.errors import BlocsError
from blocs.models.registry import get_model
from blocs.run import Run, default_rows, run_scenario
from blocs.scenario import DataSpec, Scenario, economy_for

__all__ = ["COLUMN_TITLES", "DIGITS", "Engine", "group_rows", "toml_download"]

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

    #: Group-table rows (default: ``blocs run``'s, :func:`blocs.run.default_rows` of the data).
    rows: tuple[str, ...] | None = None
    _latest: dict[str, int] = dataclasses.field(default_factory=dict)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    _economies: dict[tuple[str, str], Any] = dataclasses.field(default_factory=dict)
    _starts: dict[str, tuple[str, Any]] = dataclasses.field(default_factory=dict)
    uploads: Uploads = dataclasses.field(default_factory=Uploads)

    def submit(self, client: str, seq: int) -> None:
        """Record that ``client`` made edit ``seq`` (older edits of it are now stale)."""
        with self._lock:
            self._latest[client] = max(seq, self._latest.get(client, seq))

    def stale(self, client: str, seq: int) -> bool:
        with self._lock:
            return self._latest.get(client, seq) > seq

    def solve(
        self, client: str, seq: int, document: Any, upload: str | None = None
    ) -> dict[str, Any]:
        """Solve the browser's scenario (on uploaded data: ``upload``, its id); a JSON-ready
        result, an error or ``superseded``."""
        self.submit(client, seq)
        if self.stale(client, seq):
            return {"status": "superseded", "seq": seq}
        start = time.perf_counter()
        try:
            sc = scenario_from_document(document)
            key = f"{upload if isinstance(sc.scenario.data, DataSpec) else sc.scenario.data}|"
            key += f"{sc.kind}|{sc.options.model_dump_json()}"
            previous = self._starts.get(client)
            x0 = previous[1] if previous is not None and previous[0] == key else None
            result = run_scenario(sc, economy=self.economy(sc, upload), x0=x0)
        except BlocsError as exc:
            message = str(exc)
            return {
                "status": "error",
                "seq": seq,
                "message": message,
                "where": error_location(message),
                "kind": type(exc).__name__,
            }
        if bool(result.solution.converged):
            with self._lock:
                self._starts[client] = (key, get_model(sc.kind).unknowns(result.solution))
        if self.stale(client, seq):
            return {"status": "superseded", "seq": seq}
        out = {"status": "ok", "seq": seq, **self.payload(result)}
        out["server_ms"] = round(1000 * (time.perf_counter() - start), 1)
        return out

    def warm(self, documents: Sequence[Mapping[str, Any]]) -> float:
        """Solve ``documents`` in turn as one tab (compiles the models, cold and warm-started
        solves); returns the seconds taken."""
        start = time.perf_counter()
        for k, doc in enumerate(documents):
            self.solve("warm-up", k, doc)
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
        first = self.rows if self.rows is not None else default_rows(result.economy)
        rows = tuple(dict.fromkeys((*first, *result.scenario.groups)))
        groups = [
            {**g, "text": {c: _text(v) for c, v in g["values"].items()}}
            for g in group_rows(result, rows, cols)
        ]
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

    def economy(self, sc: Scenario, upload: str | None = None) -> Any:
        """The scenario's baseline: an embedded data set (loaded once) or the upload.

        Raises:
            ScenarioError: own data without (or with another) upload.
        """
        if isinstance(sc.scenario.data, DataSpec):
            return self.uploads.get(upload, sc.scenario.data).economy
        key = (str(sc.scenario.data), sc.kind)
        if key not in self._economies:
            self._economies[key] = economy_for(sc)
        return self._economies[key]

    def run(self, document: Any, upload: str | None = None) -> Run:
        """A browser scenario solved as ``blocs run`` solves it (cold, for downloads)."""
        sc = scenario_from_document(document)
        return run_scenario(sc, economy=self.economy(sc, upload))

    def results_csv(self, document: Any, upload: str | None = None) -> tuple[str, str]:
        """(file name, CSV text): the country results, as ``blocs run --out`` writes them."""
        run = self.run(document, upload)
        text = run.countries.to_csv(index=False, float_format="%.6g")
        return f"{run.scenario.name}-countries.csv", text

    def report_html(self, document: Any, upload: str | None = None) -> tuple[str, str]:
        """(file name, HTML): the report ``blocs run --report`` writes (figures inlined)."""
        run = self.run(document, upload)
        with tempfile.TemporaryDirectory(prefix="blocs-report-") as tmp:
            page = blocs.report.write_report(run, tmp)
            html = page.read_text(encoding="utf-8")
        return f"{run.scenario.name}-report.html", html


def group_rows(result: Run, rows: Sequence[str], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The group table of ``blocs run`` (:meth:`Run.summary`, expenditure weights) for the
    rows that name countries of the data: ``[{"name", "members", "values": {column:
    float | None}}]``. The same sums in the same order as :func:`blocs.results.group_summary`
    (so the same numbers, to the last bit), without its per-group pandas indexing."""
    table = result.countries
    position = {str(c): k for k, c in enumerate(table["iso3"])}
    values = table[list(columns)].to_numpy(dtype=float)
    weights = table["expenditure"].to_numpy(dtype=float)
    out = []
    for row in rows:
        try:
            members = result.members(row)
        except BlocsError:
            continue
        idx = np.array(sorted({position[c] for c in members if c in position}), dtype=int)
        if idx.size == 0:
            continue
        sub, w = values[idx], weights[idx]
        nums: dict[str, float | None] = {}
        for j, col in enumerate(columns):
            v = sub[:, j]
            ok = np.isfinite(v)
            mean = float(np.sum(v[ok] * w[ok]) / np.sum(w[ok])) if ok.any() else float("nan")
            nums[col] = _number(mean)
        out.append({"name": row, "members": int(idx.size), "values": nums})
    return out


def toml_download(document: Any) -> tuple[str, str]:
    """(file name, TOML text) of a browser scenario."""
    sc = scenario_from_document(document)
    return f"{sc.name}.toml", scenario_toml(sc)


def _number(v: Any) -> float | None:
    x = float(v)
    return x if np.isfinite(x) else None


def _text(v: float | None) -> str:
    return "–" if v is None else f"{v:.{DIGITS}f}"
