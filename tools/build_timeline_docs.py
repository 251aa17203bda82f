"""Regenerate the tables and charts of ``docs/timeline.md`` (run by a maintainer).

    python tools/build_timeline_docs.py

Solves the timeline (``blocs.timeline.solve_timeline``, both data sets, with and without
retaliation, the IEEPA-upheld path), writes ``docs/timeline_<data>.png`` and replaces the text
between the ``<!-- timeline tables -->`` markers of ``docs/timeline.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from blocs.report.timeline import timeline_png
from blocs.timeline import REAL_INCOME_ROWS, solve_timeline

DOCS = Path(__file__).resolve().parents[1] / "docs"
START, END = "<!-- timeline tables -->", "<!-- end of timeline tables -->"


def _pct(v: float) -> str:
    return f"{round(float(v), 2) + 0.0:+.2f}"  # no "-0.00"


def _table(sub: pd.DataFrame) -> str:
    heads = ["date", "regime", "tariff %", *REAL_INCOME_ROWS, "US prices", "US revenue"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for r in sub.itertuples(index=False):
        regime = r.regime + (" (IEEPA upheld)" if r.path == "ieepa_upheld" else "")
        cells = [str(r.date), regime, f"{r.effective_tariff_pct:.1f}"]
        cells += [_pct(getattr(r, f"real_income_{row}_pct")) for row in REAL_INCOME_ROWS]
        revenue = "–" if pd.isna(r.us_tariff_revenue_pct) else f"{r.us_tariff_revenue_pct:.2f}"
        cells += [_pct(r.us_prices_pct), revenue]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    tl = solve_timeline()
    t = tl.table
    parts = [START, ""]
    for data in dict.fromkeys(t.data):
        (DOCS / f"timeline_{data}.png").write_bytes(timeline_png(t, data, dpi=100))
        for ret in (False, True):
            sub = t[(t.data == data) & (t.retaliation == ret)]
            what = "with the retaliation then in force" if ret else "no retaliation"
            parts += [f"**{data}, {what}**", "", _table(sub), ""]
    bad = t[~t.status.isin(["converged", "baseline"])]
    parts += [
        f"{len(t)} rows, {len(bad)} not converged; largest residual "
        f"{t.max_residual.max():.1e}; solved in {tl.seconds:.0f} s in this process.",
        "",
        END,
    ]
    page = DOCS / "timeline.md"
    text = page.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), flags=re.S)
    page.write_text(pattern.sub(lambda _: "\n".join(parts), text), encoding="utf-8")
    print(f"updated {page} ({len(t)} rows, {tl.seconds:.1f} s)")


if __name__ == "__main__":
    main()
