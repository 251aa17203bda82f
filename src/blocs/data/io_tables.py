"""The user's input-output coefficients for a multi-sector economy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from blocs.data.calibration import calibrate_final_demand
from blocs.data.files import describe_row, read_table
from blocs.economy import USER_DATASET, MultiSectorEconomy
from blocs.errors import DataError, closest

__all__ = ["load_io_coefficients", "with_io_links"]

#: Slack on input-share column sums in a user's IO table.
_IO_SLACK = 1e-6


def load_io_coefficients(path: str | Path, economy: MultiSectorEconomy) -> jax.Array:
    """Read input-output shares ``gamma_io[n, k, s]`` for ``economy`` from a long table.

    The table (CSV, gzipped CSV or Parquet) has columns ``country, input_sector,
    output_sector, share``: the share of input ``k`` in the gross-output cost of sector
    ``s`` in ``country``. Missing combinations are 0. Combine with the economy with
    :func:`with_io_links`.

    Raises:
        DataError: unknown country or sector, missing or negative share, repeated key, or
            input shares of a (country, output sector) summing to more than 1 -- naming the
            file and row.

    Example:
        >>> gio = load_io_coefficients("io.csv", eco)              # doctest: +SKIP
        >>> eco = with_io_links(eco, gio)                           # doctest: +SKIP
    """
    import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

    label = str(Path(path))
    f = read_table(path)
    need = ["country", "input_sector", "output_sector", "share"]
    missing = [c for c in need if c not in f.columns]
    if missing:
        raise DataError(f"{label}: missing columns {missing}; expected {need}")
    N, S = economy.n, economy.s
    ci = {c: k for k, c in enumerate(economy.iso3)}
    si = {s: k for k, s in enumerate(economy.sectors)}
    share = pd.to_numeric(f["share"], errors="coerce").to_numpy(dtype=float)
    gio = np.zeros((N, S, S))
    seen: dict[tuple[int, int, int], int] = {}
    for r in range(len(f)):
        c = str(f["country"].iloc[r]).upper()
        k, s = str(f["input_sector"].iloc[r]), str(f["output_sector"].iloc[r])
        where = f"{label}: row {r + 2} ({describe_row(f, r)})"
        if c not in ci:
            raise DataError(f"{where}: unknown country '{c}'{closest(c, economy.iso3)}")
        for col, v in (("input_sector", k), ("output_sector", s)):
            if v not in si:
                raise DataError(
                    f"{where}: unknown {col} '{v}'{closest(v, economy.sectors)}; "
                    f"sectors: {', '.join(economy.sectors)}"
                )
        if not np.isfinite(share[r]):
            raise DataError(f"{where}: share is missing or not a number")
        if share[r] < 0:
            raise DataError(f"{where}: negative share {share[r]:g}; shares are in [0, 1]")
        key = (ci[c], si[k], si[s])
        if key in seen:
            raise DataError(
                f"{where}: repeats row {seen[key] + 2}; one row per country, "
                "input and output sector"
            )
        seen[key] = r
        gio[key] = share[r]
    cols = gio.sum(axis=1)
    if (cols > 1.0 + _IO_SLACK).any():
        n_bad, s_bad = (int(v) for v in np.argwhere(cols > 1.0 + _IO_SLACK)[0])
        rows = [r for (nn, _, ss), r in seen.items() if nn == n_bad and ss == s_bad]
        raise DataError(
            f"{label}: input shares of {economy.iso3[n_bad]}, output sector "
            f"{economy.sectors[s_bad]} sum to {cols[n_bad, s_bad]:.6g} > 1 (rows "
            f"{', '.join(str(r + 2) for r in sorted(rows)[:10])}): the shares of one output "
            "sector's costs cannot exceed 1"
        )
    return jnp.asarray(gio)


def with_io_links(economy: MultiSectorEconomy, gamma_io: Any) -> MultiSectorEconomy:
    """``economy`` with input-output links: ``gamma_va = 1 - sum_k gamma_io``, ``alpha``
    recalibrated by :func:`calibrate_final_demand` (negatives clipped, renormalised).

    The result is user data (``dataset="user"``): it is no longer the embedded data set."""
    gio = np.asarray(gamma_io, dtype=float)
    X, t, D = (np.asarray(a) for a in (economy.X, economy.t, economy.D))
    gva = np.clip(1.0 - gio.sum(axis=1), 0.0, 1.0)
    alpha = calibrate_final_demand(X, t, gva, gio, D)
    return MultiSectorEconomy.from_arrays(
        X=X,
        t=t,
        theta=np.asarray(economy.theta),
        alpha=alpha,
        gamma_va=gva,
        gamma_io=gio,
        D=D,
        iso3=economy.iso3,
        names=economy.names,
        sectors=economy.sectors,
        tradable=economy.tradable,
        source=economy.source + " + user input-output table",
        dataset=USER_DATASET,
        country_data=economy.country_data,
    )
