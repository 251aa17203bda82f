"""Benchmark of sweeps and of how solves scale. Prints tables; not part of the test suite.

1. ``--draws`` (default 1,000) trade-elasticity draws, lognormal(log 4, 0.25), on world2023
   Liberation Day: wall time (compilation included), draws per second, failures, and the
   5/50/95 percentiles of welfare for USA, CHN, EU27, non-US. Target: <= 60 s.
2. Scaling: solve time and peak memory of one counterfactual (the US levies 10-50 % on
   every exporter) on synthetic economies (:func:`blocs.sweep.synthetic_economy`) with
   N in {50, 100, 200, 400} countries and S in {1, 28, 154} sectors, plus 135 x 154 (the
   size of USITC's ITPD-S; target <= 60 s and <= 8 GB). S = 1 is the one-sector IMLS model,
   S > 1 the multi-sector model without input-output links. Each size runs in its own
   subprocess (so its peak RSS is its own); a size is skipped when its predicted memory or
   time (from the next smaller N, as N^2 S and N^3 S) exceeds the limits.

Run: python benchmarks/bench_sweep.py [--draws 1000] [--chunk-size 50] [--skip-draws]
     [--skip-scaling] [--time-limit 150] [--memory-limit-gb 8]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console(width=150)

SIZES_N = (50, 100, 200, 400)
SIZES_S = (1, 28, 154)
ITPD = (135, 154)
#: Bytes per N^2 S element kept alive at the peak of a multi-sector solve (float64 arrays:
#: flows, tariffs, shares, the three trade-cost weights, results): measured ~ 20-40 below.
BYTES_PER_CELL = 8 * 40


def one_size(n: int, s: int) -> dict:
    """Solve one counterfactual at size (n, s); runs inside the child process."""
    import jax
    import numpy as np

    import blocs  # noqa: F401  (float64)
    from blocs.models import imls
    from blocs.models.caliendo_parro import solve_multisector
    from blocs.scenario import liberation_day_tariffs
    from blocs.sweep import synthetic_economy

    t0 = time.perf_counter()
    eco: Any = synthetic_economy(n, s, seed=0)
    build = time.perf_counter() - t0
    if s == 1:
        t_new = liberation_day_tariffs(eco)

        def solve():
            return imls.solve(eco, t_new, throw=False)
    else:
        rates = np.random.default_rng(n).uniform(0.1, 0.5, n)
        t_new = np.array(eco.t)
        us = eco.index("USA")
        t_new[:, us, :] = rates[:, None]
        t_new[us, us, :] = 0.0

        def solve():
            return solve_multisector(eco, t_new, deficits="data", throw=False)

    t0 = time.perf_counter()
    sol = solve()
    jax.block_until_ready(sol.w_hat)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    sol = solve()
    jax.block_until_ready(sol.w_hat)
    warm = time.perf_counter() - t0
    return {
        "n": n,
        "s": s,
        "build_s": build,
        "first_s": first,
        "warm_s": warm,
        "iterations": int(sol.iterations),
        "converged": bool(sol.converged),
        "max_residual": float(sol.max_residual),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _predict(done: dict, n: int, s: int) -> tuple[float, float]:
    """Predicted (seconds, GB) of (n, s) from the largest smaller N measured at this S."""
    prev = [r for (m, t), r in done.items() if t == s and m < n and "first_s" in r]
    mem_gb = BYTES_PER_CELL * n * n * s / 1e9
    if not prev:
        return 0.0, mem_gb
    r = max(prev, key=lambda r: r["n"])
    ratio = n / r["n"]
    compile_s = max(r["first_s"] - r["warm_s"], 0.0)
    # compilation hardly grows with N; the solve grows as N^3 S (Jacobian-vector products)
    # memory above the interpreter + JAX baseline grows as N^2 S
    base_gb = min(x["peak_rss_mb"] for x in prev) / 1024 * 0.9
    grown = base_gb + (r["peak_rss_mb"] / 1024 - base_gb) * ratio**2
    return compile_s + r["warm_s"] * ratio**3, max(mem_gb, grown)


def scaling(time_limit: float, memory_limit_gb: float) -> None:
    sizes = [(n, s) for s in SIZES_S for n in SIZES_N]
    sizes.insert(sizes.index((200, 154)), ITPD)
    done: dict[tuple[int, int], dict] = {}
    for n, s in sizes:
        secs, gb = _predict(done, n, s)
        if gb > memory_limit_gb:
            done[(n, s)] = {"skipped": f"predicted {gb:.1f} GB > {memory_limit_gb:g} GB"}
            continue
        if secs > time_limit:
            done[(n, s)] = {"skipped": f"predicted {secs:.0f} s > {time_limit:g} s"}
            continue
        cmd = [sys.executable, __file__, "--one", str(n), str(s)]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=2 * time_limit, check=False
            )
        except subprocess.TimeoutExpired:
            done[(n, s)] = {"skipped": f"timed out after {2 * time_limit:g} s"}
            continue
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            done[(n, s)] = {"skipped": f"failed: {tail[:60]}"}
            continue
        done[(n, s)] = json.loads(proc.stdout.strip().splitlines()[-1])
        console.print(f"  measured N={n} S={s}: {done[(n, s)]}", highlight=False)
    table = Table(
        title="one counterfactual per size (subprocess each; first call includes compilation)",
        title_justify="left",
    )
    for c in (
        "N",
        "S",
        "model",
        "N^2 S cells",
        "first s",
        "warm s",
        "Newton its",
        "max residual",
        "peak RSS MB",
    ):
        table.add_column(c, justify="right")
    for (n, s), r in done.items():
        model = "IMLS" if s == 1 else "multi-sector"
        cells = f"{n * n * s:,}"
        if "skipped" in r:
            table.add_row(str(n), str(s), model, cells, "skipped: " + r["skipped"], "", "", "", "")
            continue
        table.add_row(
            str(n),
            str(s),
            model,
            cells,
            f"{r['first_s']:.1f}",
            f"{r['warm_s']:.2f}",
            str(r["iterations"]) + ("" if r["converged"] else " (failed)"),
            f"{r['max_residual']:.1e}",
            f"{r['peak_rss_mb']:.0f}",
        )
    console.print(table)
    console.print(f"load average at the end: {os.getloadavg()} on {os.cpu_count()} cores\n")


def draws_on_world2023(draws: int, chunk_size: int, backend: str) -> None:
    from blocs import sweep as sw

    spec = sw.make_spec(
        scenario="liberation-day",
        draws=draws,
        distributions={"trade_elasticity": sw.LogNormal(mean=math.log(4.0), sd=0.25)},
        seed=0,
    )
    be = sw.Processes(os.cpu_count() or 1) if backend == "processes" else sw.InProcess()
    start = time.perf_counter()
    stamps: list[float] = []

    def tick(p: sw.SweepProgress) -> None:
        stamps.append(time.perf_counter() - start)
        if p.chunk is not None:
            console.print(
                f"  chunk {p.chunk}: {p.draws_done}/{p.draws_total} draws, {p.seconds:.1f} s",
                highlight=False,
            )

    res = sw.run_sweep(spec, chunk_size=chunk_size, backend=be, progress=tick)
    total = time.perf_counter() - start
    first_chunk = stamps[1] if len(stamps) > 1 else float("nan")
    summary = res.summary()
    table = Table(
        title=f"{draws} draws of eps ~ lognormal(log 4, 0.25), world2023 Liberation Day "
        f"({backend}, chunks of {chunk_size})",
        title_justify="left",
    )
    for c in ("row", "p5", "p50", "p95", "mean"):
        table.add_column(c, justify="right")
    for name, row in summary.iterrows():
        table.add_row(str(name), *(f"{row[c]:.3f}" for c in ("p5", "p50", "p95", "mean")))
    console.print(table)
    console.print(
        f"wall {total:.1f} s (first chunk incl. compilation {first_chunk:.1f} s); "
        f"{draws / total:.1f} draws/s; failed draws: {res.n_failed}; target <= 60 s. "
        f"Load average {os.getloadavg()} on {os.cpu_count()} cores.\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--one", nargs=2, type=int, metavar=("N", "S"), help=argparse.SUPPRESS)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--chunk-size", type=int, default=50)
    ap.add_argument("--backend", choices=("inprocess", "processes"), default="inprocess")
    ap.add_argument("--skip-draws", action="store_true")
    ap.add_argument("--skip-scaling", action="store_true")
    ap.add_argument("--time-limit", type=float, default=150.0, help="seconds per size")
    ap.add_argument("--memory-limit-gb", type=float, default=8.0)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(*args.one)))
        return
    if not args.skip_scaling:
        scaling(args.time_limit, args.memory_limit_gb)
    if not args.skip_draws:
        draws_on_world2023(args.draws, args.chunk_size, args.backend)


if __name__ == "__main__":
    main()
