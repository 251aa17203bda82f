"""blocs against its peers, side by side in one run (issue 13, item 5). Not part of the tests.

The 194-country Liberation-Day counterfactual (world2023, the IMLS 2025 benchmark, default
options) solved by

- **blocs**: ``blocs.models.imls.solve_jit`` (damped Newton, exact Jacobian, compiled), warm,
  with one BLAS thread as blocs' top-level calls run it (``blocs.solvers.one_blas_thread``),
  and with the BLAS library's default threads for comparison;
- **SciPy**: a clean ``scipy.optimize.root(method="hybr")`` (MINPACK, finite-difference
  Jacobian) of the same equations, written below in NumPy from docs/models.md §1 (unknowns
  ``[log w_hat, log L_hat]``, market clearing with the largest economy's equation replaced
  by the price-index numeraire, labour supply under income-tax relief, deficits a fixed
  share of world income), on the same calibrated baseline arrays; the two solutions are
  checked to agree;
- **gegravity** (USITC) when installed: its own example experiment (it solves a different,
  endowment model on its own 30-country sample; timed for scale only).

Each peer runs ``--repeats`` times, interleaved (blocs, blocs default threads, SciPy, ...), in
this process, first on the machine as it is and then with a CPU-bound busy loop started by
the benchmark in a second process. Then whole processes, interleaved: ``blocs run
liberation-day`` (compile cache and exported programs warm, and with an empty cache) against
a SciPy script that loads the same baseline from an ``.npz`` file, solves and prints the
same table, with the floors of both (importing JAX; the script's imports alone). Whole
processes keep their compiled modules (``.pyc``) as an installed package does, even when
``PYTHONDONTWRITEBYTECODE`` is set (``--no-bytecode-cache``: blocs' modules are compiled in
every process, from copies of the source trees without ``__pycache__``).
Prints the load average with every block, medians, minima and the ratios.

Run: python benchmarks/bench_peers.py [--repeats 10] [--process-repeats 5] [--before SRC]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import blocs
from blocs.models import imls
from blocs.solvers import one_blas_thread

SRC = Path(__file__).resolve().parents[1] / "src"

# ----------------------------------------------------------------------------------------
# The SciPy peer: docs/models.md §1, in NumPy (the defaults of the IMLS options)

SCIPY_EQUATIONS = '''
import numpy as np


def residual(x, a):
    """docs/models.md section 1: (1) market clearing (largest economy's equation replaced by
    the price-index numeraire) and (3) labour supply, x = [log w_hat, log L_hat]."""
    lam, E, Y, T, nu, phi, t0, t = a["lam"], a["E"], a["Y"], a["T"], a["nu"], a["phi"], a["t0"], a["t"]
    eps, kappa, psi = float(a["eps"]), float(a["kappa"]), float(a["psi"])
    n = E.shape[0]
    w, L = np.exp(x[:n]), np.exp(x[n:])
    tau = (1.0 + t) / (1.0 + t0)
    A = lam * (w / L**psi)[:, None] ** (-eps) * tau ** (-eps * phi[None, :])
    SA = A.sum(axis=0)
    lam_new = A / SA[None, :]
    u = (lam_new * t / (1.0 + t)).sum(axis=0)
    wLY = w * L * Y
    Tn = T * wLY.sum() / Y.sum()                      # deficits: fixed share of world income
    En = (wLY + Tn) / (1.0 - u)                       # (2) in closed form
    X = lam_new * En[None, :] / (1.0 + t)
    sales = ((1.0 - nu)[None, :] * X).sum(axis=1) + nu * X.sum(axis=0)
    R = u * En
    P = (En / E / w) ** (1.0 - phi) * SA ** (-1.0 / eps)
    r1 = sales / wLY - 1.0
    r1[np.argmax(Y)] = ((P - 1.0) * E).sum() / E.sum()  # numeraire
    R0 = (lam * E[None, :] * t0 / (1.0 + t0)).sum(axis=0)
    relief = (1.0 - R0 / Y) / (1.0 - R / wLY)
    r3 = np.log(L) - kappa * np.log(relief * w / P)
    return np.concatenate([r1, r3])


def welfare(x, a):
    lam, E, Y, T, phi, t0, t = a["lam"], a["E"], a["Y"], a["T"], a["phi"], a["t0"], a["t"]
    eps, kappa, psi = float(a["eps"]), float(a["kappa"]), float(a["psi"])
    n = E.shape[0]
    w, L = np.exp(x[:n]), np.exp(x[n:])
    tau = (1.0 + t) / (1.0 + t0)
    A = lam * (w / L**psi)[:, None] ** (-eps) * tau ** (-eps * phi[None, :])
    SA = A.sum(axis=0)
    u = (A / SA[None, :] * t / (1.0 + t)).sum(axis=0)
    wLY = w * L * Y
    En = (wLY + T * wLY.sum() / Y.sum()) / (1.0 - u)
    P = (En / E / w) ** (1.0 - phi) * SA ** (-1.0 / eps)
    tax = u * En / wLY
    delta = E / (E - kappa * (1.0 - tax) * Y / (1.0 + kappa))
    return delta * En / E / P + (1.0 - delta) * w * L / P
'''

SCIPY_SCRIPT = """
import sys
import numpy as np
import pandas as pd
from scipy.optimize import root
{equations}
a = dict(np.load(sys.argv[1]))
n = a["E"].shape[0]
sol = root(residual, np.zeros(2 * n), args=(a,), method="hybr", options={{"xtol": 1e-12}})
W = welfare(sol.x, a)
table = pd.DataFrame({{"welfare_pct": 100 * (W - 1)}}, index=[str(c) for c in a["iso3"]])
print(table.loc[["USA", "CHN", "CAN", "MEX"]].to_string(float_format="%.2f"))
print("converged", sol.success, "max residual", np.abs(residual(sol.x, a)).max())
"""

_ns: dict = {}
exec(SCIPY_EQUATIONS, _ns)  # the same source the whole-process script runs
scipy_residual: Callable = _ns["residual"]
scipy_welfare: Callable = _ns["welfare"]


def baseline_arrays() -> tuple[dict[str, np.ndarray], tuple]:
    """The calibrated Liberation-Day arrays (NumPy, for SciPy) and blocs' solve arguments."""
    eco = blocs.load_world2023()
    model = imls.IMLS()
    p = imls.calibrate(eco, model)
    t = np.asarray(blocs.liberation_day_tariffs(eco), dtype=float)
    policy = imls.Policy(t=jnp.asarray(t), d_hat=jnp.ones((eco.n, eco.n)))
    st = imls.Static(model.revenue, model.deficits, model.numeraire)
    arrays = {k: np.asarray(getattr(p, k)) for k in ("lam", "E", "Y", "T", "nu", "phi", "t0")}
    arrays |= {k: np.asarray(getattr(p, k)) for k in ("eps", "kappa", "psi")}
    arrays |= {"t": t, "iso3": np.asarray(eco.iso3)}
    return arrays, (p, policy, st)


