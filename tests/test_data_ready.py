"""The ready-made embedded economies (``blocs/data/<name>/economy.npz``, issue 13) equal a
build from the tables they ship with, array for array and label for label."""

from __future__ import annotations

import dataclasses

import numpy as np

from blocs.data import WORLD2023_FILES, build_world2023, load_world2023
from blocs.data.ready import load_ready


def test_world2023_ready_equals_a_build_from_the_tables():
    ready = load_ready("world2023", WORLD2023_FILES)
    assert ready is not None, "economy.npz is stale: run blocs.data.write_ready_economies()"
    built = build_world2023()
    for field in dataclasses.fields(built):
        a, b = getattr(built, field.name), getattr(ready, field.name)
        if field.name == "country_data":
            assert a.keys() == b.keys()
            for k in a:
                np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]))
        elif isinstance(a, str | tuple):
            assert a == b, field.name
        else:
            assert np.asarray(b).dtype == np.float64
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=field.name)


def test_other_calibrations_are_built_from_the_tables():
    none = load_world2023("none")
    assert not np.asarray(none.nu).any()
    assert np.asarray(load_world2023().nu).any()
