"""`blocs estimate`: table, files written atomically, exit 2 on bad input, 3 on no convergence."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from blocs.cli import app

runner = CliRunner()
FORMULA = "trade ~ fta + other | exporter^year + importer^year + exporter^importer"


def test_estimate_prints_and_writes(panel_df, tmp_path):
    panel_df.to_csv(tmp_path / "panel.csv", index=False)
    out = tmp_path / "est"
    res = runner.invoke(
        app, ["estimate", str(tmp_path / "panel.csv"), "-f", FORMULA, "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "fta" in res.output and "observations 224 of 256 rows" in res.output
    assert "cluster-robust (CRV1) by pair" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["coefficients.csv", "estimate.json"]
    doc = json.loads((out / "estimate.json").read_text())
    table = pd.read_csv(out / "coefficients.csv")
    assert list(table.term) == ["fta", "other"]
    assert table.coef.iloc[0] == doc["coefficients"]["fta"]


def test_bad_input_exits_2_without_traceback(panel_df, tmp_path):
    panel_df.to_csv(tmp_path / "panel.csv", index=False)
    out = tmp_path / "est"
    res = runner.invoke(
        app, ["estimate", str(tmp_path / "panel.csv"), "-f", "ftaa", "--out", str(out)]
    )
    assert res.exit_code == 2
    assert "did you mean 'fta'" in res.output and "Traceback" not in res.output
    assert not out.exists()
    res = runner.invoke(app, ["estimate", str(tmp_path / "missing.csv"), "-f", "fta"])
    assert res.exit_code == 2 and "not found" in " ".join(res.output.split())


def test_no_convergence_exits_3_and_writes_nothing(panel_df, tmp_path):
    panel_df.to_csv(tmp_path / "panel.csv", index=False)
    out = tmp_path / "est"
    res = runner.invoke(
        app,
        [
            "estimate",
            str(tmp_path / "panel.csv"),
            "-f",
            FORMULA,
            "--maxiter",
            "1",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 3
    assert "did not converge" in res.output and not out.exists()


def test_separation_shown(panel_df, tmp_path):
    df = panel_df.copy()
    df.loc[(df.exporter == "C05") & (df.importer == "C06"), "trade"] = 0.0
    df.to_parquet(tmp_path / "panel.parquet")
    res = runner.invoke(app, ["estimate", str(tmp_path / "panel.parquet"), "-f", "fta + other"])
    assert res.exit_code == 0, res.output
    assert "4 separated" in res.output and "C05->C06 2000" in res.output
