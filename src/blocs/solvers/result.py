"""One typed result for every solver: value, status with the reason, iterations, residual.

Solvers never raise inside ``jit``/``vmap``: a failure is a value (:class:`Status`), and the
caller decides (batch runs report it; top-level calls raise
:class:`blocs.errors.ConvergenceError` with :func:`status_message`).

Example:
    >>> import jax.numpy as jnp
    >>> r = SolverResult(jnp.zeros(2), jnp.asarray(Status.MAX_STEPS), jnp.asarray(60),
    ...                  jnp.asarray(1e-3))
    >>> bool(r.converged), status_message(r.status)
    (False, 'the step limit was reached before the tolerance; raise max_steps or the tolerance')
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

__all__ = ["SolverResult", "Status", "status_code", "status_message"]


class Status(enum.IntEnum):
    """Why a solver stopped (stored as an int32 array inside results)."""

    CONVERGED = 0
    MAX_STEPS = 1
    STALLED = 2
    NONFINITE = 3


_MESSAGES = {
    Status.CONVERGED: "converged",
    Status.MAX_STEPS: (
        "the step limit was reached before the tolerance; raise max_steps or the tolerance"
    ),
    Status.STALLED: (
        "the line search found no decrease (stalled); the starting point may be too far from "
        "the solution: apply the shock in smaller steps"
    ),
    Status.NONFINITE: (
        "the equations became non-finite (NaN or inf); check the inputs for zero or negative "
        "flows, or shocks outside the model's domain"
    ),
}


def status_message(status: Any) -> str:
    """The reason, in words, for a status code (an int or a scalar array)."""
    return _MESSAGES[Status(int(status))]


def status_code(residual: jax.Array, tol: float, stalled: jax.Array) -> jax.Array:
    """The :class:`Status` (int32 array) of a solver that stopped with ``residual``.

    ``residual`` is the largest scaled residual (``inf`` when non-finite); ``stalled`` says
    whether the iterations stopped making progress. Anything else is the step limit.
    """
    return jnp.where(
        ~jnp.isfinite(residual),
        Status.NONFINITE,
        jnp.where(
            residual <= tol,
            Status.CONVERGED,
            jnp.where(stalled, Status.STALLED, Status.MAX_STEPS),
        ),
    ).astype(jnp.int32)


class SolverResult(NamedTuple):
    """Outcome of a blocs solver.

    Attributes:
        x: the solution (or the last iterate), shape of the starting point.
        status: :class:`Status` as an int32 scalar array (batched: one per member).
        iterations: steps taken, int32 scalar.
        max_residual: largest absolute scaled residual at ``x``, float scalar.
    """

    x: jax.Array
    status: jax.Array
    iterations: jax.Array
    max_residual: jax.Array

    @property
    def converged(self) -> jax.Array:
        """bool scalar: ``status == CONVERGED``."""
        return self.status == Status.CONVERGED
