"""World maps of per-country values, offline: Natural Earth 1:110m polygons shipped in the package.

The geometry (``data/world110m.json.gz``, built by ``tools/make_worldmap.py``; public domain,
Natural Earth) is read with the standard library and drawn with matplotlib's
:class:`~matplotlib.collections.PolyCollection` in the Equal Earth projection (equal-area, so a
country's colour covers an area proportional to its size). Economies too small for a 1:110m
polygon (Singapore, Hong Kong, Malta, island states) are drawn as dots at their capital.

Example:
    >>> from matplotlib.figure import Figure
    >>> from blocs.report.worldmap import draw_world, load_world
    >>> world = load_world()
    >>> "USA" in world.polygons and "SGP" in world.points
    True
    >>> fig = Figure(figsize=(8, 4))
    >>> mappable = draw_world(fig.add_subplot(), {"USA": 1.1, "CHN": -1.1}, vmax=2.0)
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import json
from collections.abc import Mapping
from importlib import resources

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PolyCollection
from matplotlib.colors import Colormap, Normalize
from matplotlib.patches import Polygon

__all__ = ["NO_DATA_COLOR", "World", "draw_world", "equal_earth", "load_world"]

#: Fill of countries that are not in the data.
NO_DATA_COLOR = "#d0d0d0"

_GEOMETRY = "world110m.json.gz"

# Equal Earth coefficients (Šavrič, Patterson & Jenny 2018, Int. J. Geogr. Inf. Sci. 33(3)).
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = np.sqrt(3.0) / 2.0


@dataclasses.dataclass(frozen=True)
class World:
    """Country shapes in projected coordinates.

    Attributes:
        polygons: ISO3 -> list of outer rings, each an array of shape (k, 2) (projected x, y).
        points: ISO3 -> projected (x, y) of the capital, for economies without a polygon.
        names: ISO3 -> Natural Earth name.
        source: where the geometry comes from (for captions).
    """

    polygons: Mapping[str, list[np.ndarray]]
    points: Mapping[str, tuple[float, float]]
    names: Mapping[str, str]
    source: str

    def has(self, code: str) -> bool:
        """Whether ``code`` can be drawn (as a polygon or a point)."""
        return code in self.polygons or code in self.points


def equal_earth(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth projection of degrees; returns (x, y) in Earth radii, same shapes as input."""
    lam = np.radians(np.asarray(lon, dtype=float))
    theta = np.arcsin(_M * np.sin(np.radians(np.asarray(lat, dtype=float))))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * np.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


@functools.cache
def load_world() -> World:
    """Read and project the shipped geometry (cached)."""
    raw = resources.files("blocs.report").joinpath("data", _GEOMETRY).read_bytes()
    data = json.loads(gzip.decompress(raw))
    scale = float(data["scale"])
    polygons: dict[str, list[np.ndarray]] = {}
    names: dict[str, str] = {}
    for code, entry in data["polygons"].items():
        rings = []
        for flat in entry["rings"]:
            lonlat = np.asarray(flat, dtype=float).reshape(-1, 2) / scale
            x, y = equal_earth(lonlat[:, 0], lonlat[:, 1])
            rings.append(np.column_stack([x, y]))
        polygons[code] = rings
        names[code] = entry["name"]
    points: dict[str, tuple[float, float]] = {}
    for code, entry in data["points"].items():
        x, y = equal_earth(np.asarray(entry["lon"]), np.asarray(entry["lat"]))
        points[code] = (float(x), float(y))
        names[code] = entry["name"]
    return World(polygons=polygons, points=points, names=names, source=data["source"])


def _outline(n: int = 181) -> np.ndarray:
    """The projected edge of the world (the +-180 meridians), shape (2 n, 2)."""
    lat = np.linspace(-90.0, 90.0, n)
    xr, yr = equal_earth(np.full(n, 180.0), lat)
    xl, yl = equal_earth(np.full(n, -180.0), lat[::-1])
    return np.column_stack([np.concatenate([xr, xl]), np.concatenate([yr, yl])])


def draw_world(
    ax: Axes,
    values: Mapping[str, float],
    *,
    vmax: float,
    cmap: str | Colormap = "RdBu",
    edgecolor: str = "#7f7f7f",
    linewidth: float = 0.25,
    point_size: float = 14.0,
) -> ScalarMappable:
    """Fill countries by ``values`` on ``ax`` (a diverging scale from ``-vmax`` to ``vmax``).

    Args:
        ax: the axes to draw on (its frame and ticks are turned off).
        values: ISO3 -> value; NaN or missing codes are filled with :data:`NO_DATA_COLOR`.
        vmax: half-width of the colour scale, centred at 0 (values beyond it saturate).
        cmap: a diverging colormap (negative values at its low end).

    Returns:
        The mappable for a colorbar (``fig.colorbar(mappable, ax=ax)``).
    """
    world = load_world()
    norm = Normalize(vmin=-vmax, vmax=vmax)
    sm = ScalarMappable(norm=norm, cmap=cmap)
    ax.add_patch(
        Polygon(_outline(), closed=True, facecolor="#ffffff", edgecolor="#9aa7b0", linewidth=0.8)
    )
    # Larger countries first, so enclosed ones (Lesotho in South Africa) stay visible.
    order = sorted(world.polygons, key=lambda c: -sum(_area(r) for r in world.polygons[c]))
    verts: list[np.ndarray] = []
    colors: list = []
    for code in order:
        v = values.get(code, np.nan)
        color = NO_DATA_COLOR if not np.isfinite(v) else _rgba(sm, v)
        for ring in world.polygons[code]:
            verts.append(ring)
            colors.append(color)
    ax.add_collection(
        PolyCollection(verts, facecolors=colors, edgecolors=edgecolor, linewidths=linewidth)
    )
    pts = [(c, xy) for c, xy in world.points.items() if np.isfinite(values.get(c, np.nan))]
    if pts:
        xy = np.asarray([p[1] for p in pts])
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=point_size,
            c=[_rgba(sm, values[c]) for c, _ in pts],
            edgecolors="#333333",
            linewidths=0.4,
            zorder=3,
        )
    outline = _outline()
    ax.set_xlim(outline[:, 0].min() * 1.01, outline[:, 0].max() * 1.01)
    # Crop the empty south (Antarctica is not drawn): from 60 S to the top.
    y_south = float(equal_earth(np.asarray(0.0), np.asarray(-60.0))[1])
    ax.set_ylim(y_south, outline[:, 1].max() * 1.01)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return sm


def _rgba(sm: ScalarMappable, v: float) -> tuple[float, float, float, float]:
    r, g, b, a = sm.to_rgba(np.asarray([v]))[0]
    return float(r), float(g), float(b), float(a)


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))
