"""Where chunks run: in this process, in local processes, or on Dask.

Backends never decide how chunks are scheduled (that is the executor's job) and all run
the same chunk function, so the numbers do not depend on the backend.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import multiprocessing.connection
import os
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

import pandas as pd

from blocs.errors import InputError, closest

__all__ = [
    "Backend",
    "ChunkFn",
    "Dask",
    "InProcess",
    "Processes",
    "backend_named",
    "check_scheduler_address",
    "local_cluster_options",
    "exit_with_parent",
]

ChunkFn = Callable[[int], pd.DataFrame]


class Backend(Protocol):
    """Runs chunk functions; yields ``(chunk, table)`` as chunks finish."""

    name: str

    def map_chunks(self, fn: ChunkFn, chunks: Sequence[int]) -> Iterator[tuple[int, pd.DataFrame]]:
        """Run ``fn(c)`` for every ``c``; stop (cancel what has not started) when closed."""
        ...


class InProcess:
    """Chunks one after another in this process (each chunk one ``jax.vmap``).

    Example:
        >>> InProcess().name
        'inprocess'
    """

    name = "inprocess"

    def map_chunks(self, fn: ChunkFn, chunks: Sequence[int]) -> Iterator[tuple[int, pd.DataFrame]]:
        for c in chunks:
            yield c, fn(c)


def exit_with_parent() -> None:
    """Worker initializer: end this process as soon as its parent process ends.

    A ``ProcessPoolExecutor`` worker otherwise outlives a parent that was killed (SIGKILL,
    out of memory), blocked on its task queue or still solving. A daemon thread waits on
    the parent's sentinel (:func:`multiprocessing.parent_process`) and exits the worker.
    """
    parent = multiprocessing.parent_process()
    if parent is None:  # not started by multiprocessing
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="blocs-exit-with-parent", daemon=True).start()


class Processes:
    """Chunks in ``workers`` processes (``ProcessPoolExecutor``, ``spawn`` start method:
    forking a process that runs JAX threads is unsafe). Workers exit when this process
    does, even if it is killed (:func:`exit_with_parent`).

    Example:
        >>> Processes(2).name
        'processes'
    """

    name = "processes"

    def __init__(self, workers: int = 2) -> None:
        if workers < 1:
            raise InputError(f"Processes(workers={workers}): give at least 1 worker process")
        self.workers = workers

    def map_chunks(self, fn: ChunkFn, chunks: Sequence[int]) -> Iterator[tuple[int, pd.DataFrame]]:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=ctx, initializer=exit_with_parent
        ) as pool:
            futures = {pool.submit(fn, c): c for c in chunks}
            try:
                for fut in cf.as_completed(futures):
                    yield futures[fut], fut.result()
            finally:
                for fut in futures:
                    fut.cancel()


#: Address schemes of a Dask scheduler accepted by :class:`Dask`.
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
#: The only interface a :class:`Dask` ``LocalCluster`` listens on (scheduler and workers).
LOCAL_HOST = "127.0.0.1"


def check_scheduler_address(address: str) -> str:
    """``address`` if it is ``SCHEME://HOST:PORT`` (:data:`SCHEDULER_SCHEMES`).

    Example:
        >>> check_scheduler_address("tls://10.0.0.5:8786")
        'tls://10.0.0.5:8786'

    Raises:
        InputError: naming what is wrong (e.g. a port that is not a number).
    """
    parts = urllib.parse.urlsplit(str(address))
    example = "e.g. tls://HOST:8786"
    if parts.scheme not in SCHEDULER_SCHEMES or not parts.hostname:
        raise InputError(
            f"Dask scheduler {address!r}: expected SCHEME://HOST:PORT with SCHEME one of "
            f"{', '.join(SCHEDULER_SCHEMES)}, {example}"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is None or not 0 < port < 65536 or parts.path not in ("", "/"):
        raise InputError(f"Dask scheduler {address!r}: the port must be a number, {example}")
    return str(address)


def local_cluster_options(n_workers: int, processes: bool) -> dict[str, Any]:
    """The ``LocalCluster`` arguments of :class:`Dask`: worker processes and the scheduler
    listen on :data:`LOCAL_HOST` only (Dask exchanges pickled data: nothing on the network
    may reach them); with ``processes=False`` everything is in this process (``inproc://``,
    no socket). No dashboard."""
    opts: dict[str, Any] = {
        "n_workers": n_workers,
        "threads_per_worker": 1,
        "processes": processes,
        "dashboard_address": None,
    }
    if processes:
        opts["host"] = LOCAL_HOST
    return opts


class Dask:
    """Chunks as ``dask.distributed`` tasks.

    Security: Dask exchanges pickled data, so the scheduler (and anything between it and
    this process) can run code here. Connect only to a scheduler you control; across a
    network use ``tls://`` addresses, with the certificates in Dask's own configuration
    (``distributed.comm.tls.ca-file``, ``distributed.comm.tls.client.cert`` and ``.key``,
    ``distributed.comm.require-encryption``), which ``Client`` reads. A ``LocalCluster``
    started here listens on 127.0.0.1 only (:func:`local_cluster_options`).

    Args:
        scheduler: address of a running scheduler (``tls://HOST:8786``, ``tcp://...``); or
        n_workers: start a ``LocalCluster`` with this many workers for the run (closed
            after it); ``processes=False`` makes them threads of this process.
        client: an existing ``dask.distributed.Client`` (left open).

    Example:
        >>> Dask(n_workers=2).name
        'dask'
    """

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        *,
        n_workers: int | None = None,
        processes: bool = True,
        client: Any | None = None,
    ) -> None:
        given = sum(x is not None for x in (scheduler, n_workers, client))
        if given != 1:
            raise InputError(
                "Dask backend: give exactly one of scheduler='tcp://HOST:8786', "
                "n_workers=N (a LocalCluster for this run) or client=Client(...)"
            )
        if n_workers is not None and n_workers < 1:
            raise InputError(f"Dask(n_workers={n_workers}): give at least 1 worker")
        if scheduler is not None:
            check_scheduler_address(scheduler)
        self.scheduler = scheduler
        self.n_workers = n_workers
        self.processes = processes
        self.client = client

    def map_chunks(self, fn: ChunkFn, chunks: Sequence[int]) -> Iterator[tuple[int, pd.DataFrame]]:
        # dask is imported here: it is optional and slow to import
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = None
        client = self.client
        if client is None and self.n_workers is not None:
            cluster = LocalCluster(**local_cluster_options(self.n_workers, self.processes))
            client = Client(cluster)
        elif client is None:
            try:
                client = Client(self.scheduler, timeout=30)
            except (OSError, ValueError, TypeError) as exc:
                raise InputError(
                    f"Dask(scheduler={self.scheduler!r}): cannot reach the Dask scheduler "
                    f"({exc}); start one with `dask scheduler` and workers with `dask worker "
                    f"{self.scheduler}`, or use a local cluster (n_workers=N)"
                ) from None
        try:
            run = uuid.uuid4().hex[:12]  # fresh keys: never a cached result of another run
            futures = [client.submit(fn, c, key=f"blocs-chunk-{run}-{c}") for c in chunks]
            by_key = {f.key: c for f, c in zip(futures, chunks, strict=True)}
            try:
                for fut in as_completed(futures):
                    yield by_key[fut.key], fut.result()
            finally:
                client.cancel(futures)
        finally:
            if client is not self.client:
                client.close()
            if cluster is not None:
                cluster.close()


def backend_named(backend: Backend | str) -> Backend:
    """A backend object from itself or its name (``inprocess``, ``processes``, ``dask``:
    the last two with one worker per CPU)."""
    if not isinstance(backend, str):
        return backend
    if backend == "inprocess":
        return InProcess()
    if backend == "processes":
        return Processes(os.cpu_count() or 1)
    if backend == "dask":
        return Dask(n_workers=os.cpu_count() or 1)
    raise InputError(
        f"unknown backend {backend!r}{closest(backend, ['inprocess', 'processes', 'dask'])}; "
        "use inprocess, processes or dask (or a Backend object)"
    )
