"""Reports people can read: one self-contained HTML file with figures, summary and tables.

Example:
    >>> import blocs
    >>> from blocs.report import write_report
    >>> path = write_report(blocs.run_scenario("liberation-day"), "out/")  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
    'report.html'

Names are imported on first use (PEP 562, as in :mod:`blocs`): importing a sub-module such
as :mod:`blocs.report.coalition`, or the package itself, does not load matplotlib until a
report is drawn (issue 13: ``blocs run`` without ``--report`` never imports it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> the module that defines it.
_PUBLIC = {
    "FIGURE_FILES": "blocs.report.html",
    "render_html": "blocs.report.html",
    "summary_sentences": "blocs.report.html",
    "write_report": "blocs.report.html",
}


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from blocs.report.html import FIGURE_FILES, render_html, summary_sentences, write_report

__all__ = ["FIGURE_FILES", "render_html", "summary_sentences", "write_report"]
