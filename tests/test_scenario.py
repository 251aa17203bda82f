"""Scenario parsing, group resolution, rule semantics and error messages."""

from __future__ import annotations

import numpy as np
import pytest

import blocs
from blocs.errors import ScenarioError
from blocs.scenario import compile_policy, load_scenario, parse_scenario


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


BASE = '[scenario]\nname = "t"\n'


def test_issue_example_compiles(tmp_path, world):
    path = write(
        tmp_path,
        BASE
        + """
[model]
trade_elasticity = 4.0
revenue = "income_tax_relief"
deficits = "fixed_share_of_world_income"

[groups]
coalition = ["USA", "JPN", "KOR", "EU27"]

[[tariffs]]
importers = ["coalition"]
exporters = ["CHN"]
rate = 0.50

[[tariffs]]
importers = ["CHN"]
exporters = ["coalition"]
rate = 0.50
""",
    )
    sc = load_scenario(path)
    pol = compile_policy(sc, world)
    t = np.asarray(pol.t)
    chn, usa, deu, bra = (world.index(c) for c in ("CHN", "USA", "DEU", "BRA"))
    assert t[chn, usa] == 0.5 and t[chn, deu] == 0.5 and t[usa, chn] == 0.5
    assert t[chn, bra] == 0.0 and t[bra, usa] == 0.0
    assert np.all(np.diag(t) == 0.0)
    assert (t > 0).sum() == 2 * 30  # USA, JPN, KOR + 27 EU members, both directions


def test_later_rules_override_and_operations(tmp_path, world):
    path = write(
        tmp_path,
        BASE
        + """
[[tariffs]]
importers = ["USA"]
exporters = ["ALL"]
rate = 0.2
[[tariffs]]
importers = ["USA"]
exporters = ["CAN", "MEX"]
rate = 0.0
[[tariffs]]
importers = ["USA"]
exporters = ["CHN"]
add = 0.1
[[tariffs]]
importers = ["USA"]
exporters = ["JPN"]
multiply = 1.5
[[tariffs]]
importers = ["USA"]
exporters = ["DEU"]
cap = 0.15
[[tariffs]]
importers = ["USA"]
exporters = ["CAN"]
floor = 0.05
""",
    )
    t = np.asarray(compile_policy(load_scenario(path), world).t)
    us = world.index("USA")
    assert t[world.index("CHN"), us] == pytest.approx(0.3)
    assert t[world.index("JPN"), us] == pytest.approx(1.2 * 1.5 - 1)
    assert t[world.index("DEU"), us] == pytest.approx(0.15)
    assert t[world.index("CAN"), us] == pytest.approx(0.05)
    assert t[world.index("MEX"), us] == 0.0
    assert t[us, us] == 0.0


def test_us_tariffs_2025_reciprocal(world):
    sc = load_scenario("liberation-day-reciprocal")
    t = np.asarray(compile_policy(sc, world).t)
    us, chn, gbr = world.index("USA"), world.index("CHN"), world.index("GBR")
    assert t[chn, us] == pytest.approx(0.54) and t[us, chn] == pytest.approx(0.54)
    assert t[gbr, us] == pytest.approx(0.10) and t[us, gbr] == pytest.approx(0.10)
    assert t[chn, gbr] == 0.0


def test_builtins_listed():
    names = blocs.builtin_scenarios()
    for n in (
        "liberation-day",
        "liberation-day-lump-sum",
        "liberation-day-optimal",
        "liberation-day-reciprocal",
    ):
        assert n in names


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[[tariffs]]\nimporters = ["CHA"]\nexporters = ["USA"]\nrate = 0.1\n',
            "tariffs[0].importers: unknown country code or group 'CHA' (did you mean 'CHN'?)",
        ),
        (
            '[[tariffs]]\nimporters = ["USA"]\nexporters = ["CHN"]\nrate = -1.5\n',
            "tariffs[0].rate: tariff -1.5 is <= -100 %",
        ),
        (
            '[[tariffs]]\nimporters = ["USA"]\nexporters = ["CHN"]\nrate = "high"\n',
            "unknown special rate 'high'",
        ),
        (
            '[[tariffs]]\nimporters = ["USA"]\nexporters = ["CHN"]\nrate = 0.1\nadd = 0.1\n',
            "tariffs[0]: give exactly one of rate, add, multiply, cap, floor (found rate, add)",
        ),
        (
            '[[tariffs]]\nimporters = ["USA"]\nexporters = ["CHN"]\nrat = 0.1\n',
            "tariffs[0].rat: unknown key",
        ),
        (
            '[model]\nrevenue = "cash"\n',
            "model.revenue: unknown value 'cash'; allowed: 'income_tax_relief' or 'lump_sum'",
        ),
        (
            '[groups]\na = ["b"]\nb = ["a"]\n[[tariffs]]\nimporters = ["a"]\nexporters = ["CHN"]'
            "\nrate = 0.1\n",
            "groups refer to each other in a cycle: A -> B -> A",
        ),
    ],
)
def test_error_messages(tmp_path, world, body, message):
    path = write(tmp_path, BASE + body)
    with pytest.raises(ScenarioError) as info:
        compile_policy(load_scenario(path), world)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_toml_syntax_error_names_line(tmp_path):
    path = write(tmp_path, BASE + "[[tariffs]\n")
    with pytest.raises(ScenarioError, match=r"TOML syntax error: .*line 3"):
        load_scenario(path)


