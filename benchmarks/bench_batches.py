"""The long batches of issue 13 as whole processes, against their targets.

Each command runs in a fresh process, first with an empty compile cache (a new
``BLOCS_CACHE_DIR``), then ``--repeats`` times with that cache warm. For every run it prints
the wall time, the CPU time (user + system, all threads, from the child's own resource
usage) and the peak resident memory, with the load average before the run. Targets are
for a quiet machine: on a shared one compare CPU times, or the ratios of runs in one loop.

    python benchmarks/bench_batches.py [--repeats 2] [--only nash|coalition]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Batch:
    """One command of the issue's item 3, with its targets (seconds, gigabytes)."""

    name: str
    args: tuple[str, ...]
    wall_target: float
    memory_target: float | None


BATCHES = (
    Batch("nash", ("nash", "global-tariff-war"), 20.0, 1.5),
    Batch(
        "coalition",
        (
            "coalition",
            "--allies",
            "JPN,KOR,IND,VNM,EU27,CAN,MEX,GBR,AUS,PHL",
            "--tariff",
            "0.5",
            "--response",
            "optimal",
            "--data",
            "world2023",
            "--no-america-first",
            "--punishment",
            "none",
        ),
        30.0,
        None,
    ),
)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    peak_gb: float
    load: float
    code: int


def run(args: tuple[str, ...], cache: Path) -> Timing:
    """One whole process: ``python -m blocs.cli ARGS`` with ``cache`` as its cache folder."""
    env = dict(os.environ, BLOCS_CACHE_DIR=str(cache))
    # as an installed package runs: modules compiled to .pyc once, not on every start
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "blocs.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"  exit code {code}: {err.strip()[-400:]}", file=sys.stderr)
    # ru_maxrss is in kilobytes on Linux
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1e6, load, code)


def describe(t: Timing) -> str:
    return (
        f"wall {t.wall:7.1f} s  CPU {t.cpu:7.1f} s  peak {t.peak_gb:5.2f} GB  "
        f"(load before {t.load:.1f}){'' if t.code == 0 else '  FAILED'}"
    )


def bench(batch: Batch, repeats: int) -> None:
    print(f"\n{batch.name}: blocs {' '.join(batch.args)}")
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{batch.name}-"))
    try:
        cold = run(batch.args, folder)
        print(f"  empty cache  {describe(cold)}")
        warm = [run(batch.args, folder) for _ in range(repeats)]
        for t in warm:
            print(f"  warm cache   {describe(t)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    walls = [t.wall for t in warm]
    best = min(walls)
    memory = max(t.peak_gb for t in warm)
    verdict = "met" if best <= batch.wall_target else "not met"
    line = (
        f"  warm: median {statistics.median(walls):.1f} s, min {best:.1f} s; "
        f"target {batch.wall_target:.0f} s: {verdict} (by the minimum)"
    )
    if batch.memory_target is not None:
        ok = "met" if memory <= batch.memory_target else "not met"
        line += f"; memory {memory:.2f} GB, target {batch.memory_target} GB: {ok}"
    print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=2, help="warm runs after the empty one")
    ap.add_argument("--only", choices=[b.name for b in BATCHES], default=None)
    a = ap.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, load {os.getloadavg()}")
    for batch in BATCHES:
        if a.only in (None, batch.name):
            bench(batch, a.repeats)


if __name__ == "__main__":
    main()
