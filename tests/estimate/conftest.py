"""Small synthetic gravity panels with known coefficients."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def synthetic_panel(
    n_countries: int = 8, years=(2000, 2002, 2004, 2006), beta: float = 0.4, seed: int = 0
) -> pd.DataFrame:
    """A panel from a structural-gravity data-generating process with an FTA effect beta."""
    rng = np.random.default_rng(seed)
    codes = [f"C{i:02d}" for i in range(n_countries)]
    rows = [(e, i, y) for y in years for e in codes for i in codes]
    df = pd.DataFrame(rows, columns=["exporter", "importer", "year"])
    ex = {c: rng.normal() for c in codes}
    im = {c: rng.normal() for c in codes}
    pair = {(e, i): rng.normal(scale=0.5) for e in codes for i in codes}
    first = years[len(years) // 2]
    members = set(codes[: n_countries // 2])
    df["fta"] = (
        df.exporter.isin(members)
        & df.importer.isin(members)
        & (df.year >= first)
        & (df.exporter != df.importer)
    ).astype(float)
    df["other"] = rng.integers(0, 2, len(df)).astype(float)
    eta = (
        df.exporter.map(ex)
        + df.importer.map(im)
        + np.array([pair[(e, i)] for e, i in zip(df.exporter, df.importer, strict=True)])
        + beta * df.fta
        + 0.01 * df.year.sub(years[0])
    )
    df["trade"] = np.exp(eta) * rng.gamma(50.0, 1 / 50.0, len(df)) * 100
    return df


@pytest.fixture
def panel_df():
    return synthetic_panel()
