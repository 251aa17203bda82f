"""Benchmark of coalition batches: every coalition of an ally set, solved in vmapped chunks.

Experiments (plain variant only unless said: no America-First run, no credibility solves):
1. world2023 (194 countries, IMLS benchmark model), the allied front's ally set plus PHL
   (10 allies: 2**10 = 1024 coalitions), 50 % on China, mirror response.
   Target: <= 60 s warm on a 2-core machine.
2. icio2022 (81 economies x 28 sectors, Caliendo-Parro without IO links, data deficits),
   8 allies (2**8 = 256 coalitions), 50 % on China's goods, mirror response.
   Target: <= 5 min.
3. The same with the defaults of a USA leader on icio2022: America First (2 x 256
   coalitions) and credibility p* (2 x 16 betrayal equilibria). Target: <= 5 min (else
   America First would not be on by default there).
4. world2023, the 1024 coalitions of 1., with China's optimal response (a best-response
   search per coalition, ~3.3 equilibria with exact first and second derivatives each,
   smaller coalitions first, each started from its neighbours' optima). Target: <= 30 s.

Each experiment runs twice: the first run includes compilation; the second is warm.
Reported: wall time, time per solve (an equilibrium, or a best-response search with an
optimal response; betrayal equilibria included), failures, largest residual, mean
iterations (best-response steps for 4.), peak memory (``resource.getrusage``, the
process's maximum resident set size so far: experiments run in the order 1, 4, 2, 3 so
that 4.'s figure is not masked by icio2022's). CPU seconds
(all threads) are printed next to wall time: on a shared machine wall time mostly measures
the other users.

Run: ``python benchmarks/bench_coalitions.py [--chunk-size 64] [--skip-icio] [--skip-optimal]``
"""

from __future__ import annotations

import argparse
import resource
import time

from rich.console import Console
from rich.table import Table

import blocs  # noqa: F401  (float64)
from blocs.coalitions import CoalitionSpec, allied_front_spec, solve_coalitions

console = Console(width=200)

#: world2023: the allied front's nine allies plus the Philippines (Taiwan is not in the data).
WORLD_ALLIES = (*allied_front_spec().allies, "PHL")
#: icio2022: eight allies (EU27 as one player).
ICIO_ALLIES = ("JPN", "KOR", "IND", "VNM", "EU27", "CAN", "MEX", "GBR")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run(name: str, spec: CoalitionSpec, chunk: int) -> list[dict]:
    rows = []
    for label in ("first (compile)", "warm"):
        start, cpu0 = time.perf_counter(), time.process_time()
        res = solve_coalitions(None, spec, chunk_size=chunk)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
        n = len(res.leverage_pct)
        variants = [res] + ([res.america_first] if res.america_first is not None else [])
        solves = sum(
            len(v.leverage_pct) + 2 * v.players.k * (v.credibility is not None) for v in variants
        )
        rows.append(
            {
                "experiment": name,
                "run": label,
                "coalitions": n,
                "solves": solves,
                "wall_s": wall,
                "cpu_s": cpu,
                "per_solve_ms": 1000 * wall / solves,
                "failures": len(res.failures)
                + (len(res.america_first.failures) if res.america_first else 0),
                "max_residual": float(res.max_residual.max()),
                "mean_iterations": float(res.iterations.mean()),
                "peak_mb": _peak_mb(),
                "leverage alone / grand": f"{res.leverage_pct[0]:.3f} / {res.leverage_pct[-1]:.3f}",
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunk-size", type=int, default=64)
    ap.add_argument("--skip-icio", action="store_true")
    ap.add_argument("--skip-optimal", action="store_true")
    args = ap.parse_args()
    common = dict(tariff=0.5, response="mirror", america_first=False, punishment=None)
    rows = run(
        "world2023, 2^10",
        CoalitionSpec(allies=WORLD_ALLIES, data="world2023", **common),  # type: ignore[arg-type]
        args.chunk_size,
    )
    if not args.skip_optimal:
        optimal = dict(common, response="optimal")
        rows += run(
            "world2023, 2^10, optimal response",
            CoalitionSpec(allies=WORLD_ALLIES, data="world2023", **optimal),  # type: ignore[arg-type]
            args.chunk_size,
        )
    if not args.skip_icio:
        rows += run(
            "icio2022, 2^8",
            CoalitionSpec(allies=ICIO_ALLIES, data="icio2022", **common),  # type: ignore[arg-type]
            args.chunk_size,
        )
        rows += run(
            "icio2022, 2^8, America First + p*",
            CoalitionSpec(allies=ICIO_ALLIES, data="icio2022", tariff=0.5, response="mirror"),
            args.chunk_size,
        )
    table = Table(title=f"blocs coalitions (chunk size {args.chunk_size})")
    for col in rows[0]:
        table.add_column(col, justify="left" if col in ("experiment", "run") else "right")
    for r in rows:
        table.add_row(
            *[
                f"{v:.3g}"
                if isinstance(v, float) and k == "max_residual"
                else f"{v:.1f}"
                if isinstance(v, float)
                else str(v)
                for k, v in r.items()
            ]
        )
    console.print(table)


if __name__ == "__main__":
    main()
