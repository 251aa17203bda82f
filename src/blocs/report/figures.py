"""Figures and the small tables behind them, for one solved scenario (:class:`blocs.run.Run`).

Each figure function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global
state, no GUI backend: PNG output goes through Agg). Percentages are percent changes from the
baseline unless a label says otherwise; tariffs are in percent ad valorem.

Conventions: ``t[i, n]`` is the tariff importer ``n`` levies on goods from exporter ``i``
(:mod:`blocs.models.imls`); trade weights are baseline customs-value flows ``X[i, n]``.

Example:
    >>> import blocs
    >>> from blocs.report import figures
    >>> run = blocs.run_scenario("liberation-day")
    >>> figures.leader(run)
    'USA'
    >>> fig = figures.welfare_bars(run)
"""

from __future__ import annotations

import functools
import gzip
import io
import math
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from blocs.report.worldmap import NO_DATA_COLOR, draw_world, load_world

if TYPE_CHECKING:
    from blocs.run import Run

__all__ = [
    "CMAP",
    "changed_pairs",
    "counterpart",
    "display_name",
    "fmt_pct",
    "group_label",
    "group_name",
    "group_rows",
    "key_economies",
    "leader",
    "short_name",
    "tariff_chart",
    "tariffs_by_importer",
    "welfare_bars",
    "welfare_map",
]

#: Diverging colormap of every welfare figure: red = loss, blue = gain (colour-blind safe).
CMAP = "RdBu"

#: Tariff changes smaller than this (as a fraction) count as unchanged.
TARIFF_CHANGE_TOL = 1e-9

LOSS, GAIN = "#c0504d", "#3a77b4"
INK, MUTED = "#222222", "#666666"
_SHORT_NAMES = {
    "USA": "US",
    "GBR": "UK",
    "ARE": "UAE",
    "KOR": "South Korea",
    "RUS": "Russia",
    "COD": "DR Congo",
    "COG": "Congo",
    "YEM": "Yemen",
    "SVK": "Slovakia",
    "VCT": "St Vincent & Gren.",
    "TCA": "Turks & Caicos",
    "BIH": "Bosnia & Herz.",
}
#: Short names that take "the".
_ARTICLE = {"USA", "GBR", "ARE", "NLD", "PHL", "CZE", "DOM", "CAF", "BHS", "GMB", "MDV"}


def fmt_pct(v: float, *, signed: bool = True, digits: int = 2) -> str:
    """A percentage for tables and labels: ``+1.13``, ``-0.58``, ``0.00``; ``–`` when NaN."""
    if not np.isfinite(v):
        return "–"
    r = round(float(v), digits)
    if r == 0:
        return f"{0:.{digits}f}"
    return f"{r:+.{digits}f}" if signed else f"{r:.{digits}f}"


@functools.cache
def _reference_names() -> dict[str, str]:
    """ISO3 -> English name, from the bundled world2023 country list, then Natural Earth."""
    names = dict(load_world().names)
    try:
        raw = resources.files("blocs.data").joinpath("world2023", "countries.csv.gz").read_bytes()
        df = pd.read_csv(io.BytesIO(gzip.decompress(raw)), usecols=["iso3", "name"])
        names.update(zip(df["iso3"], df["name"], strict=True))
    except (FileNotFoundError, KeyError, ValueError):  # pragma: no cover - data layout changed
        pass
    names["ROW"] = "Rest of the world"
    return names


def display_name(run: Run, code: str) -> str:
    """A country's name from the data; where the data only has codes (e.g. icio2022), the
    name of the same code in the bundled world2023 list (``ROW`` is ``Rest of the world``)."""
    name = run.economy.names[run.economy.index(code)]
    if code == "ROW" or name.upper() == code.upper():
        return _reference_names().get(code, name)
    return name


def short_name(run: Run, code: str) -> str:
    """A country's name, shortened where common usage allows (``US``, ``UK``, ``UAE``)."""
    return _SHORT_NAMES.get(code, display_name(run, code))


def _the_short(run: Run, code: str) -> str:
    name = short_name(run, code)
    return f"the {name}" if code in _ARTICLE else name


