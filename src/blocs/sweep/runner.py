"""Running a sweep: the chunks on a backend, written as they finish, then the result."""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from blocs.errors import ConvergenceError, InputError
from blocs.scenario import economy_for
from blocs.sweep.backends import Backend, backend_named
from blocs.sweep.chunks import chunk_draws, solve_chunk
from blocs.sweep.spec import SweepSpec
from blocs.sweep.store import (
    MANIFEST,
    canonical,
    combine,
    data_checksum,
    load_sweep,
    open_output,
    save_manifest,
    spec_hash,
    write_chunk,
)
from blocs.sweep.summary import SweepResult, members

__all__ = ["DEFAULT_CHUNK_SIZE", "SweepProgress", "run_sweep"]

#: Draws per chunk (one vmapped solve; one Parquet file).
DEFAULT_CHUNK_SIZE = 50


@dataclasses.dataclass(frozen=True)
class SweepProgress:
    """Progress of a sweep (passed to the ``progress`` callback after every chunk).

    Attributes:
        chunks_done, chunks_total: finished (including skipped) and all chunks.
        draws_done, draws_total: the same in draws.
        skipped: chunks found finished in ``out`` at the start.
        seconds: wall time since the start of this run.
        chunk: the chunk just finished (None for the first call).
    """

    chunks_done: int
    chunks_total: int
    draws_done: int
    draws_total: int
    skipped: int
    seconds: float
    chunk: int | None


def run_sweep(
    spec: SweepSpec,
    *,
    out: str | Path | None = None,
    backend: Backend | str = "inprocess",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[SweepProgress], None] | None = None,
) -> SweepResult:
    """Run a sweep (resuming it if ``out`` holds a part of it).

    Args:
        spec: what to sweep.
        out: folder for the chunk files and manifest (resumable); None keeps everything in
            memory.
        backend: :class:`~blocs.sweep.InProcess` (default), :class:`~blocs.sweep.Processes`,
            :class:`~blocs.sweep.Dask`, or one of their names.
        chunk_size: draws per chunk (one vmapped solve, one file).
        progress: called after every chunk with a :class:`SweepProgress` (and once at the
            start); an exception it raises stops the run, finished chunks stay written.

    Returns:
        :class:`~blocs.sweep.SweepResult`.

    Raises:
        InputError: a bad spec or scenario, or ``out`` holds a different sweep.
        ConvergenceError: every draw failed.
    """
    if chunk_size < 1:
        raise InputError(f"chunk_size={chunk_size}: must be at least 1")
    be = backend_named(backend)
    sc = spec.load_scenario()
    economy = economy_for(sc)
    for row in spec.rows:
        members(row, economy, sc.groups)  # fail early on unknown codes
    doc = canonical(spec, data_checksum(economy))
    n = spec.n_draws
    n_chunks = math.ceil(n / chunk_size)
    out_path = Path(out) if out is not None else None
    finished = open_output(out_path, doc, chunk_size, n) if out_path else set()
    tables: dict[int, pd.DataFrame] = {}
    todo = [c for c in range(n_chunks) if c not in finished]
    skipped = n_chunks - len(todo)
    start = time.perf_counter()
    draws_done = sum(len(chunk_draws(n, chunk_size, c)) for c in finished)
    done = 0

    def report(chunk: int | None) -> None:
        if progress is not None:
            progress(
                SweepProgress(
                    chunks_done=skipped + done,
                    chunks_total=n_chunks,
                    draws_done=draws_done,
                    draws_total=n,
                    skipped=skipped,
                    seconds=time.perf_counter() - start,
                    chunk=chunk,
                )
            )

    report(None)
    if todo:
        stream = be.map_chunks(functools.partial(solve_chunk, spec, chunk_size), todo)
        try:
            for c, table in stream:
                if out_path is not None:
                    if not (out_path / MANIFEST).exists():  # the first file of a new folder
                        save_manifest(out_path, doc, chunk_size, n, finished)
                    write_chunk(out_path, c, table)
                    finished.add(c)
                    save_manifest(out_path, doc, chunk_size, n, finished)
                else:
                    tables[c] = table
                done += 1
                draws_done += len(chunk_draws(n, chunk_size, c))
                report(c)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
    if out_path is not None and not (out_path / MANIFEST).exists():
        save_manifest(out_path, doc, chunk_size, n, finished)  # n == 0: nothing to solve
    if out_path is not None:
        result = load_sweep(out_path)
    else:
        result = combine([tables[c] for c in sorted(tables)], n, "sweep")
    if result.loc[~result["converged"], "draw"].nunique() == n:
        worst = result.sort_values("max_residual").iloc[-1]
        raise ConvergenceError(
            f"all {n} draws failed to converge (largest residual "
            f"{float(worst['max_residual']):.3g} at draw {int(worst['draw'])}); try "
            "max_steps larger, tol larger, or narrower parameter ranges"
        )
    manifest = {
        "spec": doc,
        "spec_hash": spec_hash(doc),
        "chunk_size": chunk_size,
        "n_draws": n,
        "backend": be.name,
        "chunks_run": done,
        "chunks_skipped": skipped,
        "seconds": time.perf_counter() - start,
    }
    return SweepResult(spec=spec, table=result, manifest=manifest, economy=economy, scenario=sc)
