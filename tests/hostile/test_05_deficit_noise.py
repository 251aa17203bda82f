"""Item 5: the percent change of a balanced baseline deficit is not defined (NaN, with a
note), not rounding noise divided by rounding noise."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from blocs.models.base import DEFICIT_NOISE_SHARE, deficit_change
from blocs.run import run_scenario

from .conftest import write_tables, write_toml


def test_helper_threshold():
    trade = jnp.array([200.0, 200.0, 200.0])
    D0 = jnp.array([1e-9, 0.5 * DEFICIT_NOISE_SHARE * 200.0, 10.0])
    out = np.asarray(deficit_change(D0 + 1.0, D0, trade))
    assert np.isnan(out[:2]).all()
    assert np.isclose(out[2], 10.0)


def test_balanced_data_written_in_decimals(tmp_path):
    # flows each way are equal up to the last decimal: balanced, up to rounding
    a, b = 0.1 + 0.2, 0.3
    write_tables(
        tmp_path,
        {
            "exporter": ["AAA", "BBB", "AAA", "CCC", "BBB", "CCC", "AAA", "BBB", "CCC"],
            "importer": ["BBB", "AAA", "CCC", "AAA", "CCC", "BBB", "AAA", "BBB", "CCC"],
            "value": [a, b, 1.7, 1.7, 2.3, 2.3, 10.1, 12.2, 9.9],
        },
        None,
    )
    path = write_toml(
        tmp_path,
        """
        [scenario]
        name = "balanced"
        data = { flows = "flows.csv" }
        [[tariffs]]
        importers = ["AAA"]
        exporters = ["BBB"]
        rate = 0.25
    """,
    )
    run = run_scenario(path)
    values = run.countries["deficit_change_pct"].to_numpy()
    assert np.isnan(values).all(), values  # not +55,500 % or 1e16 %
    assert any("deficit change not defined" in n for n in run.notes)
    assert any("deficit change not defined" in n for n in run.manifest["notes"])


def test_embedded_data_unchanged():
    run = run_scenario("liberation-day")
    assert np.isfinite(run.countries["deficit_change_pct"].to_numpy()).all()
