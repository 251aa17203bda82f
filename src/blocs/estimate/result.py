"""Writing an estimate: ``estimate.json`` and the coefficient CSV.

The record (:class:`GravityEstimate`) and its reader live in :mod:`blocs.scenario.estimates`
(scenarios read estimates; this layer writes them) and are re-exported here. The JSON schema
(``"schema": "blocs.estimate/1"``) is documented in docs/estimation.md. Files are written
atomically (a temporary file in the same folder, then a rename), so a reader never sees half
a file and a failed run leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from blocs.errors import InputError
from blocs.scenario.estimates import (
    ESTIMATE_FILE,
    SCHEMA,
    GravityEstimate,
    read_estimate,
    sha256_file,
)

__all__ = [
    "COEFFICIENTS_FILE",
    "ESTIMATE_FILE",
    "SCHEMA",
    "GravityEstimate",
    "read_estimate",
    "sha256_file",
    "write_estimate",
]

COEFFICIENTS_FILE = "coefficients.csv"


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_estimate(est: GravityEstimate, folder: str | Path) -> list[Path]:
    """Write ``estimate.json`` and ``coefficients.csv`` into ``folder`` (created if needed)."""
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output folder ({exc})") from None
    json_bytes = est.to_json().encode("utf-8")
    csv_bytes = est.table().to_csv(index=False).encode("utf-8")
    paths = [out / ESTIMATE_FILE, out / COEFFICIENTS_FILE]
    _atomic_write(paths[1], csv_bytes)
    _atomic_write(paths[0], json_bytes)
    return paths
