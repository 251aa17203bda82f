"""Benchmark: strategic tariffs in Ossa (2014)'s 7-region x 33-industry model.

Prints one table: per region, the time of its unilateral optimal tariffs (MFN warm start,
then (N-1)S = 198 discriminatory tariffs), then the Nash tariff war (Jacobi best responses
from the unilateral optima, no tariff moving by more than 1e-7 in the last round) with its
rounds, L-BFGS-B iterations and certificate (the largest gain any government could still
get by a unilateral best response, as a fraction of its income), and optionally the three
Table 5 trade talks. Compilation (JAX/XLA) is timed separately.

The data are GTAP-derived and used for validation only: they are read from
``../shared/validation/ossa2014`` (or ``$BLOCS_SHARED/validation/ossa2014``).

    python benchmarks/bench_strategy.py            # optima + Nash (target: Nash <= 60 s)
    python benchmarks/bench_strategy.py --talks    # + Table 5 trade talks
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import jax
import numpy as np

import blocs  # noqa: F401  (float64)
from blocs.models.ossa import load_ossa, median_tariffs, solve_ossa
from blocs.strategy import optimal_tariffs
from blocs.strategy.ossa import ossa_game, ossa_nash, ossa_optimal_tariffs, ossa_trade_talks

REPO = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    env = os.environ.get("BLOCS_SHARED")
    shared = Path(env) if env else REPO.parent / "shared"
    return shared / "validation" / "ossa2014"


def _warm_up(eco) -> float:
    """Compile every function the runs use, on throw-away inputs; returns seconds."""
    start = time.perf_counter()
    jax.block_until_ready(solve_ossa(eco, eco.t).G_hat)
    for mfn in (True, False):
        og = ossa_game(eco, mfn=mfn, free=[0] if mfn else None)
        x = og.from_tariffs(eco.t)
        optimal_tariffs(og.game, x, player=0, max_iter=1)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", action="store_true", help="also run Table 5's trade talks")
    args = parser.parse_args(argv)
    path = _data_dir()
    if not path.exists():
        print(f"Ossa (2014) data not found at {path}; set BLOCS_SHARED", file=sys.stderr)
        return 1
    eco = load_ossa(path)
    print(
        f"Ossa (2014): {eco.n} regions x {eco.s} industries, jax {jax.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"compilation (warm-up): {_warm_up(eco):.1f} s\n")

    print(f"{'run':<22}{'seconds':>9}{'iterations*':>12}{'dG %':>9}{'median %':>10}{'|grad|':>10}")
    start = eco.t
    start = np.asarray(start).copy()
    t_opt = 0.0
    for n, region in enumerate(eco.regions):
        t0 = time.perf_counter()
        opt = ossa_optimal_tariffs(eco, n)
        dt = time.perf_counter() - t0
        t_opt += dt
        start[:, n, :] = opt.tariffs[:, n, :]
        print(
            f"{'optimal ' + region:<22}{dt:>9.2f}{opt.result.iterations:>12d}"
            f"{100 * (float(opt.equilibrium.G_hat[n]) - 1):>9.3f}"
            f"{100 * median_tariffs(opt.tariffs, eco)[n]:>10.2f}"
            f"{opt.result.gradient_norm:>10.1e}"
        )
    print(f"{'optimal, all 7':<22}{t_opt:>9.2f}")

    t0 = time.perf_counter()
    war = ossa_nash(eco, start=start)
    dt = time.perf_counter() - t0
    res = war.result
    dG = 100 * (np.asarray(war.equilibrium.G_hat) - 1)
    print(
        f"{'Nash war':<22}{dt:>9.2f}{res.iterations:>12d}{dG.mean():>9.3f}"
        f"{100 * median_tariffs(war.tariffs, eco).mean():>10.2f}"
        f"{float(np.max(res.gradient_norms)):>10.1e}"
    )
    print(
        f"  rounds {res.rounds}, last max change {res.max_change:.1e}, certificate "
        f"{res.certificate:.1e} (largest unilateral gain, fraction of income), "
        f"converged {res.converged}"
    )
    print(f"  optima + Nash: {t_opt + dt:.1f} s (target for the Nash war: <= 60 s)")
    print("  * L-BFGS-B iterations and polishing steps: the discriminatory stage of each optimum,")
    print("    all best responses of the war, all inner iterations of the talks")

    if args.talks:
        for name, t_start in (
            ("free trade", np.zeros(eco.X.shape)),
            ("factual", np.asarray(eco.t)),
            ("Nash", war.tariffs),
        ):
            t0 = time.perf_counter()
            talks = ossa_trade_talks(eco, t_start)
            dt = time.perf_counter() - t0
            print(
                f"{'talks from ' + name:<22}{dt:>9.2f}{talks.result.iterations:>12d}"
                f"{100 * talks.result.common_gain:>9.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
