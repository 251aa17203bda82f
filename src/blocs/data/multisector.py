"""Loaders of multi-sector data (:class:`blocs.economy.MultiSectorEconomy`).

- :func:`load_cp2015` (:mod:`blocs.data.cp2015`): Caliendo & Parro (2015), 31 regions x 40
  sectors, 1993, with input-output links; :func:`cp2015_nafta_tariffs` gives the paper's
  NAFTA experiment.
- :func:`load_icio2022` (:mod:`blocs.data.icio2022`): OECD ICIO 2022, 81 economies x 28
  sectors, applied tariffs, one of 8 published sets of trade elasticities; no input-output
  links.
- :func:`load_io_coefficients` and :func:`with_io_links` (:mod:`blocs.data.io_tables`): the
  user's input-output table.
- :func:`calibrate_final_demand` (:mod:`blocs.data.calibration`): the shared calibration.

Data ship inside the package (``blocs/data/cp2015``, ``blocs/data/icio2022``; sources and
licences in their README files) and are read with :mod:`importlib.resources`.
Flows are in millions of US dollars; arrays are ``[exporter, importer, sector]``.
"""

from blocs.data.calibration import calibrate_final_demand
from blocs.data.cp2015 import (
    CP2015_ISO3,
    CP2015_REGIONS,
    CP2015_SECTORS,
    cp2015_nafta_tariffs,
    load_cp2015,
)
from blocs.data.icio2022 import ICIO2022_ELASTICITIES, load_icio2022
from blocs.data.io_tables import load_io_coefficients, with_io_links

__all__ = [
    "CP2015_ISO3",
    "CP2015_REGIONS",
    "CP2015_SECTORS",
    "ICIO2022_ELASTICITIES",
    "calibrate_final_demand",
    "cp2015_nafta_tariffs",
    "load_cp2015",
    "load_icio2022",
    "load_io_coefficients",
    "with_io_links",
]
