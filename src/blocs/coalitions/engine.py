"""Batched equilibria of many nearby policies, for any registered model.

Every batch is ``jax.vmap``-ed over policies in chunks of ``chunk`` lanes. Each equilibrium
is found by Broyden's method (:func:`blocs.solvers.broyden`) on the model's own residual
(:meth:`~blocs.models.base.Model.residual`), started from the equilibrium of the batch's
first policy with its exact inverse Jacobian: ~12 residuals each on average, against 5-9
Newton steps of one Jacobian each. Convergence is the model's verdict on the record
:meth:`~blocs.models.base.Model.equilibrium` builds at Broyden's root. Failures are re-solved
one by one by the model's top-level solver (:meth:`~blocs.models.base.Model.solve_economy`:
Newton with continuation for the one-sector model); what still fails is reported per row
(``converged``), never dropped.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from blocs.coalitions import settings
from blocs.models.base import Model, Policy
from blocs.solvers import broyden

__all__ = ["Batch", "Engine", "Progress", "broyden_batch", "inverse_jacobian"]

Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class Batch:
    """Raw equilibria of a list of policies (row ``r`` = policy ``r``).

    Attributes:
        welfare_pct: every country's welfare change, shape (M, N) (NaN if unconverged).
        converged: shape (M,) bool. iterations: shape (M,) int. max_residual: shape (M,).
        solver: how each row was solved, shape (M,) str (``"broyden"``,
            ``"newton-continuation"``, ``"skipped"``, ``"best-response-newton..."``).
        response_rate: the target's rate, shape (M,) (NaN: none or failed), or None.
        response_foc: ``dW_target/dr`` at an optimal response, shape (M,), or None.
    """

    welfare_pct: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    max_residual: np.ndarray
    solver: np.ndarray
    response_rate: np.ndarray | None = None
    response_foc: np.ndarray | None = None


def _policy(t: jax.Array) -> Policy:
    return Policy(t=t, d_hat=jnp.ones_like(t))


@functools.partial(jax.jit, static_argnames=("model", "static"))
def broyden_batch(model: Model, params: Any, ts: jax.Array, x0: jax.Array, H0: jax.Array,
                  tol: jax.Array, max_steps: jax.Array, *, static: Any) -> tuple:  # fmt: skip
    """Broyden solves of the tariff arrays ``ts`` (B, N, N) or (B, N, N, S) from ``x0``
    (m,) with the inverse-Jacobian estimate ``H0`` (m, m); ``tol`` and ``max_steps`` are
    traced (changing them does not recompile).

    Returns:
        welfare (B, N) in percent, converged (B,), iterations (B,), max_residual (B,).
    """

    def one(t: jax.Array) -> tuple:
        policy = _policy(t)
        res, _ = broyden(model.residual, x0, (params, policy, static), H0=H0, tol=tol,
                         max_steps=max_steps)  # fmt: skip
        eq = model.equilibrium(res.x, params, policy, static, res)
        return 100.0 * (model.welfare_hat(eq) - 1.0), eq.converged, res.iterations, eq.max_residual

    return jax.vmap(one)(ts)


@functools.partial(jax.jit, static_argnames=("model", "static"))
def inverse_jacobian(model: Model, params: Any, t: jax.Array, x: jax.Array, *, static: Any):
    """The exact inverse Jacobian of the model's residual at ``x`` for tariffs ``t``, (m, m)."""
    return jnp.linalg.inv(jax.jacfwd(model.residual)(x, (params, _policy(t), static)))


