"""One BLAS/LAPACK thread for the solvers' small dense linear algebra (issue 13, item 1).

JAX on CPU runs its LU factorisations (``jnp.linalg.solve`` in every Newton step) through
SciPy's OpenBLAS, which by default starts one thread per core. For the solvers' matrices (a
few hundred unknowns) that buys little on a quiet machine and costs a great deal on a busy
one: the BLAS threads spin against the other jobs. Measured on the 2-core development
machine, warm 194-country Liberation-Day solve, load average ~12: median 1204 ms with the
default two BLAS threads, 155 ms with one; with a busy loop running, 2420 ms against 277 ms
(``docs/performance.md``). Limiting XLA's own threads (``XLA_FLAGS=--xla_cpu_multi_thread_eigen
=false intra_op_parallelism_threads=1``) did not help (807 ms against 202 ms with one BLAS
thread, same run), so blocs leaves XLA's flags alone.

:func:`one_blas_thread` limits the BLAS libraries to one thread *only while a blocs call
runs* (a context manager and a decorator), and restores the user's setting afterwards: code
around blocs keeps its own threading. blocs' top-level calls (``run_scenario``,
``Model.solve_economy``, ``blocs.solve``) use it, and the ``blocs`` command sets it for the
whole process. The limit applies to the BLAS calls made while the block runs; blocs'
top-level calls wait for their results (they read the solver's status), so the whole solve
is inside it.

Large batched work is unaffected in practice: a batch of solves (``vmap``) calls LAPACK once
per member, each small, so one thread per call loses nothing; XLA's own parallelism (Eigen
thread pool) is not limited.

Set ``BLOCS_BLAS_THREADS`` to another number to choose it, or to ``0`` to leave the BLAS
libraries as they are.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import scipy.linalg.cython_lapack  # noqa: F401  (loads the OpenBLAS that JAX's LAPACK calls)
from threadpoolctl import ThreadpoolController

__all__ = ["blas_threads", "limit_blas_threads_for_process", "one_blas_thread"]

F = TypeVar("F", bound=Callable[..., Any])

_state = threading.local()
_controller: ThreadpoolController | None = None
_lock = threading.Lock()


def blas_threads() -> int:
    """The number of BLAS threads blocs' calls use: ``BLOCS_BLAS_THREADS`` (default 1; 0:
    leave the libraries as they are)."""
    raw = os.environ.get("BLOCS_BLAS_THREADS", "").strip()
    try:
        return max(int(raw), 0) if raw else 1
    except ValueError:
        return 1


def _get_controller() -> ThreadpoolController:
    global _controller
    with _lock:
        if _controller is None:
            _controller = ThreadpoolController()
        return _controller


@contextmanager
def _limited() -> Iterator[None]:
    n = blas_threads()
    if n == 0 or getattr(_state, "depth", 0) > 0:  # off, or already inside a blocs call
        yield
        return
    _state.depth = 1
    try:
        with _get_controller().limit(limits=n, user_api="blas"):
            yield
    finally:
        _state.depth = 0


def one_blas_thread(fn: F | None = None) -> Any:
    """Run a block (``with one_blas_thread():``) or a function (``@one_blas_thread``) with
    the BLAS libraries limited to :func:`blas_threads` threads; nested uses cost nothing.

    Example:
        >>> with one_blas_thread():
        ...     pass
    """
    if fn is None:
        return _limited()

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _limited():
            return fn(*args, **kwargs)

    return wrapper


def limit_blas_threads_for_process() -> None:
    """Limit the BLAS libraries for the rest of the process (the ``blocs`` command, whose
    process is blocs' own)."""
    n = blas_threads()
    if n > 0:
        _get_controller().limit(limits=n, user_api="blas")
