"""Build ``src/blocs/report/data/world110m.json.gz`` from Natural Earth 1:110m shapefiles.

A development-time tool: blocs itself never imports geopandas or pyshp; at run time the report
reads the gzipped JSON this script writes with the standard library only.

Inputs (public domain, Natural Earth, https://www.naturalearthdata.com/) come from the
geopandas 0.14.4 wheel, which ships Natural Earth 1:110m admin-0 countries (v5.1.1, as
``naturalearth_lowres``) and the capitals of ``naturalearth_cities``:

    python -m venv /tmp/ne/venv && /tmp/ne/venv/bin/pip install pyshp
    pip download geopandas==0.14.4 --no-deps -d /tmp/ne
    cd /tmp/ne && unzip -o geopandas-0.14.4-py3-none-any.whl 'geopandas/datasets/*'
    /tmp/ne/venv/bin/python tools/make_worldmap.py /tmp/ne/geopandas/datasets

What it does:

- keeps every admin-0 polygon except Antarctica, with coordinates rounded to 0.01 degree
  (the 1:110m data has no finer detail) and stored as integers (hundredths of a degree);
- fixes codes Natural Earth leaves as ``-99`` (Kosovo -> ``XKX``);
- adds a point (the capital, from ``naturalearth_cities``) for small economies that have no
  polygon at 1:110m (Singapore, Hong Kong, Malta, Caribbean and Pacific islands, ...), and a
  few hand-entered capital coordinates for territories that file lacks (``MANUAL_POINTS``).

Output format (gzipped JSON, ``mtime=0`` so rebuilding gives the same bytes)::

    {"source": "...", "scale": 100,
     "polygons": {"FRA": {"name": "France", "rings": [[x0, y0, x1, y1, ...], ...]}, ...},
     "points":   {"SGP": {"name": "Singapore", "lon": 103.85, "lat": 1.29}, ...}}

(a point's ``name`` is the country's, its position the capital's).

Each ring is an outer boundary (holes are dropped: at this scale they are enclosed countries,
such as Lesotho in South Africa, which are drawn on top). Longitudes and latitudes in degrees
times ``scale``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import shapefile  # pyshp, development-time only

OUT = Path(__file__).resolve().parents[1] / "src/blocs/report/data/world110m.json.gz"
SCALE = 100

#: Natural Earth codes to replace (``iso_a3`` is -99 where ISO has no code).
FIX_CODES = {"Kosovo": "XKX"}

#: Dropped polygons (no economy; Antarctica would take a sixth of the map).
DROP = {"ATA"}

#: Capital in ``naturalearth_cities`` -> (ISO3, country name), for economies too small for a
#: 1:110m polygon.
CAPITALS = {
    "Saint John's": ("ATG", "Antigua and Barbuda"),
    "Manama": ("BHR", "Bahrain"),
    "Bridgetown": ("BRB", "Barbados"),
    "Moroni": ("COM", "Comoros"),
    "Praia": ("CPV", "Cabo Verde"),
    "Roseau": ("DMA", "Dominica"),
    "Palikir": ("FSM", "Micronesia"),
    "Saint George's": ("GRD", "Grenada"),
    "Hong Kong": ("HKG", "Hong Kong"),
    "Tarawa": ("KIR", "Kiribati"),
    "Basseterre": ("KNA", "Saint Kitts and Nevis"),
    "Castries": ("LCA", "Saint Lucia"),
    "Malé": ("MDV", "Maldives"),
    "Majuro": ("MHL", "Marshall Islands"),
    "Valletta": ("MLT", "Malta"),
    "Port Louis": ("MUS", "Mauritius"),
    "Melekeok": ("PLW", "Palau"),
    "Singapore": ("SGP", "Singapore"),
    "Victoria": ("SYC", "Seychelles"),
    "Nuku'alofa": ("TON", "Tonga"),
    "Kingstown": ("VCT", "Saint Vincent and the Grenadines"),
    "Funafuti": ("TUV", "Tuvalu"),
    "Apia": ("WSM", "Samoa"),
    "São Tomé": ("STP", "São Tomé and Príncipe"),
    "Andorra": ("AND", "Andorra"),
    "Monaco": ("MCO", "Monaco"),
    "San Marino": ("SMR", "San Marino"),
    "Vaduz": ("LIE", "Liechtenstein"),
}

#: Territories missing from ``naturalearth_cities``: capital coordinates entered by hand
#: (degrees, rounded to 0.01; only used to place a marker).
MANUAL_POINTS = {
    "ABW": ("Aruba", -70.03, 12.52),
    "BMU": ("Bermuda", -64.78, 32.29),
    "CUW": ("Curaçao", -68.93, 12.11),
    "CYM": ("Cayman Islands", -81.38, 19.29),
    "MAC": ("Macao", 113.55, 22.20),
    "PYF": ("French Polynesia", -149.57, -17.54),
    "SXM": ("Sint Maarten", -63.05, 18.03),
    "TCA": ("Turks and Caicos Islands", -71.14, 21.46),
}


def _rings(shape: shapefile.Shape) -> list[list[int]]:
    parts = list(shape.parts) + [len(shape.points)]
    out = []
    for a, b in zip(parts[:-1], parts[1:], strict=True):
        pts = shape.points[a:b]
        # Shapefile outer rings are clockwise (negative signed area); holes counter-clockwise.
        area = sum(
            x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True)
        )
        if area > 0:
            continue
        flat: list[int] = []
        last = None
        for x, y in pts:
            q = (round(x * SCALE), round(y * SCALE))
            if q != last:
                flat.extend(q)
                last = q
        if len(flat) >= 8:  # at least a triangle plus the closing point
            out.append(flat)
    return out


def build(datasets: Path) -> dict:
    countries = shapefile.Reader(str(datasets / "naturalearth_lowres/naturalearth_lowres.shp"))
    polygons: dict[str, dict] = {}
    for rec, shape in zip(countries.records(), countries.shapes(), strict=True):
        name, code = rec["name"], rec["iso_a3"]
        code = FIX_CODES.get(name, code)
        if code in DROP:
            continue
        if not (len(code) == 3 and code.isalpha()):
            sys.exit(f"{name}: no ISO3 code ({code!r}); add it to FIX_CODES")
        if code in polygons:
            sys.exit(f"{name}: duplicate code {code}")
        polygons[code] = {"name": name, "rings": _rings(shape)}
    cities = shapefile.Reader(str(datasets / "naturalearth_cities/naturalearth_cities.shp"))
    points: dict[str, dict] = {}
    for rec, shape in zip(cities.records(), cities.shapes(), strict=True):
        code, country = CAPITALS.get(rec["name"], ("", ""))
        if code and code not in polygons:
            lon, lat = shape.points[0]
            points[code] = {"name": country, "lon": round(lon, 2), "lat": round(lat, 2)}
    missing = {c for c, _ in CAPITALS.values()} - set(points) - set(polygons)
    if missing:
        sys.exit(f"capitals not found in naturalearth_cities: {sorted(missing)}")
    for code, (name, lon, lat) in MANUAL_POINTS.items():
        points[code] = {"name": name, "lon": lon, "lat": lat}
    return {
        "source": (
            "Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries (v5.1.1) and "
            "populated places (capitals), public domain, https://www.naturalearthdata.com/, "
            "via the geopandas 0.14.4 wheel (naturalearth_lowres, naturalearth_cities); "
            "Antarctica dropped, coordinates rounded to 0.01 degree; hand-entered points: "
            + ", ".join(sorted(MANUAL_POINTS))
        ),
        "scale": SCALE,
        "polygons": dict(sorted(polygons.items())),
        "points": dict(sorted(points.items())),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", type=Path, help="the geopandas/datasets folder of the wheel")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    data = build(args.datasets)
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(raw)
    n_pts = sum(len(r) // 2 for p in data["polygons"].values() for r in p["rings"])
    print(
        f"wrote {args.out}: {len(data['polygons'])} polygons ({n_pts} vertices), "
        f"{len(data['points'])} points, {args.out.stat().st_size / 1024:.0f} kB"
    )


if __name__ == "__main__":
    main()
