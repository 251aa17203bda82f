"""Report of a sweep: percentile bands of an outcome per country and group.

``write_sweep_report(result, out_dir)`` writes ``sweep_bands.png`` and a self-contained
``sweep_report.html`` (embedded image, inline CSS, no network), each atomically.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from blocs.errors import InputError
from blocs.io import atomic_write_bytes

__all__ = ["png_bytes", "sweep_bands_figure", "write_sweep_report"]

#: Rows of the band chart when the sweep's own rows are few: the largest economies.
EXTRA_ROWS = ("USA", "CHN", "DEU", "JPN", "IND", "GBR", "FRA", "CAN", "MEX", "KOR")


def png_bytes(fig: Figure, dpi: int) -> bytes:
    """``fig`` as PNG bytes (white background, no software tag: reproducible files)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def _band_columns(summary: pd.DataFrame) -> tuple[str, str, str]:
    pcols = [c for c in summary.columns if c.startswith("p")]
    if len(pcols) < 2:
        raise InputError("a band chart needs at least two percentiles (e.g. 5,50,95)")
    lo, hi = pcols[0], pcols[-1]
    mid = "p50" if "p50" in pcols else pcols[len(pcols) // 2]
    return lo, mid, hi


def sweep_bands_figure(summary: pd.DataFrame, *, column: str, title: str) -> Figure:
    """Horizontal bands (lowest to highest percentile) with the median marked, one row each."""
    lo, mid, hi = _band_columns(summary)
    rows = list(summary.index)[::-1]
    fig = Figure(figsize=(8.0, 0.45 * len(rows) + 1.6))
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(rows))
    lows = summary.loc[rows, lo].to_numpy(dtype=float)
    highs = summary.loc[rows, hi].to_numpy(dtype=float)
    mids = summary.loc[rows, mid].to_numpy(dtype=float)
    colors = ["#3a75b0" if m >= 0 else "#c0504d" for m in mids]
    ax.hlines(y, lows, highs, colors=colors, linewidth=6, alpha=0.45)
    ax.scatter(mids, y, color=colors, zorder=3, s=28, label=f"median ({mid})")
    ax.axvline(0.0, color="black", linewidth=0.8)
    labels = [
        f"{r} ({int(summary.loc[r, 'members'])})" if summary.loc[r, "members"] > 1 else str(r)
        for r in rows
    ]
    ax.set_yticks(y, labels)
    ax.set_xlabel(
        f"{column.removesuffix('_pct')} change from the baseline, % "
        f"(band: {lo[1:]}th to {hi[1:]}th percentile across draws)"
    )
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(axis="x", color="#dddddd")
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def write_sweep_report(
    result: Any,
    out_dir: str | Path,
    *,
    column: str = "welfare_pct",
    rows: Sequence[str] | None = None,
    dpi: int = 150,
) -> Path:
    """Write ``sweep_bands.png`` and ``sweep_report.html`` for a finished sweep.

    Args:
        result: a :class:`blocs.sweep.SweepResult`.
        out_dir: folder (created if needed; must not be a file).
        column: the outcome (``welfare_pct`` by default).
        rows: countries and groups (default: the sweep's rows plus the largest economies).

    Returns:
        The path of the HTML file.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"out_dir={out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(rows or result.spec.rows)
    if rows is None:
        chosen += [c for c in EXTRA_ROWS if c in result.economy.iso3 and c not in chosen]
    summary = result.summary(chosen, column=column)
    name = result.scenario.name
    draws = int(summary["draws"].max()) if len(summary) else 0
    fig = sweep_bands_figure(
        summary, column=column, title=f"{name}: {draws} draws, uncertainty of {column}"
    )
    png = png_bytes(fig, dpi)
    atomic_write_bytes(out / "sweep_bands.png", png)
    table = summary.drop(columns=["failed"]).to_html(
        float_format=lambda v: f"{v:.3f}", border=0, classes="t"
    )
    manifest = html.escape(json.dumps(result.manifest, indent=2, default=str))
    img = base64.b64encode(png).decode("ascii")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{html.escape(name)}: sweep</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}}
table.t{{border-collapse:collapse}} table.t td,table.t th{{padding:2px 10px;text-align:right}}
pre{{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}}</style></head><body>
<h1>{html.escape(name)}: uncertainty across {draws} parameter draws</h1>
<p>Each draw solves the scenario with its own parameters (see the manifest below). Bands run
from the lowest to the highest percentile across converged draws; dots are medians. Group rows
average their members weighted by baseline expenditure within each draw. Failed draws:
{result.n_failed}.</p>
<img alt="percentile bands of {html.escape(column)}" style="max-width:100%" src="data:image/png;base64,{img}">
<h2>Percentiles ({html.escape(column)}, %)</h2>{table}
<h2>Manifest</h2><pre>{manifest}</pre></body></html>
"""
    path = out / "sweep_report.html"
    atomic_write_bytes(path, page.encode("utf-8"))
    return path
