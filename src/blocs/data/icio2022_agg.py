"""icio2022 summed over its 28 sectors: a one-sector world of 81 economies, Taiwan included.

world2023 (BACI) has no Taiwan (its trade source reports it as "Other Asia, n.e.s."), so a
one-sector or coalition run that needs Taiwan's US tariff can use this aggregate instead
(``data = "icio2022-agg"`` in a scenario). Built from ``icio2022/flows.csv.gz``:

- flows ``X[i, n]``: the sum over the 27 goods sectors and services of the gross flows
  (millions of USD, domestic flows included, so they are used as given: models.md §1 step 5);
- baseline tariffs ``t[i, n]``: the sectoral tariffs weighted by the flows of that pair (a
  pair with no flow gets the simple mean of its sectoral tariffs); icio2022's US tariffs on
  food, beverages and tobacco (C10T12) carry the data's aggregation artifact, 91 % on most
  partners (``icio2022/README.md``), and enter the weighted mean as shipped;
- GDP = value added = each economy's total sales (icio2022 has no input-output links, so
  value added is gross output); no profit shares (``nu = 0``).
"""

from __future__ import annotations

import functools

import numpy as np

from blocs.data.files import data_path
from blocs.economy import Economy, economy_from_tables

__all__ = ["ICIO2022_AGG", "load_icio2022_one_sector"]

#: The data set name of the aggregate (``economy.dataset``, scenario ``data``).
ICIO2022_AGG = "icio2022-agg"


@functools.lru_cache(maxsize=1)
def load_icio2022_one_sector() -> Economy:
    """icio2022 as one sector: 81 economies (TWN and an aggregate ROW included), 2022, MUSD.

    Example:
        >>> eco = load_icio2022_one_sector()
        >>> eco.n, "TWN" in eco.iso3, eco.dataset
        (81, True, 'icio2022-agg')
    """
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    f = pd.read_csv(data_path("icio2022", "flows.csv.gz"))
    f["weighted"] = f["flow_musd"] * f["tariff"]
    g = f.groupby(["exporter", "importer"], sort=True).agg(
        value=("flow_musd", "sum"), weighted=("weighted", "sum"), mean=("tariff", "mean")
    )
    tariff = np.where(g["value"] > 0, g["weighted"] / g["value"].where(g["value"] > 0, 1.0),
                      g["mean"])  # fmt: skip
    flows = pd.DataFrame(
        {
            "exporter": g.index.get_level_values(0),
            "importer": g.index.get_level_values(1),
            "value": g["value"].to_numpy(),
            "tariff": np.where(
                g.index.get_level_values(0) == g.index.get_level_values(1), 0.0, tariff
            ),
        }
    )
    sales = flows.groupby("exporter")["value"].sum()
    countries = pd.DataFrame({"iso3": sales.index, "gdp": sales.to_numpy()})
    return economy_from_tables(
        flows,
        countries,
        calibrate="auto",
        flows_label="icio2022/flows.csv.gz (summed over sectors)",
        countries_label="icio2022 (GDP = total sales)",
        source="icio2022 summed over sectors: OECD ICIO 2023 edition (2022), Teti GTD tariffs "
        "(flow-weighted), via tariffwar",
        dataset=ICIO2022_AGG,
    )
