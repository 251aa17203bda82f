"""icio2022 summed over sectors (``icio2022-agg``): 81 economies, Taiwan included, one sector."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from blocs.data import DATASETS, load_dataset, load_icio2022_one_sector
from blocs.data.files import data_path
from blocs.data.us_tariffs import us_tariffs_in_force
from blocs.run import policy_for, run_scenario
from blocs.scenario import DATA_MODELS


@pytest.fixture(scope="module")
def agg():
    return load_icio2022_one_sector()


def test_aggregate_sums_flows_and_weights_tariffs(agg):
    assert "icio2022-agg" in DATASETS and DATA_MODELS["icio2022-agg"] == "imls"
    assert load_dataset("icio2022-agg") is agg
    assert agg.n == 81 and "TWN" in agg.iso3 and "ROW" in agg.iso3 and agg.dataset == "icio2022-agg"
    f = pd.read_csv(data_path("icio2022", "flows.csv.gz"))
    X = np.asarray(agg.X)
    assert X.sum() == pytest.approx(f.flow_musd.sum(), rel=1e-12)
    g = f[(f.exporter == "TWN") & (f.importer == "USA")]
    i, us = agg.index("TWN"), agg.index("USA")
    assert X[i, us] == pytest.approx(g.flow_musd.sum())
    want = float((g.flow_musd * g.tariff).sum() / g.flow_musd.sum())
    assert float(agg.t[i, us]) == pytest.approx(want)
    assert np.all(np.diag(np.asarray(agg.t)) == 0.0)
    # GDP = value added = total sales (icio2022 has no input-output links)
    np.testing.assert_allclose(np.asarray(agg.gdp), X.sum(axis=1))


def _scenario(tmp_path, name, body):
    p = tmp_path / f"{name}.toml"
    p.write_text(f'[scenario]\nname = "{name}"\ndata = "icio2022-agg"\n{body}')
    return p


def test_liberation_day_solves_with_taiwan(agg, tmp_path):
    body = '\n[[tariffs]]\nimporters = ["USA"]\nexporters = ["ALL"]\nrate = "US_TARIFFS_2025"\n'
    p = _scenario(tmp_path, "ld-agg", body)
    run = run_scenario(p)
    assert run.manifest["solver"]["status"] == "converged"
    assert run.manifest["solver"]["max_residual"] < 1e-6
    t = np.asarray(policy_for(run.scenario, run.economy).policy.t)
    assert float(t[agg.index("TWN"), agg.index("USA")]) == pytest.approx(0.32)  # not dropped
    tw = run.countries.set_index("iso3").loc["TWN", "welfare_pct"]
    assert np.isfinite(tw) and tw < 0


def test_tariffs_in_force_apply_taiwans_rate(agg):
    rec = us_tariffs_in_force("2025-08-07", agg)
    assert rec.rate("TWN") > 0.10  # reciprocal 20 %, 232 goods, Annex II exemptions
    assert ("TWN", "goods") in rec.measures
    assert not any("TWN" in n and "dropped" in n for n in rec.notes)
