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

import datetime as _dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from blocs.coalitions import STABILITY_TOL, CoalitionResults
from blocs.errors import InputError
from blocs.report import figures as F
from blocs.report.html import (
    _CSS,
    CSP,
    DPI,
    _e,
    _img,
    _list_and,
    _num_td,
    _table,
    write_figures_and_page,
)

__all__ = [
    "FIGURE_FILES",
    "credibility_figure",
    "efficient_frontier",
    "frontier_figure",
    "participation_figure",
    "render_coalition_html",
    "shapley_figure",
    "summary_sentences",
    "write_coalition_report",
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

_STAR = "#e8a317"
_EXTRA_CSS = ".wide { overflow-x: auto; }\n"


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


def _size(masks: np.ndarray) -> np.ndarray:
    return np.array([bin(int(m)).count("1") for m in masks], dtype=int)


def _cost_axis(res: CoalitionResults) -> tuple[np.ndarray, str, str]:
    """The cost plotted: $bn when the data's units are known, else % (and the unit)."""
    bn = np.asarray(res.cost_bn, dtype=float)
    if np.isfinite(bn).any():
        return bn, "Members' total welfare loss, $bn (negative: they gain)", "$bn"
    return (
        np.asarray(res.cost_pct, dtype=float),
        "Members' welfare loss, % of their expenditure (weighted; negative: they gain)",
        "%",
    )


def _name(res: CoalitionResults, mask: int | np.integer, *, limit: int = 32) -> str:
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


def _label(res: CoalitionResults, mask: int | np.integer) -> str:
    """``USA+JPN+KOR``; ``USA alone`` for the empty coalition."""
    return res.label(mask) if int(mask) else f"{res.players.leader} alone"


def _names(res: CoalitionResults, masks: Any, limit: int = MAX_NAMED) -> str:
    masks = [int(m) for m in masks]
    shown = [_label(res, m) for m in masks[:limit]]
    if len(masks) > limit:
        shown.append(f"{len(masks) - limit} more")
    return _list_and(shown)


def _title(res: CoalitionResults, what: str) -> str:
    af = " (America First)" if res.variant == "america_first" else ""
    return f"{res.spec.name}{af}: {what}"


def _finish(ax: Any, fig: Figure, title: str) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.suptitle(title, fontsize=11.5, x=0.01, ha="left")


def _num(v: float, digits: int = 2, *, signed: bool = False) -> str:
    return F.fmt_pct(v, signed=signed, digits=digits)


def _effect(v: float, whose: str) -> str:
    """``lowers CHN's welfare by 0.60 %`` for leverage ``v`` (``raises`` when negative)."""
    if not np.isfinite(v):
        return f"has an unknown effect on {whose} (the equilibrium did not converge)"
    return f"{'lowers' if v >= 0 else 'raises'} {whose} by {_num(abs(v))} %"


def _punishment(res: CoalitionResults, *, own: bool = False) -> str:
    """``USA's April-2025 tariffs`` (``its ...`` when ``own``) or ``a 25 % tariff``."""
    c = res.credibility
    if c is None:
        return ""
    if c.punishment == "us_tariffs_2025":
        return f"{'its' if own else res.players.leader + chr(39) + 's'} April-2025 tariffs"
    return f"a {100 * float(c.punishment):g} % tariff"


# ----------------------------------------------------------------------------------------
# Figures


def frontier_figure(res: CoalitionResults) -> Figure:
    """Leverage against the members' cost for every coalition, the efficient frontier marked.

    x: the members' total welfare loss in $bn (in % of their expenditure when the data's
    units are unknown); y: the target's welfare loss in %. Points are coloured by the number
    of allies; the frontier (:func:`efficient_frontier` on the plotted axes) is a step line
    through ringed points; the leader alone, the grand coalition and the stable coalitions
    are labelled; a dashed line marks the leverage target (``leverage_multiple`` times the
    leader-alone leverage).
    """
    x, xlabel, _ = _cost_axis(res)
    y = np.asarray(res.leverage_pct, dtype=float)
    k, g = res.players.k, res.grand
    size = _size(res.masks)
    front = efficient_frontier(x, y)
    fig = Figure(figsize=(8.4, 5.6), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    cmap = mpl.colormaps["viridis"].resampled(k + 1)
    pts = ax.scatter(
        x,
        y,
        c=size,
        cmap=cmap,
        vmin=-0.5,
        vmax=k + 0.5,
        s=22 if k > 6 else 40,
        alpha=0.8,
        edgecolors="none",
        zorder=2,
    )
    cb = fig.colorbar(pts, ax=ax, ticks=range(k + 1), pad=0.01, shrink=0.85)
    cb.set_label("allies in the coalition", fontsize=9)
    cb.ax.tick_params(labelsize=8)
    on = np.flatnonzero(front)
    on = on[np.argsort(x[on], kind="stable")]
    if on.size:
        ax.step(x[on], y[on], where="post", color=F._INK, linewidth=1.2, zorder=3)
        ax.scatter(x[on], y[on], s=90, facecolors="none", edgecolors=F._INK, linewidth=1.2,
                   zorder=4, label=f"efficient frontier ({on.size} coalitions)")  # fmt: skip
    stable = np.flatnonzero(res.stable)
    if stable.size:
        ax.scatter(x[stable], y[stable], marker="*", s=220, color=_STAR, edgecolors=F._INK,
                   linewidth=0.6, zorder=5, label=f"stable ({stable.size})")  # fmt: skip
    for m, marker, label in ((0, "s", "leader alone"), (g, "D", "grand coalition")):
        ax.scatter([x[m]], [y[m]], marker=marker, s=70, color="white", edgecolors=F._LOSS,
                   linewidth=1.8, zorder=6, label=label)  # fmt: skip
    if np.isfinite(res.threshold) and res.leverage_pct[0] > 0:
        ax.axhline(res.threshold, color=F._MUTED, linestyle="--", linewidth=0.9, zorder=1,
                   label=f"{res.spec.leverage_multiple:g}x the leader-alone leverage")  # fmt: skip
    named = [0, g] + [int(m) for m in stable if m not in (0, g)][:MAX_NAMED]
    for n, m in enumerate(dict.fromkeys(named)):
        if not (np.isfinite(x[m]) and np.isfinite(y[m])):
            continue
        ax.annotate(
            _name(res, m),
            (x[m], y[m]),
            xytext=(8, -12 if n % 2 else 6),
            textcoords="offset points",
            fontsize=7.5,
            color=F._INK,
            zorder=7,
        )
    finite = x[np.isfinite(x)]
    if finite.size and finite.min() < 0 < finite.max():
        ax.axvline(0.0, color="black", linewidth=0.7, zorder=1)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(f"Leverage: {res.players.target}'s welfare loss, %", fontsize=9)
    ax.tick_params(labelsize=8.5)
    ax.grid(color="#e6e6e6", zorder=0)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    _finish(ax, fig, _title(res, f"leverage against cost, all {len(res.masks)} coalitions"))
    return fig


def shapley_figure(res: CoalitionResults) -> Figure:
    """Each ally's Shapley value (pp of the target's welfare), largest first.

    Bars: Shapley values of ``v(S) = leverage(S) - leverage(leader alone)``; they add up to the
    grand coalition's leverage minus the leader's alone. Markers: the ally's marginal
    contribution when it joins the leader alone (circle) and when it joins last (cross).
    """
    pl, g = res.players, res.grand
    phi = np.asarray(res.shapley, dtype=float)
    order = np.argsort(-np.nan_to_num(phi, nan=-np.inf), kind="stable")[::-1]
    first = np.array([res.marginal[0, j] for j in order])
    last = np.array([res.marginal[g ^ 1 << int(j), j] for j in order])
    y = np.arange(len(order))
    fig = Figure(figsize=(8.0, 1.9 + 0.42 * len(order)), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    vals = phi[order]
    ax.barh(
        y,
        vals,
        color=[F._GAIN if v >= 0 else F._LOSS for v in np.nan_to_num(vals)],
        height=0.6,
        zorder=2,
    )
    ax.scatter(
        first,
        y,
        marker="o",
        s=30,
        facecolors="white",
        edgecolors=F._INK,
        zorder=3,
        label=f"marginal: joining {pl.leader} alone",
    )
    ax.scatter(
        last,
        y,
        marker="x",
        s=30,
        color=F._INK,
        zorder=3,
        label="marginal: joining last (all others in)",
    )
    span = np.nanmax(np.abs(np.concatenate([vals, first, last, [1e-12]])))
    ends = np.nanmax(np.stack([vals, first, last, np.zeros_like(vals)]), axis=0)
    for yi, v, end in zip(y, vals, ends, strict=True):
        if np.isfinite(v):
            ax.text(end + 0.03 * span, float(yi), _num(v, 3), va="center", fontsize=7.5,
                    color=F._MUTED)  # fmt: skip
    ax.axvline(0.0, color="black", linewidth=0.7)
    ax.set_yticks(y, [pl.allies[j] for j in order], fontsize=8.5)
    ax.set_xlim(min(0.0, np.nanmin(np.concatenate([vals, first, last]))) - 0.05 * span, 1.15 * span)
    total = float(np.nansum(phi))
    ax.set_xlabel(
        f"Extra leverage, percentage points of {pl.target}'s welfare (sum of bars "
        f"{_num(total, 3)} = grand {_num(res.leverage_pct[g], 3)} % - {pl.leader} alone "
        f"{_num(res.leverage_pct[0], 3)} %)",
        fontsize=8.5,
    )
    ax.grid(axis="x", color="#e6e6e6", zorder=0)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    _finish(ax, fig, _title(res, "Shapley value of each ally"))
    return fig


def _joining_pays_share(res: CoalitionResults) -> np.ndarray:
    """Per ally, the share of coalitions without it that it gains by joining, shape (k,)."""
    out = np.full(res.players.k, np.nan)
    for j in range(res.players.k):
        gains = res.join_gain[(res.masks >> j & 1) == 0, j]
        known = np.isfinite(gains)
        if known.any():
            out[j] = float(np.mean(gains[known] > STABILITY_TOL))
    return out


def participation_figure(res: CoalitionResults) -> Figure:
    """Who gains by joining: per ally, ``join_gain`` rows, coloured by sign.

    Left: the ally's welfare gain (pp) from joining the leader alone (``join_gain[0]``,
    solid) and from joining all the others (``join_gain[grand - a]``, i.e. staying in the
    grand coalition; hatched); blue = joining pays, red = the ally does better outside.
    Right: the share of the ``2**(k-1)`` coalitions without the ally that it gains by joining.
    The stable coalitions are listed under the chart.
    """
    pl, g = res.players, res.grand
    k = pl.k
    alone = np.array([res.join_gain[0, j] for j in range(k)])
    grand = np.array([res.join_gain[g ^ 1 << j, j] for j in range(k)])
    share = _joining_pays_share(res)
    y = np.arange(k)[::-1]
    fig = Figure(figsize=(9.0, 2.3 + 0.5 * k), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[3, 1])
    h = 0.36
    for vals, dy, hatch in ((alone, h / 2, None), (grand, -h / 2, "///")):
        colors = [F._GAIN if v > STABILITY_TOL else F._LOSS for v in np.nan_to_num(vals)]
        ax.barh(
            y + dy,
            vals,
            height=h,
            color=colors,
            hatch=hatch,
            edgecolor="white",
            linewidth=0.4,
            zorder=2,
        )
    ax.axvline(0.0, color="black", linewidth=0.7)
    ax.set_yticks(y, list(pl.allies), fontsize=8.5)
    ax.set_xlabel("Ally's welfare gain from joining, percentage points", fontsize=9)
    ax.grid(axis="x", color="#e6e6e6", zorder=0)
    ax.legend(
        handles=[
            Patch(facecolor=F._GAIN, label="joining pays"),
            Patch(facecolor=F._LOSS, label="better outside (free-rides)"),
            Patch(facecolor="#999999", label=f"joining {pl.leader} alone"),
            Patch(
                facecolor="#999999",
                hatch="///",
                edgecolor="white",
                label="joining the others (staying in the grand coalition)",
            ),
        ],
        loc="best",
        fontsize=7.5,
        frameon=False,
    )
    ax2.barh(y, 100 * share, color=F._MUTED, height=0.5, zorder=2)
    ax2.set_xlim(0, 100)
    ax2.set_xlabel(f"Coalitions it gains by joining, % of {2 ** (k - 1)}", fontsize=9)
    ax2.grid(axis="x", color="#e6e6e6", zorder=0)
    for side in ("top", "right"):
        ax2.spines[side].set_visible(False)
    stable = np.flatnonzero(res.stable)
    text = (
        f"Stable coalitions ({stable.size}): {_names(res, stable, 4)}"
        if stable.size
        else "No coalition is stable"
    )
    fig.text(0.01, 0.0, text, fontsize=8, color=F._INK, ha="left", va="bottom")
    fig.get_layout_engine().set(rect=(0, 0.05, 1, 0.95))  # type: ignore[call-arg, union-attr]
    _finish(ax, fig, _title(res, "participation and stability"))
    return fig


def credibility_figure(res: CoalitionResults) -> Figure:
    """How reliable the leader must be.

    Left: each ally's break-even probability p* of staying in the grand coalition (filled)
    and of joining the leader alone (open): above p*, joining no longer pays if the leader
    re-imposes its tariffs on the member with probability p. Right: the leverage the leader can
    expect as a function of p (``Credibility.expected_leverage``), the leverage of the
    coalition of the willing (allies with ``p < p*``), and the leader-alone and grand
    leverage for reference.

    Raises:
        InputError: the results have no credibility analysis.
    """
    c = res.credibility
    if c is None:
        raise InputError("no credibility analysis in these results (punishment=None)")
    pl, g = res.players, res.grand
    y = np.arange(pl.k)[::-1]
    fig = Figure(figsize=(9.6, 2.4 + 0.42 * max(pl.k, 4)), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.3])
    ax.hlines(y + 0.12, 0, np.nan_to_num(c.p_star_grand), color="#bbbbbb", linewidth=1.5, zorder=1)
    ax.scatter(
        c.p_star_grand, y + 0.12, s=40, color=F._GAIN, zorder=3, label="stay in the grand coalition"
    )
    ax.scatter(
        c.p_star_alone,
        y - 0.12,
        s=40,
        facecolors="white",
        edgecolors=F._GAIN,
        linewidth=1.4,
        zorder=3,
        label=f"join {pl.leader} alone",
    )
    ax.set_xlim(-0.04, 1.04)
    ax.set_yticks(y, list(pl.allies), fontsize=8.5)
    ax.set_xlabel("p*: betrayal probability above which joining no longer pays", fontsize=8.5)
    ax.grid(axis="x", color="#e6e6e6", zorder=0)
    ax.legend(loc="best", fontsize=7.5, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("p* per ally", fontsize=9.5, loc="left", color=F._INK)
    ax2.plot(
        c.p_grid,
        c.expected_leverage,
        color=F._LOSS,
        marker="o",
        markersize=4,
        label="expected leverage",
    )
    ax2.step(
        c.p_grid,
        c.leverage_willing,
        where="post",
        color=F._MUTED,
        linestyle="--",
        linewidth=1.0,
        label="coalition of the willing (p < p*)",
    )
    for m, style, label in ((g, ":", "grand coalition"), (0, "-.", f"{pl.leader} alone")):
        ax2.axhline(
            res.leverage_pct[m],
            color=F._INK,
            linestyle=style,
            linewidth=0.8,
            label=f"{label}: {_num(res.leverage_pct[m])} %",
        )
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("p: probability that the leader betrays a member", fontsize=8.5)
    ax2.set_ylabel(f"Leverage: {pl.target}'s welfare loss, %", fontsize=8.5)
    ax2.grid(color="#e6e6e6", zorder=0)
    ax2.legend(loc="best", fontsize=7.5, frameon=False)
    ax2.set_title("leverage the leader can count on", fontsize=9.5, loc="left", color=F._INK)
    _finish(ax2, fig, _title(res, f"credibility (punishment: {_punishment(res)})"))
    return fig


def _makers(res: CoalitionResults) -> dict[str, Callable[[], Figure]]:
    makers: dict[str, Callable[[], Figure]] = {
        "coalition_frontier.png": lambda: frontier_figure(res),
        "coalition_shapley.png": lambda: shapley_figure(res),
        "coalition_participation.png": lambda: participation_figure(res),
    }
    if res.credibility is not None:
        makers["coalition_credibility.png"] = lambda: credibility_figure(res)
    return makers


# ----------------------------------------------------------------------------------------
# Words


def _most_efficient(res: CoalitionResults) -> int | None:
    eff = np.asarray(res.efficiency, dtype=float)
    if not np.isfinite(eff).any():
        return None
    return int(np.nanargmax(eff))


def _expected(res: CoalitionResults) -> str:
    """The expected-leverage curve in words."""
    c, pl = res.credibility, res.players
    if c is None:
        return ""
    first, last = _num(c.expected_leverage[0]), _num(c.expected_leverage[-1])
    if first == last:
        n = int(c.willing[0].sum())
        who = "no ally stays" if n == 0 else f"{n} allies stay"
        return f"The leverage {pl.leader} can expect is {first} % at every p ({who} at p = 0)."
    return f"The leverage {pl.leader} can expect goes from {first} % at p = 0 to {last} % at p = 1."


def summary_sentences(res: CoalitionResults) -> list[str]:
    """Plain sentences on one variant, generated from the numbers.

    Leverage of the leader alone vs the grand coalition and the grand coalition's cost; the
    most efficient coalition and the frontier; who free-rides; the stable coalitions; the
    smallest coalitions reaching the leverage target; p* (when computed); failures.
    """
    pl, g, spec = res.players, res.grand, res.spec
    x, _, unit = _cost_axis(res)
    lev0, levg = float(res.leverage_pct[0]), float(res.leverage_pct[g])
    resp = spec.response if isinstance(spec.response, str) else f"{100 * spec.response:g} %"
    ratio = f", {levg / lev0:.2f} times as much" if lev0 > 0 and np.isfinite(levg) else ""
    cost_g = float(res.cost_pct[g])
    bn = f"{_num(abs(x[g]))} $bn, " if unit == "$bn" else ""
    cost = f"{'lose' if cost_g >= 0 else 'gain'} {bn}{_num(abs(cost_g))} % of their expenditure"
    whose = f"{pl.target}'s welfare"
    out = [
        f"{pl.leader} alone levying a {100 * spec.tariff:g} % tariff on {pl.target} "
        f"(response: {resp}) {_effect(lev0, whose)}; the grand coalition "
        f"of {pl.leader} and all {pl.k} allies ({', '.join(pl.allies)}) {_effect(levg, 'it')}"
        f"{ratio}. Its members {cost} (weighted)."
    ]
    best = _most_efficient(res)
    gainers = int(np.sum(np.asarray(res.cost_pct) < 0))
    free = (
        f" {gainers} coalitions gain on net (leverage at no cost to their members)."
        if gainers
        else ""
    )
    if best is None:
        out.append(
            "No coalition loses on net, so efficiency (the target's loss per dollar the "
            f"members lose) is not defined.{free}"
        )
    else:
        out.append(
            f"The most efficient coalition is {_label(res, best)}: {_num(res.efficiency[best])} $ "
            f"of {pl.target}'s loss per $ its members lose (cost {_num(x[best])} {unit}, "
            f"leverage {_num(res.leverage_pct[best])} %; grand coalition: "
            f"{_num(res.efficiency[g])} $ per $).{free}"
        )
    on = np.flatnonzero(efficient_frontier(x, res.leverage_pct))
    on = on[np.argsort(x[on], kind="stable")]
    out.append(
        f"{on.size} of the {len(res.masks)} coalitions are on the efficient frontier (no other "
        f"coalition has as much leverage for less cost): {_names(res, on)}."
    )
    stay = np.array([res.join_gain[g ^ 1 << j, j] for j in range(pl.k)])
    riders = [
        f"{a} ({_num(-v, signed=True)} pp outside)"
        for a, v in zip(pl.allies, stay, strict=True)
        if v < -STABILITY_TOL
    ]
    keen = [a for a, v in zip(pl.allies, res.join_gain[0], strict=True) if v > STABILITY_TOL]
    if riders:
        out.append(
            f"Free-riders: {_list_and(riders)} would gain by leaving the grand coalition "
            "and letting the others tariff."
        )
    else:
        out.append("No ally gains by leaving the grand coalition: nobody free-rides.")
    out.append(
        f"Joining {pl.leader} alone pays for {_list_and(keen)}."
        if keen
        else f"Joining {pl.leader} alone pays for no ally."
    )
    stable = np.flatnonzero(res.stable)
    out.append(
        f"Stable coalitions (no member gains by leaving, no outsider by joining; d'Aspremont "
        f"et al. 1983): {_names(res, stable, 10)}."
        if stable.size
        else "No coalition is stable (in each, a member gains by leaving or an outsider by "
        "joining)."
    )
    if res.reaching:
        out.append(
            f"The smallest coalitions reaching {spec.leverage_multiple:g} times the leverage of "
            f"{pl.leader} alone ({_num(res.threshold)} %): {_names(res, res.reaching)}."
        )
    elif np.isfinite(res.threshold) and lev0 > 0:
        out.append(
            f"No coalition reaches {spec.leverage_multiple:g} times the leverage of "
            f"{pl.leader} alone ({_num(res.threshold)} %)."
        )
    c = res.credibility
    if c is not None:
        grand = [f"{a} {_num(p)}" for a, p in zip(pl.allies, c.p_star_grand, strict=True)]
        alone = [f"{a} {_num(p)}" for a, p in zip(pl.allies, c.p_star_alone, strict=True)]
        out.append(
            f"Credibility: if {pl.leader} re-imposes {_punishment(res, own=True)} on a member with "
            "probability p, staying in the grand coalition pays only for p below p* = "
            f"{_list_and(grand)}; joining {pl.leader} alone below p* = {_list_and(alone)} "
            "(0: joining does not pay even with a reliable leader; 1: it pays even when "
            f"betrayal is sure). {_expected(res)}"
        )
    if res.failures:
        out.append(
            f"{len(res.failures)} coalitions did not converge and are left out of the "
            f"figures: {_list_and(res.failures[:MAX_NAMED])}."
        )
    return out


# ----------------------------------------------------------------------------------------
# HTML


def _frontier_table(res: CoalitionResults) -> str:
    x, _, unit = _cost_axis(res)
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
            f"<td>{_e(_label(res, m))}</td>",
            f'<td class="num">{_size(np.array([m]))[0]}</td>',
            _num_td(res.leverage_pct[m], signed=False),
            _num_td(x[m], signed=True),
            _num_td(res.efficiency[m], signed=False),
            f"<td>{'yes' if res.stable[m] else ''}</td>",
        ]
        for m in on[:MAX_FRONTIER_ROWS]
    ]
    more = (
        f"<p class='notes'>… and {on.size - MAX_FRONTIER_ROWS} more on the frontier.</p>"
        if on.size > MAX_FRONTIER_ROWS
        else ""
    )
    return _table(header, rows, row_classes=None) + more


def _ally_table(res: CoalitionResults) -> str:
    pl, g, c = res.players, res.grand, res.credibility
    share = _joining_pays_share(res)
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
            f"<td>{_e(a)}</td>",
            _num_td(res.ally_pct[g, j], color=True),
            _num_td(res.shapley[j], signed=False, digits=3),
            _num_td(res.marginal[0, j], signed=False, digits=3),
            _num_td(res.marginal[g ^ bit, j], signed=False, digits=3),
            _num_td(res.join_gain[0, j], color=True),
            _num_td(res.join_gain[g ^ bit, j], color=True),
            _num_td(100 * share[j], signed=False, digits=0),
        ]
        if c is not None:
            cells += [
                _num_td(c.p_star_alone[j], signed=False),
                _num_td(c.p_star_grand[j], signed=False),
            ]
        rows.append(cells)
    return _table(header, rows, row_classes=None)


