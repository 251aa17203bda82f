"""Every error blocs raises on purpose.

Each message names the culprit (file, row, key, country code), says what is wrong and how
to fix it. The CLI maps them to exit codes: :class:`InputError` and its subclasses to 2,
:class:`ConvergenceError` to 3.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "BlocsError",
    "ConvergenceError",
    "DataError",
    "InputError",
    "ScenarioError",
    "closest",
]


class BlocsError(Exception):
    """Base class of every error blocs raises on purpose."""


class InputError(BlocsError, ValueError):
    """Bad input from the user: data, scenario, option. CLI exit code 2."""


class DataError(InputError):
    """A data file or table is missing, malformed or inconsistent."""


class ScenarioError(InputError):
    """A scenario file or object is malformed."""


class ConvergenceError(BlocsError, RuntimeError):
    """An equilibrium or optimisation did not converge. CLI exit code 3."""

    def __init__(self, message: str, result: object | None = None) -> None:
        super().__init__(message)
        self.result = result


def closest(word: str, choices: Iterable[str]) -> str:
    """A " (did you mean 'X'?)" suffix naming the closest of ``choices``, or ''."""
    match = difflib.get_close_matches(str(word).upper(), [c.upper() for c in choices], n=1,
                                      cutoff=0.5)
    if not match:
        return ""
    lookup = {c.upper(): c for c in choices}
    return f" (did you mean '{lookup[match[0]]}'?)"
