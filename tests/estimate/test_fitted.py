"""Fitted flows (GE-PPML baseline): the model's trade for one year, from a fit or a re-fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from blocs.cli import app
from blocs.errors import InputError
from blocs.estimate import (
    FITTED_FLOWS_FILE,
    estimate_gravity,
    fit_gravity,
    fitted_flows,
    load_panel,
)

from .conftest import synthetic_panel

FORMULA = "trade ~ fta | exporter^year + importer^year + exporter^importer"


def test_fitted_flows_add_up_to_observed_by_exporter_and_importer() -> None:
    fit = fit_gravity(synthetic_panel(), FORMULA)
    ff = fitted_flows(fit, year=2004, observed_domestic=True)
    t = ff.table
    assert len(t) == 64 and ff.n_fitted == 56 and ff.n_observed_domestic == 8
    dom = t.exporter == t.importer
    assert (t.value[dom] == t.observed[dom]).all()
    intl = t[~dom]
    assert not np.allclose(intl.value, intl.observed)  # the pair effects remove the noise
    for key in ("exporter", "importer"):  # PPML's first-order conditions
        sums = intl.groupby(key)[["value", "observed"]].sum()
        np.testing.assert_allclose(sums.value, sums.observed, rtol=1e-8)
    assert list(ff.flows().columns) == ["exporter", "importer", "value"]


def test_refit_from_panel_and_estimate_matches_the_fit() -> None:
    df = synthetic_panel()
    direct = fitted_flows(fit_gravity(df, FORMULA), year=2000, observed_domestic=True)
    est = estimate_gravity(df, FORMULA)
    again = fitted_flows(df, estimate=est, year=2000, observed_domestic=True)
    np.testing.assert_allclose(again.table.value, direct.table.value, rtol=1e-10)
    with pytest.raises(InputError, match="not the panel the estimate was fitted on"):
        fitted_flows(synthetic_panel(seed=1), estimate=est, year=2000, observed_domestic=True)


def test_domestic_flows_fitted_only_when_estimated() -> None:
    df = synthetic_panel()
    with pytest.raises(InputError, match="do not identify fitted domestic flows"):
        fitted_flows(fit_gravity(df, FORMULA), year=2000)
    ff = fitted_flows(fit_gravity(df, FORMULA, international_only=False), year=2000)
    assert ff.n_observed_domestic == 0 and ff.n_fitted == 64
    with pytest.raises(InputError, match="no year 1999"):
        fitted_flows(fit_gravity(df, FORMULA), year=1999, observed_domestic=True)


def test_cli_fitted_year_writes_the_baseline(tmp_path) -> None:
    path = tmp_path / "panel.csv"
    synthetic_panel().to_csv(path, index=False)
    out = tmp_path / "est"
    res = CliRunner().invoke(
        app, ["estimate", str(path), "-f", FORMULA, "--out", str(out), "--fitted-year", "2002"]
    )
    assert res.exit_code == 0, res.output
    flows = pd.read_csv(out / FITTED_FLOWS_FILE)
    assert list(flows.columns) == ["exporter", "importer", "value"] and len(flows) == 64
    panel = load_panel(path).frame
    assert flows.value.sum() == pytest.approx(panel[panel.year == 2002].trade.sum(), rel=1e-8)
    res = CliRunner().invoke(app, ["estimate", str(path), "-f", FORMULA, "--fitted-year", "2002"])
    assert res.exit_code == 2 and "--out" in res.output