def test_missing_file_and_unknown_builtin(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="did you mean 'liberation-day'"):
        load_scenario("liberation-dya")


def test_missing_scenario_table():
    with pytest.raises(ScenarioError, match=r"missing the \[scenario\] table"):
        parse_scenario({"tariffs": []})


def test_unknown_sector_on_multisector_data(tmp_path):
    path = write(
        tmp_path,
        '[scenario]\nname = "t"\ndata = "icio2022"\n[[tariffs]]\n'
        'importers = ["USA"]\nexporters = ["CHN"]\nrate = 0.1\nsectors = ["C30"]\n',
    )
    sc = load_scenario(path)
    eco = blocs.load_icio2022()
    with pytest.raises(
        ScenarioError,
        match=r"tariffs\[0\]\.sectors: unknown sector or sector "
        r"group 'C30' \(did you mean 'C301'\?\)",
    ):
        compile_policy(sc, eco)


def test_variants_are_checked(tmp_path):
    path = write(tmp_path, BASE + '[[variants]]\nname = "v"\nmodel = { revenue = "x" }\n')
    with pytest.raises(ScenarioError, match=r"variants\[0\]\.model\.revenue: unknown value"):
        load_scenario(path)


def test_agreement_and_retaliation_semantics(tmp_path, world):
    path = write(
        tmp_path,
        BASE
        + """
[[tariffs]]
importers = ["USA"]
exporters = ["ALL"]
rate = 0.3
[[agreements]]
members = ["USA", "CAN"]
external_tariff = 0.05
[[retaliation]]
by = ["EU27"]
against = ["USA"]
rule = "mirror"
""",
    )
    t = np.asarray(compile_policy(load_scenario(path), world).t)
    us, ca, de, cn = (world.index(c) for c in ("USA", "CAN", "DEU", "CHN"))
    assert t[ca, us] == 0.0 and t[us, ca] == 0.0  # free trade inside
    assert t[cn, us] == pytest.approx(0.05) and t[cn, ca] == pytest.approx(0.05)  # external
    assert t[us, de] == pytest.approx(t[de, us]) == pytest.approx(0.05)  # EU mirrors


def test_user_groups_file(tmp_path, world, monkeypatch):
    (tmp_path / "mine.toml").write_text(
        'pacific = ["AUS", "NZL"]\n[quad]\nmembers = ["USA", "JPN", "IND", "AUS"]\n'
    )
    path = write(
        tmp_path,
        '[scenario]\nname = "t"\ngroups_file = "mine.toml"\n'
        '[[tariffs]]\nimporters = ["quad"]\nexporters = ["CHN"]\nrate = 0.2\n',
    )
    t = np.asarray(compile_policy(load_scenario(path), world).t)
    assert t[world.index("CHN"), world.index("IND")] == pytest.approx(0.2)
    monkeypatch.setenv("BLOCS_GROUPS", str(tmp_path / "mine.toml"))
    path2 = write(
        tmp_path,
        BASE + '[[tariffs]]\nimporters = ["pacific"]\nexporters = ["CHN"]\nrate = 0.1\n',
        name="s2.toml",
    )
    t = np.asarray(compile_policy(load_scenario(path2), world).t)
    assert t[world.index("CHN"), world.index("NZL")] == pytest.approx(0.1)
    (tmp_path / "bad.toml").write_text('oops = "USA"\n')
    path3 = write(tmp_path, '[scenario]\nname = "t"\ngroups_file = "bad.toml"\n', name="s3.toml")
    with pytest.raises(ScenarioError, match=r"bad.toml, oops: a group is a list of country"):
        load_scenario(path3)
