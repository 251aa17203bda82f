"""Gravity formulas in the fixed-effects notation of fixest / pyfixest.

``trade ~ x1 + x2 | fe1 + fe2``: the flow on the left, the policy terms, then the fixed
effects, where ``a^b`` is the interaction of columns a and b (one effect per combination).
A formula without ``~`` is shorthand for the policy terms of the default structural-gravity
specification: ``"eu + fta"`` means ``trade ~ eu + fta | exporter^year + importer^year +
exporter^importer`` (with ``^sector`` added to each effect when the panel has sectors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from blocs.errors import InputError, closest

__all__ = ["DEFAULT_EFFECTS", "Formula", "default_formula", "parse_formula"]

DEFAULT_EFFECTS = ("exporter^year", "importer^year", "exporter^importer")
SECTOR_EFFECTS = ("exporter^sector^year", "importer^sector^year", "exporter^importer^sector")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Formula:
    """A parsed formula: dependent variable, policy terms, fixed effects."""

    depvar: str
    terms: tuple[str, ...]
    effects: tuple[str, ...]

    @property
    def text(self) -> str:
        rhs = " + ".join(self.terms)
        return f"{self.depvar} ~ {rhs}" + (f" | {' + '.join(self.effects)}" if self.effects else "")

    def columns(self) -> list[str]:
        """Plain column names the formula uses (terms that are expressions are left out)."""
        cols = [self.depvar, *(t for t in self.terms if _NAME.match(t))]
        for fe in self.effects:
            cols += fe.split("^")
        return cols


def default_formula(terms: str | list[str] | tuple[str, ...], sector: bool = False) -> str:
    """The structural-gravity formula for ``terms`` (a list or 'a + b')."""
    if isinstance(terms, str):
        terms = [t.strip() for t in terms.split("+")]
    effects = SECTOR_EFFECTS if sector else DEFAULT_EFFECTS
    return f"trade ~ {' + '.join(terms)} | {' + '.join(effects)}"


def _split(text: str) -> list[str]:
    """Split on top-level '+' (not inside parentheses)."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "+" and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def parse_formula(formula: str, columns: list[str] | None = None, sector: bool = False) -> Formula:
    """Parse (and, given the panel's ``columns``, check) a formula; see the module doc."""
    text = " ".join(str(formula).split())
    if not text:
        raise InputError(
            "--formula is empty; e.g. 'trade ~ fta | exporter^year + importer^year + exporter^importer'"
        )
    if "~" not in text:
        text = default_formula(text, sector=sector)
    if text.count("~") > 1 or text.count("|") > 1:
        raise InputError(
            f"formula {formula!r}: expected 'trade ~ terms | fixed effects' with one '~' and at "
            "most one '|' (instrumental variables are not supported)"
        )
    lhs, rhs = (s.strip() for s in text.split("~"))
    terms_text, _, fe_text = rhs.partition("|")
    terms = tuple(_split(terms_text))
    effects = tuple(e.replace(" ", "") for e in _split(fe_text)) if fe_text.strip() else ()
    if not _NAME.match(lhs):
        raise InputError(
            f"formula {formula!r}: the left side must be one column (trade), not {lhs!r}"
        )
    if any(not t for t in terms) or terms in ((), ("1",), ("0",)):
        raise InputError(
            f"formula {formula!r}: name at least one policy term between '~' and '|', "
            "e.g. 'trade ~ fta | exporter^year + importer^year + exporter^importer'"
        )
    if any(not e for e in effects):
        raise InputError(f"formula {formula!r}: an empty fixed effect between '+' signs")
    parsed = Formula(depvar=lhs, terms=terms, effects=effects)
    if columns is not None:
        for col in parsed.columns():
            if col not in columns:
                raise InputError(
                    f"formula {formula!r}: the panel has no column {col!r}"
                    f"{closest(col, columns)}; its columns are {', '.join(columns)}"
                )
    return parsed