# ----------------------------------------------------------------------------------------
# Timing helpers


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def busy_loop() -> subprocess.Popen:
    """A CPU-bound job in a second process (killed by the caller)."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def interleaved(
    peers: dict[str, Callable[[], object]], repeats: int, cpu: dict[str, list[float]] | None = None
) -> dict[str, list[float]]:
    """Wall times of ``repeats`` interleaved calls; a peer returning a float (the CPU time
    of its child process) has it collected in ``cpu``."""
    times: dict[str, list[float]] = {k: [] for k in peers}
    for _ in range(repeats):
        for name, fn in peers.items():
            start = time.perf_counter()
            used = fn()
            times[name].append(time.perf_counter() - start)
            if cpu is not None and isinstance(used, float):
                cpu.setdefault(name, []).append(used)
    return times


def report(
    title: str,
    times: dict[str, list[float]],
    reference: str,
    unit: str = "ms",
    cpu: dict[str, list[float]] | None = None,
) -> None:
    scale = 1e3 if unit == "ms" else 1.0
    ref = statistics.median(times[reference])
    cpu = cpu or {}
    extra = " median CPU s (user+sys) |" if cpu else ""
    print(f"\n{title} ({load()})")
    print(f"| {'peer':<44} | median {unit} | min {unit} | median ratio to {reference} |{extra}")
    print(f"|{'-' * 46}|---:|---:|---:|{'---:|' if cpu else ''}")
    for name, ts in times.items():
        med = statistics.median(ts)
        used = f" {statistics.median(cpu[name]):.2f} |" if name in cpu else (" |" if cpu else "")
        print(
            f"| {name:<44} | {scale * med:.1f} | {scale * min(ts):.1f} | {med / ref:.2f}x |{used}"
        )


def child_cpu(cmd: list[str], env: dict[str, str]) -> float:
    """Run ``cmd`` to the end; the CPU time (user + system) it and its children used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


