"""The baseline economy a scenario runs on: its embedded data set or the user's files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blocs.data import load_dataset, load_economy
from blocs.errors import InputError
from blocs.models.registry import get_model, model_for
from blocs.scenario.schema import DataSpec, Scenario

__all__ = ["economy_for"]


def economy_for(sc: Scenario) -> Any:
    """The baseline economy a scenario runs on (its data set, or the user's files).

    Raises:
        InputError: the data is not data for the scenario's model (the message says which
            model to use).
    """
    model = get_model(sc.kind)
    data = sc.scenario.data
    if isinstance(data, DataSpec):
        base = Path(sc.base_dir)
        flows = base / data.flows
        countries = base / data.countries if data.countries else None
        economy = load_economy(flows, countries)
        where = f"{sc.path}, scenario.data"
    else:
        economy = load_dataset(data, elasticities=getattr(sc.options, "elasticities", None))
        where = f"{sc.path}, scenario.model"
    if not model.accepts(economy):
        default = model_for(economy).name
        raise InputError(
            f"{where}: {data if isinstance(data, str) else 'the data'} is "
            f"{'multi-sector' if model_for(economy).multisector else 'one-sector'} data; "
            f'use model = "{default}" (the default for it)'
        )
    return economy
