"""SciPy's BLAS and LAPACK wrappers without the rest of ``scipy.linalg`` (issue 13, item 2).

JAX's CPU linear algebra (the LU of every Newton step) calls LAPACK through function
pointers it takes from ``scipy.linalg.cython_blas`` and ``scipy.linalg.cython_lapack``.
Importing those the usual way imports the whole ``scipy.linalg`` package first (its
decompositions, ``scipy._lib``'s array-API layer and, through it, ``numpy.f2py``): 0.3 s on
a quiet machine, up to 0.9 s on a loaded one, for a one-off ``blocs run`` that uses none of
it. :func:`load_lapack` loads the two extension modules on their own, under their own names,
so that JAX (and :mod:`blocs.solvers.threads`) find them already imported; anything that
later imports ``scipy.linalg`` gets the full package, with these same modules.

The ``blocs`` command calls it before it imports a command's module (its own process only;
the library never does). Any failure leaves things as they were: the usual import follows.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

__all__ = ["LAPACK_MODULES", "load_lapack"]

#: The modules JAX's LAPACK kernels read (in this order: LAPACK's wrappers use BLAS's).
LAPACK_MODULES = ("scipy.linalg.cython_blas", "scipy.linalg.cython_lapack")


def load_lapack() -> bool:
    """Import :data:`LAPACK_MODULES` without ``scipy.linalg``; True when they are loaded."""
    if all(name in sys.modules for name in LAPACK_MODULES):
        return True
    if "scipy.linalg" in sys.modules:  # the package is there: import them the usual way
        return False
    loaded = []
    try:
        import scipy  # the top package only (NumPy and SciPy's C utilities)

        folder = Path(str(scipy.__file__)).parent / "linalg"
        for name in LAPACK_MODULES:
            path = _extension(folder, name.rsplit(".", 1)[1])
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError(name)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            loaded.append(name)
            spec.loader.exec_module(module)
    except Exception:  # another SciPy layout: leave it to the usual import
        for name in loaded:
            sys.modules.pop(name, None)
        return False
    return True


def _extension(folder: Path, stem: str) -> Path:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            return path
    raise ImportError(f"{stem} not found in {folder}")
