"""Benchmark of the multi-sector (Caliendo-Parro) solver: compile time, warm solve time,
Newton iterations, final residual and peak memory.

Experiments:
- CP NAFTA: ``load_cp2015()`` (31 x 40, input-output links), NAFTA tariffs, zero-deficit
  baseline (the balancing solve is part of every timed call: two solves).
- icio2022 "Liberation Day": ``load_icio2022()`` (81 x 28, no IO links), data deficits.
  We have no exporter-by-exporter rate table for this data set here, so the US applies a
  uniform 20 % tariff on top of its baseline tariffs to every partner in the 27 goods
  sectors; services are exempt.

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
#: Uniform US tariff added on all goods sectors in the icio2022 experiment.
US_TARIFF = 0.20
SERVICES = "Services (aggregate)"


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
    us = eco.index("USA")
    goods = jnp.asarray([s != SERVICES for s in eco.sectors], dtype=float)
    add = jnp.zeros(eco.t.shape).at[:, us, :].set(US_TARIFF * goods[None, :])
    return eco.t + add.at[us, us, :].set(0.0)


def main() -> int:
    rows = []
    cp = load_cp2015()
    rows.append(bench("CP 2015 NAFTA (balanced)", cp, cp2015_nafta_tariffs(), "balanced"))
    icio = load_icio2022()
    rows.append(bench("icio2022 US 20% on goods", icio, liberation_day(icio), "data"))
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
