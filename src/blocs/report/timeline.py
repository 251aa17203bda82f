"""The timeline of US tariff regimes as a chart (PNG) and an HTML section or page.

:func:`timeline_figure` draws one data set of a :class:`~blocs.timeline.Timeline`: the US
effective tariff rate and the real income of the main economies at each regime date, the events
annotated (Geneva, the August rates, Busan, the ruling, Section 122's expiry and the forced-labour
301). :func:`timeline_section` is the HTML section (charts inlined as ``data:`` URIs, one table
per data set), :func:`write_timeline_report` writes the PNGs and a self-contained page.

Example:
    >>> from blocs.timeline import solve_timeline
    >>> tl = solve_timeline(data=("world2023",))  # doctest: +SKIP
    >>> write_timeline_report(tl, "out/timeline")  # doctest: +SKIP
    PosixPath('out/timeline/timeline.html')
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from blocs.data.us_tariffs import effective_us_tariff_rate
from blocs.errors import InputError
from blocs.io import atomic_write_bytes, atomic_write_text
from blocs.scenario import Scenario
from blocs.timeline import EVENTS, REAL_INCOME_ROWS, Timeline

__all__ = [
    "CHART_ROWS",
    "regime_section",
    "render_timeline_html",
    "timeline_figure",
    "timeline_png",
    "timeline_section",
    "write_timeline_report",
]

#: Rows drawn in the real-income panels (every row of the table is in the HTML table).
CHART_ROWS = ("USA", "CHN", "CAN", "MEX", "EU27", "JPN", "IND", "world")
_COLORS = {
    "USA": "#1f4e9c", "CHN": "#c0392b", "CAN": "#e67e22", "MEX": "#27ae60", "EU27": "#8e44ad",
    "JPN": "#7f8c8d", "IND": "#b7950b", "world": "#111111",
}  # fmt: skip
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}"
    "table{border-collapse:collapse;font-size:12px;margin:1em 0}"
    "td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:right}"
    "th:first-child,td:first-child{text-align:left}img{max-width:100%}"
    ".neg{color:#b03a2e}.pos{color:#1e8449}.note{font-size:12px;color:#555}"
)


def _select(table: pd.DataFrame, data: str, retaliation: bool, path: str) -> pd.DataFrame:
    sub = table[(table.data == data) & (table.retaliation == retaliation) & (table.path == path)]
    return sub.sort_values("date")


def _dates(sub: pd.DataFrame) -> list:
    return list(pd.to_datetime(sub["date"]))


def timeline_figure(table: pd.DataFrame, data: str) -> Figure:
    """Three panels sharing a date axis: the US effective tariff rate; real income without
    retaliation; real income with the retaliation in force (where the table has it).

    Solid lines: the record as enacted; dashed: from the ruling on, had IEEPA been upheld.
    """
    if not (table.data == data).any():
        raise InputError(f"timeline_figure: no rows for data {data!r} in the table")
    rets = [r for r in (False, True) if ((table.data == data) & (table.retaliation == r)).any()]
    fig = Figure(figsize=(11, 3.4 + 3.0 * len(rets)), layout="constrained")
    axes = fig.subplots(1 + len(rets), 1, sharex=True)
    ax0 = axes[0]
    enacted = _select(table, data, rets[0], "enacted")
    upheld = _select(table, data, rets[0], "ieepa_upheld")
    ax0.plot(_dates(enacted), enacted.effective_tariff_pct, "o-", color="#1f4e9c",
             label="as enacted")  # fmt: skip
    if len(upheld):
        ax0.plot(_dates(upheld), upheld.effective_tariff_pct, "s--", color="#1f4e9c",
                 alpha=0.6, label="had IEEPA been upheld")  # fmt: skip
    ax0.set_ylabel("US effective tariff (%)")
    fig.suptitle(f"US tariff regimes 2025-2026 on {data}: effective tariff rate (import-weighted,"
                 " pre-substitution) and real income", fontsize=11, x=0.01, ha="left")  # fmt: skip
    ax0.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    for ax, ret in zip(axes[1:], rets, strict=True):
        sub = _select(table, data, ret, "enacted")
        up = _select(table, data, ret, "ieepa_upheld")
        for row in CHART_ROWS:
            col = f"real_income_{row}_pct"
            ax.plot(_dates(sub), sub[col], "o-", ms=3, color=_COLORS[row], label=row,
                    lw=2.2 if row in ("USA", "world") else 1.3)  # fmt: skip
            if len(up) and row in ("USA", "CHN"):
                ax.plot(_dates(up), up[col], "s--", ms=3, color=_COLORS[row], alpha=0.6,
                        label=f"{row}, IEEPA upheld")  # fmt: skip
        ax.axhline(0.0, color="#999", lw=0.8)
        what = "with the retaliation in force" if ret else "no retaliation"
        ax.set_ylabel(f"real income (%)\n{what}")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    for day, label in EVENTS.items():
        for ax in axes:
            ax.axvline(pd.Timestamp(day), color="#aaa", lw=0.8, ls=":")
        ax0.annotate(label, (pd.Timestamp(day), 1.0), xycoords=("data", "axes fraction"),
                     xytext=(0, 3), textcoords="offset points", rotation=25, va="bottom",
                     ha="left", fontsize=8, color="#444")  # fmt: skip
    axes[-1].xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    return fig


def timeline_png(table: pd.DataFrame, data: str, *, dpi: int = 150) -> bytes:
    """:func:`timeline_figure` as PNG bytes."""
    buf = io.BytesIO()
    timeline_figure(table, data).savefig(buf, format="png", dpi=dpi, facecolor="white",
                                         metadata={"Software": None})  # fmt: skip
    return buf.getvalue()


def _cell(v: object, signed: bool = True) -> str:
    if isinstance(v, float | np.floating):
        if np.isnan(v):
            return "<td>–</td>"
        cls = "neg" if v < 0 else ("pos" if v > 0 else "")
        return f"<td class='{cls}'>{v:+.2f}</td>" if signed else f"<td>{v:.1f}</td>"
    return f"<td>{html.escape(str(v))}</td>"


def _html_table(table: pd.DataFrame, data: str) -> str:
    heads = ["date", "regime", "retaliation", "path", "tariff %",
             *REAL_INCOME_ROWS, "US prices", "US revenue", "status"]  # fmt: skip
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads) + "</tr>"]
    for r in table[table.data == data].itertuples(index=False):
        cells = [
            _cell(str(r.date)),
            _cell(r.regime),
            _cell("yes" if r.retaliation else "no"),
            _cell(r.path.replace("_", " ")),
            _cell(float(r.effective_tariff_pct), False),
        ]
        cells += [_cell(float(getattr(r, f"real_income_{row}_pct"))) for row in REAL_INCOME_ROWS]
        cells += [_cell(float(r.us_prices_pct)), _cell(float(r.us_tariff_revenue_pct)),
                  _cell(r.status)]  # fmt: skip
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out) + "</table>"


def timeline_section(table: pd.DataFrame, images: Mapping[str, bytes]) -> str:
    """The timeline as an HTML ``<section>``: per data set, its chart (``images[data]``, PNG
    bytes, inlined) and its table (real income and prices in % change; revenue in % of
    baseline US expenditure)."""
    parts = ["<section><h2>US tariff regimes, 2025-2026</h2>",
             "<p class='note'>Each regime is the tariffs in force at its date (blocs.data."
             "us_tariffs); real income, US prices and US tariff revenue are changes from the "
             "data's baseline; the effective tariff rate is US import-weighted, "
             "pre-substitution, over all goods imports (2023 exporter weights, BACI, with "
             "icio2022's sector mix).</p>"]  # fmt: skip
    for data in dict.fromkeys(table.data):
        parts.append(f"<h3>{html.escape(str(data))}</h3>")
        if data in images:
            b64 = base64.b64encode(images[data]).decode("ascii")
            parts.append(f'<img src="data:image/png;base64,{b64}" '
                         f'alt="US tariff regimes on {html.escape(str(data))}">')  # fmt: skip
        parts.append(_html_table(table, data))
    return "".join(parts) + "</section>"


def render_timeline_html(timeline: Timeline, images: Mapping[str, bytes]) -> str:
    """A self-contained page: the section, the notes, the time it took."""
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in timeline.notes)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>blocs timeline</title><style>{_CSS}</style></head><body><main>"
        + timeline_section(timeline.table, images)
        + f"<h3>Notes</h3><ul class='note'>{notes}</ul>"
        + f"<p class='note'>{len(timeline.table)} rows, solved in {timeline.seconds:.1f} s.</p>"
        + "</main></body></html>\n"
    )


def write_timeline_report(timeline: Timeline, out_dir: str | Path, *, dpi: int = 150) -> Path:
    """Write ``timeline_<data>.png`` for each data set and ``timeline.html``; returns the page."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"out_dir {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    images = {
        d: timeline_png(timeline.table, d, dpi=dpi) for d in dict.fromkeys(timeline.table.data)
    }
    for d, png in images.items():
        atomic_write_bytes(out / f"timeline_{d}.png", png)
    page = out / "timeline.html"
    atomic_write_text(page, render_timeline_html(timeline, images))
    return page


def regime_section(scenario: Scenario) -> str:
    """For a scenario with ``[us_tariffs]``: an HTML ``<section>`` placing its date on the
    2025-2026 timeline (the US effective tariff rate then, the events up to it) and pointing
    to ``blocs timeline``, which solves every regime; ``""`` for any other scenario."""
    ust = scenario.us_tariffs
    if ust is None:
        return ""
    day = ust.on()
    rate = effective_us_tariff_rate(day, **ust.compiler_options())
    past = "".join(
        f"<li>{d.isoformat()}: {html.escape(label)}</li>" for d, label in EVENTS.items() if d <= day
    )
    return (
        "<section><h2>US tariff regimes, 2025-2026</h2>"
        f"<p>This run starts from the US tariffs in force on {day.isoformat()} "
        f"(IEEPA: {html.escape(ust.ieepa)}); their US import-weighted effective tariff rate is "
        f"{rate:.1f} % (pre-substitution, all goods imports, 2023 exporter weights; "
        "docs/us_tariffs.md).</p>"
        + (f"<p>Events up to that date:</p><ul>{past}</ul>" if past else "")
        + "<p class='note'>The path through every regime (both data sets, retaliation on and "
        "off, the IEEPA-upheld counterfactual) is <code>blocs timeline --report DIR</code>, "
        "which writes this section's full version with its chart (docs/timeline.md).</p>"
        "</section>"
    )
