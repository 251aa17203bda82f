"""One self-contained HTML report of a solved scenario, plus its figures as PNG files.

The page needs nothing but itself: the figures are embedded as base64 ``data:`` URIs, the CSS is
inline, there is no JavaScript and no reference to any other file or web address, so it can be
mailed, archived or opened offline. Every sentence of the summary is generated from the numbers.

Example:
    >>> import blocs
    >>> from blocs.report import write_report
    >>> run = blocs.run_scenario("liberation-day")
    >>> path = write_report(run, "out/liberation-day")  # doctest: +SKIP
    >>> sorted(p.name for p in path.parent.iterdir())  # doctest: +SKIP
    ['report.html', 'tariffs.png', 'welfare_bars.png', 'welfare_map.png']
"""

from __future__ import annotations

import datetime as _dt
import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from blocs.errors import InputError
from blocs.io import atomic_write_bytes
from blocs.models.registry import get_model, model_for
from blocs.report import figures as F
from blocs.report.page import CSS, escape, html_table, img_tag, list_and, num_td
from blocs.report.timeline import regime_section

if TYPE_CHECKING:
    from blocs.run import Run

__all__ = ["FIGURE_FILES", "render_html", "summary_sentences", "write_report"]

#: The PNG files written next to ``report.html`` (also embedded in it).
FIGURE_FILES = ("welfare_bars.png", "welfare_map.png", "tariffs.png")

#: The page's Content-Security-Policy: nothing may be loaded but inline images and CSS, so a
#: viewer never contacts the network, even if a future edit added an external reference.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

#: Resolution of the PNG figures (dots per inch).
DPI = 150

#: Columns of the country table: (column, title, unit / note).
TABLE_COLUMNS = (
    ("welfare_pct", "Real income", "% change"),
    ("deficit_change_pct", "Trade deficit", "% change"),
    ("exports_gdp_pct", "Exports / GDP", "% change"),
    ("imports_gdp_pct", "Imports / GDP", "% change"),
    ("employment_pct", "Employment", "% change"),
    ("cpi_pct", "Consumer prices", "% change"),
    ("tariff_revenue_pct", "Tariff revenue", "% of expenditure"),
)

#: Columns of multi-sector runs: the exact change and the paper's labelled decomposition.
MULTISECTOR_TABLE_COLUMNS = (
    ("welfare_pct", "Real income (exact)", "% change"),
    ("welfare_linear_pct", "ToT + VoT (first order)", "% change, Caliendo-Parro Table 2"),
    ("tot_pct", "Terms of trade", "% of income"),
    ("vot_pct", "Volume of trade", "% of income"),
    ("real_wage_pct", "Real wage", "% change"),
    ("exports_gdp_pct", "Exports / GDP", "% change"),
    ("imports_gdp_pct", "Imports / GDP", "% change"),
    ("cpi_pct", "Consumer prices", "% change"),
    ("tariff_revenue_pct", "Tariff revenue", "% of income"),
)


def _columns(run: Run) -> tuple[tuple[str, str, str], ...]:
    multisector = model_for(run.economy).multisector
    return MULTISECTOR_TABLE_COLUMNS if multisector else TABLE_COLUMNS


_THE = {
    "Bahamas",
    "Comoros",
    "Gambia",
    "Maldives",
    "Netherlands",
    "Philippines",
    "Seychelles",
}


# ----------------------------------------------------------------------------------------
# Words


def _the(name: str) -> str:
    """``the United States``, ``the Netherlands``, ``China``."""
    first = name.split(" ")[0]
    if (
        name in _THE
        or first
        in {"United", "Republic", "Central", "Dominican", "Russian", "Slovak", "Czech", "Rest"}
        or name.endswith("Islands")
    ):
        return f"the {name[0].lower()}{name[1:]}" if first == "Rest" else f"the {name}"
    return name


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _moves(v: float, *, subject_verb: tuple[str, str] = ("rises", "falls")) -> str:
    """``rises by 1.13 %`` / ``falls by 1.13 %`` / ``is unchanged``."""
    if not np.isfinite(v):
        return "is not available"
    if round(abs(float(v)), 2) == 0:
        return "is practically unchanged (less than 0.01 %)"
    verb = subject_verb[0] if v > 0 else subject_verb[1]
    return f"{verb} by {F.fmt_pct(abs(v), signed=False)} %"