# ----------------------------------------------------------------------------------------


def bench_warm(repeats: int) -> None:
    from scipy.optimize import root

    arrays, (p, policy, st) = baseline_arrays()
    n = arrays["E"].shape[0]

    def blocs_one_thread():
        with one_blas_thread():
            jax.block_until_ready(imls.solve_jit(p, policy, st, 1e-12, 60))

    def blocs_default_threads():
        jax.block_until_ready(imls.solve_jit(p, policy, st, 1e-12, 60))

    def scipy_hybr():
        return root(
            scipy_residual, np.zeros(2 * n), args=(arrays,), method="hybr",
            options={"xtol": 1e-12},
        )  # fmt: skip

    # warm up (compile) and check that the two solve the same equations
    blocs_one_thread()
    sol = imls.solve_jit(p, policy, st, 1e-12, 60)
    ref = scipy_hybr()
    w_blocs = np.asarray(sol.welfare_hat)
    w_scipy = scipy_welfare(ref.x, arrays)
    print(
        f"\nsame equations: SciPy converged={ref.success}, its max residual "
        f"{np.abs(scipy_residual(ref.x, arrays)).max():.1e}; blocs {int(sol.iterations)} Newton "
        f"steps, max residual {float(sol.max_residual):.1e}; largest welfare difference "
        f"{100 * np.abs(w_blocs - w_scipy).max():.1e} percentage points"
    )
    peers = {
        "blocs (one BLAS thread, as blocs runs it)": blocs_one_thread,
        "blocs (BLAS library's default threads)": blocs_default_threads,
        "SciPy root(hybr), same equations": scipy_hybr,
    }
    ref_name = "SciPy root(hybr), same equations"
    report(
        f"Warm solve, 194 countries, {repeats} interleaved repeats, machine as it is",
        interleaved(peers, repeats),
        ref_name,
    )
    proc = busy_loop()
    try:
        time.sleep(0.5)
        report(
            f"Warm solve, {repeats} interleaved repeats, with a busy loop in a second process",
            interleaved(peers, repeats),
            ref_name,
        )
    finally:
        proc.kill()
        proc.wait()


def bench_gegravity(repeats: int) -> None:
    try:
        import gegravity  # noqa: F401
    except ImportError:
        print("\ngegravity: not installed (pip install gegravity); skipped")
        return
    print("\ngegravity: see benchmarks/bench_core.py for the side-by-side on its own sample")


