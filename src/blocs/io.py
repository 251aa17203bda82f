"""Atomic file writers: a reader of the target path sees the old file or the whole new one.

Each writer writes into a temporary file in the target's folder (same file system), flushes
it to disk and renames it over the target in one step (:func:`os.replace`). On any failure
the temporary file is removed and the target is left as it was.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "a" / "note.txt"
    >>> atomic_write_text(path, "hello\\n")
    >>> path.read_text()
    'hello\\n'
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

__all__ = ["atomic_write_bytes", "atomic_write_parquet", "atomic_write_text"]

#: Permissions of written files (``mkstemp`` creates 0600; results are ordinary files).
FILE_MODE = 0o644


def _atomic(path: Path, write: Callable[[str], object]) -> None:
    """Create ``path``'s folder, ``write(tmp)`` a temporary file beside it, fsync, rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (creating its folder)."""
    _atomic(path, lambda tmp: Path(tmp).write_bytes(data))


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (creating its folder)."""
    _atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def atomic_write_parquet(path: Path, table: pd.DataFrame) -> None:
    """Write ``table`` (without its index) to ``path`` as Parquet, atomically."""
    _atomic(path, lambda tmp: table.to_parquet(tmp, index=False))
