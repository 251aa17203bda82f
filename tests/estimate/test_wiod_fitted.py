"""GE-PPML consistency on validation C: the EU-enlargement scenario on the observed 2000
flows and on the estimated model's fitted 2000 flows (``blocs estimate --fitted-year 2000``
-> ``data = { flows = "est/fitted_flows.csv", ... }``). The numbers are those of the table in
docs/estimation.md ("Observed or fitted baseline").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from blocs.cli import app
from blocs.estimate import FITTED_FLOWS_FILE

from ..conftest import validation_file
from .test_wiod_scenario import FORMULA, PUBLISHED, build

# welfare_pct on the fitted baseline (observed baseline: PUBLISHED, validation C)
FITTED = {"MLT": 1.890, "HUN": 1.386, "POL": 0.687, "DEU": 0.066, "RUS": -0.013}


def run(scenario: Path, out: Path) -> pd.Series:
    res = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out / "countries.csv").set_index("iso3")["welfare_pct"]


def test_observed_and_fitted_baselines(tmp_path: Path) -> None:
    observed_toml = build(tmp_path)  # writes est/estimate.json and the observed flows.csv
    panel = validation_file("ge_gravity_eu", "trade_wiod_2000_2014.csv")
    est = tmp_path / "est"
    res = CliRunner().invoke(
        app, ["estimate", str(panel), "-f", FORMULA, "--out", str(est), "--fitted-year", "2000"]
    )
    assert res.exit_code == 0, res.output
    fitted = pd.read_csv(est / FITTED_FLOWS_FILE)
    observed = pd.read_csv(tmp_path / "flows.csv")
    both = observed.merge(fitted, on=["exporter", "importer"], suffixes=("_obs", "_fit"))
    assert len(both) == len(observed) == len(fitted) == 44 * 44
    dom = both.exporter == both.importer
    assert (both.value_obs[dom] == both.value_fit[dom]).all()  # observed domestic flows
    intl = both[~dom]
    # PPML with exporter-year and importer-year effects: each country's international
    # exports and imports are the observed ones (so countries.csv serves both baselines) ...
    for key in ("exporter", "importer"):
        sums = intl.groupby(key)[["value_obs", "value_fit"]].sum()
        np.testing.assert_allclose(sums.value_fit, sums.value_obs, rtol=1e-9)
    # ... but the partners differ: the pair effects replace the year's noise
    assert (intl.value_fit / intl.value_obs - 1).abs().median() > 0.01

    fitted_toml = tmp_path / "fitted.toml"
    fitted_toml.write_text(
        observed_toml.read_text().replace('flows = "flows.csv"', 'flows = "est/fitted_flows.csv"')
    )
    w_obs = run(observed_toml, tmp_path / "run_observed")
    w_fit = run(fitted_toml, tmp_path / "run_fitted")
    for code in PUBLISHED:
        assert w_obs[code] == pytest.approx(PUBLISHED[code], abs=1e-3), code
        assert w_fit[code] == pytest.approx(FITTED[code], abs=1e-3), code
