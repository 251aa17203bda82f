"""The tables of the coalition report page (HTML): the efficient frontier, the allies and
the expected leverage (see :mod:`blocs.report.coalition`).
"""

from __future__ import annotations

import numpy as np

from blocs.coalitions import CoalitionResults
from blocs.report.coalition_common import (
    MAX_FRONTIER_ROWS,
    alone_label,
    coalition_sizes,
    cost_axis,
    efficient_frontier,
)
from blocs.report.coalition_figures import joining_pays_share
from blocs.report.page import escape, html_table, num_td

__all__ = ["ally_table", "credibility_table", "frontier_table"]


def frontier_table(res: CoalitionResults) -> str:
    x, _, unit = cost_axis(res)
    on = np.flatnonzero(efficient_frontier(x, res.leverage_pct))
    on = on[np.argsort(x[on], kind="stable")]
    header = [
        ("Coalition", "", False),
        ("Allies", "", True),
        ("Leverage", f"{res.players.target}'s loss, %", True),
        ("Members' cost", unit, True),
        ("Efficiency", "$ loss per $ cost", True),
        ("Stable", "", False),
    ]
    rows = [
        [
            f"<td>{escape(alone_label(res, m))}</td>",
            f'<td class="num">{coalition_sizes(np.array([m]))[0]}</td>',
            num_td(res.leverage_pct[m], signed=False),
            num_td(x[m], signed=True),
            num_td(res.efficiency[m], signed=False),
            f"<td>{'yes' if res.stable[m] else ''}</td>",
        ]
        for m in on[:MAX_FRONTIER_ROWS]
    ]
    more = (
        f"<p class='notes'>… and {on.size - MAX_FRONTIER_ROWS} more on the frontier.</p>"
        if on.size > MAX_FRONTIER_ROWS
        else ""
    )
    return html_table(header, rows, row_classes=None) + more


def ally_table(res: CoalitionResults) -> str:
    pl, g, c = res.players, res.grand, res.credibility
    share = joining_pays_share(res)
    header = [
        ("Ally", "", False),
        ("Welfare in grand", "%", True),
        ("Shapley", "pp", True),
        ("Marginal first", "pp", True),
        ("Marginal last", "pp", True),
        ("Join alone", "pp", True),
        ("Stay in grand", "pp", True),
        ("Joining pays", "% of coalitions", True),
    ]
    if c is not None:
        header += [("p* alone", "", True), ("p* grand", "", True)]
    rows = []
    for j, a in enumerate(pl.allies):
        bit = 1 << j
        cells = [
            f"<td>{escape(a)}</td>",
            num_td(res.ally_pct[g, j], color=True),
            num_td(res.shapley[j], signed=False, digits=3),
            num_td(res.marginal[0, j], signed=False, digits=3),
            num_td(res.marginal[g ^ bit, j], signed=False, digits=3),
            num_td(res.join_gain[0, j], color=True),
            num_td(res.join_gain[g ^ bit, j], color=True),
            num_td(100 * share[j], signed=False, digits=0),
        ]
        if c is not None:
            cells += [
                num_td(c.p_star_alone[j], signed=False),
                num_td(c.p_star_grand[j], signed=False),
            ]
        rows.append(cells)
    return html_table(header, rows, row_classes=None)


def credibility_table(res: CoalitionResults) -> str:
    c = res.credibility
    if c is None:
        return ""
    header = [
        ("p", "", True),
        ("Willing allies", "p < p* (grand)", False),
        ("Leverage of the willing", "%", True),
        ("Expected leverage", "%", True),
    ]
    rows = [
        [
            num_td(p, signed=False, digits=1),
            f"<td>{escape(', '.join(a for a, w in zip(res.players.allies, row, strict=True) if w) or 'none')}</td>",
            num_td(lw, signed=False),
            num_td(ex, signed=False),
        ]
        for p, row, lw, ex in zip(
            c.p_grid, c.willing, c.leverage_willing, c.expected_leverage, strict=True
        )
    ]
    return html_table(header, rows, row_classes=None)
