"""XLA's CPU compiler setting for the ``blocs`` command's own process (issue 13, item 2).

XLA's CPU backend compiles loops with its newer "fusion emitters" by default. For blocs'
programs (a Newton solve of a few hundred unknowns, tariff games, batches of solves) the
older emitters compile in about 60 % of the time, and the compiled programs run as fast and
give the same numbers (``docs/performance.md``, "Cold start";
``tests/cli/test_xla_flags.py`` solves with both and compares). An empty compile cache
is mostly compilation, so the command asks for the older emitters:

    XLA_FLAGS="--xla_cpu_use_fusion_emitters=false"

only where that is safe:

- XLA aborts the process on a flag it does not know, so the flag is added only for the
  jaxlib versions it was measured with (:data:`TESTED_JAXLIB`);
- a user's own choice wins: when ``XLA_FLAGS`` already names the flag it is left alone
  (``XLA_FLAGS=--xla_cpu_use_fusion_emitters=true blocs ...`` keeps the newer emitters);
- XLA reads its flags once, when JAX creates its CPU backend, so this runs before any
  command's module is imported; the library (``import blocs``) never touches ``XLA_FLAGS``.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import MutableMapping

__all__ = ["FLAG", "TESTED_JAXLIB", "fast_compile_flags"]

#: The flag's name; the command sets it to ``false``.
FLAG = "--xla_cpu_use_fusion_emitters"

#: jaxlib release series (``major.minor``) in which the flag exists and was measured.
TESTED_JAXLIB = ("0.10",)


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


def fast_compile_flags(
    environ: MutableMapping[str, str] | None = None, jaxlib_version: str | None = None
) -> bool:
    """Add ``--xla_cpu_use_fusion_emitters=false`` to ``XLA_FLAGS`` of ``environ`` (default
    ``os.environ``) unless the flag is already there or the installed jaxlib is not one of
    :data:`TESTED_JAXLIB`; whether it was added."""
    env = os.environ if environ is None else environ
    current = env.get("XLA_FLAGS", "")
    if FLAG in current:
        return False
    if jaxlib_version is None:
        try:
            jaxlib_version = importlib.metadata.version("jaxlib")
        except importlib.metadata.PackageNotFoundError:
            return False
    if _series(jaxlib_version) not in TESTED_JAXLIB:
        return False
    env["XLA_FLAGS"] = f"{current} {FLAG}=false".strip()
    return True