def _verb(pairs: pd.DataFrame, ending: str) -> str:
    """``raise`` / ``lower`` / ``change`` (+ ``ending``) for a set of changed pairs."""
    up = bool((pairs["tariff_after_pct"] >= pairs["tariff_before_pct"]).all())
    down = bool((pairs["tariff_after_pct"] <= pairs["tariff_before_pct"]).all())
    return ("raise" if up else "lower" if down else "change") + ending


def _name(run: Run, code: str) -> str:
    return F.display_name(run, code)


def summary_sentences(run: Run, *, weights: str = "expenditure") -> list[str]:
    """The report's summary: plain sentences generated from the results.

    Example: ``["The United States raises its tariffs on imports from 193 economies ...",
    "Real income in the United States rises by 1.13 %; in China it falls by 1.13 %.", ...]``
    """
    w = run.countries.set_index("iso3")["welfare_pct"]
    lead = F.leader(run)
    out: list[str] = []

    if lead is None:
        out.append("This scenario changes no tariffs.")
    else:
        by_imp = F.tariffs_by_importer(run)
        pairs = F.changed_pairs(run)
        if lead in set(by_imp["importer"]):
            row = by_imp.set_index("importer").loc[lead]
            g = pairs[pairs["importer"] == lead]
            k = len(g)
            out.append(
                f"{_cap(_the(_name(run, lead)))} {_verb(g, 's')} its tariffs on imports from "
                f"{k} {'economy' if k == 1 else 'economies'} "
                f"({row['imports_affected_pct']:.0f} % of its imports): its average tariff, "
                f"weighted by baseline trade, goes from {row['avg_before_pct']:.1f} % to "
                f"{row['avg_after_pct']:.1f} %."
            )
        rest = pairs[pairs["importer"] != lead]
        if len(rest):
            m = rest["importer"].nunique()
            other = " other" if out else ""
            who = f"{m}{other} {'economy' if m == 1 else 'economies'}"
            if (rest["exporter"] == lead).all():
                what = f"on goods from {_the(_name(run, lead))}"
            else:
                what = f"on {len(rest)} bilateral trade flows"
            verb = _verb(rest, "s" if m == 1 else "")
            before, after = F.world_average_tariff(run)
            out.append(
                f"{_cap(who)} {verb} {'its' if m == 1 else 'their'} tariffs {what}; the "
                f"average tariff on world trade, weighted by baseline trade, goes from "
                f"{before:.1f} % to {after:.1f} %."
            )

    focus = lead if lead is not None else F.counterpart(run, None)
    cp = F.counterpart(run, focus)
    out.append(
        f"Real income in {_the(_name(run, focus))} {_moves(float(w[focus]))}; "
        f"in {_the(_name(run, cp))} it {_moves(float(w[cp]))}."
    )

    others = w.drop(focus).dropna()
    if len(others):
        non = "non-US" if focus == "USA" else f"non-{focus}"
        avg = float(run.summary([non], weights=weights).loc[non, "welfare_pct"])
        lose, gain = int((others < 0).sum()), int((others > 0).sum())
        out.append(
            f"{lose} of the {len(others)} other economies lose and {gain} gain; on average "
            f"(weighted by baseline {weights}) their real income {_moves(avg)}."
        )
        worst = others.nsmallest(3)
        best = others.nlargest(3)
        parts = []
        worst = worst[(worst < 0) & (worst.abs().round(2) > 0)]
        best = best[(best > 0) & (best.round(2) > 0)]
        if len(worst):
            items = [f"{_the(_name(run, c))} ({F.fmt_pct(v)} %)" for c, v in worst.items()]
            parts.append(f"the largest losses are in {list_and(items)}")
        if len(best):
            items = [f"{_the(_name(run, c))} ({F.fmt_pct(v)} %)" for c, v in best.items()]
            parts.append(f"the largest gains in {list_and(items)}")
        if parts:
            out.append(_cap("; ".join(parts)) + ".")

    named = [r for r in F.group_rows(run) if not r.lower().startswith("non-")]
    if named:
        s = run.summary(named, weights=weights)
        bits = []
        for r in named:
            label = "the world as a whole" if r == "ALL" else f"the {r}"
            bits.append(f"for {label} real income {_moves(float(s.loc[r, 'welfare_pct']))}")
        out.append(_cap("; ".join(bits)) + f" (averages weighted by baseline {weights}).")
    return out


