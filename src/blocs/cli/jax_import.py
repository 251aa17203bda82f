"""JAX's import without its scan of every installed package (issue 13, item 2).

On import, ``jax.numpy`` (``jax/_src/numpy/array_constructors.py``, JAX 0.10) looks for a
ROCm plugin by calling ``importlib.metadata.distributions()`` and reading the metadata of
every installed distribution to compare its name with ``jax-rocm*-plugin``: 0.1-0.2 s of a
0.7 s import on a machine with ~180 packages, for an answer that the names of the metadata
folders on ``sys.path`` already give. JAX has no switch for it (``JAX_PLATFORMS`` acts
later, when a backend is made).

:func:`import_jax` imports JAX with ``importlib.metadata.distributions`` answering that
question from the folder names while JAX's package executes, and puts the function back
right after. When a folder looks like a ROCm plugin's (``jax_rocm*`` ``.dist-info`` or
``.egg-info``), or JAX is already imported, it changes nothing and JAX scans as usual. Only
the ``blocs`` command calls it, in its own process, before it imports a command's module;
the library never does.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["ROCM_PREFIX", "import_jax", "rocm_plugin_folders"]

#: How the metadata folder of a ROCm plugin of JAX starts (``jax_rocm7_plugin-0.10.2.dist-info``).
ROCM_PREFIX = "jax_rocm"


def rocm_plugin_folders(entries: Iterable[str] | None = None) -> list[str]:
    """The metadata folders of ``entries`` (default ``sys.path``) that may be a JAX ROCm
    plugin's: names starting with :data:`ROCM_PREFIX` (any case, ``-`` or ``_``) and ending in
    ``.dist-info`` or ``.egg-info``."""
    found = []
    for entry in sys.path if entries is None else entries:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, a missing folder
            continue
        for name in names:
            folded = name.lower().replace("-", "_")
            if folded.startswith(ROCM_PREFIX) and folded.endswith((".dist_info", ".egg_info")):
                found.append(os.path.join(entry, name))
    return found


def import_jax() -> Any:
    """``import jax`` (and ``jax.numpy``) without the scan above when no ROCm plugin is
    installed; the module."""
    if "jax" in sys.modules or rocm_plugin_folders():
        return importlib.import_module("jax")
    original = importlib.metadata.distributions

    def distributions(**kwargs: Any) -> Iterator[Any]:
        # the full listing: none (no ROCm plugin is installed, checked above); a query by
        # name or path: the usual answer
        if kwargs:
            yield from original(**kwargs)

    importlib.metadata.distributions = distributions
    try:
        return importlib.import_module("jax")
    finally:
        importlib.metadata.distributions = original
