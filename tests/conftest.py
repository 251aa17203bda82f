"""Shared test set-up: float64 JAX, paths to ../shared validation data, cached economies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import blocs  # noqa: F401  (enables float64 before any test builds arrays)

REPO = Path(__file__).resolve().parents[1]


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
