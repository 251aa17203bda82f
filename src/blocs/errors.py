"""Every error blocs raises on purpose.

Each message names the culprit (file, row, key, country code), says what is wrong and how
to fix it. The CLI maps them to exit codes: :class:`InputError` and its subclasses to 2,
:class:`ConvergenceError` to 3.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping

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


def closest(word: str, choices: Iterable[str], names: Mapping[str, str] | None = None) -> str:
    """A " (did you mean 'X'?)" suffix naming the closest of ``choices``, or ''.

    Similarity is difflib's ratio, with a bonus for a shared prefix (codes are mistyped at
    the end more often than at the start) and, when ``names`` maps codes to country names,
    for resemblance to the name ('CHA' -> 'CHN' China, not 'CHE' Switzerland).
    """
    target = str(word).upper()
    best, best_score = "", 0.0
    for choice in choices:
        c = str(choice).upper()
        score = difflib.SequenceMatcher(None, target, c).ratio()
        if score < 0.5:
            continue
        prefix = len(os.path.commonprefix([target, c]))
        score += 0.1 * min(prefix, 3)
        if len(target) >= 2 and c.startswith(target):
            score += 0.4  # the word typed is the start of the choice: EU -> EU27, not Ecuador
        if names and choice in names:
            score += 0.5 * difflib.SequenceMatcher(None, target, names[choice].upper()).ratio()
        if score > best_score:
            best, best_score = str(choice), score
    return f" (did you mean '{best}'?)" if best else ""