# ----------------------------------------------------------------------------------------
# Tables


def _tariffs(run: Run) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline tariffs, new tariffs and baseline foreign customs-value flows, shape (N, N).

    One-sector runs: ``economy.t``, ``solution.policy.t``, ``economy.X``. Multi-sector runs
    (``t[i, n, s]``): the solution's ``baseline`` and ``t_new``, each pair's tariffs averaged
    over sectors with baseline flows as weights (a simple mean where the pair does not trade).
    """
    sol = run.solution
    base = getattr(sol, "baseline", run.economy)
    t1_raw = sol.t_new if hasattr(sol, "t_new") else sol.policy.t
    t0 = np.asarray(base.t, dtype=float)
    t1 = np.asarray(t1_raw, dtype=float)
    X = np.asarray(base.X, dtype=float)
    if X.ndim == 3:
        w = X.sum(axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = np.where(w > 0, (X * t0).sum(axis=2) / w, t0.mean(axis=2))
            t1 = np.where(w > 0, (X * t1).sum(axis=2) / w, t1.mean(axis=2))
        X = w
    return t0, t1, X * (1.0 - np.eye(X.shape[0]))


def changed_pairs(run: Run) -> pd.DataFrame:
    """Every (exporter, importer) pair whose tariff the scenario changes, largest trade first.

    Columns: ``exporter``, ``importer`` (ISO3), ``exporter_name``, ``importer_name``,
    ``share_of_imports_pct`` (the pair's share of the importer's baseline foreign imports),
    ``trade`` (baseline flow, data units), ``tariff_before_pct``, ``tariff_after_pct``.
    """
    t0, t1, X = _tariffs(run)
    n = run.economy.n
    mask = (np.abs(t1 - t0) > TARIFF_CHANGE_TOL) & ~np.eye(n, dtype=bool)
    i, j = np.nonzero(mask)
    iso3 = run.economy.iso3
    imports = X.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(imports[j] > 0, 100.0 * X[i, j] / imports[j], np.nan)
    df = pd.DataFrame(
        {
            "exporter": [iso3[k] for k in i],
            "importer": [iso3[k] for k in j],
            "exporter_name": [display_name(run, iso3[k]) for k in i],
            "importer_name": [display_name(run, iso3[k]) for k in j],
            "share_of_imports_pct": share,
            "trade": X[i, j],
            "tariff_before_pct": 100.0 * t0[i, j],
            "tariff_after_pct": 100.0 * t1[i, j],
        }
    )
    return df.sort_values("trade", ascending=False, kind="stable").reset_index(drop=True)


def tariffs_by_importer(run: Run) -> pd.DataFrame:
    """Importers that change tariffs, largest importer first.

    Columns: ``importer``, ``name``, ``pairs_changed`` (exporters whose tariff changes),
    ``imports_affected_pct`` (share of baseline foreign imports on changed pairs),
    ``avg_before_pct``, ``avg_after_pct`` (average tariff on all foreign imports, weighted by
    baseline flows), ``imports`` (baseline foreign imports, data units).
    """
    t0, t1, X = _tariffs(run)
    pairs = changed_pairs(run)
    rows = []
    for code, g in pairs.groupby("importer", sort=False):
        n = run.economy.index(str(code))
        imp = X[:, n].sum()
        w = X[:, n] / imp if imp > 0 else np.full(run.economy.n, np.nan)
        rows.append(
            {
                "importer": code,
                "name": display_name(run, str(code)),
                "pairs_changed": len(g),
                "imports_affected_pct": 100.0 * g["trade"].sum() / imp if imp > 0 else np.nan,
                "avg_before_pct": 100.0 * float(w @ t0[:, n]),
                "avg_after_pct": 100.0 * float(w @ t1[:, n]),
                "imports": imp,
            }
        )
    cols = [
        "importer",
        "name",
        "pairs_changed",
        "imports_affected_pct",
        "avg_before_pct",
        "avg_after_pct",
        "imports",
    ]
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values("imports", ascending=False, kind="stable").reset_index(drop=True)


def world_average_tariff(run: Run) -> tuple[float, float]:
    """Average tariff on world trade before and after, weighted by baseline flows (%)."""
    t0, t1, X = _tariffs(run)
    total = X.sum()
    return 100.0 * float((X * t0).sum() / total), 100.0 * float((X * t1).sum() / total)


def leader(run: Run) -> str | None:
    """The country in the most changed tariff pairs (as importer or exporter), or ``None``.

    The one who starts the tariff war in scenarios such as ``liberation-day``; ties go to the
    larger economy (baseline expenditure).
    """
    pairs = changed_pairs(run)
    if pairs.empty:
        return None
    counts = pairs["importer"].value_counts().add(pairs["exporter"].value_counts(), fill_value=0)
    size = run.countries.set_index("iso3")["expenditure"]
    ranked = sorted(counts.index, key=lambda c: (-counts[c], -float(size[c])))
    return str(ranked[0])


def counterpart(run: Run, lead: str | None) -> str:
    """The largest economy (baseline GDP) other than ``lead``."""
    df = run.countries.sort_values("gdp", ascending=False, kind="stable")
    return str(df.loc[df["iso3"] != lead, "iso3"].iloc[0])


def group_rows(run: Run) -> list[str]:
    """Group rows worth showing: EU27 (when in the data), ``non-<leader>``, scenario groups, ALL."""
    rows: list[str] = []
    if any(c in run.economy.iso3 for c in ("DEU", "FRA", "ITA")):
        rows.append("EU27")
    lead = leader(run)
    if lead is not None:
        rows.append("non-US" if lead == "USA" else f"non-{lead}")
    rows.extend(g for g in run.scenario.groups if g.upper() not in {r.upper() for r in rows})
    rows.append("ALL")
    return rows


def group_name(row: str) -> str:
    """Display name of a group row: ``ALL`` is ``World``, other rows keep their name."""
    return {"ALL": "World"}.get(row, row)


def group_label(row: str, members: int) -> str:
    """Display name with the number of members, e.g. ``World (194)``, ``EU27 (27)``."""
    return f"{group_name(row)} ({members})"


# ----------------------------------------------------------------------------------------
# Figures


def _nice_ceil(x: float) -> float:
    """Smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is >= x."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    k = 10.0 ** math.floor(math.log10(x))
    for m in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if m * k >= x * (1 - 1e-12):
            return m * k
    return 10.0 * k  # pragma: no cover


