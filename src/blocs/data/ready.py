"""Embedded economies stored ready to use: the calibrated arrays in one ``.npz`` file.

Building world2023 from its CSV tables (parsing, checks, the IMLS calibration) needs pandas
and takes a large part of a one-off run; the ``.npz`` beside the tables holds the result
(``economy.npz``: every array and label of the :class:`~blocs.economy.Economy`) with the
SHA-256 of the tables it was built from. A loader uses it only when those hashes match the
tables shipped (else it builds from the tables, as before), and
``tests/test_data_ready.py`` checks that it equals a build from the tables, array for
array. Rebuild after changing the tables or their calibration::

    python -m blocs.data.ready
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np

from blocs.data.files import data_path
from blocs.economy import Economy

__all__ = ["READY_FILE", "load_ready", "ready_economy", "source_hashes", "write_ready"]

#: The file name of a data set's ready economy (beside its tables).
READY_FILE = "economy.npz"
_DATA = "country_data:"


def source_hashes(dataset: str, files: Sequence[str]) -> str:
    """SHA-256 of the named files of ``dataset`` (bytes as shipped), one per line."""
    return "\n".join(
        f"{name} {hashlib.sha256(data_path(dataset, name).read_bytes()).hexdigest()}"
        for name in files
    )


def write_ready(economy: Economy, dataset: str, files: Sequence[str]) -> Path:
    """Store ``economy`` as ``blocs/data/<dataset>/economy.npz`` (built from ``files``)."""
    path = data_path(dataset, READY_FILE)
    arrays: dict[str, Any] = {
        name: np.asarray(getattr(economy, name)) for name in ("X", "t", "nu", "gdp")
    }
    arrays |= {f"{_DATA}{k}": np.asarray(v) for k, v in economy.country_data.items()}
    with path.open("wb") as fh:
        np.savez_compressed(
            fh,
            **arrays,
            iso3=np.asarray(economy.iso3, dtype=str),
            names=np.asarray(economy.names, dtype=str),
            labels=np.asarray([economy.source, economy.checksum, economy.dataset], dtype=str),
            sources=np.asarray(source_hashes(dataset, files)),
        )
    return path


def load_ready(dataset: str, files: Sequence[str]) -> Economy | None:
    """The ready economy of ``dataset``, or None when there is none or it was built from
    other tables than those shipped."""
    path = data_path(dataset, READY_FILE)
    if not path.is_file():
        return None
    with np.load(path) as z:
        if str(z["sources"]) != source_hashes(dataset, files):
            return None
        source, checksum, name = (str(x) for x in z["labels"])
        put = jax.device_put  # host arrays to JAX without a compiled program per array
        return Economy(
            X=put(z["X"]),
            t=put(z["t"]),
            nu=put(z["nu"]),
            gdp=put(z["gdp"]),
            iso3=tuple(str(c) for c in z["iso3"]),
            names=tuple(str(c) for c in z["names"]),
            source=source,
            checksum=checksum,
            dataset=name,
            country_data={k.removeprefix(_DATA): put(z[k]) for k in z.files if k.startswith(_DATA)},
        )


def ready_economy(dataset: str, files: Sequence[str], build: Callable[[], Economy]) -> Economy:
    """The ready economy of ``dataset`` if it matches ``files``, else ``build()``."""
    ready = load_ready(dataset, files)
    return ready if ready is not None else build()