# ----------------------------------------------------------------------------------------
# HTML pieces


def _country_table(run: Run, highlight: set[str]) -> str:
    df = run.countries.sort_values("welfare_pct", ascending=False, kind="stable")
    header = [("#", "", True), ("Economy", "", False), ("ISO3", "", False)]
    header += [(title, unit, True) for _, title, unit in _columns(run)]
    rows, classes = [], []
    for rank, rec in enumerate(df.itertuples(index=False), start=1):
        r = rec._asdict()
        cells = [
            f'<td class="num">{rank}</td>',
            f"<td>{escape(_name(run, str(r['iso3'])))}</td>",
            f"<td>{escape(r['iso3'])}</td>",
        ]
        for col, _, unit in _columns(run):
            v = float(r[col])
            cells.append(num_td(v, signed=unit.startswith("% change"), color=col == "welfare_pct"))
        rows.append(cells)
        classes.append("focus" if r["iso3"] in highlight else "")
    return html_table(header, rows, row_classes=classes)


def _group_table(run: Run, rows: list[str], weights: str) -> str:
    s = run.summary(rows, weights=weights)
    header = [("Group", "", False), ("Economies", "", True)]
    header += [(title, unit, True) for _, title, unit in _columns(run)]
    body = []
    for r in rows:
        cells = [
            f"<td>{escape(F.group_name(r))}</td>",
            f'<td class="num">{int(s.loc[r, "members"])}</td>',
        ]
        for col, _, unit in _columns(run):
            v = float(s.loc[r, col])
            cells.append(num_td(v, signed=unit.startswith("% change"), color=col == "welfare_pct"))
        body.append(cells)
    return html_table(header, body, row_classes=None)


def _tariff_table(run: Run, limit: int = 15) -> str:
    df = F.tariffs_by_importer(run)
    if df.empty:
        return "<p>No tariff changes.</p>"
    header = [
        ("Importer", "", False),
        ("Exporters affected", "", True),
        ("Imports affected", "% of imports", True),
        ("Average tariff before", "%, trade-weighted", True),
        ("Average tariff after", "%, trade-weighted", True),
    ]
    rows = []
    for r in df.iloc[:limit].itertuples(index=False):
        rows.append(
            [
                f"<td>{escape(r.name)} ({escape(r.importer)})</td>",
                f'<td class="num">{int(r.pairs_changed)}</td>',
                num_td(float(r.imports_affected_pct), signed=False, digits=1),
                num_td(float(r.avg_before_pct), signed=False, digits=1),
                num_td(float(r.avg_after_pct), signed=False, digits=1),
            ]
        )
    out = html_table(header, rows, row_classes=None)
    if len(df) > limit:
        out += f"<p class='notes'>… and {len(df) - limit} more importers (largest shown).</p>"
    return out


def _solver_table(run: Run) -> str:
    s = run.manifest.get("solver", {})

    def g(key: str, fmt: Callable[[Any], str] = str) -> str:
        v = s.get(key)
        return "–" if v is None else fmt(v)

    items = [
        ("Status", g("status")),
        ("Method", g("method")),
        ("Iterations", g("iterations")),
        ("Largest scaled residual", g("max_residual", lambda v: f"{float(v):.2e}")),
        ("Walras' law residual", g("walras_residual", lambda v: f"{float(v):.2e}")),
        ("Tolerance", g("tolerance", lambda v: f"{float(v):.0e}")),
        ("Solve time", g("solve_seconds", lambda v: f"{float(v):.2f} s")),
    ]
    rows = "".join(
        f"<tr><th scope='row'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in items
    )
    return f"<table class='kv'><tbody>{rows}</tbody></table>"