def _bar_labels(ax, y, values, xmax: float) -> None:
    pad = 0.012 * xmax
    for yy, v in zip(y, values, strict=True):
        ax.text(
            v + (pad if v >= 0 else -pad),
            yy,
            fmt_pct(v),
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=7.5,
            color=INK,
        )


def key_economies(run: Run, k: int = 10) -> list[str]:
    """The leader, the largest other economy, then the largest economies by GDP (``k`` in all)."""
    lead = leader(run)
    out = [c for c in (lead, counterpart(run, lead)) if c is not None]
    for c in run.countries.sort_values("gdp", ascending=False, kind="stable")["iso3"]:
        if len(out) >= k:
            break
        if c not in out:
            out.append(str(c))
    return out


def welfare_bars(run: Run, *, n: int = 12, weights: str = "expenditure") -> Figure:
    """Horizontal bars of real-income changes in three panels sharing one scale.

    Top: group averages (:func:`group_rows`); middle: the leader, the largest other economy and
    the largest economies (:func:`key_economies`); bottom: the ``n`` largest gains and losses.

    Args:
        run: a solved scenario.
        n: countries at each end (all countries when there are at most ``2 n``).
        weights: weights of the group averages (``expenditure``, ``gdp`` or ``none``).
    """
    w = run.countries.set_index("iso3")["welfare_pct"]
    df = run.countries.sort_values("welfare_pct", ascending=False, kind="stable")
    df = df[np.isfinite(df["welfare_pct"])]
    rows = group_rows(run)
    groups = run.summary(rows, weights=weights)
    top, bottom = (df, df.iloc[:0]) if len(df) <= 2 * n else (df.iloc[:n], df.iloc[-n:])
    hidden = len(df) - len(top) - len(bottom)

    labels = [short_name(run, c) for c in top["iso3"]]
    values = list(top["welfare_pct"])
    if hidden:
        labels.append(f"… {hidden} other economies …")
        values.append(np.nan)
    labels += [short_name(run, c) for c in bottom["iso3"]]
    values += list(bottom["welfare_pct"])
    g_labels = [group_label(r, int(groups.loc[r, "members"])) for r in rows]
    g_values = [float(groups.loc[r, "welfare_pct"]) for r in rows]
    key = key_economies(run)
    k_labels = [short_name(run, c) for c in key]
    k_values = [float(w[c]) for c in key]

    finite = [abs(v) for v in values + g_values + k_values if np.isfinite(v)]
    xmax = max(finite) if finite else 1.0
    lim = xmax * 1.28

    panels = [
        (g_labels, g_values, f"Group averages (weighted by baseline {weights})"),
        (k_labels, k_values, "Largest economies (by GDP)"),
        (labels, values, "Largest gains and losses"),
    ]
    height = 1.6 + 0.2 * sum(len(p[0]) for p in panels)
    fig = Figure(figsize=(8.0, height), layout="constrained")
    gs = fig.add_gridspec(len(panels), 1, height_ratios=[len(p[0]) + 0.7 for p in panels])
    axes = [fig.add_subplot(gs[0])]
    axes += [fig.add_subplot(gs[i], sharex=axes[0]) for i in range(1, len(panels))]
    for ax, (labs, vals, title) in zip(axes, panels, strict=True):
        y = np.arange(len(labs))
        v = np.asarray(vals, dtype=float)
        colors = [GAIN if x >= 0 else LOSS for x in np.nan_to_num(v)]
        ax.barh(y, np.nan_to_num(v), color=colors, height=0.72)
        ax.set_yticks(y, labs, fontsize=8.5)
        ax.invert_yaxis()
        ax.axvline(0, color=INK, linewidth=0.8)
        ok = np.isfinite(v)
        _bar_labels(ax, y[ok], v[ok], lim)
        ax.set_title(title, fontsize=9.5, loc="left", color=INK)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        if ax is not axes[-1]:
            ax.tick_params(axis="x", labelbottom=False)
    for lab in axes[-1].get_yticklabels():
        if lab.get_text().startswith("…"):
            lab.set_color(MUTED)
            lab.set_fontstyle("italic")
    axes[0].set_xlim(-lim, lim)
    axes[-1].set_xlabel("Change in real income (welfare) from the baseline, %", fontsize=9)
    fig.suptitle(f"{run.scenario.name}: who gains and who loses", fontsize=11.5, x=0.01, ha="left")
    return fig