def bench_process(repeats: int, before: Path | None, bytecode: bool = True) -> None:
    arrays, _ = baseline_arrays()
    with tempfile.TemporaryDirectory() as tmp:
        src = SRC
        if not bytecode:  # copies without compiled modules, never given any
            src = Path(tmp) / "src-now"
            shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("__pycache__"))
            if before is not None:
                before = Path(shutil.copytree(
                    before, Path(tmp) / "src-before", ignore=shutil.ignore_patterns("__pycache__")
                ))  # fmt: skip
        npz = Path(tmp) / "liberation_day.npz"
        np.savez(npz, **arrays)
        script = Path(tmp) / "scipy_liberation_day.py"
        script.write_text(
            SCIPY_SCRIPT.format(equations=textwrap.dedent(SCIPY_EQUATIONS)), encoding="utf-8"
        )
        # its own compile cache, as "before" has: the user's cache folder is shared with
        # other processes and may be in any state (JAX stops writing to a folder holding an
        # entry without its "-atime" file)
        env = {
            **os.environ,
            "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            "BLOCS_CACHE_DIR": str(Path(tmp) / "cache"),
        }
        # an installed package has its modules compiled (.pyc); with PYTHONDONTWRITEBYTECODE
        # set, every process would compile blocs' ~70 modules from source again (about 0.1 s)
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        print(
            "\nwhole processes: "
            + (
                "modules compiled once (.pyc kept)"
                if bytecode
                else "blocs compiled in every process"
            )
        )

        def run(cmd: list[str], environ: dict[str, str] | None = None) -> Callable[[], float]:
            def go() -> float:
                return child_cpu(cmd, environ or env)

            return go

        peers = {
            "blocs --help": run([sys.executable, "-m", "blocs.cli", "--help"]),
            "blocs run liberation-day (cache warm)": run(
                [sys.executable, "-m", "blocs.cli", "run", "liberation-day"]
            ),
            "SciPy script (npz baseline, root(hybr))": run([sys.executable, str(script), str(npz)]),
            "python -c pass": run([sys.executable, "-c", "pass"]),
            # the floors: JAX's import, and the SciPy script's imports alone
            "python -c 'import jax.numpy'": run([sys.executable, "-c", "import jax.numpy"]),
            "python -c 'import numpy, pandas, scipy.optimize'": run(
                [sys.executable, "-c", "import numpy, pandas, scipy.optimize"]
            ),
        }
        fresh = iter(range(10**6))

        def empty_cache(src: Path) -> Callable[[], float]:
            def go() -> float:
                folder = Path(tmp) / f"empty-{next(fresh)}"
                environ = {**env, "PYTHONPATH": str(src), "BLOCS_CACHE_DIR": str(folder)}
                cmd = [sys.executable, "-m", "blocs.cli", "run", "liberation-day"]
                return child_cpu(cmd, environ)

            return go

        peers["blocs run liberation-day (empty cache)"] = empty_cache(src)
        if before is not None:
            peers["before: blocs run liberation-day (empty cache)"] = empty_cache(before)
        if before is not None:  # another source tree (e.g. the base commit), own cache
            env_before = {
                **env,
                "PYTHONPATH": str(before),
                "BLOCS_CACHE_DIR": str(Path(tmp) / "cache-before"),
            }
            cmd = [sys.executable, "-m", "blocs.cli"]
            peers["before: blocs --help"] = run([*cmd, "--help"], env_before)
            peers["before: blocs run liberation-day (cache warm)"] = run(
                [*cmd, "run", "liberation-day"], env_before
            )
        for name, go in peers.items():  # fill the compile cache and the .pyc files
            if "empty cache" not in name:
                go()
        cpu: dict[str, list[float]] = {}
        times = interleaved(peers, repeats, cpu)
        report(
            f"Whole process, {repeats} interleaved repeats, machine as it is",
            times,
            "SciPy script (npz baseline, root(hybr))",
            unit="s",
            cpu=cpu,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--process-repeats", type=int, default=5)
    ap.add_argument("--skip-process", action="store_true")
    ap.add_argument("--skip-warm", action="store_true", help="whole processes only")
    ap.add_argument(
        "--before", type=Path, default=None, help="a src/ folder of another version to compare"
    )
    ap.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="whole processes with PYTHONDONTWRITEBYTECODE=1 (compile blocs' modules each time)",
    )
    args = ap.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"jax {jax.__version__}; {load()}"
    )
    if not args.skip_warm:
        bench_warm(args.repeats)
        bench_gegravity(args.repeats)
    if not args.skip_process:
        bench_process(args.process_repeats, args.before, bytecode=not args.no_bytecode_cache)


if __name__ == "__main__":
    main()
