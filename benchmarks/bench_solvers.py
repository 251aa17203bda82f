"""blocs' own Newton against optimistix on the 194-country Liberation-Day equilibrium.

Why blocs keeps its own root finder (``blocs.solvers.newton``): it needs, in one routine, a
backtracking line search on ||F|| (large tariff shocks start far from the root), a stall
status, per-lane stopping under ``vmap``, and implicit derivatives through
``custom_linear_solve`` (Hessian-vector products through equilibria for Nash wars). This
script measures what a maintained library gives on the same residual: ``optimistix.Newton``
(plain Newton, LU) and ``optimistix.Dogleg`` (trust region), warm, interleaved in one run.

    python benchmarks/bench_solvers.py            # needs `pip install optimistix`

Prints a table: method, median warm time, steps, final residual, converged.
"""

from __future__ import annotations

import statistics
import time

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

import blocs  # noqa: E402
from blocs.models.base import Policy  # noqa: E402
from blocs.models.registry import get_model  # noqa: E402
from blocs.solvers import newton  # noqa: E402

REPEATS = 7


def main() -> None:
    eco = blocs.load_world2023()
    model = get_model("imls")
    options = model.Options()
    params = model.calibrate(eco, options)
    t = jnp.asarray(blocs.liberation_day_tariffs(eco))
    static = model.static(options)
    args = (params, Policy(t, jnp.ones_like(t)))
    x0 = model.initial_guess(params)

    @jax.jit
    def ours(x0, args_):
        r = newton(model.residual, x0, (*args_, static))
        return r.x, r.iterations, r.max_residual

    methods = {"blocs.solvers.newton": ours}
    try:
        import optimistix as optx

        def make(solver):
            @jax.jit
            def run(x0, args_):
                full = (*args_, static)
                sol = optx.root_find(
                    lambda x, a: model.residual(x, a), solver, x0, full, max_steps=60, throw=False
                )
                res = jnp.max(jnp.abs(model.residual(sol.value, full)))
                return sol.value, sol.stats["num_steps"], res

            return run

        methods["optimistix.Newton"] = make(optx.Newton(rtol=1e-12, atol=1e-12))
        methods["optimistix.Dogleg"] = make(optx.Dogleg(rtol=1e-12, atol=1e-12))
    except ImportError:
        print("optimistix is not installed: only blocs' solver is timed")
    times: dict[str, list[float]] = {k: [] for k in methods}
    out: dict[str, tuple] = {}
    for fn in methods.values():  # compile
        jax.block_until_ready(fn(x0, args))
    for _ in range(REPEATS):  # interleaved, so load hits every method alike
        for name, fn in methods.items():
            start = time.perf_counter()
            out[name] = jax.block_until_ready(fn(x0, args))
            times[name].append(time.perf_counter() - start)
    print(f"{'method':24s} {'median ms':>10s} {'steps':>6s} {'residual':>10s}")
    for name in methods:
        _, steps, res = out[name]
        print(
            f"{name:24s} {1e3 * statistics.median(times[name]):10.1f} {int(steps):6d} "
            f"{float(res):10.2e}"
        )


if __name__ == "__main__":
    main()
