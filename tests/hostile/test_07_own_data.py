"""Item 7: own data that cannot be right is refused, naming the file, row and column."""

from __future__ import annotations

import pytest

from blocs.data import load_economy
from blocs.economy import MAX_TRADE_TO_GDP
from blocs.errors import DataError

from .conftest import flat, write_tables, write_toml

FLOWS = {
    "exporter": ["AAA", "BBB", "CCC"],
    "importer": ["BBB", "CCC", "AAA"],
    "value": [100.0, 200.0, 300.0],
}
COUNTRIES = {"iso3": ["AAA", "BBB", "CCC"], "gdp": [1000.0, 2000.0, 3000.0]}


def _load(tmp_path, flows=FLOWS, countries=COUNTRIES):
    write_tables(tmp_path, flows, countries)
    return load_economy(tmp_path / "flows.csv", tmp_path / "countries.csv")


def test_good_data_loads(tmp_path):
    assert _load(tmp_path).n == 3


def test_header_only_flows(tmp_path):
    with pytest.raises(DataError) as err:
        _load(tmp_path, flows={"exporter": [], "importer": [], "value": []})
    assert "flows.csv" in flat(err.value) and "no rows" in flat(err.value)


def test_gdp_far_below_trade(tmp_path):
    with pytest.raises(DataError) as err:
        _load(tmp_path, countries={**COUNTRIES, "gdp": [1000.0, 0.001, 3000.0]})
    msg = flat(err.value)
    assert "countries.csv, row 3 (BBB), column gdp" in msg
    assert f"{MAX_TRADE_TO_GDP:g}" in msg


@pytest.mark.parametrize(
    ("table", "column", "row"),
    [("countries", "iso3", 3), ("flows", "exporter", 2), ("flows", "importer", 4)],
)
def test_empty_code_cell(tmp_path, table, column, row):
    flows = {k: list(v) for k, v in FLOWS.items()}
    countries = {k: list(v) for k, v in COUNTRIES.items()}
    target = countries if table == "countries" else flows
    target[column][row - 2] = None
    with pytest.raises(DataError) as err:
        _load(tmp_path, flows=flows, countries=countries)
    assert f"{table}.csv, row {row}, column {column}: empty" in flat(err.value)


def test_cli_exit_2(cli, tmp_path):
    write_tables(tmp_path, FLOWS, {**COUNTRIES, "gdp": [1000.0, 0.001, 3000.0]})
    path = write_toml(
        tmp_path,
        """
        [scenario]
        name = "mine"
        data = { flows = "flows.csv", countries = "countries.csv" }
        [[tariffs]]
        importers = ["AAA"]
        exporters = ["BBB"]
        rate = 0.1
    """,
    )
    code, out = cli("run", str(path))
    assert code == 2 and "column gdp" in out and "Traceback" not in out
