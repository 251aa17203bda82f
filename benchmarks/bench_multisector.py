"""Benchmark of the multi-sector (Caliendo-Parro) solver: compile time, warm solve time,
Newton iterations, final residual and peak memory.

Experiments:
- CP NAFTA: ``load_cp2015()`` (31 x 40, input-output links), NAFTA tariffs, zero-deficit
  baseline (the balancing solve is part of every timed call: two solves).
- ``liberation-day-icio``: ``load_icio2022()`` (81 x 28, no IO links), data deficits; the
  built-in scenario's tariffs (each exporter's April-2025 US rate, 10 % floor, on the 27
  goods sectors; services exempt).

Run: ``python benchmarks/bench_multisector.py``. Targets: warm <= 1 s each, memory <= 2 GB.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time

import jax
import jax.numpy as jnp

from blocs.data.multisector import cp2015_nafta_tariffs, load_cp2015, load_icio2022
from blocs.models.caliendo_parro import solve_multisector

#: Warm repetitions (median reported).
REPEATS = 10


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    jax.block_until_ready(out.w_hat)
    return out, time.perf_counter() - start


def bench(name, economy, t_new, deficits):
    run = lambda: solve_multisector(economy, t_new, deficits=deficits)  # noqa: E731
    eq, first = _timed(run)
    warm = [_timed(run)[1] for _ in range(REPEATS)]
    return {
        "experiment": name,
        "size": f"{economy.n} x {economy.s}",
        "compile_s": first - statistics.median(warm),
        "warm_s": statistics.median(warm),
        "iterations": int(eq.iterations),
        "residual": float(eq.max_residual),
    }


def liberation_day(eco):
    """The tariffs of the built-in ``liberation-day-icio`` scenario."""
    from blocs.scenario import compile_policy, load_scenario

    return jnp.asarray(compile_policy(load_scenario("liberation-day-icio"), eco).t)


def main() -> int:
    rows = []
    cp = load_cp2015()
    rows.append(bench("CP 2015 NAFTA (balanced)", cp, cp2015_nafta_tariffs(), "balanced"))
    icio = load_icio2022()
    rows.append(bench("liberation-day-icio", icio, liberation_day(icio), "data"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="blocs multi-sector solver")
        for col in (
            "experiment",
            "size",
            "compile (s)",
            "warm median (s)",
            "Newton its",
            "max residual",
        ):
            table.add_column(col)
        for r in rows:
            table.add_row(
                r["experiment"],
                r["size"],
                f"{r['compile_s']:.2f}",
                f"{r['warm_s']:.3f}",
                str(r["iterations"]),
                f"{r['residual']:.1e}",
            )
        Console().print(table)
    except ImportError:  # plain text
        for r in rows:
            print(r)
    print(f"peak memory (ru_maxrss): {peak_mb:.0f} MB")
    ok = all(r["warm_s"] <= 1.0 for r in rows) and peak_mb <= 2048
    print("targets (warm <= 1 s, memory <= 2 GB):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
