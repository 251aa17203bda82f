"""Data loading: the embedded world2023 and the user's tables, with their error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import blocs
from blocs.errors import DataError


def test_world2023_shape_and_identities(world):
    assert world.n == 194
    X = np.asarray(world.X)
    assert X.shape == (194, 194) and (X >= 0).all()
    assert world.iso3 == tuple(sorted(world.iso3))
    assert "USA" in world.iso3 and world.names[world.index("USA")] == "United States"


def _tables(tmp_path, flows_rows, countries_rows):
    f = tmp_path / "flows.csv"
    c = tmp_path / "countries.csv"
    pd.DataFrame(flows_rows, columns=["exporter", "importer", "value"]).to_csv(f, index=False)
    pd.DataFrame(countries_rows, columns=["iso3", "gdp"]).to_csv(c, index=False)
    return f, c


GOOD_C = [("AAA", 100.0), ("BBB", 50.0), ("CCC", 80.0)]
GOOD_F = [("AAA", "BBB", 5.0), ("BBB", "AAA", 3.0), ("CCC", "AAA", 2.0), ("AAA", "CCC", 1.0)]


def test_user_tables_load(tmp_path):
    f, c = _tables(tmp_path, GOOD_F, GOOD_C)
    eco = blocs.load_economy(f, c)
    assert eco.iso3 == ("AAA", "BBB", "CCC")
    # domestic flows built from GDP: expenditure = GDP + deficit (nu = 0 without the USA)
    E = np.asarray(eco.E)
    imports = np.array([5.0, 5.0, 1.0])
    exports = np.array([6.0, 3.0, 2.0])
    np.testing.assert_allclose(E, np.array([100.0, 50.0, 80.0]) + imports - exports)


@pytest.mark.parametrize(
    ("flows", "countries", "message"),
    [
        ([("AAA", "XYZ", 1.0)], GOOD_C, "flows.csv, row 2: importer 'XYZ' is not in"),
        ([("AAA", "BBC", 1.0)], GOOD_C, "(did you mean 'BBB'?)"),
        ([("AAA", "BBB", -1.0)], GOOD_C, "row 2 (AAA->BBB): negative flow -1.0"),
        ([("AAA", "BBB", float("nan"))], GOOD_C, "row 2: value is nan, not a number"),
        ([("AAA", "BBB", 1.0), ("AAA", "BBB", 2.0)], GOOD_C, "row 3: pair AAA->BBB appears twice"),
        (
            GOOD_F,
            [("AAA", 1.0), ("BBB", float("nan")), ("CCC", 1.0)],
            "countries.csv, row 3 (BBB): gdp is missing",
        ),
        (
            GOOD_F,
            [("AAA", 1.0), ("AAA", 2.0), ("CCC", 1.0)],
            "countries.csv, row 3: country 'AAA' is listed twice",
        ),
    ],
)
def test_bad_tables(tmp_path, flows, countries, message):
    f, c = _tables(tmp_path, flows, countries)
    with pytest.raises(DataError) as info:
        blocs.load_economy(f, c)
    assert message in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        blocs.load_economy(tmp_path / "missing.csv", tmp_path / "c.csv")


def test_policy_checks(world):
    t = np.zeros((world.n, world.n))
    t[0, 1] = -1.0
    with pytest.raises(blocs.InputError, match=r"<= -100 %"):
        blocs.solve(world, t)
    with pytest.raises(blocs.InputError, match=r"expected \(194, 194\)"):
        blocs.solve(world, np.zeros((3, 3)))