def _card(label: str, v: float) -> str:
    cls = "pos" if v > 0 else "neg" if v < 0 else ""
    return (
        f"<div class='card'><div class='label'>{escape(label)}</div>"
        f"<div class='value {cls}'>{escape(F.fmt_pct(v))} %</div></div>"
    )


def render_html(
    run: Run,
    images: Mapping[str, bytes],
    *,
    weights: str = "expenditure",
    generated: _dt.date | None = None,
) -> str:
    """The report page, with ``images`` (file name in :data:`FIGURE_FILES` -> PNG bytes) inlined."""
    sc = run.scenario.scenario
    w = run.countries.set_index("iso3")["welfare_pct"]
    lead = F.leader(run)
    focus = lead if lead is not None else F.counterpart(run, None)
    cp = F.counterpart(run, focus)
    rows = F.group_rows(run)
    groups = run.summary(rows, weights=weights)
    solver = run.manifest.get("solver", {})
    generated = generated or _dt.datetime.now(_dt.UTC).date()
    version = run.manifest.get("blocs_version", "")
    data = run.manifest.get("data", {})

    n_sectors = len(getattr(run.economy, "sectors", ()) or ())
    sector_note = (
        f" With {n_sectors} sectors, each pair's tariff is the average over sectors weighted "
        "by baseline trade."
        if n_sectors > 1
        else ""
    )
    cards = [_card(f"Real income, {_name(run, focus)}", float(w[focus]))]
    cards.append(_card(f"Real income, {_name(run, cp)}", float(w[cp])))
    for r in rows:
        cards.append(
            _card(f"Real income, {F.group_name(r)} (average)", float(groups.loc[r, "welfare_pct"]))
        )

    warn = ""
    if solver.get("status") not in (None, "converged"):
        warn = (
            "<div class='warning'><strong>The solver did not converge.</strong> The numbers "
            "below are not an equilibrium; do not use them. See the solver diagnostics.</div>"
        )

    summary = "".join(f"<p>{escape(s)}</p>" for s in summary_sentences(run, weights=weights))
    title = f"{sc.name}: economic effects of the tariff scenario"
    params = run.manifest.get("parameters", {})
    kind = str(run.manifest.get("model_name") or getattr(run.scenario, "kind", None) or sc.model)
    model = get_model(kind).title or kind
    if "trade_elasticity" in params:
        model += f", trade elasticity {float(params['trade_elasticity']):g}"
    meta = [
        f"Model: {model}",
        f"Data: {data.get('source', '')}",
        f"Generated {generated.isoformat()} by blocs {version}",
    ]
    if getattr(sc, "source", None):
        meta.insert(0, f"Scenario source: {sc.source}")

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        f"<p class='lede'>{escape(sc.description)}</p>" if sc.description else "",
        "".join(f"<p class='meta'>{escape(m)}</p>" for m in meta),
        "</header>",
        warn,
        "<section class='summary'><h2>Summary</h2>",
        f"<div class='cards'>{''.join(cards)}</div>",
        summary,
        "<p class='notes'>Real income is the model's welfare measure (the change in what "
        "a country's income buys, tariff revenue included). All changes are relative to the "
        "baseline year of the data and are long-run equilibrium effects.</p>",
        "</section>",
        "<section><h2>Who gains and who loses</h2>",
        "<figure>",
        img_tag(
            images["welfare_bars.png"], "Bar chart of the largest real income gains and losses"
        ),
        "<figcaption>Change in real income (%). Top: group averages, weighted by baseline "
        f"{escape(weights)}. Bottom: the economies with the largest gains and losses.</figcaption>",
        "</figure>",
        _group_table(run, rows, weights),
        "</section>",
        "<section><h2>World map</h2>",
        "<figure>",
        img_tag(images["welfare_map.png"], "World map of real income changes by economy"),
        "<figcaption>Change in real income (%): blue = gain, red = loss, white = no change, "
        "grey = not in the data. Economies too small to draw are dots at their capital. "
        "Borders: Natural Earth (public domain); they imply no position on disputed "
        "territories.</figcaption>",
        "</figure>",
        "</section>",
        "<section><h2>Tariffs applied</h2>",
        "<figure>",
        img_tag(images["tariffs.png"], "Chart of the new tariffs on the largest trade flows"),
        "<figcaption>Tariff before (black tick) and after (bar), % ad valorem, on the largest "
        "changed trade flows; in brackets the flow's share of the importer's imports in the "
        f"baseline.{sector_note}</figcaption>",
        "</figure>",
        "<h3>By importer</h3>",
        _tariff_table(run),
        "</section>",
        regime_section(run.scenario),
        "<section><h2>All economies</h2>",
        "<p class='notes'>Sorted by the change in real income. Trade deficit: change of "
        "imports minus exports (customs value), relative to its baseline absolute value. "
        "Exports and imports: change of their ratio to GDP. Consumer prices depend on the "
        "numeraire. Tariff revenue: the level after the change, in % of baseline "
        "expenditure.</p>",
        _country_table(run, {focus, cp}),
        "</section>",
        "<section><h2>Solver diagnostics</h2>",
        _solver_table(run),
        "</section>",
        "<section><h2>Run manifest</h2>",
        "<p class='notes'>Everything needed to reproduce this report: scenario, model "
        "options, parameters, data checksum, software version and solver settings.</p>",
        f"<pre>{escape(json.dumps(run.manifest, indent=2, default=str, ensure_ascii=False))}</pre>",
        "</section>",
        f"<footer>blocs {escape(version)} · data checksum (SHA-256) "
        f"{escape(data.get('checksum_sha256', ''))} · map data: Natural Earth.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


