"""Report of ``blocs coalition``: leverage against cost, Shapley values, participation, p*.

``write_coalition_report(res, out_dir)`` writes the figures as PNG files and a self-contained
``coalition_report.html`` (figures embedded as base64 ``data:`` URIs, inline CSS, no script and
no reference to any other file or web address), each atomically. The page opens with a summary
in words generated from the numbers: the leverage of the leader alone against the grand
coalition, the most efficient coalition, who free-rides, the stable coalitions and the
break-even probabilities p*. With an America-First variant its figures follow in a second
section.

Figures (one set per variant; file names :data:`FIGURE_FILES`, ``af_`` prefix for America
First), each a :class:`matplotlib.figure.Figure` built without pyplot:

- :func:`frontier_figure`: leverage (the target's welfare loss, %) against the members' cost
  for all ``2**k`` coalitions, the efficient frontier (:func:`efficient_frontier`) drawn as a
  step line, the leader alone, the grand coalition and the stable coalitions marked.
- :func:`shapley_figure`: each ally's Shapley value, with its marginal contribution when it
  joins the leader alone and when it joins last.
- :func:`participation_figure`: each ally's gain from joining the leader alone and from
  joining the others (staying in the grand coalition), and the share of coalitions it gains
  by joining.
- :func:`credibility_figure`: p* per ally and the leverage the leader can expect as a
  function of the probability ``p`` that it betrays a member.

Example:
    >>> from blocs.coalitions import CoalitionSpec, solve_coalitions
    >>> res = solve_coalitions(None, CoalitionSpec(allies=("JPN", "KOR")))  # doctest: +SKIP
    >>> [p.name for p in write_coalition_report(res, "out/")][-1]  # doctest: +SKIP
    'coalition_report.html'
"""

from __future__ import annotations

from blocs.report.coalition_common import FIGURE_FILES, HTML_FILE, efficient_frontier
from blocs.report.coalition_figures import (
    credibility_figure,
    frontier_figure,
    participation_figure,
    shapley_figure,
)
from blocs.report.coalition_page import (
    render_coalition_html,
    summary_sentences,
    write_coalition_report,
)

__all__ = [
    "FIGURE_FILES",
    "HTML_FILE",
    "credibility_figure",
    "efficient_frontier",
    "frontier_figure",
    "participation_figure",
    "render_coalition_html",
    "shapley_figure",
    "summary_sentences",
    "write_coalition_report",
]
