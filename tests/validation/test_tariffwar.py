"""Validation: the global tariff war of Lashkaripour (2021) as his ``tariffwar`` package
computes it (ICIO 2022, 81 economies x 28 sectors, in-sample elasticities).

Published package output (issue 17): mean welfare -1.748 %, median -1.430 %, mean Nash
tariff 24.81 %; USA 23.85 % / -0.344 %; CHN 31.32 % / -0.214 %. The built-in
``tariffwar-icio2022`` states the package's conventions (tariff-inclusive flows plus 1 on
every domestic flow, trade balanced before the war, one tariff on all 28 sectors) and
``method="formula"`` imposes its optimal-tariff formula; compared at half a unit of the
printed digit. The exact Nash equilibrium on the same conventions (the default method) is
checked by its certificate (largest unilateral gain <= 1e-6 of income) and by its means
(mean tariff 24.94 %, mean welfare -1.778 %, median -1.453 %; docs/replication.md shows the
two side by side).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET  # noqa: S405  (our own pytest's report)

import numpy as np
import pytest

from blocs.data import load_dataset
from blocs.errors import InputError, ScenarioError
from blocs.models.caliendo_parro.flows import read_flows
from blocs.models.registry import get_model
from blocs.scenario import load_scenario
from blocs.strategy import nash_for_scenario, tariff_game

SCENARIO = "tariffwar-icio2022"

# (mean tariff %, mean welfare %, median welfare %), and per country (tariff %, welfare %)
PUBLISHED = {"means": ("24.81", "-1.748", "-1.430"), "USA": ("23.85", "-0.344"),
             "CHN": ("31.32", "-0.214")}  # fmt: skip
EXACT = {"means": ("24.94", "-1.778", "-1.453")}


#: The two wars run in a fresh interpreter: in the long full-suite process XLA aborted the
#: process while compiling or caching their programs (three runs; alone they pass), and an
#: abort would end the whole test run instead of failing one test. TODO: find the cause.
#: Both run in ONE such interpreter (:func:`fresh_wars`): one start-up and one data load, and
#: the exact war reuses the programs the formula war compiled for the same economy.
_INNER = "BLOCS_TEST_IN_FRESH_PROCESS"
_SKIPPED = "skipped: "
_WARS = ("test_formula_war_reproduces_tariffwar", "test_exact_war_certificate")


@pytest.fixture(scope="module")
def fresh_wars(tmp_path_factory) -> dict[str, str] | None:
    """Run the war tests of this file in one new Python process (serially, ``-n 0``):
    ``{test name: "" if it passed, else its failure}``; None when already in that process."""
    if os.environ.get(_INNER):
        return None
    xml = tmp_path_factory.mktemp("wars") / "wars.xml"
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
         f"--junitxml={xml}", *(f"{__file__}::{name}" for name in _WARS)],
        env={**os.environ, _INNER: "1"},
        capture_output=True,
        text=True,
        timeout=3000,
    )  # fmt: skip
    output = res.stdout[-4000:] + res.stderr[-2000:]
    outcome = {name: f"not run (exit code {res.returncode}):\n{output}" for name in _WARS}
    if xml.exists():
        for case in ET.parse(xml).iter("testcase"):
            bad = [e for e in case if e.tag in ("failure", "error", "skipped")]
            if bad and bad[0].tag == "skipped":
                outcome[case.get("name", "")] = _SKIPPED + (bad[0].get("message") or "")
                continue
            text = "\n".join(f"{e.tag}: {e.get('message')}\n{e.text or ''}" for e in bad)
            outcome[case.get("name", "")] = text
    return outcome


def _ran_in_fresh_process(fresh: dict[str, str] | None, name: str) -> bool:
    """Whether test ``name`` ran (see :func:`fresh_wars`), failing it if it did not pass
    there; False when this is the fresh process (run the test here)."""
    if fresh is None:
        return False
    if fresh[name].startswith(_SKIPPED):
        pytest.skip(fresh[name].removeprefix(_SKIPPED))
    assert fresh[name] == "", fresh[name]
    return True


def _close(value: float, printed: str) -> None:
    decimals = len(printed.split(".")[1])
    assert abs(value - float(printed)) <= 0.5 * 10.0**-decimals, (value, printed)


def _check(r, table) -> None:
    frame = r.to_frame().set_index("player")
    w = frame["welfare_pct"].to_numpy()
    mean_t, mean_w, median_w = table["means"]
    _close(100 * frame["tariff"].mean(), mean_t)
    _close(float(np.mean(w)), mean_w)
    _close(float(np.median(w)), median_w)
    for c in ("USA", "CHN"):
        if c in table:
            _close(100 * frame.loc[c, "tariff"], table[c][0])
            _close(frame.loc[c, "welfare_pct"], table[c][1])


@pytest.mark.slow
def test_formula_war_reproduces_tariffwar(fresh_wars):
    if _ran_in_fresh_process(fresh_wars, "test_formula_war_reproduces_tariffwar"):
        return
    r = nash_for_scenario(SCENARIO, method="formula", verify=0)
    assert r.converged and r.method == "formula"
    _check(r, PUBLISHED)


@pytest.mark.slow
def test_exact_war_certificate(fresh_wars):
    if _ran_in_fresh_process(fresh_wars, "test_exact_war_certificate"):
        return
    r = nash_for_scenario(SCENARIO, verify=1)  # USA by a full best response
    assert r.converged
    assert r.certificate <= 1e-6
    _check(r, EXACT)
    usa = r.to_frame().set_index("player").loc["USA"]
    # the exact best response of the USA is above the formula's 23.85 % (issue 17)
    assert 100 * usa["tariff"] == pytest.approx(24.87, abs=0.01)


def test_read_flows_defaults_are_the_data():
    eco = load_dataset("icio2022", elasticities="in_sample")
    assert read_flows(eco) is eco


def test_read_flows_tariff_inclusive_with_offset():
    eco = load_dataset("icio2022", elasticities="in_sample")
    new = read_flows(eco, "tariff_inclusive", 1.0)
    n = eco.n
    X, X0, t = np.asarray(new.X), np.asarray(eco.X), np.asarray(eco.t)
    eye = np.eye(n)[:, :, None]
    np.testing.assert_allclose(X * (1 + t), X0 + eye, rtol=1e-13)
    E = ((1 + t) * X).sum(axis=0)
    np.testing.assert_allclose(np.asarray(new.alpha), E / E.sum(axis=1, keepdims=True))
    foreign = X * (1 - eye)
    np.testing.assert_allclose(
        np.asarray(new.D), foreign.sum(axis=(0, 2)) - foreign.sum(axis=(1, 2)), atol=1e-6
    )
    with pytest.raises(InputError, match="domestic_flow_offset"):
        read_flows(eco, "tariff_inclusive", -1.0)


def test_instruments_cover_services_only_when_asked():
    eco = load_dataset("icio2022", elasticities="in_sample")
    model = get_model("caliendo_parro")
    opts = model.Options(elasticities="in_sample")
    goods = tariff_game(model, eco, opts, ["USA", "CHN"])
    every = tariff_game(model, eco, opts, ["USA", "CHN"], instruments="all_sectors")
    assert every.pos.size == goods.pos.size * eco.s // (eco.s - 1)
    assert set(every.instruments["sector"]) == {"all"}
    with pytest.raises(InputError, match="instruments"):
        tariff_game(model, eco, opts, ["USA"], instruments="services")


def test_formula_needs_a_tariff_on_all_imports():
    with pytest.raises(InputError, match="all imports"):
        nash_for_scenario(SCENARIO, "USA,CHN", method="formula", instruments="goods", verify=0)


def test_game_table_is_checked():
    sc = load_scenario(SCENARIO)
    assert sc.game == {"instruments": "all_sectors"}
    bad = sc.model_copy(update={"game": {"instrument": "all_sectors"}})
    with pytest.raises(ScenarioError, match="game.instrument"):
        nash_for_scenario(bad, "USA,CHN", verify=0)
    bad = sc.model_copy(update={"game": {"instruments": "services"}})
    with pytest.raises(ScenarioError, match="game.instruments"):
        nash_for_scenario(bad, "USA,CHN", verify=0)
