"""The app's coalition explorer: every coalition of a ``[coalition]`` table, as a cancellable job.

A batch (``2**k`` equilibria, plus the America-First variant and the betrayal equilibria
when the table asks for them) runs on its own worker thread so scenario edits keep being
answered. :func:`blocs.coalitions.solve_coalitions` reports progress after each chunk; the
job records it, and a cancel request stops the batch at the next chunk. A new batch of a
tab cancels that tab's running one.

Example:
    >>> jobs = CoalitionJobs()
    >>> spec = coalition_spec({"scenario": {"name": "x"}, "coalition": {"allies": ["JPN"]}})
    >>> spec.allies, spec.leader, spec.target
    (('JPN',), 'USA', 'CHN')
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from blocs.app.documents import DOCUMENT_PATH, error_location
from blocs.coalitions import CoalitionResults, CoalitionSpec, solve_coalitions
from blocs.errors import BlocsError, ScenarioError
from blocs.scenario import DATA_MODELS

__all__ = ["CoalitionJobs", "coalition_payload", "coalition_spec"]

#: Digits shown (as ``blocs coalition`` prints them).
DIGITS = 2


class _Cancelled(Exception):
    pass


@dataclasses.dataclass
class _Job:
    id: str
    client: str
    spec: CoalitionSpec
    done: int = 0
    total: int = 0
    status: str = "running"
    message: str = ""
    result: dict[str, Any] | None = None
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)


def coalition_spec(document: Any) -> CoalitionSpec:
    """The :class:`CoalitionSpec` of a browser document's ``[coalition]`` table.

    Raises:
        ScenarioError: the library's message, located as ``scenario, coalition.<key>: ...``.
    """
    if not isinstance(document, Mapping):
        raise ScenarioError(f"{DOCUMENT_PATH}: a scenario must be a table (a JSON object)")
    header = document.get("scenario") or {}
    data = header.get("data", "world2023") if isinstance(header, Mapping) else "world2023"
    if not isinstance(data, str) or data not in DATA_MODELS or data == "cp2015":
        raise ScenarioError(
            f"{DOCUMENT_PATH}, scenario.data: the coalition explorer runs on world2023 or icio2022"
        )
    table = document.get("coalition")
    if table is None:
        raise ScenarioError(
            f"{DOCUMENT_PATH}, coalition: missing; give the leader, target and allies"
        )
    name = str(header.get("name", "coalition")) if isinstance(header, Mapping) else "coalition"
    return CoalitionSpec.from_table(
        table, where=f"{DOCUMENT_PATH}, coalition", data=data, name=name
    )


class CoalitionJobs:
    """Coalition batches of the app's tabs (thread-safe)."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blocs-coalitions")
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def start(self, client: str, document: Any) -> dict[str, Any]:
        """Check the table and start its batch; cancels the tab's running batch."""
        try:
            spec = coalition_spec(document)
        except BlocsError as exc:
            message = str(exc)
            return {"status": "error", "message": message, "where": error_location(message)}
        with self._lock:
            for job in self._jobs.values():
                if job.client == client and job.status == "running":
                    job.cancel.set()
            job = _Job(id=f"c{next(self._ids)}", client=client, spec=spec)
            self._jobs[job.id] = job
        self._executor.submit(self._run, job)
        return self.state(job.id)

    def state(self, job_id: str) -> dict[str, Any]:
        """Progress, status and (when done) the results of a job."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            return {"status": "error", "message": f"no coalition job {job_id!r}", "where": ""}
        out: dict[str, Any] = {
            "id": job.id,
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "message": job.message,
            "where": error_location(job.message),
        }
        if job.result is not None:
            out["result"] = job.result
        return out

    def cancel(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            job.cancel.set()
        return self.state(job_id)

    def shutdown(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: _Job) -> None:
        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            if job.cancel.is_set():
                raise _Cancelled

        try:
            if job.cancel.is_set():
                raise _Cancelled
            result = solve_coalitions(None, job.spec, progress=progress)
            job.result = coalition_payload(result)
            job.status = "done"
        except _Cancelled:
            job.status = "cancelled"
        except BlocsError as exc:
            job.status, job.message = "error", str(exc)


def coalition_payload(res: CoalitionResults) -> dict[str, Any]:
    """Every coalition's leverage and cost, the efficient frontier, Shapley values,
    stability and credibility p*, numbers with their display text (JSON-ready)."""
    masks = [int(m) for m in res.masks]
    leverage = [_num(v) for v in res.leverage_pct]
    cost = [_num(v) for v in res.cost_pct]
    out: dict[str, Any] = {
        "leader": res.players.leader,
        "target": res.players.target,
        "allies": list(res.players.allies),
        "variant": res.variant,
        "seconds": round(float(res.seconds), 2),
        "coalitions": [
            {
                "mask": m,
                "label": res.label(m),
                "leverage": leverage[m],
                "cost": cost[m],
                "leverage_text": _text(leverage[m]),
                "cost_text": _text(cost[m]),
                "target_text": _text(_num(res.target_pct[m])),
                "leader_text": _text(_num(res.leader_pct[m])),
                "stable": bool(res.stable[m]),
                "converged": bool(res.converged[m]),
            }
            for m in masks
        ],
        "frontier": _frontier(leverage, cost),
        "shapley": [
            {"ally": a, "value": _num(v), "text": _text(_num(v))}
            for a, v in zip(res.players.allies, res.shapley, strict=True)
        ],
        "stable": res.stable_coalitions,
        "failures": res.failures,
    }
    if res.credibility is not None:
        c = res.credibility
        out["p_star"] = [
            {"ally": a, "grand": _num(g), "alone": _num(s)}
            for a, g, s in zip(res.players.allies, c.p_star_grand, c.p_star_alone, strict=True)
        ]
    return out


def _frontier(leverage: list[float | None], cost: list[float | None]) -> list[int]:
    """Masks on the efficient frontier: no other coalition has more leverage for less cost."""
    pts = sorted(
        (c, -lev, m)
        for m, (lev, c) in enumerate(zip(leverage, cost, strict=True))
        if lev is not None and c is not None
    )
    best = -np.inf
    out = []
    for _c, neg, m in pts:
        if -neg > best:
            out.append(m)
            best = -neg
    return out


def _num(v: Any) -> float | None:
    x = float(v)
    return x if np.isfinite(x) else None


def _text(v: float | None) -> str:
    return "–" if v is None else f"{v:.{DIGITS}f}"
