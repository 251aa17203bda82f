"""The figures of the coalition report, each a :class:`matplotlib.figure.Figure` built
without pyplot (see :mod:`blocs.report.coalition`).
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from blocs.coalitions import STABILITY_TOL, CoalitionResults
from blocs.errors import InputError
from blocs.report import figures as F
from blocs.report.coalition_common import (
    MAX_NAMED,
    STAR,
    coalition_sizes,
    cost_axis,
    efficient_frontier,
    figure_title,
    finish_axes,
    fmt,
    name_list,
    punishment_words,
    short_name,
)

__all__ = [
    "credibility_figure",
    "figure_makers",
    "frontier_figure",
    "joining_pays_share",
    "participation_figure",
    "shapley_figure",
]

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
    x, xlabel, _ = cost_axis(res)
    y = np.asarray(res.leverage_pct, dtype=float)
    k, g = res.players.k, res.grand
    size = coalition_sizes(res.masks)
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
        ax.step(x[on], y[on], where="post", color=F.INK, linewidth=1.2, zorder=3)
        ax.scatter(x[on], y[on], s=90, facecolors="none", edgecolors=F.INK, linewidth=1.2,
                   zorder=4, label=f"efficient frontier ({on.size} coalitions)")  # fmt: skip
    stable = np.flatnonzero(res.stable)
    if stable.size:
        ax.scatter(x[stable], y[stable], marker="*", s=220, color=STAR, edgecolors=F.INK,
                   linewidth=0.6, zorder=5, label=f"stable ({stable.size})")  # fmt: skip
    for m, marker, label in ((0, "s", "leader alone"), (g, "D", "grand coalition")):
        ax.scatter([x[m]], [y[m]], marker=marker, s=70, color="white", edgecolors=F.LOSS,
                   linewidth=1.8, zorder=6, label=label)  # fmt: skip
    if np.isfinite(res.threshold) and res.leverage_pct[0] > 0:
        ax.axhline(res.threshold, color=F.MUTED, linestyle="--", linewidth=0.9, zorder=1,
                   label=f"{res.spec.leverage_multiple:g}x the leader-alone leverage")  # fmt: skip
    named = [0, g] + [int(m) for m in stable if m not in (0, g)][:MAX_NAMED]
    for n, m in enumerate(dict.fromkeys(named)):
        if not (np.isfinite(x[m]) and np.isfinite(y[m])):
            continue
        ax.annotate(
            short_name(res, m),
            (x[m], y[m]),
            xytext=(8, -12 if n % 2 else 6),
            textcoords="offset points",
            fontsize=7.5,
            color=F.INK,
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
    finish_axes(
        ax, fig, figure_title(res, f"leverage against cost, all {len(res.masks)} coalitions")
    )
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
        color=[F.GAIN if v >= 0 else F.LOSS for v in np.nan_to_num(vals)],
        height=0.6,
        zorder=2,
    )
    ax.scatter(
        first,
        y,
        marker="o",
        s=30,
        facecolors="white",
        edgecolors=F.INK,
        zorder=3,
        label=f"marginal: joining {pl.leader} alone",
    )
    ax.scatter(
        last,
        y,
        marker="x",
        s=30,
        color=F.INK,
        zorder=3,
        label="marginal: joining last (all others in)",
    )
    span = np.nanmax(np.abs(np.concatenate([vals, first, last, [1e-12]])))
    ends = np.nanmax(np.stack([vals, first, last, np.zeros_like(vals)]), axis=0)
    for yi, v, end in zip(y, vals, ends, strict=True):
        if np.isfinite(v):
            ax.text(end + 0.03 * span, float(yi), fmt(v, 3), va="center", fontsize=7.5,
                    color=F.MUTED)  # fmt: skip
    ax.axvline(0.0, color="black", linewidth=0.7)
    ax.set_yticks(y, [pl.allies[j] for j in order], fontsize=8.5)
    ax.set_xlim(min(0.0, np.nanmin(np.concatenate([vals, first, last]))) - 0.05 * span, 1.15 * span)
    total = float(np.nansum(phi))
    ax.set_xlabel(
        f"Extra leverage, percentage points of {pl.target}'s welfare (sum of bars "
        f"{fmt(total, 3)} = grand {fmt(res.leverage_pct[g], 3)} % - {pl.leader} alone "
        f"{fmt(res.leverage_pct[0], 3)} %)",
        fontsize=8.5,
    )
    ax.grid(axis="x", color="#e6e6e6", zorder=0)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    finish_axes(ax, fig, figure_title(res, "Shapley value of each ally"))
    return fig


def joining_pays_share(res: CoalitionResults) -> np.ndarray:
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
    share = joining_pays_share(res)
    y = np.arange(k)[::-1]
    fig = Figure(figsize=(9.0, 2.3 + 0.5 * k), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[3, 1])
    h = 0.36
    for vals, dy, hatch in ((alone, h / 2, None), (grand, -h / 2, "///")):
        colors = [F.GAIN if v > STABILITY_TOL else F.LOSS for v in np.nan_to_num(vals)]
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
            Patch(facecolor=F.GAIN, label="joining pays"),
            Patch(facecolor=F.LOSS, label="better outside (free-rides)"),
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
    ax2.barh(y, 100 * share, color=F.MUTED, height=0.5, zorder=2)
    ax2.set_xlim(0, 100)
    ax2.set_xlabel(f"Coalitions it gains by joining, % of {2 ** (k - 1)}", fontsize=9)
    ax2.grid(axis="x", color="#e6e6e6", zorder=0)
    for side in ("top", "right"):
        ax2.spines[side].set_visible(False)
    stable = np.flatnonzero(res.stable)
    text = (
        f"Stable coalitions ({stable.size}): {name_list(res, stable, 4)}"
        if stable.size
        else "No coalition is stable"
    )
    fig.text(0.01, 0.0, text, fontsize=8, color=F.INK, ha="left", va="bottom")
    fig.get_layout_engine().set(rect=(0, 0.05, 1, 0.95))  # type: ignore[call-arg, union-attr]
    finish_axes(ax, fig, figure_title(res, "participation and stability"))
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
        c.p_star_grand, y + 0.12, s=40, color=F.GAIN, zorder=3, label="stay in the grand coalition"
    )
    ax.scatter(
        c.p_star_alone,
        y - 0.12,
        s=40,
        facecolors="white",
        edgecolors=F.GAIN,
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
    ax.set_title("p* per ally", fontsize=9.5, loc="left", color=F.INK)
    ax2.plot(
        c.p_grid,
        c.expected_leverage,
        color=F.LOSS,
        marker="o",
        markersize=4,
        label="expected leverage",
    )
    ax2.step(
        c.p_grid,
        c.leverage_willing,
        where="post",
        color=F.MUTED,
        linestyle="--",
        linewidth=1.0,
        label="coalition of the willing (p < p*)",
    )
    for m, style, label in ((g, ":", "grand coalition"), (0, "-.", f"{pl.leader} alone")):
        ax2.axhline(
            res.leverage_pct[m],
            color=F.INK,
            linestyle=style,
            linewidth=0.8,
            label=f"{label}: {fmt(res.leverage_pct[m])} %",
        )
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("p: probability that the leader betrays a member", fontsize=8.5)
    ax2.set_ylabel(f"Leverage: {pl.target}'s welfare loss, %", fontsize=8.5)
    ax2.grid(color="#e6e6e6", zorder=0)
    ax2.legend(loc="best", fontsize=7.5, frameon=False)
    ax2.set_title("leverage the leader can count on", fontsize=9.5, loc="left", color=F.INK)
    finish_axes(ax2, fig, figure_title(res, f"credibility (punishment: {punishment_words(res)})"))
    return fig


def figure_makers(res: CoalitionResults) -> dict[str, Callable[[], Figure]]:
    makers: dict[str, Callable[[], Figure]] = {
        "coalition_frontier.png": lambda: frontier_figure(res),
        "coalition_shapley.png": lambda: shapley_figure(res),
        "coalition_participation.png": lambda: participation_figure(res),
    }
    if res.credibility is not None:
        makers["coalition_credibility.png"] = lambda: credibility_figure(res)
    return makers
