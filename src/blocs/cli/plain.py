"""Tables and lines as rich prints them to a file or a pipe, without importing rich (issue 13,
item 2).

Importing rich and measuring its table takes about 0.1 s of a one-off ``blocs run``. When
stdout is not a terminal, rich prints no colours or styles and the command line gives it an
unlimited width (:data:`blocs.cli.common.FULL_WIDTH`), so what it writes is plain text: a
table in rich's default box (heavy head) and lines as they are. This module writes the same
characters itself in the cases where that is simple to get exactly right (every cell plain
ASCII text or the dash ``–`` of a missing number), and says so (:func:`table_lines` returns None otherwise, and the
caller uses rich). ``tests/cli/test_plain.py`` compares both on many tables and lines.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Literal

__all__ = ["MAX_WIDTH", "Justify", "plain_line", "plain_stream", "table_lines"]

Justify = Literal["left", "center", "right"]

#: The width rich is given when the stream is not a terminal (``blocs.cli.common.FULL_WIDTH``).
MAX_WIDTH = 100_000


def plain_stream(stream: Any, environ: Mapping[str, str] | None = None) -> bool:
    """Whether rich, given ``stream`` at an unlimited width, would write plain text: the
    stream is not a terminal and rich does not treat it as one (``TTY_COMPATIBLE``,
    ``FORCE_COLOR``), not in Jupyter, UTF-8 (else rich draws ASCII boxes)."""
    env = os.environ if environ is None else environ
    try:
        if stream.isatty():
            return False
    except (AttributeError, ValueError):
        pass
    if env.get("TTY_COMPATIBLE", "") == "1":
        return False
    if env.get("TTY_COMPATIBLE", "") != "0" and env.get("FORCE_COLOR") not in (None, ""):
        return False
    if "get_ipython" in dir(sys.modules.get("builtins")) or "ipykernel" in sys.modules:
        return False
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower()
    return encoding.startswith("utf")


def plain_line(value: str) -> bool:
    """Whether rich prints the (cleaned) text ``value`` as it is: no tab (rich expands
    them) and too short to wrap at :data:`MAX_WIDTH` (a wide character is two cells)."""
    return "\t" not in value and 2 * len(value) < MAX_WIDTH


def _simple(value: str) -> bool:
    # printable ASCII (or the dash of a missing number) without leading or trailing spaces
    # (rich strips some of those)
    plain = value.replace("–", "-")
    return plain.isascii() and plain.isprintable() and value == value.strip()


def table_lines(
    columns: Sequence[tuple[str, Justify]], rows: Sequence[Sequence[str]]
) -> list[str] | None:
    """The lines rich's default ``Table`` (heavy head box, one space of padding each side,
    header shown) prints for these column heads and justifications and these rows of
    literal text at an unlimited width; None when rich must draw it (a cell not printable
    ASCII or with leading or trailing spaces, no rows, a row of another length)."""
    if not rows or any(len(row) != len(columns) for row in rows):
        return None
    heads = [head for head, _ in columns]
    if not all(_simple(cell) for row in (heads, *rows) for cell in row):
        return None
    widths = [max(len(row[k]) for row in (heads, *rows)) for k in range(len(columns))]
    if sum(w + 3 for w in widths) + 1 > MAX_WIDTH:
        return None

    def cells(row: Sequence[str], bar: str) -> str:
        parts = []
        for cell, (_, justify), width in zip(row, columns, widths, strict=True):
            if justify == "right":
                parts.append(cell.rjust(width))
            elif justify == "center":  # the odd space on the right, as rich
                left = (width - len(cell)) // 2
                parts.append(" " * left + cell.ljust(width - left))
            else:
                parts.append(cell.ljust(width))
        return bar + bar.join(f" {p} " for p in parts) + bar

    def rule(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * (w + 2) for w in widths) + right

    return [
        rule("┏", "━", "┳", "┓"),
        cells(heads, "┃"),
        rule("┡", "━", "╇", "┩"),
        *(cells(row, "│") for row in rows),
        rule("└", "─", "┴", "┘"),
    ]
