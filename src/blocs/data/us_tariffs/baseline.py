"""The US baseline (MFN / preferential) tariffs behind the effective-rate measure.

icio2022's US tariff on food, beverages and tobacco (C10T12) is 91.3 % on most partners (16.4 %
on GSP-type partners). That number is an aggregation artifact of the data's assembly, not a
tariff: ``tariffwar`` maps Teti's Global Tariff Database (35 ISIC Rev. 3 divisions, simple
averages of HS lines with ad valorem equivalents of specific and out-of-quota duties) to
WIOD-16 sectors with an *unweighted* mean, so "food, beverages and tobacco" is
(division 15 + division 16) / 2 and the tobacco division (out-of-quota duties of up to 350 %)
weighs as much as all food and beverages, although tobacco is about 1 % of US imports of the
sector. Every ICIO sector of one WIOD-16 group carries the same rate (A01 = A02 = A03, C24A =
C24B, C29 = C301 = C302T309, ...), which shows the route. A second source in the package agrees:
Caliendo & Parro (2015) put the US tariff on food, beverages and tobacco (ISIC Rev. 3 15-16,
UNCTAD TRAINS, 2005) between 0.1 % and 11 % by partner.

:func:`us_mfn_baseline` gives icio2022's US baseline tariffs by exporter and sector, either as
in the data (``"icio2022"``) or with that one cell corrected (``"corrected"``): C10T12 becomes
the smaller of icio2022's rate and the cp2015 2005 US food rate on that exporter (cp2015's RoW
rate for exporters outside cp2015). The minimum keeps icio2022's later preferences (the
Korea, Australia, Colombia ... agreements are zeros in icio2022 and not in 2005). Only the
effective-rate measure (:func:`~blocs.data.us_tariffs.effective_us_tariff_rate`) uses it; the
icio2022 economy the models solve keeps the data as shipped.
"""

from __future__ import annotations

import functools
import gzip

import numpy as np

from blocs.data.cp2015 import CP2015_ISO3
from blocs.data.files import data_path
from blocs.errors import InputError

from . import sectors as sec
from .record import icio_weights

__all__ = ["MFN_BASELINES", "cp2015_us_food_tariffs", "us_mfn_baseline"]

#: ``"icio2022"``: the data's US tariffs; ``"corrected"``: C10T12 corrected (module docstring).
MFN_BASELINES = ("icio2022", "corrected")
_CP_FOOD = 2  # "Food" (ISIC Rev. 3 15-16) is the third tradable sector of cp2015
_CP_N = len(CP2015_ISO3)


@functools.lru_cache(maxsize=1)
def cp2015_us_food_tariffs() -> dict[str, float]:
    """US tariff (fraction) on food, beverages and tobacco by exporter, cp2015, 2005."""
    with gzip.open(data_path("cp2015", "tariffs2005.txt.gz"), "rt") as fh:
        t = np.loadtxt(fh, delimiter="\t", ndmin=2)
    row = t[_CP_FOOD * _CP_N + CP2015_ISO3.index("USA")]  # importer USA, one column per exporter
    return {c: float(row[i]) / 100.0 for i, c in enumerate(CP2015_ISO3) if c != "USA"}


@functools.lru_cache(maxsize=2)
def us_mfn_baseline(kind: str = "icio2022") -> np.ndarray:
    """US baseline tariff by icio2022 exporter x sector, (81, 28), rows in icio2022 order."""
    if kind not in MFN_BASELINES:
        raise InputError(f"mfn_baseline={kind!r}: use one of {', '.join(MFN_BASELINES)}")
    data = icio_weights()
    base = np.array(data["imp_tariff"], dtype=float)
    if kind == "icio2022":
        return base
    food = cp2015_us_food_tariffs()
    k = sec.SECTORS.index("C10T12")
    for i, c in enumerate(data["iso3"]):
        base[i, k] = min(base[i, k], food.get(c, food["ROW"]))
    return base