def _map_scale(run: Run, *, largest: int = 20, quantile: float = 0.8) -> float:
    """Half-width of the map's colour scale: a round number covering the ``largest`` economies
    (by GDP) and the ``quantile`` of absolute changes; small economies beyond it saturate."""
    df = run.countries[np.isfinite(run.countries["welfare_pct"])]
    big = df.sort_values("gdp", ascending=False, kind="stable").head(largest)
    x = max(
        float(big["welfare_pct"].abs().max()), float(df["welfare_pct"].abs().quantile(quantile))
    )
    return _nice_ceil(x)


def welfare_map(run: Run) -> Figure:
    """World map of real-income changes (diverging colours centred at 0; grey = not in data)."""
    values = dict(zip(run.countries["iso3"], run.countries["welfare_pct"], strict=True))
    finite = np.abs([v for v in values.values() if np.isfinite(v)])
    vmax = _map_scale(run) if finite.size else 1.0
    fig = Figure(figsize=(10.0, 5.6), layout="constrained")
    ax = fig.add_subplot()
    sm = draw_world(ax, values, vmax=vmax, cmap=CMAP)
    extend = "neither"
    if finite.size and finite.max() > vmax:
        lo = min(values.values()) < -vmax
        hi = max(values.values()) > vmax
        extend = "both" if lo and hi else "min" if lo else "max" if hi else "neither"
    cb = fig.colorbar(
        sm, ax=ax, orientation="horizontal", fraction=0.05, pad=0.02, aspect=45, extend=extend
    )
    cb.set_label("Change in real income (welfare) from the baseline, %", fontsize=9)
    cb.ax.tick_params(labelsize=8)
    world = load_world()
    missing = [c for c in run.economy.iso3 if not world.has(c)]
    handles = [
        Patch(facecolor=NO_DATA_COLOR, edgecolor="#7f7f7f", linewidth=0.5, label="Not in the data"),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="white",
            markeredgecolor="#333333",
            markersize=5,
            label="Small economy (at its capital)",
        ),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    title = f"{run.scenario.name}: change in real income by economy"
    fig.suptitle(title, fontsize=11.5, x=0.01, ha="left")
    note = "Map: Natural Earth 1:110m (public domain), Equal Earth projection."
    if extend != "neither":
        note += f" Colours saturate beyond ±{vmax:g} %."
    if missing:
        note += f" Not drawn: {', '.join(missing)}."
    ax.text(0.99, 0.0, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
            color=MUTED)  # fmt: skip
    return fig


