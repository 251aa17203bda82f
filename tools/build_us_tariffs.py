"""Build ``src/blocs/data/us_tariffs/`` from the shared record (run by a maintainer, not at run time).

    python tools/build_us_tariffs.py /path/to/shared/data/us_tariffs_2025_2026

Writes ``timeline.csv.gz`` (the record, cleaned: every column kept, the free-text
``effective``/``ended`` values split into a date, a status and a note) and copies
``sources.md`` and ``regimes.md`` verbatim. Measure ids are kept as they are.
"""

from __future__ import annotations

import gzip
import re
import shutil
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "blocs" / "data" / "us_tariffs"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _effective(raw: str) -> tuple[str, str, str]:
    raw = raw.strip()
    if DATE.match(raw):
        return raw, "date", ""
    if raw.startswith("NOT_IMPLEMENTED"):
        return "", "not_implemented", raw
    if raw.startswith("unknown"):
        return "", "unknown", raw
    m = re.match(r"^(\d{4}-\d{2}-\d{2}) \(scheduled\)$", raw)
    if m:
        return m.group(1), "scheduled", raw
    raise SystemExit(f"effective: cannot parse {raw!r}")


def _ended(raw: str) -> tuple[str, str]:
    raw = raw.strip()
    if DATE.match(raw):
        return raw, "date"
    if raw == "":
        return "", "open"
    if raw == "unknown":
        return "", "unknown"
    raise SystemExit(f"ended: cannot parse {raw!r}")


def main(src: Path) -> None:
    d = pd.read_csv(src / "timeline.csv", dtype=str, keep_default_na=False)
    eff = d["effective"].map(_effective)
    end = d["ended"].map(_ended)
    d["effective"] = [e[0] for e in eff]
    d.insert(d.columns.get_loc("effective") + 1, "effective_status", [e[1] for e in eff])
    d.insert(d.columns.get_loc("effective_status") + 1, "effective_note", [e[2] for e in eff])
    d["ended"] = [e[0] for e in end]
    d.insert(d.columns.get_loc("ended") + 1, "ended_status", [e[1] for e in end])
    for col in d.columns:
        d[col] = d[col].str.strip()
    OUT.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT / "timeline.csv.gz", "wb", mtime=0) as fh:
        fh.write(d.to_csv(index=False).encode("utf-8"))
    for name in ("sources.md", "regimes.md"):
        shutil.copyfile(src / name, OUT / name)
    print(f"wrote {len(d)} measures to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
