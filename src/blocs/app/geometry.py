"""The world map of the app as SVG paths (the report's Natural Earth 1:110m geometry).

Projected once with :func:`blocs.report.worldmap.load_world` (Equal Earth) and sent to the
browser as one JSON document; the page fills the paths by value and never fetches a tile.

Example:
    >>> m = map_document()
    >>> m["countries"]["CHN"]["d"].startswith("M")
    True
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from blocs.report.worldmap import equal_earth, load_world

__all__ = ["SCALE", "map_document"]

#: SVG units per Earth radius.
SCALE = 100.0


@functools.cache
def map_document() -> dict[str, Any]:
    """``{"viewBox", "outline", "countries": {iso3: {"name", "d"}}, "points": {...}}``."""
    world = load_world()
    countries: dict[str, dict[str, str]] = {}
    for code, rings in world.polygons.items():
        countries[code] = {"name": world.names[code], "d": "".join(_ring(r) for r in rings)}
    points = {
        code: {"name": world.names[code], "x": round(x * SCALE, 2), "y": round(-y * SCALE, 2)}
        for code, (x, y) in world.points.items()
    }
    lat = np.linspace(-90.0, 90.0, 91)
    xr, yr = equal_earth(np.full(lat.size, 180.0), lat)
    xl, yl = equal_earth(np.full(lat.size, -180.0), lat[::-1])
    outline = np.column_stack([np.concatenate([xr, xl]), np.concatenate([yr, yl])])
    x_max = float(outline[:, 0].max()) * SCALE * 1.01
    y_top = float(outline[:, 1].max()) * SCALE * 1.01
    y_south = float(equal_earth(np.asarray(0.0), np.asarray(-60.0))[1]) * SCALE
    return {
        "viewBox": [
            round(-x_max, 1),
            round(-y_top, 1),
            round(2 * x_max, 1),
            round(y_top - y_south, 1),
        ],
        "outline": _ring(outline),
        "countries": countries,
        "points": points,
        "source": world.source,
    }


def _ring(ring: np.ndarray) -> str:
    xy = np.round(np.column_stack([ring[:, 0] * SCALE, -ring[:, 1] * SCALE]), 1)
    body = "L".join(f"{x:g},{y:g}" for x, y in xy)
    return f"M{body}Z"
