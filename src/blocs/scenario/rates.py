"""Named tariff rates of the data: the April-2025 US tariffs (and the Liberation-Day policy)."""

from __future__ import annotations

from typing import Any

import numpy as np

from blocs.data import load_world2023, us_tariffs_2025_04
from blocs.economy import USER_DATASET
from blocs.errors import InputError

__all__ = ["EXTRA_US_TARIFFS_2025", "US_TARIFF_FLOOR", "liberation_day_tariffs", "us_tariffs_2025"]

#: The 10 % floor the April-2025 US tariffs put under every exporter.
US_TARIFF_FLOOR = 0.10


def us_tariffs_2025(economy: Any) -> np.ndarray:
    """``max(0.10, us_tariff_2025_04)`` per country of ``economy``, shape (N,).

    For data without the column (icio2022, cp2015) the rates come from world2023 by ISO3
    code; ``TWN`` gets 32 % and ``STP`` 10 % (the April-2025 list; world2023 has neither),
    and an aggregate ``ROW`` gets the average rate of the world2023 countries the data does
    not list, weighted by their exports to the US.
    """
    rates = us_tariffs_2025_04(economy)
    if rates is None and economy.dataset == USER_DATASET:
        rates = np.full(economy.n, np.nan)  # the user's data must carry the column
    if rates is not None:
        rates = np.asarray(rates, dtype=float)
        if np.isnan(rates).any():
            missing = [c for c, r in zip(economy.iso3, rates, strict=True) if np.isnan(r)]
            raise InputError(
                "rate US_TARIFFS_2025 needs the us_tariff_2025_04 column in the countries "
                f"data; missing for {', '.join(missing[:5])}"
            )
        return np.maximum(US_TARIFF_FLOOR, rates)
    world = load_world2023()
    w_rates = np.maximum(US_TARIFF_FLOOR, np.asarray(us_tariffs_2025_04(world), dtype=float))
    table = dict(zip(world.iso3, w_rates, strict=True))
    table.update(EXTRA_US_TARIFFS_2025)
    listed = set(economy.iso3)
    us = world.index("USA")
    X = np.asarray(world.X)
    others = [k for k, c in enumerate(world.iso3) if c not in listed and c != "USA"]
    weights = X[others, us]
    row_rate = float(np.sum(w_rates[others] * weights) / np.sum(weights)) if others else 0.1
    out = []
    for code in economy.iso3:
        if code in table:
            out.append(table[code])
        elif code == "ROW":
            out.append(row_rate)
        else:
            out.append(US_TARIFF_FLOOR)
    return np.asarray(out)


#: April-2025 US rates of economies world2023 lacks (USTR list of 2 April 2025).
EXTRA_US_TARIFFS_2025 = {"TWN": 0.32, "STP": 0.10}


def liberation_day_tariffs(economy: Any) -> np.ndarray:
    """The April-2025 US tariffs (10 % floor) on every exporter, zero elsewhere, shape (N, N).

    Example:
        >>> import blocs
        >>> eco = blocs.load_world2023()
        >>> t = liberation_day_tariffs(eco)
        >>> float(t[eco.index("CHN"), eco.index("USA")])
        0.54
    """
    us = economy.index("USA")
    t = np.array(economy.t, dtype=float)
    t[:, us] = us_tariffs_2025(economy)
    t[us, us] = 0.0
    return t