def _credibility_table(res: CoalitionResults) -> str:
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
            _num_td(p, signed=False, digits=1),
            f"<td>{_e(', '.join(a for a, w in zip(res.players.allies, row, strict=True) if w) or 'none')}</td>",
            _num_td(lw, signed=False),
            _num_td(ex, signed=False),
        ]
        for p, row, lw, ex in zip(
            c.p_grid, c.willing, c.leverage_willing, c.expected_leverage, strict=True
        )
    ]
    return _table(header, rows, row_classes=None)


def _figure(data: bytes, alt: str, caption: str) -> str:
    return f"<figure>{_img(data, alt)}<figcaption>{_e(caption)}</figcaption></figure>"


def _variant_html(res: CoalitionResults, images: Mapping[str, bytes], prefix: str) -> str:
    """The four figure sections of one variant (``h`` the heading tag)."""
    pl, g = res.players, res.grand
    h = "h3" if prefix else "h2"
    _, xlabel, _ = _cost_axis(res)
    stable = np.flatnonzero(res.stable)
    stable_list = (
        "<ul class='notes'>" + "".join(f"<li>{_e(_label(res, m))}</li>" for m in stable) + "</ul>"
        if stable.size
        else "<p>No coalition is stable.</p>"
    )
    total = float(np.nansum(res.shapley))
    parts = [
        f"<section><{h}>Leverage against cost</{h}>",
        _figure(
            images[prefix + "coalition_frontier.png"],
            f"Scatter of {pl.target}'s welfare loss against the members' cost for every "
            "coalition, with the efficient frontier",
            f"Each point is a coalition of {pl.leader} and a subset of the allies (colour: "
            f"number of allies). y: {pl.target}'s welfare loss (%). x: {xlabel}. The efficient "
            "frontier (step line, rings) holds the coalitions no other coalition beats on both "
            "counts (as much leverage or more for less cost or the same); stars: stable "
            "coalitions; dashed line: the leverage target.",
        ),
        "<p>The efficient frontier, cheapest first:</p>",
        _frontier_table(res),
        "</section>",
        f"<section><{h}>Shapley values</{h}>",
        _figure(
            images[prefix + "coalition_shapley.png"],
            "Bar chart of each ally's Shapley value",
            f"Each ally's Shapley value: its average marginal contribution to {pl.target}'s "
            "welfare loss over all orders in which the allies could join (percentage points). "
            f"The values add up to the grand coalition's leverage minus {pl.leader}'s alone: "
            f"{_num(res.leverage_pct[g], 3)} % - {_num(res.leverage_pct[0], 3)} % = "
            f"{_num(total, 3)} pp. Circles: the ally's contribution when it joins "
            f"{pl.leader} alone; crosses: when it joins last.",
        ),
        "<p class='notes'>Marginal first / last: extra leverage when the ally joins the "
        "leader alone / joins last. Join alone / stay in grand: the ally's welfare gain from "
        "joining the leader alone / all the others.</p>",
        f"<div class='wide'>{_ally_table(res)}</div>",
        "</section>",
        f"<section><{h}>Participation and stability</{h}>",
        _figure(
            images[prefix + "coalition_participation.png"],
            "Bar chart of each ally's gain from joining",
            f"Left: each ally's welfare gain (percentage points) from joining {pl.leader} "
            "alone (solid) and from joining all the others, i.e. staying in the grand "
            "coalition (hatched); blue: joining pays, red: the ally does better outside and "
            "free-rides on the others' tariffs. Right: the share of the coalitions without the "
            "ally that it gains by joining. A coalition is stable when no member gains by "
            "leaving and no outsider gains by joining (d'Aspremont et al. 1983; ties within "
            f"{STABILITY_TOL:g} pp).",
        ),
        f"<p>Stable coalitions ({stable.size} of {len(res.masks)}):</p>",
        stable_list,
        "</section>",
    ]
    if res.credibility is not None:
        parts += [
            f"<section><{h}>Credibility of {_e(pl.leader)}</{h}>",
            _figure(
                images[prefix + "coalition_credibility.png"],
                "Chart of each ally's break-even probability and of the expected leverage",
                f"Left: p*, the probability of {pl.leader} re-imposing {_punishment(res, own=True)} on "
                "a member above which joining no longer pays (filled: staying in the grand "
                f"coalition; open: joining {pl.leader} alone). Right: the leverage "
                f"{pl.leader} can expect when it betrays each member with probability p: the "
                "allies with p < p* stay, each betrayal changing the grand coalition's "
                "leverage (first order).",
            ),
            _credibility_table(res),
            "</section>",
        ]
    return "\n".join(parts)


