"""The interactive front end: ``blocs serve`` (docs/app.md).

A Starlette application (:func:`create_app`) over the library: the page edits a scenario
document, :class:`Engine` solves it on a worker thread with the CLI's schema and model, and
the page draws the world map, ranked bars and group table. Files: ``documents`` (browser
JSON <-> checked scenario <-> TOML), ``engine`` (solves, supersession, payloads),
``geometry`` (the SVG world map), ``uploads`` (own data tables, size-limited, checked by
the CLI's loader), ``server`` (routes, limits, security headers),
``static/`` (the page: plain HTML, CSS and an ES module; no third-party code).
"""

from blocs.app.documents import (
    builtin_document,
    error_location,
    scenario_from_document,
    scenario_toml,
)
from blocs.app.engine import Engine, toml_download
from blocs.app.geometry import map_document
from blocs.app.server import CSP, MAX_BODY_BYTES, WARM_SCENARIOS, create_app, warm_documents

__all__ = [
    "CSP",
    "MAX_BODY_BYTES",
    "WARM_SCENARIOS",
    "Engine",
    "builtin_document",
    "create_app",
    "error_location",
    "map_document",
    "scenario_from_document",
    "scenario_toml",
    "toml_download",
    "warm_documents",
]
