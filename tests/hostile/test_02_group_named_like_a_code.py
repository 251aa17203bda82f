"""Item 2: a group named like a country code (or a built-in group) would replace it in every
rule and printed row: refused in ``[groups]``, in a groups file and via ``BLOCS_GROUPS``."""

from __future__ import annotations

import pytest

from blocs.errors import ScenarioError
from blocs.scenario import compile_scenario, parse_scenario

from .conftest import flat

RULE = {"importers": ["USA"], "exporters": ["CHN"], "rate": 0.5}


@pytest.mark.parametrize("name", ["CHN", "chn", "EU27", "G7", "ALL"])
def test_scenario_groups(name):
    doc = {"scenario": {"name": "x"}, "groups": {name: ["MEX"]}, "tariffs": [RULE]}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc, path="s.toml")
    assert f"s.toml, groups.{name}" in flat(err.value)


def test_code_of_the_data_not_in_any_builtin_group(world):
    # ABW (Aruba) is in world2023 but in no built-in group: refused when compiled for the data
    doc = {"scenario": {"name": "x"}, "groups": {"ABW": ["MEX"]}, "tariffs": [RULE]}
    sc = parse_scenario(doc, path="s.toml")
    with pytest.raises(ScenarioError) as err:
        compile_scenario(sc, world)
    assert "s.toml, groups.ABW" in flat(err.value) and "country code" in flat(err.value)


def test_groups_file(tmp_path):
    (tmp_path / "g.toml").write_text('CHN = ["MEX"]\n')
    doc = {"scenario": {"name": "x", "groups_file": "g.toml"}, "tariffs": [RULE]}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc, path="s.toml", base_dir=tmp_path)
    assert "g.toml" in flat(err.value) and "CHN" in flat(err.value)


def test_blocs_groups_env(tmp_path, monkeypatch):
    (tmp_path / "g.toml").write_text('[USA]\nmembers = ["MEX"]\n')
    monkeypatch.setenv("BLOCS_GROUPS", str(tmp_path / "g.toml"))
    with pytest.raises(ScenarioError) as err:
        parse_scenario({"scenario": {"name": "x"}, "tariffs": [RULE]})
    assert "BLOCS_GROUPS" in flat(err.value) and "USA" in flat(err.value)


def test_cli_exit_2(cli, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[scenario]\nname = "x"\n[groups]\nCHN = ["MEX"]\n[[tariffs]]\n'
        'importers = ["USA"]\nexporters = ["CHN"]\nrate = 0.5\n'
    )
    code, out = cli("run", str(path))
    assert code == 2 and "groups.CHN" in out and "Traceback" not in out
