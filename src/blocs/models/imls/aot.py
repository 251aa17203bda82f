"""Ahead-of-time exported programs: a solve with no tracing or lowering (issue 13, item 2).

A JAX function called through :func:`call` is exported once (``jax.export``: traced and
lowered to StableHLO for the shapes and options of the call), serialised into a folder and,
in later processes, deserialised and run: a warm ``blocs run`` compiles nothing of its own
(XLA's compiled program comes from the persistent compilation cache) and traces nothing
but a one-operation wrapper.

Off unless a process turns it on with :func:`use_exported_programs` (the ``blocs`` command
does, into ``<cache folder>/exported``): the library's solves stay ordinary ``jit`` calls,
and a call with a traced argument (inside ``jit``, ``grad`` or ``vmap``) never takes this
path, so gradients and batches are unchanged. An entry is named by the function, the
shapes and dtypes of its arguments, its static options, the JAX and jaxlib versions, the
backend and a fingerprint of the source of :mod:`blocs.models` and :mod:`blocs.solvers`:
changed code or another JAX never runs an old program. A file that cannot be read is
exported again; a function that cannot be exported runs as an ordinary ``jit`` call.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Hashable
from importlib import resources
from pathlib import Path
from typing import Any

import jax
import jaxlib
import numpy as np
from jax import export as jax_export

__all__ = ["call", "exported_programs_folder", "forget_loaded", "use_exported_programs"]

_state: dict[str, Any] = {"folder": None, "fingerprint": None}
_loaded: dict[str, Any] = {}
_lock = threading.Lock()
#: Packages whose source names the programs (a change there exports them again).
SOURCE_PACKAGES = ("blocs.models", "blocs.solvers")


def use_exported_programs(folder: str | Path | None) -> None:
    """Run :func:`call`'s functions from exported programs kept in ``folder`` (created on
    first use); ``None`` turns it off (the default)."""
    _state["folder"] = None if folder is None else Path(folder)
    forget_loaded()


def forget_loaded() -> None:
    """Drop the programs this process holds in memory (the files stay)."""
    _loaded.clear()


def exported_programs_folder() -> Path | None:
    """The folder of exported programs, or None when they are off."""
    folder: Path | None = _state["folder"]
    return folder


def call(name: str, fn: Callable[..., Any], args: Any, static: Hashable) -> Any | None:
    """``fn(*args)`` from an exported program, or None when programs are off, an argument
    is traced or ``fn`` cannot be exported (the caller then calls ``fn`` itself).

    Args:
        name: the function's name in the file names.
        fn: a JAX function of ``args`` (a tuple of PyTrees of arrays; None leaves allowed)
            returning arrays in dicts, lists and tuples; everything else it depends on
            must be in ``static``.
        args: the arguments (concrete arrays).
        static: the options ``fn`` closes over (hashable, with a stable ``repr``).
    """
    folder = exported_programs_folder()
    leaves, treedef = jax.tree_util.tree_flatten(args)
    if folder is None or any(isinstance(x, jax.core.Tracer) for x in leaves):
        return None
    shapes = [jax.ShapeDtypeStruct(np.shape(x), _dtype(x)) for x in leaves]
    key = _key(name, treedef, shapes, static)
    exported = _loaded.get(key)
    if exported is None:
        exported = _load(folder / f"{key}.jaxexport")
    if exported is None:

        def flat(*xs: Any) -> Any:
            return fn(*jax.tree_util.tree_unflatten(treedef, xs))

        try:
            exported = jax_export.export(jax.jit(flat))(*shapes)
        except Exception:  # not exportable: the caller runs fn itself (and meets any error)
            return None
        try:
            data = exported.serialize()
        except ImportError:  # no flatbuffers: the program serves this process only
            data = None
        if data is not None:
            _save(folder, f"{key}.jaxexport", data)
    _loaded[key] = exported
    return exported.call(*leaves)


def _key(name: str, treedef: Any, shapes: list[Any], static: Hashable) -> str:
    h = hashlib.sha256()
    for part in (
        name,
        str(treedef),
        ";".join(f"{s.dtype}{s.shape}" for s in shapes),
        repr(static),
        jax.__version__,
        jaxlib.__version__,
        jax.default_backend(),
        str(jax.config.read("jax_enable_x64")),
        _fingerprint(),
    ):
        h.update(part.encode())
        h.update(b"\0")
    return f"{name}-{h.hexdigest()[:32]}"


def _fingerprint() -> str:
    """SHA-256 of the source of :data:`SOURCE_PACKAGES` (computed once per process)."""
    with _lock:
        if _state["fingerprint"] is None:
            h = hashlib.sha256()
            for package in SOURCE_PACKAGES:
                root = Path(str(resources.files(package)))
                for path in sorted(root.rglob("*.py")):
                    h.update(str(path.relative_to(root)).encode())
                    h.update(path.read_bytes())
            _state["fingerprint"] = h.hexdigest()
        return str(_state["fingerprint"])


def _load(path: Path) -> Any | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        return jax_export.deserialize(bytearray(data))
    except Exception:  # a damaged or foreign file: export again
        return None


def _save(folder: Path, name: str, data: bytes | bytearray) -> None:
    """Write ``folder/name`` in one step (a reader sees the old file or the new one);
    nothing when the folder cannot be written (the program is still used in memory)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".jaxexport")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass


def _dtype(x: Any) -> Any:
    return x.dtype if hasattr(x, "dtype") else np.result_type(x)
