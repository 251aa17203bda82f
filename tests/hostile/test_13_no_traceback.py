"""Item 13 (library side): inputs that raised a traceback are bad input (exit 2) with the
file, row or rule and key named."""

from __future__ import annotations

import pytest

from blocs.errors import BlocsError
from blocs.scenario import compile_scenario, load_scenario, parse_scenario
from blocs.scenario.groups import MAX_GROUP_DEPTH

from .conftest import flat, write_tables, write_toml

DATA_TOML = """
    [scenario]
    name = "mine"
    data = { flows = "flows.csv", countries = "countries.csv" }
    [[tariffs]]
    importers = ["AAA"]
    exporters = ["BBB"]
    rate = "US_TARIFFS_2025"
"""
FLOWS = {
    "exporter": ["AAA", "BBB", "CCC"],
    "importer": ["BBB", "CCC", "AAA"],
    "value": [100.0, 200.0, 300.0],
}


def _countries(**cols):
    return {"iso3": ["AAA", "BBB", "CCC"], "gdp": [1000.0, 2000.0, 3000.0], **cols}


CASES = {
    "gdp-abc": (FLOWS, _countries(gdp=[1000.0, "abc", 3000.0]), "row 3, column gdp: 'abc'"),
    "us-tariff-ten": (
        FLOWS,
        _countries(us_tariff_2025_04=[0.1, "ten", 0.2]),
        "row 3, column us_tariff_2025_04: 'ten'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_cells(cli, tmp_path, case):
    flows, countries, expected = CASES[case]
    write_tables(tmp_path, flows, countries)
    path = write_toml(tmp_path, DATA_TOML)
    code, out = cli("run", str(path))
    assert code == 2, out
    assert expected in out and "Traceback" not in out


def test_flows_only_file_with_a_non_number(cli, tmp_path):
    flows = {
        "exporter": ["AAA", "AAA", "BBB", "BBB"],
        "importer": ["AAA", "BBB", "BBB", "AAA"],
        "value": [10.0, "x1", 12.0, 3.0],
    }
    write_tables(tmp_path, flows, None)
    path = write_toml(
        tmp_path,
        DATA_TOML.replace(', countries = "countries.csv"', "").replace('"US_TARIFFS_2025"', "0.1"),
    )
    code, out = cli("run", str(path))
    assert code == 2, out
    assert "row 3, column value: 'x1'" in out and "Traceback" not in out


def test_latin1_scenario_file(cli, tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes('[scenario]\nname = "caf\xe9"\n'.encode("latin-1"))
    code, out = cli("run", str(path))
    assert code == 2, out
    assert "not UTF-8" in out and "line 2" in out and "Traceback" not in out


def test_directory_named_like_a_scenario(cli, tmp_path):
    (tmp_path / "x.toml").mkdir()
    code, out = cli("run", str(tmp_path / "x.toml"))
    assert code == 2, out
    assert "is a folder" in out and "Traceback" not in out


@pytest.mark.parametrize("target", ["missing.toml", "."])
def test_blocs_groups_pointing_nowhere(cli, tmp_path, target):
    code, out = cli("run", "liberation-day", env={"BLOCS_GROUPS": str(tmp_path / target)})
    assert code == 2, out
    assert "BLOCS_GROUPS" in out and "Traceback" not in out


def test_deeply_nested_groups(world):
    groups = {f"level{k}": [f"level{k + 1}"] for k in range(2000)}
    groups["level2000"] = ["USA"]
    doc = {
        "scenario": {"name": "x"},
        "groups": groups,
        "tariffs": [{"importers": ["level0"], "exporters": ["CHN"], "rate": 0.1}],
    }
    sc = parse_scenario(doc, path="s.toml")
    with pytest.raises(BlocsError) as err:
        compile_scenario(sc, world)
    assert "s.toml, tariffs[0].importers" in flat(err.value)
    assert f"more than {MAX_GROUP_DEPTH} levels" in flat(err.value)


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf"])
def test_set_non_finite_is_bad_input(cli, value):
    code, out = cli("run", "liberation-day", "--set", f"psi={value}")
    assert code == 2, out  # not 3 (no convergence)
    assert "psi" in out and "finite" in out


@pytest.mark.parametrize(
    ("table", "rule", "key"),
    [
        (
            "trade_costs",
            {"importers": ["USA"], "exporters": ["CHN"], "partial_effect": "nan"},
            "partial_effect",
        ),
        ("trade_costs", {"importers": ["USA"], "exporters": ["CHN"], "change": "inf"}, "change"),
        ("agreements", {"members": ["USA", "CAN"], "partial_effect": "-inf"}, "partial_effect"),
    ],
)
def test_non_finite_trade_cost_names_file_rule_and_key(tmp_path, table, rule, key):
    lines = [f"[[{table}]]"]
    for k, v in rule.items():
        lines.append(
            f"{k} = {v}" if v in ("nan", "inf", "-inf") else f"{k} = {v!r}".replace("'", '"')
        )
    path = write_toml(tmp_path, '[scenario]\nname = "x"\n' + "\n".join(lines) + "\n")
    with pytest.raises(BlocsError) as err:
        load_scenario(path)
    msg = flat(err.value)
    assert f"{path}, {table}[0].{key}" in msg and "finite" in msg
