"""Synthetic economies for benchmarks and tests: random worlds of any size.

GDP is log-normal (sd of log 2.2, like the world's); trade follows gravity (exporter size
over distance between random locations); home bias is larger for large economies; trade is
balanced. :func:`synthetic_tables` gives one-sector input tables (CSV-ready),
:func:`synthetic_economy` an economy (one-sector, or multi-sector without input-output links).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from blocs.data.multisector import calibrate_final_demand
from blocs.economy import Economy, economy_from_tables
from blocs.errors import InputError
from blocs.models.caliendo_parro import MultiSectorEconomy, trade_deficits

__all__ = ["synthetic_economy", "synthetic_tables"]

#: Log-size dispersion of synthetic economies (sd of log GDP; about that of world GDPs).
_SIZE_SD = 2.2
#: Distance elasticity of synthetic gravity.
_DISTANCE_ELASTICITY = 1.0


def _codes(n: int) -> list[str]:
    """``USA``, ``CHN`` (the two largest) and then ``AAA``, ``AAB``, ..."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pool = ("".join(p) for p in itertools.product(letters, repeat=3))
    others = [c for c in pool if c not in ("USA", "CHN")]
    return ["USA", "CHN"][:n] + others[: max(n - 2, 0)]


def _gravity(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GDP (sorted, largest first), home shares and foreign weights ``w[i, n]``."""
    gdp = np.sort(np.exp(rng.normal(0.0, _SIZE_SD, n)))[::-1] * 1e3
    loc = rng.uniform(0.0, 1.0, (n, 2))
    dist = np.sqrt(((loc[:, None, :] - loc[None, :, :]) ** 2).sum(-1)) + 0.05
    z = (np.log(gdp) - np.log(gdp).mean()) / np.log(gdp).std()
    # home share of spending: ~0.7 at the median, higher for large economies (US ~0.85)
    home = 1.0 / (1.0 + np.exp(-(0.85 + 0.25 * z + 0.5 * rng.standard_normal(n))))
    w = gdp[:, None] * dist**-_DISTANCE_ELASTICITY
    np.fill_diagonal(w, 0.0)
    w = w / w.sum(axis=0, keepdims=True)
    return gdp, np.clip(home, 0.3, 0.95), w


def _balance(X: np.ndarray, target: np.ndarray, steps: int = 200) -> np.ndarray:
    """Scale rows and columns of foreign flows ``X`` (RAS) so that every country's exports
    and imports both equal ``target``: balanced trade, as in a balanced-baseline world
    (large synthetic deficits make some counterfactuals needlessly hard to solve)."""
    for _ in range(steps):
        X = X * (target / X.sum(axis=1))[:, None]
        X = X * (target / X.sum(axis=0))[None, :]
    return X


def synthetic_tables(n_countries: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flows and countries tables of a random one-sector world (see :func:`synthetic_economy`).

    Returns:
        ``flows`` (exporter, importer, value, tariff; foreign pairs) and ``countries``
        (iso3, name, gdp, us_tariff_2025_04), ready for :func:`blocs.economy_from_tables`
        or for CSV files a scenario can name.
    """
    if n_countries < 3:
        raise InputError(f"n_countries={n_countries}: a synthetic world needs at least 3")
    rng = np.random.default_rng([seed, n_countries])
    gdp, home, w = _gravity(rng, n_countries)
    imports = (1.0 - home) * gdp
    X = _balance(w * imports[None, :], imports)
    t = rng.uniform(0.0, 0.08, X.shape)
    codes = _codes(n_countries)
    i, k = np.nonzero(~np.eye(n_countries, dtype=bool))
    flows = pd.DataFrame(
        {
            "exporter": [codes[a] for a in i],
            "importer": [codes[b] for b in k],
            "value": X[i, k],
            "tariff": t[i, k],
        }
    )
    countries = pd.DataFrame(
        {
            "iso3": codes,
            "name": [f"synthetic {c}" for c in codes],
            "gdp": gdp,
            "us_tariff_2025_04": np.round(rng.uniform(0.1, 0.5, n_countries), 2),
        }
    )
    # sorted by code, as real data sets are (so the largest, USA, comes last)
    countries = countries.sort_values("iso3", kind="stable").reset_index(drop=True)
    flows = flows.sort_values(["exporter", "importer"], kind="stable").reset_index(drop=True)
    return flows, countries


def synthetic_economy(
    n_countries: int, n_sectors: int = 1, seed: int = 0
) -> Economy | MultiSectorEconomy:
    """A random world with realistic size dispersion and home bias.

    GDP is log-normal (sd of log 2.2, like the world's); trade follows gravity (exporter
    size over distance between random locations); the home share of spending is about 0.7
    at the median, higher for large economies; trade is balanced (foreign flows scaled
    so that exports equal imports). The two largest countries are called USA and CHN (so
    US scenarios apply), the rest AAA, AAB, ...; countries are sorted by code, as in real
    data sets.

    Args:
        n_countries: N >= 3.
        n_sectors: 1 gives a one-sector :class:`~blocs.economy.Economy` (IMLS profit
            shares and domestic flows calibrated from GDP as for world2023); more gives a
            :class:`~blocs.models.caliendo_parro.MultiSectorEconomy` without input-output
            links (sector shares of spending Dirichlet, elasticities log-normal around 5).
        seed: random seed.

    Example:
        >>> eco = synthetic_economy(20)
        >>> eco.n, "USA" in eco.iso3
        (20, True)
    """
    if n_sectors < 1:
        raise InputError(f"n_sectors={n_sectors}: give at least 1")
    if n_sectors == 1:
        flows, countries = synthetic_tables(n_countries, seed)
        return economy_from_tables(flows, countries, source=f"synthetic(seed={seed})")
    if n_countries < 3:
        raise InputError(f"n_countries={n_countries}: a synthetic world needs at least 3")
    rng = np.random.default_rng([seed, n_countries, n_sectors])
    gdp, home, w = _gravity(rng, n_countries)
    N, S = n_countries, n_sectors
    alpha0 = rng.dirichlet(np.full(S, 2.0), N)  # spending shares [n, s]
    cap = np.exp(rng.normal(0.0, 0.7, (N, S)))  # comparative advantage [i, s]
    X = np.empty((N, N, S))
    for s in range(S):
        ws = w * cap[:, s : s + 1]
        ws = ws / ws.sum(axis=0, keepdims=True)
        hs = np.clip(home * np.exp(0.2 * rng.standard_normal(N)), 0.2, 0.97)
        spend = alpha0[:, s] * gdp
        X[:, :, s] = ws * ((1.0 - hs) * spend)[None, :]
        X[np.arange(N), np.arange(N), s] = hs * spend
    t = rng.uniform(0.0, 0.08, (N, N, S))
    theta = np.exp(rng.normal(np.log(5.0), 0.3, S))
    codes = _codes(N)
    order = np.argsort(codes, kind="stable")  # sorted by code, as real data sets are
    codes = [codes[k] for k in order]
    X, t = X[np.ix_(order, order)], t[np.ix_(order, order)]
    D = trade_deficits(X)
    alpha = calibrate_final_demand(X, t * (1.0 - np.eye(N))[:, :, None], np.ones((N, S)), None, D)
    return MultiSectorEconomy.from_arrays(
        X=X,
        t=t,
        theta=theta,
        alpha=alpha,
        D=D,
        iso3=codes,
        names=[f"synthetic {c}" for c in codes],
        sectors=[f"S{s:03d}" for s in range(S)],
        source=f"synthetic(seed={seed})",
    )