def tariff_chart(run: Run, *, n: int = 20) -> Figure:
    """The ``n`` largest changed pairs (by baseline trade): tariff before (tick) and after (bar)."""
    pairs = changed_pairs(run)
    fig = Figure(figsize=(8.0, 1.6 + 0.24 * max(min(n, len(pairs)), 3)), layout="constrained")
    ax = fig.add_subplot()
    if pairs.empty:
        ax.text(0.5, 0.5, "This scenario changes no tariffs.", ha="center", va="center")
        ax.set_axis_off()
        fig.suptitle(f"{run.scenario.name}: tariffs", fontsize=11.5, x=0.01, ha="left")
        return fig
    top = pairs.iloc[:n]
    importers = pairs["importer"].unique()
    exporters = pairs["exporter"].unique()
    single = len(importers) == 1
    if single:
        labels = [short_name(run, c) for c in top["exporter"]]
    elif len(exporters) == 1:
        labels = [short_name(run, c) for c in top["importer"]]
    else:
        labels = [
            f"{short_name(run, e)} → {short_name(run, i)}"
            for e, i in zip(top["exporter"], top["importer"], strict=True)
        ]
    y = np.arange(len(top))
    after = top["tariff_after_pct"].to_numpy()
    before = top["tariff_before_pct"].to_numpy()
    up = after >= before
    ax.barh(y, after, color=np.where(up, "#d08c3a", "#5b9b6b"), height=0.7, label="New tariff")
    ax.scatter(before, y, marker="|", s=140, color=INK, linewidths=1.6, zorder=3,
               label="Baseline tariff")  # fmt: skip
    xmax = float(max(after.max(), before.max(), 1.0))
    for yy, b, a, s in zip(y, before, after, top["share_of_imports_pct"], strict=True):
        ax.text(
            max(a, b) + 0.015 * xmax,
            float(yy),
            f"{b:.1f} → {a:.1f}   ({s:.1f} % of imports)",
            va="center",
            fontsize=7.5,
            color=INK,
        )
    ax.set_xlim(0, xmax * 1.45)
    ax.set_yticks(y, labels, fontsize=8.5)
    ax.invert_yaxis()
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("Tariff, % ad valorem", fontsize=9)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    shown = f"{len(top)} largest" if len(pairs) > len(top) else f"all {len(top)}"
    if single:
        title = (
            f"Tariffs {_the_short(run, str(importers[0]))} levies on its {shown} changed suppliers"
        )
    elif len(exporters) == 1:
        who = _the_short(run, str(exporters[0]))
        title = f"Tariffs on goods from {who}, {shown} importers that change them"
    else:
        title = f"The {shown} changed tariffs by trade flow, exporter → importer"
    title += f" (of {len(pairs)} changed pairs)" if len(pairs) > len(top) else ""
    ax.set_title(title, fontsize=9.5, loc="left", color=INK)
    fig.suptitle(f"{run.scenario.name}: tariffs applied", fontsize=11.5, x=0.01, ha="left")
    return fig
