"""Shared pieces of the coalition report: file names, the efficient frontier, and the small
helpers that name coalitions and format numbers for figures and the page.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from blocs.coalitions import CoalitionResults
from blocs.report import figures as F
from blocs.report.page import list_and

__all__ = [
    "FIGURE_FILES",
    "HTML_FILE",
    "MAX_FRONTIER_ROWS",
    "MAX_NAMED",
    "STAR",
    "alone_label",
    "coalition_sizes",
    "cost_axis",
    "effect_words",
    "efficient_frontier",
    "figure_title",
    "finish_axes",
    "fmt",
    "name_list",
    "punishment_words",
    "short_name",
]

#: Figures of one variant, in page order (the America-First variant's get an ``af_`` prefix);
#: ``coalition_credibility.png`` only when p* was computed.
FIGURE_FILES = (
    "coalition_frontier.png",
    "coalition_shapley.png",
    "coalition_participation.png",
    "coalition_credibility.png",
)
#: The report page.
HTML_FILE = "coalition_report.html"
#: Coalitions named in a figure or a sentence before "and N more".
MAX_NAMED = 6
#: Rows of the frontier table.
MAX_FRONTIER_ROWS = 25
#: Colour of the marks of stable coalitions.
STAR = "#e8a317"

# ----------------------------------------------------------------------------------------
# The efficient frontier


def efficient_frontier(cost: Any, leverage: Any) -> np.ndarray:
    """Which points are not dominated: less cost and more leverage are better.

    Point ``p`` is dominated if another point ``q`` has ``cost[q] <= cost[p]`` and
    ``leverage[q] >= leverage[p]`` with at least one inequality strict; the frontier is the
    set of points no other point dominates. Identical points do not dominate each other (both
    are on the frontier or neither is). Points with a NaN or infinite coordinate are never on
    the frontier and dominate nothing. ``O(n log n)``: sorted by cost, a point is on the
    frontier iff it has the highest leverage among the points of its cost and more leverage
    than every strictly cheaper point.

    Args:
        cost, leverage: the same shape (any; flattened), e.g. ``res.cost_bn`` and
            ``res.leverage_pct``.

    Returns:
        bool array of the inputs' shape.

    Example:
        >>> efficient_frontier([1.0, 2.0, 2.0, 3.0, float("nan")], [1.0, 3.0, 2.0, 2.5, 9.0])
        array([ True,  True, False, False, False])
    """
    c = np.asarray(cost, dtype=float)
    lev = np.asarray(leverage, dtype=float)
    if c.shape != lev.shape:
        raise ValueError(f"cost {c.shape} and leverage {lev.shape} must have the same shape")
    flat_c, flat_l = c.ravel(), lev.ravel()
    out = np.zeros(flat_c.shape, dtype=bool)
    idx = np.flatnonzero(np.isfinite(flat_c) & np.isfinite(flat_l))
    if idx.size == 0:
        return out.reshape(c.shape)
    order = np.lexsort((-flat_l[idx], flat_c[idx]))  # cost ascending, leverage descending
    cs, ls = flat_c[idx][order], flat_l[idx][order]
    costs, first = np.unique(cs, return_index=True)
    best_at = ls[first]  # the highest leverage of each cost
    cheaper_best = np.concatenate(([-np.inf], np.maximum.accumulate(best_at)[:-1]))
    group = np.searchsorted(costs, cs)
    on = (ls == best_at[group]) & (ls > cheaper_best[group])
    out[idx[order[on]]] = True
    return out.reshape(c.shape)


# ----------------------------------------------------------------------------------------
# Small helpers


def coalition_sizes(masks: np.ndarray) -> np.ndarray:
    return np.array([bin(int(m)).count("1") for m in masks], dtype=int)


def cost_axis(res: CoalitionResults) -> tuple[np.ndarray, str, str]:
    """The cost plotted: $bn when the data's units are known, else % (and the unit)."""
    bn = np.asarray(res.cost_bn, dtype=float)
    if np.isfinite(bn).any():
        return bn, "Members' total welfare loss, $bn (negative: they gain)", "$bn"
    return (
        np.asarray(res.cost_pct, dtype=float),
        "Members' welfare loss, % of their expenditure (weighted; negative: they gain)",
        "%",
    )


def short_name(res: CoalitionResults, mask: int | np.integer, *, limit: int = 32) -> str:
    """``USA alone``, ``grand coalition``, ``USA+JPN+KOR``; long labels shortened."""
    m = int(mask)
    if m == 0:
        return f"{res.players.leader} alone"
    if m == res.grand:
        return "grand coalition"
    label = res.label(m)
    if len(label) <= limit:
        return label
    missing = [a for j, a in enumerate(res.players.allies) if not m >> j & 1]
    return f"{res.players.leader} + all but {'+'.join(missing)}"


def alone_label(res: CoalitionResults, mask: int | np.integer) -> str:
    """``USA+JPN+KOR``; ``USA alone`` for the empty coalition."""
    return res.label(mask) if int(mask) else f"{res.players.leader} alone"


def name_list(res: CoalitionResults, masks: Any, limit: int = MAX_NAMED) -> str:
    masks = [int(m) for m in masks]
    shown = [alone_label(res, m) for m in masks[:limit]]
    if len(masks) > limit:
        shown.append(f"{len(masks) - limit} more")
    return list_and(shown)


def figure_title(res: CoalitionResults, what: str) -> str:
    af = " (America First)" if res.variant == "america_first" else ""
    return f"{res.spec.name}{af}: {what}"


def finish_axes(ax: Any, fig: Figure, title: str) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.suptitle(title, fontsize=11.5, x=0.01, ha="left")


def fmt(v: float, digits: int = 2, *, signed: bool = False) -> str:
    return F.fmt_pct(v, signed=signed, digits=digits)


def effect_words(v: float, whose: str) -> str:
    """``lowers CHN's welfare by 0.60 %`` for leverage ``v`` (``raises`` when negative)."""
    if not np.isfinite(v):
        return f"has an unknown effect on {whose} (the equilibrium did not converge)"
    return f"{'lowers' if v >= 0 else 'raises'} {whose} by {fmt(abs(v))} %"


def punishment_words(res: CoalitionResults, *, own: bool = False) -> str:
    """``USA's April-2025 tariffs`` (``its ...`` when ``own``) or ``a 25 % tariff``."""
    c = res.credibility
    if c is None:
        return ""
    if c.punishment == "us_tariffs_2025":
        return f"{'its' if own else res.players.leader + chr(39) + 's'} April-2025 tariffs"
    return f"a {100 * float(c.punishment):g} % tariff"