# ----------------------------------------------------------------------------------------
# Files


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def write_report(
    run: Run, out_dir: str | Path, *, weights: str = "expenditure", dpi: int = DPI
) -> Path:
    """Write ``report.html`` and the figures (:data:`FIGURE_FILES`) into ``out_dir``.

    Each file is written atomically (a temporary file, then a rename); the HTML is written last,
    so its presence means the report is complete.

    Args:
        run: a solved scenario (:func:`blocs.run_scenario`).
        out_dir: the folder (created if needed).
        weights: weights of group averages: ``expenditure``, ``gdp`` or ``none``.
        dpi: resolution of the PNG figures.

    Returns:
        The path of ``report.html``.

    Raises:
        InputError: ``out_dir`` exists and is not a folder.
    """
    makers = {
        "welfare_bars.png": lambda: F.welfare_bars(run, weights=weights),
        "welfare_map.png": lambda: F.welfare_map(run),
        "tariffs.png": lambda: F.tariff_chart(run),
    }
    paths = write_figures_and_page(
        out_dir,
        makers,
        lambda images: render_html(run, images, weights=weights),
        "report.html",
        dpi,
    )
    return paths[-1]


def write_figures_and_page(
    out_dir: str | Path,
    makers: dict[str, Any],
    render: Any,
    page_name: str,
    dpi: int,
) -> list[Path]:
    """Render ``makers`` (file name -> figure factory) to PNG, write each, then the page
    ``render(images)`` (``images``: file name -> PNG bytes) as ``page_name``; every file
    atomically, the page last (its presence means the report is complete).

    Returns:
        The paths written, the page last.

    Raises:
        InputError: ``out_dir`` exists and is not a folder.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--report {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    images = {name: _png(make(), dpi) for name, make in makers.items()}
    paths = []
    for name, data in images.items():
        atomic_write_bytes(out / name, data)
        paths.append(out / name)
    page = out / page_name
    atomic_write_bytes(page, render(images).encode("utf-8"))
    return [*paths, page]
