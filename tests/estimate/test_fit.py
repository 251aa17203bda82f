"""The estimator: recovers a known effect, reports separation, singletons, collinearity and
non-convergence instead of hiding them."""

from __future__ import annotations

import numpy as np
import pytest

from blocs.errors import ConvergenceError, InputError
from blocs.estimate import estimate_gravity, load_panel

from .conftest import synthetic_panel

FORMULA = "trade ~ fta + other | exporter^year + importer^year + exporter^importer"


def test_recovers_known_effect():
    df = synthetic_panel(n_countries=12, beta=0.4, seed=1)
    est = estimate_gravity(df, FORMULA)
    assert est.converged
    assert est.terms == ("fta", "other")
    assert est.coef("fta") == pytest.approx(0.4, abs=4 * est.se("fta"))
    assert abs(est.coef("other")) < 4 * est.se("other")
    assert est.n_domestic == 12 * 4 and est.nobs == len(df) - 12 * 4
    assert est.vcov == "cluster-robust (CRV1) by pair"
    assert est.cov.shape == (2, 2) and np.allclose(est.cov, est.cov.T)
    assert np.sqrt(np.diag(est.cov)) == pytest.approx(est.std_errors)


def test_shorthand_formula_is_default_specification(panel_df):
    a = estimate_gravity(panel_df, "fta + other")
    b = estimate_gravity(panel_df, FORMULA)
    assert a.formula == b.formula == FORMULA
    assert a.coefficients == pytest.approx(b.coefficients, rel=1e-12)


def test_domestic_flows_kept_on_request(panel_df):
    est = estimate_gravity(panel_df, FORMULA, international_only=False)
    assert est.n_domestic == 0 and est.nobs == len(panel_df)


def test_separation_reported(panel_df):
    df = panel_df.copy()
    zero = (df.exporter == "C05") & (df.importer == "C06")  # a pair that never trades
    df.loc[zero, "trade"] = 0.0
    est = estimate_gravity(df, FORMULA)
    assert est.n_separated == int(zero.sum()) == 4
    assert est.nobs == len(df) - 8 * 4 - 4  # domestic and separated rows out
    assert any("separation" in n for n in est.notes)
    assert "C05->C06 2000" in est.dropped


def test_singletons_reported(panel_df):
    df = panel_df.copy()
    late = (df.exporter == "C07") & (df.importer == "C01") & (df.year > 2000)
    df = df[~late]  # the pair C07->C01 is seen once: its pair effect is a singleton
    est = estimate_gravity(df, FORMULA)
    assert est.n_singletons == 1 and est.n_separated == 0
    assert est.dropped == ("C07->C01 2000",)


def test_collinear_term_reported(panel_df):
    df = panel_df.assign(rta=(panel_df.exporter < panel_df.importer).astype(float))
    est = estimate_gravity(df, "trade ~ fta + rta | exporter^year + importer^year + pair")
    assert est.terms == ("fta",) and est.collinear == ("rta",)


def test_nonconvergence_raises_with_estimate_attached(panel_df):
    with pytest.raises(ConvergenceError, match=r"did not converge in 1 iterations") as e:
        estimate_gravity(panel_df, FORMULA, maxiter=1)
    assert e.value.result is not None and not e.value.result.converged
    est = estimate_gravity(panel_df, FORMULA, maxiter=1, allow_nonconvergence=True)
    assert not est.converged


def test_bad_options_and_terms(panel_df):
    with pytest.raises(InputError, match="--cluster 'exportr'"):
        estimate_gravity(panel_df, FORMULA, cluster="exportr")
    with pytest.raises(InputError, match=r"no column 'ft' \(did you mean 'fta'\?\)"):
        estimate_gravity(panel_df, "ft")
    df = panel_df.astype({"fta": object})
    df.loc[3, "fta"] = "yes"
    with pytest.raises(InputError, match=r"'fta' must be numeric; row 4 holds 'yes'"):
        estimate_gravity(df, FORMULA)


def test_other_clusterings(panel_df):
    pair = estimate_gravity(panel_df, FORMULA)
    het = estimate_gravity(panel_df, FORMULA, cluster="hetero")
    two = estimate_gravity(panel_df, FORMULA, cluster="exporter+importer")
    assert het.coefficients == pytest.approx(pair.coefficients, rel=1e-12)
    assert het.std_errors != pytest.approx(pair.std_errors)
    assert two.vcov == "cluster-robust (CRV1) by exporter and importer"


def test_loads_path(panel_df, tmp_path):
    panel_df.to_parquet(tmp_path / "p.parquet")
    est = estimate_gravity(load_panel(tmp_path / "p.parquet"), FORMULA)
    assert est.data["source"].endswith("p.parquet") and len(est.data["sha256"]) == 64


def test_sector_panel_uses_sector_effects(panel_df):
    a = panel_df.assign(sector="A")
    b = panel_df.assign(sector="B", trade=panel_df.trade * 2.0)
    import pandas as pd

    est = estimate_gravity(pd.concat([a, b], ignore_index=True), "fta + other")
    assert est.formula == (
        "trade ~ fta + other | exporter^sector^year + importer^sector^year"
        " + exporter^importer^sector"
    )
    one = estimate_gravity(panel_df, "fta + other")
    assert est.coef("fta") == pytest.approx(one.coef("fta"), rel=1e-6)  # same data twice
