"""Economies: immutable, labelled baseline data that models run on.

- :class:`Economy` (:mod:`blocs.economy.one_sector`): one sector, bilateral flows ``X[i, n]``;
  built by :func:`economy_from_tables` (the user's tables) or :func:`blocs.load_world2023`.
- :class:`MultiSectorEconomy` (:mod:`blocs.economy.multi_sector`): flows per sector
  ``X[i, n, s]`` with input-output and final-demand shares; built by
  :meth:`MultiSectorEconomy.from_arrays` or the loaders of :mod:`blocs.data.multisector`.

Both are JAX PyTrees (arrays are leaves, labels static) and carry their data set's identity
(``dataset``: ``"world2023"``, ``"icio2022"``, ``"cp2015"`` or ``"user"``) and any further
per-country columns (``country_data``). This layer imports no model.
"""

from blocs.economy.multi_sector import MultiSectorEconomy, trade_deficits
from blocs.economy.one_sector import (
    MAX_TRADE_TO_GDP,
    USER_DATASET,
    Economy,
    calibrate_profit_shares,
    complete_flows,
    economy_from_tables,
)

__all__ = [
    "MAX_TRADE_TO_GDP",
    "USER_DATASET",
    "Economy",
    "MultiSectorEconomy",
    "calibrate_profit_shares",
    "complete_flows",
    "economy_from_tables",
    "trade_deficits",
]
