"""Item 16: the documented own-data example works as written: summaries default to the
data's largest economies when USA etc. are absent (``run.summary()`` needs no row names),
in Python and on the command line. (Every Python example of the docs runs in
tests/test_docs.py.)"""

from __future__ import annotations

from blocs.run import DEFAULT_ROWS, default_rows, run_scenario

from .conftest import write_tables, write_toml

TOML = """
    [scenario]
    name = "my-data"
    data = { flows = "flows.csv", countries = "countries.csv" }

    [[tariffs]]
    importers = ["AAA"]
    exporters = ["BBB"]
    rate = 0.25
"""


def _files(tmp_path):
    write_tables(
        tmp_path,
        {
            "exporter": ["AAA", "BBB", "CCC", "AAA"],
            "importer": ["BBB", "AAA", "AAA", "CCC"],
            "value": [5.0, 3.0, 2.0, 4.0],
        },
        {"iso3": ["AAA", "BBB", "CCC"], "gdp": [50.0, 80.0, 100.0]},
    )
    return write_toml(tmp_path, TOML)


def test_summary_defaults_to_the_largest_economies(tmp_path):
    run = run_scenario(_files(tmp_path))
    table = run.summary()
    assert list(table.index) == ["CCC", "BBB", "AAA"]
    assert default_rows(run.economy) == ("CCC", "BBB", "AAA")


def test_embedded_data_keep_the_default_rows(world):
    assert default_rows(world) == DEFAULT_ROWS


def test_cli_runs_the_documented_example(cli, tmp_path):
    code, out = cli("run", str(_files(tmp_path)))
    assert code == 0, out
    assert "AAA" in out and "--countries" not in out
