"""The tariffs in force at a date as the first operations of a scenario's program (pure).

A ``[us_tariffs]`` table compiles to one :class:`~blocs.scenario.program.Set` on the US
column (every exporter, every sector: the data's baseline plus the additional rates in force,
from :func:`blocs.data.us_tariffs.us_tariffs_in_force`), a ``[retaliation_in_force]`` table to
one on the US row (:func:`blocs.data.us_tariffs.foreign_retaliation_in_force`). The compiled
records (:class:`~blocs.data.us_tariffs.TariffsInForce`) travel with the program as its
``provenance``, so a run can list, per pair and sector, the measure ids behind each rate
(:func:`provenance_json`, written to ``run.json``).

Example:
    >>> import blocs
    >>> from blocs.scenario import parse_scenario
    >>> sc = parse_scenario({"scenario": {"name": "x"}, "us_tariffs": {"date": "2025-08-07"}})
    >>> ops, prov = in_force_ops(sc, blocs.load_world2023(), (194, 194, 1))
    >>> [op.where for op in ops], prov["<scenario>, us_tariffs"].date.isoformat()
    (['<scenario>, us_tariffs'], '2025-08-07')
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from blocs.data.us_tariffs import (
    TariffsInForce,
    foreign_retaliation_in_force,
    us_tariffs_in_force,
)
from blocs.errors import InputError, ScenarioError
from blocs.scenario.program import Set
from blocs.scenario.schema import Scenario, in_force_date

__all__ = ["in_force_ops", "in_force_records", "provenance_json"]

_MEMO: dict[tuple[Any, ...], TariffsInForce] = {}


def _economy_key(economy: Any) -> tuple[Any, ...]:
    t = np.ascontiguousarray(np.asarray(economy.t, dtype=float))
    digest = hashlib.sha1(t.tobytes()).hexdigest()  # noqa: S324 - a cache key, not security
    return tuple(economy.iso3), tuple(getattr(economy, "sectors", ()) or ()), t.shape, digest


def _memo(key: tuple[Any, ...], make: Any) -> TariffsInForce:
    """Records are pure functions of (date, options, economy): keep the last few."""
    if key not in _MEMO:
        if len(_MEMO) >= 64:
            _MEMO.clear()
        _MEMO[key] = make()
    return _MEMO[key]


def in_force_records(sc: Scenario, economy: Any) -> dict[str, TariffsInForce]:
    """The scenario's tariffs in force for ``economy``: ``{where: record}`` (US first).

    Raises:
        ScenarioError: the data has no ``USA``, or is neither one-sector nor icio2022's
            sectors (the message names the table).
    """
    out: dict[str, TariffsInForce] = {}
    if sc.us_tariffs is None and sc.retaliation_in_force is None:
        return out
    if "USA" not in tuple(economy.iso3):
        which = "us_tariffs" if sc.us_tariffs is not None else "retaliation_in_force"
        raise ScenarioError(
            f"{sc.path}, {which}: the tariffs in force need the United States (USA) in the "
            "data; use world2023, icio2022 or data with a USA row"
        )
    key = _economy_key(economy)
    if sc.us_tariffs is not None:
        where = f"{sc.path}, us_tariffs"
        date, opts = sc.us_tariffs.on(), sc.us_tariffs.compiler_options()
        out[where] = _memo(
            ("us", date, tuple(sorted(opts.items())), key),
            lambda: _safe(lambda: us_tariffs_in_force(date, economy, **opts), where),
        )
    rif = sc.retaliation_in_force
    if rif is not None:
        where = f"{sc.path}, retaliation_in_force"
        if rif.date is not None:
            date = in_force_date(rif.date)
        else:
            assert sc.us_tariffs is not None  # checked by parse_scenario
            date = sc.us_tariffs.on()
        out[where] = _memo(
            ("retaliation", date, rif.unknown, key),
            lambda: _safe(
                lambda: foreign_retaliation_in_force(date, economy, unknown_end=rif.unknown),
                where,
            ),
        )
    return out


def _safe(fn: Any, where: str) -> TariffsInForce:
    try:
        return fn()
    except InputError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def in_force_ops(
    sc: Scenario, economy: Any, shape: tuple[int, int, int]
) -> tuple[list[Set], dict[str, TariffsInForce]]:
    """``Set`` operations for the tables of tariffs in force, and the records behind them.

    ``shape`` is the program's ``(N, N, S)`` (S = 1 on one-sector data). The US table sets
    ``t[i, USA, :]`` for every exporter ``i``; the retaliation table ``t[USA, n, :]`` for every
    importer ``n`` (baseline plus the rates in force).
    """
    records = in_force_records(sc, economy)
    ops: list[Set] = []
    if not records:
        return ops, records
    us = tuple(economy.iso3).index("USA")
    for where, rec in records.items():
        value = np.asarray(rec.tariffs(economy), dtype=float).reshape(shape)
        mask = np.zeros(shape, dtype=bool)
        if rec.direction == "us":
            mask[:, us, :] = True
        else:
            mask[us, :, :] = True
        mask[us, us, :] = False
        ops.append(Set(where, mask, value))
    return ops, records


def provenance_json(provenance: Mapping[str, TariffsInForce]) -> list[dict[str, Any]]:
    """The records behind a program's tariffs in force, JSON-ready (for ``run.json``).

    One entry per table: ``table`` (file and key), ``direction``, ``date``, ``assumptions``,
    ``notes`` and ``measures`` (``"EXPORTER/SECTOR"`` for the US table, ``"IMPORTER/SECTOR"``
    for retaliation, sector ``goods`` on one-sector data -> the measure ids of that rate).
    """
    out = []
    for where, rec in provenance.items():
        out.append(
            {
                "table": where,
                "direction": rec.direction,
                "date": rec.date.isoformat(),
                "assumptions": dict(rec.assumptions),
                "notes": list(rec.notes),
                "measures": {f"{c}/{s}": list(ids) for (c, s), ids in sorted(rec.measures.items())},
            }
        )
    return out
