"""``blocs run``'s printed CSV and JSON without pandas (issue 13) are what pandas wrote."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from blocs.cli.run import _csv, _json_rows
from blocs.results import group_summary, summarize

ROWS = ["USA", "EU27", "a,b", 'q"x']
COLUMNS = {
    "welfare_pct": np.array([1.13491234567891, -0.2, np.nan, 1e-7 * 1.23456789012]),
    "deficit_change_pct": np.array([-18.0612345678912, np.nan, 123456.123456789, -52.7]),
}


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame({"group": ROWS, **COLUMNS}).set_index("group")
    return frame


def test_csv_is_what_pandas_writes():
    assert _csv("group", ROWS, COLUMNS) == _frame().to_csv(float_format="%.6g")


def test_json_rows_are_what_pandas_gives():
    assert _json_rows(ROWS, COLUMNS) == json.loads(_frame().to_json(orient="index"))


@pytest.mark.parametrize("weights", ["expenditure", "gdp", "none"])
def test_summarize_is_group_summary(weights):
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC", "DDD"],
            "welfare_pct": rng.normal(size=4),
            "cpi_pct": [1.0, np.nan, 2.0, 3.0],
            "expenditure": rng.uniform(1, 2, 4),
            "gdp": rng.uniform(1, 2, 4),
        }
    )
    groups = {"AAA": ["AAA"], "two": ["BBB", "CCC"], "none": ["ZZZ"], "all": list(table.iso3)}
    expected = group_summary(table, groups, weights=weights)
    # the same averages, computed independently of blocs.results with pandas
    for name, members in groups.items():
        sub = table[table.iso3.isin(members)]
        for col in ("welfare_pct", "cpi_pct"):
            ok = sub[col].notna().to_numpy()
            got = expected.loc[name, col]
            if not ok.any():
                assert np.isnan(got)
                continue
            w = np.ones(len(sub)) if weights == "none" else sub[weights].to_numpy()
            want = (sub[col].to_numpy()[ok] * w[ok]).sum() / w[ok].sum()
            assert got == pytest.approx(want, rel=1e-15)
    columns = {c: table[c].to_numpy() for c in table.columns}
    summary = summarize(columns, groups, weights=weights)
    pd.testing.assert_frame_equal(summary.to_frame(), expected)
    assert list(summary.members) == [1, 2, 0, 4]