def render_coalition_html(
    res: CoalitionResults, images: Mapping[str, bytes], *, generated: _dt.date | None = None
) -> str:
    """The report page with ``images`` (file name -> PNG bytes) inlined."""
    from blocs import __version__

    pl, g, spec = res.players, res.grand, res.spec
    generated = generated or _dt.datetime.now(_dt.UTC).date()
    resp = spec.response if isinstance(spec.response, str) else f"{100 * spec.response:g} %"
    title = f"{spec.name}: coalitions against {pl.target}"
    lede = (
        f"{pl.leader} and every subset of {pl.k} allies ({', '.join(pl.allies)}) levy a "
        f"{100 * spec.tariff:g} % tariff on {pl.target}; {pl.target} responds: {resp}. "
        f"{len(res.masks)} coalitions per variant."
    )
    lev0, levg = float(res.leverage_pct[0]), float(res.leverage_pct[g])
    cards = [
        (f"Leverage, {pl.leader} alone", f"{_num(lev0)} %"),
        ("Leverage, grand coalition", f"{_num(levg)} %"),
        ("Grand / alone", f"{levg / lev0:.2f}x" if lev0 > 0 else "–"),
        ("Stable coalitions", str(int(res.stable.sum()))),
    ]
    failures = res.failures + (res.america_first.failures if res.america_first else [])
    warn = (
        f"<div class='warning'><strong>{len(failures)} equilibria did not converge</strong> "
        f"({_e(', '.join(failures[:MAX_NAMED]))}); their rows are NaN and left out of the "
        "figures.</div>"
        if failures
        else ""
    )
    af = res.america_first
    af_summary = ""
    if af is not None:
        st = np.flatnonzero(af.stable)
        af_summary = (
            f"<p>America First ({pl.leader} keeps its April-2025 tariffs on non-members and "
            f"drops them for members): leverage {_num(af.leverage_pct[0])} % alone, "
            f"{_num(af.leverage_pct[g])} % for the grand coalition; stable coalitions: "
            f"{_e(_names(af, st, 10) if st.size else 'none')}. See the last section.</p>"
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}{_EXTRA_CSS}</style></head><body><main>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f"<p class='lede'>{_e(lede)}</p>",
        f"<p class='meta'>Data: {_e(res.source or spec.data)}</p>",
        f"<p class='meta'>Generated {generated.isoformat()} by blocs {_e(__version__)}; "
        f"solved in {res.seconds:.1f} s</p>",
        "</header>",
        warn,
        "<section class='summary'><h2>Summary</h2>",
        "<div class='cards'>"
        + "".join(
            f"<div class='card'><div class='label'>{_e(k)}</div>"
            f"<div class='value'>{_e(v)}</div></div>"
            for k, v in cards
        )
        + "</div>",
        "".join(f"<p>{_e(s)}</p>" for s in summary_sentences(res)),
        af_summary,
        "<p class='notes'>Leverage: the target's welfare loss (%, real income, "
        "expenditure-weighted over a group's countries). Cost: the coalition's (leader and "
        "members) welfare loss. Percentages are long-run changes from the baseline.</p>",
        "</section>",
        _variant_html(res, images, ""),
    ]
    if af is not None:
        parts += [
            "<section><h2>America First</h2>",
            f"<p>{pl.leader} keeps its April-2025 tariffs on every country that does not "
            "join and removes them for members; the same analysis.</p>",
            "".join(f"<p>{_e(s)}</p>" for s in summary_sentences(af)),
            "</section>",
            _variant_html(af, images, "af_"),
        ]
    parts += [
        f"<footer>blocs {_e(__version__)} · {len(res.masks)} coalitions · largest residual "
        f"{float(np.nanmax(res.max_residual)):.1e}</footer>",
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def write_coalition_report(
    res: CoalitionResults, out_dir: str | Path, *, dpi: int = DPI
) -> list[Path]:
    """Write the figures and ``coalition_report.html`` into ``out_dir``, each atomically.

    The HTML is written last, so its presence means the report is complete.

    Args:
        res: :func:`blocs.coalitions.solve_coalitions` results (with ``america_first``: a
            second set of figures, ``af_`` prefix).
        out_dir: the folder (created if needed).
        dpi: resolution of the PNG figures.

    Returns:
        The paths written, the HTML last.

    Raises:
        InputError: ``out_dir`` exists and is not a folder.
    """
    makers = _makers(res)
    if res.america_first is not None:
        makers.update({f"af_{n}": make for n, make in _makers(res.america_first).items()})
    return write_figures_and_page(
        out_dir, makers, lambda images: render_coalition_html(res, images), HTML_FILE, dpi
    )
