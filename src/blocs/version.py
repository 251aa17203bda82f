"""The installed version of blocs (recorded in manifests and reports)."""

from __future__ import annotations

from importlib import metadata

__all__ = ["VERSION"]

try:
    #: The version of the installed distribution (``pyproject.toml``).
    VERSION = metadata.version("blocs")
except metadata.PackageNotFoundError:  # run from a source tree that is not installed
    VERSION = "0+unknown"
