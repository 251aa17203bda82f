"""Timing and peak memory of ``blocs.estimate`` (PPML with exporter-year, importer-year and
pair fixed effects, clustered by pair).

Cases: the WIOD EU-enlargement panel (44 countries x 4 years, from $BLOCS_SHARED or
../shared), and synthetic structural-gravity panels of N countries x T years (N^2 T rows,
international flows N(N-1)T), by default 200 x 10 (400,000 rows). Each case runs in a fresh
process so its peak resident memory (ru_maxrss) is its own; times are wall clock: loading
(load_panel on a Parquet file) and estimation (estimate_gravity), the first estimation in the
process including pyfixest's one-off start-up.

    python benchmarks/bench_estimate.py                 # WIOD + 200 x 10
    python benchmarks/bench_estimate.py --scaling       # also 50/100/150 x 10 and 100 x 5/20
    python benchmarks/bench_estimate.py --case 120x8    # one synthetic case
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

FORMULA = "trade ~ fta + other_fta | exporter^year + importer^year + exporter^importer"
WIOD_FORMULA = "trade ~ eu_enlargement + other_fta | exporter^year + importer^year + pair"


def synthetic(n: int, t: int, seed: int = 0) -> pd.DataFrame:
    """N x N x T flows from a gravity model with an FTA effect 0.3, 5 % zeros."""
    rng = np.random.default_rng(seed)
    e, i, y = np.meshgrid(np.arange(n), np.arange(n), np.arange(t), indexing="ij")
    e, i, y = e.ravel(), i.ravel(), y.ravel()
    ex = rng.normal(size=(n, t))
    im = rng.normal(size=(n, t))
    pair = rng.normal(scale=1.0, size=(n, n))
    start = rng.integers(0, 2 * t, size=(n, n))  # about half the pairs sign within the panel
    fta = ((y >= start[e, i]) & (e != i)).astype(float)
    other = ((y >= start[i, e] + t // 2) & (e != i)).astype(float)
    eta = ex[e, y] + im[i, y] + pair[e, i] + 0.3 * fta + 0.05 * other
    trade = np.exp(eta) * rng.gamma(20.0, 0.05, size=eta.size) * 1e3
    trade[rng.random(eta.size) < 0.05] = 0.0
    codes = np.array([f"C{k:03d}" for k in range(n)])
    return pd.DataFrame(
        {
            "exporter": codes[e],
            "importer": codes[i],
            "year": 2000 + y,
            "trade": trade,
            "fta": fta,
            "other_fta": other,
        }
    )


def wiod_path() -> Path:
    shared = os.environ.get("BLOCS_SHARED") or str(
        Path(__file__).resolve().parents[1].parent / "shared"
    )
    return Path(shared) / "validation" / "ge_gravity_eu" / "trade_wiod_2000_2014.csv"


def run_case(case: str) -> dict:
    """Run one case in this process and return its measurements."""
    from blocs.estimate import estimate_gravity, load_panel

    with tempfile.TemporaryDirectory() as tmp:
        if case == "wiod":
            path, formula = wiod_path(), WIOD_FORMULA
            if not path.exists():
                return {"case": case, "skipped": f"{path} not found"}
        else:
            n, t = (int(v) for v in case.split("x"))
            path, formula = Path(tmp) / "panel.parquet", FORMULA
            synthetic(n, t).to_parquet(path)
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        panel = load_panel(path)
        t1 = time.perf_counter()
        est = estimate_gravity(panel, formula)
        t2 = time.perf_counter()
        est2 = estimate_gravity(panel, formula)  # warm: pyfixest's start-up already paid
        t3 = time.perf_counter()
    assert est2.coefficients == est.coefficients
    return {
        "case": case,
        "rows": panel.n_rows,
        "nobs": est.nobs,
        "pairs": int(
            panel.frame.loc[panel.frame.exporter != panel.frame.importer, "pair"].nunique()
        ),
        "load_s": round(t1 - t0, 2),
        "estimate_s": round(t2 - t1, 2),
        "estimate_warm_s": round(t3 - t2, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "rss_before_mb": round(rss0 / 1024, 0),
        "separated": est.n_separated,
        "coefficients": {k: round(v, 6) for k, v in zip(est.terms, est.coefficients, strict=True)},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", help="run one case here: 'wiod' or NxT, e.g. 200x10")
    ap.add_argument("--scaling", action="store_true", help="also time smaller/larger panels")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    cases = ["wiod", "200x10"]
    if args.scaling:
        cases += ["50x10", "100x10", "150x10", "100x5", "100x20"]
    print(
        f"{'case':>8} {'rows':>9} {'obs':>9} {'pairs':>7} {'load s':>7} {'est s':>7} "
        f"{'warm s':>7} {'peak MB':>8}  coefficients"
    )
    for case in cases:
        out = subprocess.run(
            [sys.executable, __file__, "--case", case], capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            print(f"{case:>8} failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        if "skipped" in r:
            print(f"{case:>8} skipped: {r['skipped']}")
            continue
        print(
            f"{case:>8} {r['rows']:>9,} {r['nobs']:>9,} {r['pairs']:>7,} {r['load_s']:>7.2f} "
            f"{r['estimate_s']:>7.2f} {r['estimate_warm_s']:>7.2f} {r['peak_rss_mb']:>8.0f}  "
            f"{r['coefficients']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
