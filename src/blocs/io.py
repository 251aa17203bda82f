"""Atomic writers: a reader of the target path sees the old file or folder or the whole new
one, never a mixture.

Each file writer writes into a temporary file in the target's folder (same file system),
flushes it to disk and renames it over the target in one step (:func:`os.replace`). On any
failure the temporary file is removed and the target is left as it was.

:func:`write_folder` does the same for a whole output folder (a run with its variants, a
coalition's tables): everything is written into a temporary folder beside the target, a
completeness marker (:data:`MARKER`) last, and the folder is then swapped into place in one
step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, between which the target
is briefly absent). Two writers into one folder never mix their files (the last swap wins);
a writer killed at any point leaves the old folder or the new one (and at worst a hidden
``.NAME.*.tmp`` folder beside it). A folder is replaced only when it is new, empty or was
itself written by :func:`write_folder` (it holds :data:`MARKER`): other files of the user
are never deleted (:func:`check_folder`).

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "a" / "note.txt"
    >>> atomic_write_text(path, "hello\\n")
    >>> path.read_text()
    'hello\\n'
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TypeAlias

from blocs.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MARKER",
    "FileContent",
    "atomic_write_bytes",
    "atomic_write_parquet",
    "atomic_write_text",
    "check_dir",
    "check_folder",
    "check_writable_file",
    "is_complete",
    "write_folder",
]

#: The completeness marker of a folder written by :func:`write_folder` (written last; JSON:
#: the files written, in order).
MARKER = ".blocs-complete.json"

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


#: What :func:`write_folder` writes into one file: text (UTF-8), bytes, a table (Parquet),
#: or a function writing the file at the path it is given.
FileContent: TypeAlias = "str | bytes | pd.DataFrame | Callable[[Path], object]"


def check_dir(path: str | Path) -> Path:
    """Check that files can be written into the folder ``path`` (made if missing): it is
    not a file nor a dangling link, and the nearest existing folder is writable.

    Raises:
        InputError: naming the path and what is wrong.
    """
    out = Path(path)
    if out.is_symlink() and not out.exists():
        raise InputError(f"{out}: a link to nothing; choose another output folder")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another output folder")
    base = out.absolute()
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise InputError(f"{out}: {base} is not a folder; choose another output folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise InputError(f"{out}: cannot write into {base} (no permission)")
    return out


def check_folder(path: str | Path) -> Path:
    """Check that :func:`write_folder` may replace ``path`` (call it before solving): see
    :func:`check_dir`, and ``path`` is new, empty or written by :func:`write_folder`.

    Raises:
        InputError: see :func:`check_dir`; or ``path`` holds files that :func:`write_folder`
            did not write (they would be deleted).
    """
    out = check_dir(path)
    if out.is_dir():
        parent = out.resolve().parent
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(f"{out}: cannot replace it, {parent} is not writable")
    if out.is_dir() and not (out / MARKER).is_file():
        try:
            others = sorted(p.name for p in out.iterdir())
        except OSError as exc:
            raise InputError(f"{out}: cannot read the folder ({exc.strerror})") from None
        if others:
            raise InputError(
                f"{out}: the folder holds files blocs did not write ({', '.join(others[:3])}"
                f"{' ...' if len(others) > 3 else ''}); outputs replace the whole folder, so "
                "choose a new or empty folder"
            )
    return out


def check_writable_file(path: str | Path) -> Path:
    """Check that a file may be written at ``path``: not a folder, not a dangling link.

    Raises:
        InputError: it is a folder or a link to nothing.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder; give a file name")
    if p.is_symlink() and not p.exists():
        raise InputError(f"{p}: a link to nothing; choose another file")
    return p


def is_complete(path: str | Path) -> bool:
    """Whether ``path`` is a folder written completely by :func:`write_folder`."""
    return (Path(path) / MARKER).is_file()


def _relative(name: str) -> PurePosixPath:
    rel = PurePosixPath(name)
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
        raise ValueError(f"write_folder: {name!r} is not a plain relative path")
    if rel.name == MARKER:
        raise ValueError(f"write_folder: {MARKER} is written by write_folder itself")
    return rel


def _write_one(path: Path, content: FileContent) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif callable(content):
        content(path)
    else:  # a pandas table (pandas is imported only by whoever made it)
        content.to_parquet(path, index=False)
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())
    os.chmod(path, FILE_MODE)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where it is not available."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    if err == errno.ENOENT:  # the target vanished (another writer is between two renames)
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(tmp: Path, out: Path) -> Path | None:
    """Move ``tmp`` to ``out``; returns where the old folder went (to delete), if any."""
    for _ in range(1000):
        try:
            os.rename(tmp, out)  # out absent or an empty folder: one step
            return None
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        if _exchange(tmp, out):
            return tmp  # tmp now holds the old folder
        old = out.with_name(f".{out.name}.{os.getpid()}.{time.monotonic_ns()}.old")
        try:
            os.rename(out, old)
        except FileNotFoundError:
            continue  # another writer moved it away: try again
        try:
            os.rename(tmp, out)
        except OSError:
            continue  # another writer got there first: try again
        return old
    raise OSError(errno.EBUSY, "could not move the folder into place", str(out))


def write_folder(path: str | Path, files: Mapping[str, FileContent]) -> list[Path]:
    """Write ``files`` (relative path -> content) as the folder ``path``, replacing it whole.

    See the module docstring: a temporary folder beside ``path``, :data:`MARKER` written
    last, one swap. Returns the paths written (in the order given).

    Raises:
        InputError: see :func:`check_folder` (nothing is written).
        ValueError: a name that is absolute or holds ``..``.

    Example:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()) / "run"
        >>> [p.name for p in write_folder(out, {"a.csv": "x\\n1\\n", "sub/b.txt": "hi"})]
        ['a.csv', 'b.txt']
        >>> is_complete(out), sorted(p.name for p in out.iterdir())
        (True, ['.blocs-complete.json', 'a.csv', 'sub'])
    """
    out = check_folder(path)
    if out.is_symlink():
        out = out.resolve()  # replace the folder linked to, keep the link
    rels = [_relative(name) for name in files]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    except OSError as exc:
        raise InputError(f"{out}: cannot write here ({exc.strerror})") from None
    old: Path | None = None
    try:
        for rel, content in zip(rels, files.values(), strict=True):
            _write_one(tmp.joinpath(rel), content)
        marker = {"files": [str(r) for r in rels]}
        _write_one(tmp / MARKER, json.dumps(marker, indent=1) + "\n")
        os.chmod(tmp, 0o755)
        check_folder(out)  # again: the user may have put files there meanwhile
        old = _swap_in(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(f"{out}: cannot write it ({exc.strerror}); nothing was written") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [out.joinpath(rel) for rel in rels]
