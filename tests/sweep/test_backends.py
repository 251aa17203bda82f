"""Backends: worker processes do not outlive a parent that was killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PARENT = """
import concurrent.futures as cf, multiprocessing, os, sys, time
from blocs.sweep.backends import exit_with_parent
ctx = multiprocessing.get_context("spawn")
pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=exit_with_parent)
print(pool.submit(os.getpid).result(), flush=True)
pool.submit(time.sleep, 600)  # the worker is busy when its parent dies
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its new parent) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


@pytest.mark.skipif(sys.platform != "linux", reason="checks processes through /proc")
def test_processes_workers_exit_when_parent_is_killed() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        worker = int(parent.stdout.readline())
        assert _alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), "the worker outlived its killed parent"
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