class Engine:
    """Solves lists of tariff arrays for one economy under one model, chunked and vmapped.

    Attributes:
        model: the :class:`~blocs.models.base.Model`. options: its options.
        params, static: the calibrated baseline and the static options.
        weights: baseline expenditure per country, shape (N,).
    """

    def __init__(self, economy: Any, model: Model, options: Any, *, tol: float,
                 max_steps: int, chunk: int, progress: Progress | None,
                 total: int) -> None:  # fmt: skip
        self.economy = economy
        self.model = model
        self.options = options
        self.tol = tol
        self.max_steps = max_steps
        self.chunk = chunk
        self.progress = progress
        self.total = total
        self.done = 0
        self.params = model.calibrate(economy, options)
        self.static = model.static(options)
        self.weights = np.asarray(model.expenditure(self.params), dtype=float)

    def tick(self, k: int) -> None:
        """Report ``k`` more rows done."""
        self.done += k
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)

    def newton(self, t: np.ndarray) -> Any:
        """The equilibrium of ``t`` by the model's top-level solver (the fallback)."""
        return self.model.solve_economy(
            self.economy,
            _policy(jnp.asarray(t)),
            self.options,
            tol=self.tol,
            max_steps=self.max_steps,
            throw=False,
        )

    def exact_inverse(self, t: np.ndarray, x: jax.Array) -> jax.Array:
        """The exact inverse Jacobian of the residual at ``x`` for tariffs ``t``, (m, m)."""
        return inverse_jacobian(
            self.model, self.params, jnp.asarray(t), jnp.asarray(x), static=self.static
        )

    def anchor(self, t: np.ndarray) -> tuple[jax.Array, jax.Array]:
        """Start and inverse Jacobian for Broyden: the exact equilibrium of ``t`` (the
        model's initial guess if that fails)."""
        eq = self.newton(t)
        if bool(eq.converged):
            x0 = jnp.asarray(self.model.unknowns(eq))
        else:
            x0 = self.model.initial_guess(self.params)
        return x0, self.exact_inverse(t, x0)

    def target_weights(self, idx: Sequence[int]) -> np.ndarray:
        """The target's objective: its members' baseline expenditure, normalised, (N,)."""
        w = np.zeros(len(self.weights))
        w[list(idx)] = self.weights[list(idx)] / self.weights[list(idx)].sum()
        return w

    def solve(self, build: Callable[[int], np.ndarray | None], count: int) -> Batch:
        """Solve ``build(0) ... build(count - 1)``; row ``r`` of the result is ``build(r)``.

        A row whose ``build`` returns None is skipped: NaN, not converged, solver
        ``"skipped"`` (e.g. a betrayal of a coalition whose optimal response failed).
        """
        n = len(self.weights)
        W = np.full((count, n), np.nan)
        conv = np.zeros(count, dtype=bool)
        its = np.zeros(count, dtype=int)
        res = np.full(count, np.nan)
        solver = np.array(["broyden"] * count, dtype=object)
        first = next((t for t in map(build, range(count)) if t is not None), None)
        skipped = np.zeros(count, dtype=bool)
        if first is None:
            solver[:] = "skipped"
            self.tick(count)
            return Batch(W, conv, its, res, solver)
        x0, H0 = self.anchor(first)
        for start in range(0, count, self.chunk):
            rows = list(range(start, min(start + self.chunk, count)))
            built = [build(r) for r in rows]
            skipped[rows] = [t is None for t in built]
            ts = np.stack([first if t is None else t for t in built])
            pad = self.chunk - len(rows)
            if pad:
                ts = np.concatenate([ts, np.repeat(ts[-1:], pad, axis=0)])
            out = broyden_batch(
                self.model,
                self.params,
                jnp.asarray(ts),
                x0,
                H0,
                jnp.asarray(self.tol),
                jnp.asarray(settings.BROYDEN_MAX_STEPS),
                static=self.static,
            )
            w, c, k, rr = (np.asarray(a) for a in out)
            m = len(rows)
            W[rows], conv[rows], its[rows], res[rows] = w[:m], c[:m], k[:m], rr[:m]
            self.tick(m)
        conv[skipped] = False
        for row in np.flatnonzero(~conv & ~skipped):
            r = int(row)
            eq = self.newton(build(r))  # type: ignore[arg-type]
            W[r] = 100.0 * (np.asarray(self.model.welfare_hat(eq)) - 1.0)
            conv[r] = bool(eq.converged)
            its[r] = int(eq.iterations)
            res[r] = float(eq.max_residual)
            solver[r] = "newton-continuation"
        W[~conv] = np.nan  # an unconverged equilibrium has no welfare to report
        res[skipped] = np.nan
        solver[skipped] = "skipped"
        return Batch(W, conv, its, res, solver)
