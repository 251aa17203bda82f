"""HTML building blocks shared by the reports: the style sheet, escaping, cells, tables, images."""

from __future__ import annotations

import base64
import html

import numpy as np

from blocs.report import figures as F

__all__ = ["CSS", "escape", "html_table", "img_tag", "list_and", "num_td"]


def list_and(items: list[str]) -> str:
    """``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


CSS = """
:root { --ink: #1d2329; --muted: #5d6770; --line: #d9dee3; --gain: #2a6aa5; --loss: #b03a37;
        --accent: #1f4e79; --bg-soft: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.5 "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 28px 32px 48px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }
h1 { font-size: 26px; margin: 0 0 4px; color: var(--accent); }
h2 { font-size: 19px; margin: 34px 0 10px; color: var(--accent);
     border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.lede { font-size: 16px; margin: 4px 0 8px; }
.meta { color: var(--muted); font-size: 13px; margin: 0; }
.summary p { margin: 0 0 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 6px; }
.card { flex: 1 1 180px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px;
        background: var(--bg-soft); }
.card .label { font-size: 12.5px; color: var(--muted); }
.card .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.pos { color: var(--gain); } .neg { color: var(--loss); }
figure { margin: 12px 0 20px; page-break-inside: avoid; break-inside: avoid; }
figure img { width: 100%; height: auto; display: block; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0 16px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
th .unit { display: block; font-weight: 400; color: var(--muted); font-size: 11.5px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tr.focus td { font-weight: 600; }
.kv th { width: 34%; background: none; font-weight: 400; color: var(--muted); }
.warning { border: 2px solid var(--loss); background: #fbeaea; padding: 10px 14px;
           border-radius: 6px; margin: 12px 0; }
pre { background: var(--bg-soft); border: 1px solid var(--line); padding: 12px; font-size: 12px;
      line-height: 1.4; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
.notes { font-size: 13px; color: var(--muted); }
.notes li { margin-bottom: 4px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px;
         border-top: 1px solid var(--line); padding-top: 8px; }
@media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; }
               tr { break-inside: avoid; } }
"""


def escape(s: object) -> str:
    """HTML-escaped text (quotes too)."""
    return html.escape(str(s), quote=True)


def num_td(v: float, *, signed: bool = True, digits: int = 2, color: bool = False) -> str:
    """A numeric ``<td>``: percent, signed, coloured by sign when ``color``."""
    cls = "num"
    if color and np.isfinite(v) and round(float(v), digits) != 0:
        cls += " pos" if v > 0 else " neg"
    return f'<td class="{cls}">{escape(F.fmt_pct(v, signed=signed, digits=digits))}</td>'


def html_table(
    header: list[tuple[str, str, bool]], rows: list[list[str]], *, row_classes: list[str] | None
) -> str:
    """``header``: (title, unit, numeric); ``rows``: ready-made ``<td>`` cells."""
    th = "".join(
        ('<th scope="col" class="num">' if num else '<th scope="col">')
        + escape(t)
        + (f'<span class="unit">{escape(u)}</span>' if u else "")
        + "</th>"
        for t, u, num in header
    )
    body = []
    for k, cells in enumerate(rows):
        cls = f' class="{row_classes[k]}"' if row_classes and row_classes[k] else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def img_tag(data: bytes, alt: str) -> str:
    """An ``<img>`` with the PNG embedded (no external request)."""
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img src="data:image/png;base64,{b64}" alt="{escape(alt)}">'
