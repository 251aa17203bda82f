"""The coalition report page: the summary in words, the tables and the self-contained HTML
(see :mod:`blocs.report.coalition`), and the writer of figures and page.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from blocs.coalitions import STABILITY_TOL, CoalitionResults, settings
from blocs.report.coalition_common import (
    HTML_FILE,
    MAX_NAMED,
    alone_label,
    cost_axis,
    effect_words,
    efficient_frontier,
    fmt,
    name_list,
    punishment_words,
)
from blocs.report.coalition_figures import figure_makers
from blocs.report.coalition_tables import ally_table, credibility_table, frontier_table
from blocs.report.html import CSP, DPI, write_figures_and_page
from blocs.report.page import CSS, escape, img_tag, list_and
from blocs.version import VERSION

__all__ = ["render_coalition_html", "summary_sentences", "write_coalition_report"]

_EXTRA_CSS = ".wide { overflow-x: auto; }\n"


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
    first, last = fmt(c.expected_leverage[0]), fmt(c.expected_leverage[-1])
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
    x, _, unit = cost_axis(res)
    lev0, levg = float(res.leverage_pct[0]), float(res.leverage_pct[g])
    resp = spec.response if isinstance(spec.response, str) else f"{100 * spec.response:g} %"
    ratio = f", {levg / lev0:.2f} times as much" if lev0 > 0 and np.isfinite(levg) else ""
    cost_g = float(res.cost_pct[g])
    bn = f"{fmt(abs(x[g]))} $bn, " if unit == "$bn" else ""
    cost = f"{'lose' if cost_g >= 0 else 'gain'} {bn}{fmt(abs(cost_g))} % of their expenditure"
    whose = f"{pl.target}'s welfare"
    out = [
        f"{pl.leader} alone levying a {100 * spec.tariff:g} % tariff on {pl.target} "
        f"(response: {resp}) {effect_words(lev0, whose)}; the grand coalition "
        f"of {pl.leader} and all {pl.k} allies ({', '.join(pl.allies)}) {effect_words(levg, 'it')}"
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
            f"No coalition loses at least {settings.MATERIAL_COST_PCT:g} % on net, so "
            "efficiency (the target's loss per dollar the members lose) is not reported."
            f"{free}"
        )
    else:
        out.append(
            f"The most efficient coalition is {alone_label(res, best)}: {fmt(res.efficiency[best])} $ "
            f"of {pl.target}'s loss per $ its members lose (cost {fmt(x[best])} {unit}, "
            f"leverage {fmt(res.leverage_pct[best])} %; grand coalition: "
            f"{fmt(res.efficiency[g])} $ per $).{free}"
        )
    on = np.flatnonzero(efficient_frontier(x, res.leverage_pct))
    on = on[np.argsort(x[on], kind="stable")]
    out.append(
        f"{on.size} of the {len(res.masks)} coalitions are on the efficient frontier (no other "
        f"coalition has as much leverage for less cost): {name_list(res, on)}."
    )
    stay = np.array([res.join_gain[g ^ 1 << j, j] for j in range(pl.k)])
    riders = [
        f"{a} ({fmt(-v, signed=True)} pp outside)"
        for a, v in zip(pl.allies, stay, strict=True)
        if v < -STABILITY_TOL
    ]
    keen = [a for a, v in zip(pl.allies, res.join_gain[0], strict=True) if v > STABILITY_TOL]
    if riders:
        out.append(
            f"Free-riders: {list_and(riders)} would gain by leaving the grand coalition "
            "and letting the others tariff."
        )
    else:
        out.append("No ally gains by leaving the grand coalition: nobody free-rides.")
    out.append(
        f"Joining {pl.leader} alone pays for {list_and(keen)}."
        if keen
        else f"Joining {pl.leader} alone pays for no ally."
    )
    stable = np.flatnonzero(res.stable)
    out.append(
        f"Stable coalitions (no member gains by leaving, no outsider by joining; d'Aspremont "
        f"et al. 1983): {name_list(res, stable, 10)}."
        if stable.size
        else "No coalition is stable (in each, a member gains by leaving or an outsider by "
        "joining)."
    )
    if res.reaching:
        out.append(
            f"The smallest coalitions reaching {spec.leverage_multiple:g} times the leverage of "
            f"{pl.leader} alone ({fmt(res.threshold)} %): {name_list(res, res.reaching)}."
        )
    elif np.isfinite(res.threshold) and lev0 > 0:
        out.append(
            f"No coalition reaches {spec.leverage_multiple:g} times the leverage of "
            f"{pl.leader} alone ({fmt(res.threshold)} %)."
        )
    c = res.credibility
    if c is not None:
        grand = [f"{a} {fmt(p)}" for a, p in zip(pl.allies, c.p_star_grand, strict=True)]
        alone = [f"{a} {fmt(p)}" for a, p in zip(pl.allies, c.p_star_alone, strict=True)]
        out.append(
            f"Credibility: if {pl.leader} re-imposes {punishment_words(res, own=True)} on a member with "
            "probability p, staying in the grand coalition pays only for p below p* = "
            f"{list_and(grand)}; joining {pl.leader} alone below p* = {list_and(alone)} "
            "(0: joining does not pay even with a reliable leader; 1: it pays even when "
            f"betrayal is sure). {_expected(res)}"
        )
    if res.failures:
        out.append(
            f"{len(res.failures)} coalitions did not converge and are left out of the "
            f"figures: {list_and(res.failures[:MAX_NAMED])}."
        )
    return out


# ----------------------------------------------------------------------------------------
# HTML


def _figure(data: bytes, alt: str, caption: str) -> str:
    return f"<figure>{img_tag(data, alt)}<figcaption>{escape(caption)}</figcaption></figure>"


def _variant_html(res: CoalitionResults, images: Mapping[str, bytes], prefix: str) -> str:
    """The four figure sections of one variant (``h`` the heading tag)."""
    pl, g = res.players, res.grand
    h = "h3" if prefix else "h2"
    _, xlabel, _ = cost_axis(res)
    stable = np.flatnonzero(res.stable)
    stable_list = (
        "<ul class='notes'>"
        + "".join(f"<li>{escape(alone_label(res, m))}</li>" for m in stable)
        + "</ul>"
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
        frontier_table(res),
        "</section>",
        f"<section><{h}>Shapley values</{h}>",
        _figure(
            images[prefix + "coalition_shapley.png"],
            "Bar chart of each ally's Shapley value",
            f"Each ally's Shapley value: its average marginal contribution to {pl.target}'s "
            "welfare loss over all orders in which the allies could join (percentage points). "
            f"The values add up to the grand coalition's leverage minus {pl.leader}'s alone: "
            f"{fmt(res.leverage_pct[g], 3)} % - {fmt(res.leverage_pct[0], 3)} % = "
            f"{fmt(total, 3)} pp. Circles: the ally's contribution when it joins "
            f"{pl.leader} alone; crosses: when it joins last.",
        ),
        "<p class='notes'>Marginal first / last: extra leverage when the ally joins the "
        "leader alone / joins last. Join alone / stay in grand: the ally's welfare gain from "
        "joining the leader alone / all the others.</p>",
        f"<div class='wide'>{ally_table(res)}</div>",
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
            f"<section><{h}>Credibility of {escape(pl.leader)}</{h}>",
            _figure(
                images[prefix + "coalition_credibility.png"],
                "Chart of each ally's break-even probability and of the expected leverage",
                f"Left: p*, the probability of {pl.leader} re-imposing {punishment_words(res, own=True)} on "
                "a member above which joining no longer pays (filled: staying in the grand "
                f"coalition; open: joining {pl.leader} alone). Right: the leverage "
                f"{pl.leader} can expect when it betrays each member with probability p: the "
                "allies with p < p* stay, each betrayal changing the grand coalition's "
                "leverage (first order).",
            ),
            credibility_table(res),
            "</section>",
        ]
    return "\n".join(parts)


def render_coalition_html(
    res: CoalitionResults, images: Mapping[str, bytes], *, generated: _dt.date | None = None
) -> str:
    """The report page with ``images`` (file name -> PNG bytes) inlined."""
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
        (f"Leverage, {pl.leader} alone", f"{fmt(lev0)} %"),
        ("Leverage, grand coalition", f"{fmt(levg)} %"),
        ("Grand / alone", f"{levg / lev0:.2f}x" if lev0 > 0 else "–"),
        ("Stable coalitions", str(int(res.stable.sum()))),
    ]
    failures = res.failures + (res.america_first.failures if res.america_first else [])
    warn = (
        f"<div class='warning'><strong>{len(failures)} equilibria did not converge</strong> "
        f"({escape(', '.join(failures[:MAX_NAMED]))}); their rows are NaN and left out of the "
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
            f"drops them for members): leverage {fmt(af.leverage_pct[0])} % alone, "
            f"{fmt(af.leverage_pct[g])} % for the grand coalition; stable coalitions: "
            f"{escape(name_list(af, st, 10) if st.size else 'none')}. See the last section.</p>"
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}{_EXTRA_CSS}</style></head><body><main>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        f"<p class='lede'>{escape(lede)}</p>",
        f"<p class='meta'>Data: {escape(res.source or spec.data)}</p>",
        f"<p class='meta'>Generated {generated.isoformat()} by blocs {escape(VERSION)}; "
        f"solved in {res.seconds:.1f} s</p>",
        "</header>",
        warn,
        "<section class='summary'><h2>Summary</h2>",
        "<div class='cards'>"
        + "".join(
            f"<div class='card'><div class='label'>{escape(k)}</div>"
            f"<div class='value'>{escape(v)}</div></div>"
            for k, v in cards
        )
        + "</div>",
        "".join(f"<p>{escape(s)}</p>" for s in summary_sentences(res)),
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
            "".join(f"<p>{escape(s)}</p>" for s in summary_sentences(af)),
            "</section>",
            _variant_html(af, images, "af_"),
        ]
    parts += [
        f"<footer>blocs {escape(VERSION)} · {len(res.masks)} coalitions · largest residual "
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
    makers = figure_makers(res)
    if res.america_first is not None:
        makers.update({f"af_{n}": make for n, make in figure_makers(res.america_first).items()})
    return write_figures_and_page(
        out_dir, makers, lambda images: render_coalition_html(res, images), HTML_FILE, dpi
    )
