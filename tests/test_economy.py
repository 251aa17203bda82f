"""blocs.economy: the one- and multi-sector economies (data, not models)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import blocs
from blocs.data import DATASETS, US_TARIFF_2025_COLUMN, load_dataset, us_tariffs_2025_04
from blocs.data.multisector import with_io_links
from blocs.economy import (
    USER_DATASET,
    Economy,
    MultiSectorEconomy,
    economy_from_tables,
    trade_deficits,
)
from blocs.errors import DataError

SRC = Path(__file__).resolve().parents[1] / "src" / "blocs"


def _tables(extra: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    f = pd.DataFrame(
        {
            "exporter": ["AAA", "BBB", "CCC"],
            "importer": ["BBB", "AAA", "AAA"],
            "value": [5.0, 3.0, 2.0],
        }
    )
    c = pd.DataFrame({"iso3": ["AAA", "BBB", "CCC"], "gdp": [100.0, 50.0, 80.0], **(extra or {})})
    return f, c


def test_user_economy_identity_and_country_data():
    f, c = _tables({"name": ["A", "B", "C"], "region": ["x", "y", "z"], "score": [1.0, None, 3.0]})
    eco = economy_from_tables(f, c)
    assert eco.dataset == USER_DATASET == "user"
    # numeric columns other than iso3/gdp/name are kept; text columns are not
    assert set(eco.country_data) == {"score"}
    np.testing.assert_array_equal(np.asarray(eco.country_data["score"]), [1.0, np.nan, 3.0])
    assert us_tariffs_2025_04(eco) is None


def test_us_tariff_column_is_country_data():
    f, c = _tables({US_TARIFF_2025_COLUMN: [0.1, 0.25, 0.5]})
    eco = economy_from_tables(f, c, dataset="mine")
    assert eco.dataset == "mine"
    np.testing.assert_array_equal(us_tariffs_2025_04(eco), [0.1, 0.25, 0.5])


def test_economy_is_a_pytree_with_static_identity():
    f, c = _tables({"score": [1.0, 2.0, 3.0]})
    eco = economy_from_tables(f, c, dataset="mine")
    leaves, tree = jax.tree.flatten(eco)
    back = jax.tree.unflatten(tree, leaves)
    assert back.dataset == "mine" and back.iso3 == eco.iso3
    assert set(back.country_data) == {"score"}
    doubled = jax.jit(lambda e: jax.tree.map(lambda a: 2 * a, e))(eco)
    np.testing.assert_array_equal(np.asarray(doubled.country_data["score"]), [2.0, 4.0, 6.0])
    assert dataclasses.replace(eco, X=eco.X).dataset == "mine"


def test_embedded_data_sets_name_themselves(world):
    assert world.dataset == "world2023"
    assert us_tariffs_2025_04(world).shape == (world.n,)
    assert set(DATASETS) >= {"world2023", "icio2022", "cp2015", "icio2022-agg"}
    for name in ("icio2022", "cp2015"):
        eco = load_dataset(name)
        assert isinstance(eco, MultiSectorEconomy) and eco.dataset == name
        assert us_tariffs_2025_04(eco) is None
    assert load_dataset("icio2022-agg").dataset == "icio2022-agg"
    cp = load_dataset("cp2015")
    gio = np.asarray(cp.gamma_io)
    assert with_io_links(cp, np.clip(gio, 0.0, None)).dataset == USER_DATASET


def test_multisector_country_data_is_checked():
    X = np.array([[[8.0], [1.0]], [[2.0], [9.0]]])
    kw = dict(
        X=X,
        t=np.zeros((2, 2, 1)),
        theta=[4.0],
        alpha=np.ones((2, 1)),
        iso3=["AAA", "BBB"],
        sectors=["all"],
    )
    eco = MultiSectorEconomy.from_arrays(**kw, country_data={"pop": [1.0, np.nan]})
    assert eco.dataset == "user"
    np.testing.assert_array_equal(np.asarray(eco.country_data["pop"]), [1.0, np.nan])
    with pytest.raises(DataError, match="pop has shape"):
        MultiSectorEconomy.from_arrays(**kw, country_data={"pop": [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(trade_deficits(X), [1.0, -1.0])


def test_economy_layer_imports_no_model():
    for path in (SRC / "economy").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("blocs.models", "blocs.data")), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("blocs.models") for a in node.names), path
    tree = ast.parse((SRC / "data" / "multisector.py").read_text())
    modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not any(m and m.startswith("blocs.models") for m in modules)


def test_public_names_still_import():
    assert blocs.Economy is Economy and blocs.MultiSectorEconomy is MultiSectorEconomy
    from blocs.models.caliendo_parro import MultiSectorEconomy as M2

    assert M2 is MultiSectorEconomy
    assert isinstance(
        Economy(
            X=jnp.eye(2),
            t=jnp.zeros((2, 2)),
            nu=jnp.zeros(2),
            gdp=jnp.ones(2),
            iso3=("A", "B"),
            names=("A", "B"),
        ).country_data,
        dict,
    )
