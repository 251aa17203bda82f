"""Strategic tariffs on the real data: how long the big games take, and their certificates.

Prints, for each case: wall time (first run, compilation included, and a second warm run),
iterations and the certificate (largest unilateral gain any player could still get, as a
fraction of its income; models.md §3 asks for <= 1e-6):

1. the uniform-tariff global Nash war on icio2022 (81 economies x 28 sectors; target
   <= 10 s; Lashkaripour's MATLAB tariffwar needs ~47 s under Octave);
2. the 194-country uniform global war on world2023 (target <= 20 s whole process and
   1.5 GB, issue 13; peak memory printed);
3. the US optimal tariffs by partner on world2023 (193 instruments; target <= 10 s).

Run: ``python benchmarks/bench_strategy_models.py`` (2 cores are enough; the persistent
compilation cache is off here so that "first run" means what it says).
"""

from __future__ import annotations

import os
import resource
import time
from typing import Any

import numpy as np

import blocs  # noqa: F401  (float64)
from blocs.strategy import NashResult, nash_for_scenario, optimal_for_scenario

#: (label, target seconds, call)
CASES = (
    (
        "Nash war, uniform, icio2022 81 x 28 (all players)",
        10.0,
        lambda: nash_for_scenario("global-tariff-war-icio", verify=3),
    ),
    (
        "Nash war, uniform, world2023 194 countries",
        20.0,
        lambda: nash_for_scenario("global-tariff-war", verify=3),
    ),
    (
        "US optimal tariffs by partner, world2023 (193 rates)",
        10.0,
        lambda: optimal_for_scenario("global-tariff-war", "USA", shape="by-partner"),
    ),
)


def main() -> None:
    rows = []
    for label, target, call in CASES:
        times = []
        result: Any = None
        for _ in range(2):
            t0 = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - t0)
        assert result is not None
        if isinstance(result, NashResult):
            extra = (
                f"{result.iterations} Newton iterations, certificate {result.certificate:.1e} "
                f"(verified by full best responses: {', '.join(result.verified)}); mean "
                f"Nash tariff {100 * float(np.mean(result.rates)):.1f} %"
            )
        else:
            extra = (
                f"{result.iterations} L-BFGS-B iterations, projected gradient "
                f"{result.gradient_norm:.1e}; mean tariff {100 * result.rate:.1f} %, US welfare "
                f"{result.welfare_pct:+.3f} %"
            )
        rows.append((label, times[0], times[1], target, extra))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{label}: first {times[0]:.1f} s, warm {times[1]:.1f} s (target {target:.0f} s); "
            f"peak memory so far {peak:.0f} MB; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"    {extra}", flush=True)
    print()
    print(f"{'case':55s} {'first s':>8s} {'warm s':>8s} {'target':>7s}")
    for label, first, warm, target, _ in rows:
        print(f"{label:55s} {first:8.1f} {warm:8.1f} {target:7.0f}")


if __name__ == "__main__":
    main()
