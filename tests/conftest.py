"""Shared test set-up: float64 JAX, paths to ../shared validation data, cached economies,
and what keeps the suite fast on a shared 2-core machine (issue 13, item 4):

- **two pytest-xdist workers** (``-n auto --dist loadgroup`` in ``pyproject.toml``; at most
  :data:`MAX_WORKERS`, one per core): most of a test's time is XLA compilation and Python
  tracing, which use one core. Tests that share a module- or class-scoped fixture are one
  work unit (:func:`pytest_collection_modifyitems`), so the fixture is built once, and so
  are the tests using :func:`builtin_runs` (each built-in scenario solved once); every
  other test is scheduled on its own. A pytest started from inside a test (a fresh-process
  test) runs serially. ``-n 0`` runs the whole suite in one process.
- **XLA's older CPU emitters**, as the ``blocs`` command uses them
  (:mod:`blocs.cli.xla_flags`; the user's ``XLA_FLAGS`` wins);
- **one BLAS thread** for the whole test process (the tests call the solvers directly, not
  through blocs' top-level calls that limit it; two BLAS threads spinning against other jobs
  slow a 388 x 388 LU 10-50x under load: ``docs/performance.md``);
- **the persistent compilation cache**: off unless ``BLOCS_CACHE_DIR`` names a folder (JAX
  0.10 aborted the process while serializing the exact Nash war's executables into it);
- **hypothesis profiles**: ``ci`` (the default; no deadline, since a loaded machine makes
  timings meaningless, derandomized when ``CI`` is set so a CI run is reproducible) and
  ``thorough`` (10x the examples of tests that do not fix their own count), chosen with
  ``HYPOTHESIS_PROFILE``. Tests that fix ``max_examples`` keep it
  (``BLOCS_HYPOTHESIS_EXAMPLES`` scales the one-sector property tests).
- **where the time goes**: with ``BLOCS_TEST_TIMES=folder`` every process appends, per test,
  its CPU seconds (this process's threads plus finished child processes, e.g. a fresh-process
  test's pytest), wall seconds and node id to ``folder/<worker>-<pid>.tsv`` (setup of a
  shared fixture counts to the first test using it; a child pytest writes its own file too,
  already counted in its parent's line); ``sort -rn folder/*.tsv | head`` lists the CPU hot
  spots, which ``--durations`` (wall, inflated by other jobs) does not.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import blocs  # noqa: F401  (float64 before any test builds arrays)
from blocs.cli.common import enable_compile_cache
from blocs.cli.xla_flags import fast_compile_flags
from blocs.run import Run, run_scenario

# the `blocs` command's XLA setting (XLA's older CPU emitters: compile in ~60 % of the time,
# the same numbers, tests/cli/test_xla_flags.py), so the tests run what the command runs;
# set before any test makes JAX's backend (XLA reads its flags then). Fresh-process tests
# inherit it.
fast_compile_flags()

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=250, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]

# one BLAS thread for the test process. The persistent compilation cache is off by default
# (BLOCS_CACHE_DIR turns it on): JAX 0.10 aborted the test process while serializing the
# exact Nash war's executables into it (tests/validation/test_tariffwar.py).
os.environ.setdefault("BLOCS_CACHE_DIR", "off")
enable_compile_cache()


def shared_dir() -> Path:
    """../shared next to the repository (or $BLOCS_SHARED)."""
    env = os.environ.get("BLOCS_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def validation_file(*parts: str) -> Path:
    """A file under shared/validation; skips the test with a clear message if absent."""
    path = shared_dir().joinpath("validation", *parts)
    if not path.exists():
        pytest.skip(
            f"validation data not found at {path} (set BLOCS_SHARED to the shared/ "
            "folder to run this replication)"
        )
    return path


#: Most workers ``-n auto`` starts: each holds its own JAX and data (a world2023 Nash war
#: takes ~3 GB), and JAX already spreads large arrays over every core.
MAX_WORKERS = 2
#: Fixture scopes whose tests must run in one worker (one work unit) to build the fixture once.
SHARED_SCOPES = ("class", "module", "package")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core, at most :data:`MAX_WORKERS`; serial (0) on one core
    and in a pytest started from inside a test (it inherits ``PYTEST_XDIST_WORKER``)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return 0
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    n = min(
        MAX_WORKERS,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
    )
    return n if n > 1 else 0


def shared_fixture_group(item: pytest.Item) -> str | None:
    """The node whose tests share a class/module/package-scoped fixture of ``item`` (its
    xdist group), or None when every fixture it uses is per test or per session."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:  # another pytest: group by file, as --dist loadfile would
        return item.nodeid.split("::")[0]
    if BUILTIN_RUNS in info.name2fixturedefs:
        return BUILTIN_RUNS
    scopes = {d.scope for defs in info.name2fixturedefs.values() for d in defs[-1:]} & set(
        SHARED_SCOPES
    )
    if not scopes:
        return None
    path = item.nodeid.split("::")[0]
    if scopes == {"class"} and item.cls is not None:
        return f"{path}::{item.cls.__name__}"
    if "package" in scopes:
        return path.rsplit("/", 1)[0]
    return path


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests sharing an expensive fixture form one xdist work unit (``--dist loadgroup``);
    in a worker the tests marked slow come first (stable order otherwise), so that the
    scheduler hands out the long work units first and the two workers finish together."""
    for item in items:
        group = shared_fixture_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _cpu_seconds() -> float:
    """CPU seconds of this process (every thread) and of its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """With ``BLOCS_TEST_TIMES`` set: one line per test (CPU s, wall s, node id)."""
    folder = os.environ.get("BLOCS_TEST_TIMES")
    if not folder:
        yield
        return
    cpu, wall = _cpu_seconds(), time.perf_counter()
    yield
    line = f"{_cpu_seconds() - cpu:.2f}\t{time.perf_counter() - wall:.2f}\t{item.nodeid}\n"
    name = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(folder).mkdir(parents=True, exist_ok=True)
    with (Path(folder) / f"{name}-{os.getpid()}.tsv").open("a", encoding="utf-8") as out:
        out.write(line)


#: The session fixture of built-in scenarios' runs; its users are one xdist work unit.
BUILTIN_RUNS = "builtin_runs"


class BuiltinRuns(dict[str, Run]):
    """``runs[name]``: ``run_scenario(name)`` of a built-in scenario, solved on first use and
    then shared by every test of the process that asks for it (read-only)."""

    def __missing__(self, name: str) -> Run:
        run = self[name] = run_scenario(name)
        return run


@pytest.fixture(scope="session")
def builtin_runs() -> BuiltinRuns:
    """The built-in scenarios' runs, each solved once per process (:class:`BuiltinRuns`):
    the scenario library, the IMLS (2025) tables and the timeline's regime checks solve many
    of the same built-ins. Tests using it form one xdist work unit (one process solves)."""
    return BuiltinRuns()


@pytest.fixture(scope="session")
def world():
    return blocs.load_world2023()
