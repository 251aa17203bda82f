"""Shared test set-up: float64 JAX, paths to ../shared validation data, cached economies,
and what keeps the suite fast on a shared 2-core machine (issue 13, item 4):

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
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import blocs  # noqa: F401  (float64 before any test builds arrays)
from blocs.cli.common import enable_compile_cache

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


@pytest.fixture(scope="session")
def world():
    return blocs.load_world2023()
