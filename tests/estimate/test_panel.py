"""The panel loader: CSV and Parquet, and messages that name file, row, column and fix."""

from __future__ import annotations

import numpy as np
import pytest

from blocs.errors import InputError
from blocs.estimate import load_panel, parse_formula


def test_csv_and_parquet_agree(panel_df, tmp_path):
    panel_df.to_csv(tmp_path / "p.csv", index=False)
    panel_df.to_parquet(tmp_path / "p.parquet", index=False)
    a = load_panel(tmp_path / "p.csv")
    b = load_panel(tmp_path / "p.parquet")
    assert a.n_rows == b.n_rows == len(panel_df)
    assert len(a.sha256) == 64 and a.sha256 != b.sha256  # checksum of each file's bytes
    assert "pair" in a.columns and a.frame["year"].dtype == np.int64
    assert a.frame.loc[0, "pair"] == "C00-C00"


def test_float_years_are_whole_numbers(panel_df, tmp_path):
    panel_df.assign(year=panel_df.year.astype(float)).to_csv(tmp_path / "p.csv", index=False)
    assert load_panel(tmp_path / "p.csv").frame["year"].iloc[0] == 2000


def _write(df, tmp_path, name="bad.csv"):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def test_missing_file_and_format(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_panel(tmp_path / "nope.csv")
    (tmp_path / "p.xlsx").write_text("x")
    with pytest.raises(InputError, match=r"unknown format.*\.csv.*\.parquet"):
        load_panel(tmp_path / "p.xlsx")


def test_missing_column_suggests_rename(panel_df, tmp_path):
    path = _write(panel_df.rename(columns={"trade": "Trade"}), tmp_path)
    with pytest.raises(InputError) as e:
        load_panel(path)
    msg = str(e.value)
    assert str(path) in msg and "trade" in msg and "did you mean 'Trade'" in msg


def test_non_numeric_trade_names_row(panel_df, tmp_path):
    df = panel_df.astype({"trade": object})
    df.loc[3, "trade"] = "1,5"
    with pytest.raises(
        InputError, match=r"bad\.csv: column 'trade' must be numeric; row 4 holds '1,5'"
    ):
        load_panel(_write(df, tmp_path))


def test_negative_and_missing_trade(panel_df, tmp_path):
    df = panel_df.copy()
    df.loc[[5, 9], "trade"] = -1.0
    with pytest.raises(InputError, match=r"'trade' must be >= 0; rows 6, 10 hold -1\.0"):
        load_panel(_write(df, tmp_path))
    df = panel_df.copy()
    df.loc[7, "trade"] = np.nan
    with pytest.raises(InputError, match=r"'trade' is empty in row 8\. Fill"):
        load_panel(_write(df, tmp_path))


def test_empty_code_and_fractional_year(panel_df, tmp_path):
    df = panel_df.astype({"exporter": object})
    df.loc[2, "exporter"] = np.nan
    with pytest.raises(InputError, match=r"column 'exporter' is empty in row 3"):
        load_panel(_write(df, tmp_path))
    df = panel_df.astype({"year": float})
    df.loc[4, "year"] = 2000.5
    with pytest.raises(InputError, match=r"whole years; row 5 holds 2000\.5"):
        load_panel(_write(df, tmp_path))


def test_duplicates_name_both_rows(panel_df, tmp_path):
    df = panel_df.copy()
    df.loc[len(df)] = df.loc[1]
    with pytest.raises(InputError, match=r"repeat an exporter-importer-year key, e\.g\. rows 2, "):
        load_panel(_write(df, tmp_path))


def test_policy_column_checked_at_use(panel_df, tmp_path):
    df = panel_df.copy()
    df.loc[11, "fta"] = np.nan
    panel = load_panel(df)
    with pytest.raises(InputError, match=r"'fta' is empty in row 12"):
        panel.check_numeric(["fta"])


def test_formula_checks_columns():
    cols = ["exporter", "importer", "year", "trade", "fta", "pair"]
    f = parse_formula("fta", cols)
    assert f.text == "trade ~ fta | exporter^year + importer^year + exporter^importer"
    f = parse_formula("trade ~ fta | exporter^year + pair", cols)
    assert f.effects == ("exporter^year", "pair")
    with pytest.raises(InputError, match=r"no column 'ftaa' \(did you mean 'fta'\?\)"):
        parse_formula("trade ~ ftaa | pair", cols)
    with pytest.raises(InputError, match=r"no column 'yaer'"):
        parse_formula("trade ~ fta | exporter^yaer", cols)
    with pytest.raises(InputError, match="at least one policy term"):
        parse_formula("trade ~ | pair", cols)
    with pytest.raises(InputError, match="one '~'"):
        parse_formula("trade ~ fta | pair | year", cols)
