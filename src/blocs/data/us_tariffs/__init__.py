"""US tariffs and foreign retaliation in force, 2025-2026: the record and its compiler.

- :func:`load_timeline`: the shipped, validated record (324 measures with ids and sources).
- :data:`REGIMES`, :func:`latest_date`: the regime dates of ``regimes.md``.
- :func:`us_tariffs_in_force`, :func:`foreign_retaliation_in_force`: the tariffs in force at a
  date on icio2022 (exporter x sector) or world2023 (exporter), traced to measure ids.
- :func:`effective_us_tariff_rate`: the import-weighted US effective tariff rate (%).

Sources: ``sources.md`` and ``README.md`` in this folder; modelling choices in
``docs/us_tariffs.md``.
"""

from __future__ import annotations

from .compile import effective_us_tariff_rate, us_tariffs_in_force
from .record import EU27, TariffsInForce
from .retaliation import foreign_retaliation_in_force
from .timeline import REGIMES, latest_date, load_timeline

__all__ = [
    "EU27",
    "REGIMES",
    "TariffsInForce",
    "effective_us_tariff_rate",
    "foreign_retaliation_in_force",
    "latest_date",
    "load_timeline",
    "us_tariffs_in_force",
]
