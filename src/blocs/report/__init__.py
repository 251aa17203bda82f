"""Reports people can read: one self-contained HTML file with figures, summary and tables.

Example:
    >>> import blocs
    >>> from blocs.report import write_report
    >>> path = write_report(blocs.run_scenario("liberation-day"), "out/")  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
    'report.html'
"""

from blocs.report.html import FIGURE_FILES, render_html, summary_sentences, write_report

__all__ = ["FIGURE_FILES", "render_html", "summary_sentences", "write_report"]
