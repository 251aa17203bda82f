"""Column names of the multi-sector model's tables, in a module that imports nothing.

:mod:`blocs.results` lists them beside the one-sector model's columns; defining them here
lets it do so without importing the multi-sector model (its equations, solver and JAX
programs), which a one-sector ``blocs run`` never uses (issue 13, item 2).
:mod:`blocs.models.caliendo_parro.results` uses and re-exports them.
"""

from __future__ import annotations

__all__ = ["MULTISECTOR_COLUMNS", "SECTOR_COLUMNS"]

#: Extra country columns of the multi-sector model (docs/models.md §2).
MULTISECTOR_COLUMNS = ("tot_pct", "vot_pct", "welfare_linear_pct", "real_wage_pct")
#: Columns of the country-sector table.
SECTOR_COLUMNS = ("iso3", "sector", "output_pct", "exports_pct", "imports_pct", "price_pct")
