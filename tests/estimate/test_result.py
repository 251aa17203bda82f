"""estimate.json: round trip, atomic writing, partial effects and their draws."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from blocs.errors import InputError
from blocs.estimate import (
    GravityEstimate,
    draw_partial_effects,
    estimate_gravity,
    partial_effect_from_estimate,
    read_estimate,
    write_estimate,
)

FORMULA = "trade ~ fta + other | exporter^year + importer^year + exporter^importer"


@pytest.fixture
def est(panel_df):
    return estimate_gravity(panel_df, FORMULA)


def test_json_round_trip(est, tmp_path):
    again = GravityEstimate.from_json(est.to_json())
    assert again == est
    paths = write_estimate(est, tmp_path / "out")
    assert [p.name for p in paths] == ["estimate.json", "coefficients.csv"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "coefficients.csv",
        "estimate.json",
    ]  # no temporary files left
    back, sha = read_estimate(tmp_path / "out")
    assert back == est
    assert sha == hashlib.sha256((tmp_path / "out" / "estimate.json").read_bytes()).hexdigest()
    doc = json.loads((tmp_path / "out" / "estimate.json").read_text())
    assert doc["schema"] == "blocs.estimate/1"
    assert set(doc["coefficients"]) == {"fta", "other"}


def test_nan_survives_json(est):
    odd = GravityEstimate.from_dict({**est.to_dict(), "deviance": "nan"})
    assert np.isnan(odd.deviance)
    assert "NaN" not in odd.to_json()


def test_bad_json(tmp_path):
    (tmp_path / "e.json").write_text("{")
    with pytest.raises(InputError, match="not valid JSON"):
        read_estimate(tmp_path / "e.json")
    (tmp_path / "e.json").write_text('{"schema": "other"}')
    with pytest.raises(InputError, match="not a blocs estimate"):
        read_estimate(tmp_path / "e.json")
    with pytest.raises(InputError, match="not found"):
        read_estimate(tmp_path / "missing.json")


def test_partial_effect(est, tmp_path):
    write_estimate(est, tmp_path)
    pe = partial_effect_from_estimate(tmp_path / "estimate.json", "fta")
    assert pe.value == est.coef("fta")
    assert pe.variance == pytest.approx(est.se("fta") ** 2, rel=1e-12)
    assert pe.sha256 == read_estimate(tmp_path)[1]
    assert pe.manifest()["term"] == "fta" and pe.manifest()["estimate_sha256"] == pe.sha256
    assert partial_effect_from_estimate(tmp_path, "fta") == pe  # a folder works too
    with pytest.raises(InputError, match=r"no term 'ftaa' \(did you mean 'fta'\?\)"):
        partial_effect_from_estimate(tmp_path, "ftaa")


def test_nonconverged_estimate_refused(panel_df, tmp_path):
    bad = estimate_gravity(panel_df, FORMULA, maxiter=1, allow_nonconvergence=True)
    write_estimate(bad, tmp_path)
    with pytest.raises(InputError, match="did not converge"):
        partial_effect_from_estimate(tmp_path, "fta")


def test_draws_have_estimated_covariance(est):
    draws = draw_partial_effects(est, ["fta", "other"], 200_000, seed=7)
    assert draws.shape == (200_000, 2)
    assert draws.mean(axis=0) == pytest.approx(est.coefficients, abs=4 * max(est.std_errors) / 400)
    emp = np.cov(draws, rowvar=False)
    assert emp == pytest.approx(est.cov, rel=0.02, abs=1e-3 * est.cov.max())
    again = draw_partial_effects(est, ["fta", "other"], 200_000, seed=7)
    assert np.array_equal(draws, again)
    one = draw_partial_effects(est, "other", 10, seed=np.random.default_rng(1))
    assert one.shape == (10, 1)


def test_draws_from_file_and_degenerate_covariance(est, tmp_path):
    write_estimate(est, tmp_path)
    d = draw_partial_effects(tmp_path / "estimate.json", ["fta"], 5, seed=3)
    assert d.shape == (5, 1)
    flat = GravityEstimate.from_dict({**est.to_dict(), "covariance": [[0.0, 0.0], [0.0, 0.0]]})
    assert np.all(draw_partial_effects(flat, ["fta", "other"], 3) == est.coefficients)
    neg = GravityEstimate.from_dict({**est.to_dict(), "covariance": [[1.0, 2.0], [2.0, 1.0]]})
    with pytest.raises(InputError, match="not positive semi-definite"):
        draw_partial_effects(neg, ["fta", "other"], 3)
