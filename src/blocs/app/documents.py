"""Scenario documents of the app: the browser's JSON <-> a checked scenario <-> TOML.

The browser edits a scenario as the TOML file's tables in JSON (``{"scenario": {...},
"tariffs": [...], ...}``). Every document goes through the CLI's schema
(:func:`blocs.scenario.parse_scenario`), plus the app's own limits: embedded data sets or
uploaded tables named by bare ``*.csv`` names (:mod:`blocs.app.uploads`), and no
``groups_file`` (the browser never names a file on the server).

Example:
    >>> doc = builtin_document("allied-front")
    >>> sc = scenario_from_document(doc)
    >>> sc.tariffs[0].rate
    0.5
    >>> "[[tariffs]]" in scenario_toml(sc)
    True
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from blocs.errors import ScenarioError
from blocs.scenario import DATA_MODELS, Scenario, builtin_scenarios, parse_scenario

__all__ = [
    "DOCUMENT_PATH",
    "builtin_document",
    "error_location",
    "is_plain_csv",
    "scenario_document",
    "scenario_from_document",
    "scenario_toml",
]

#: How the app's scenarios are named in messages ("scenario, tariffs[0].rate: ...").
DOCUMENT_PATH = "scenario"

#: Tables written in this order (the order of the scenario guide); others follow.
_ORDER = (
    "scenario",
    "us_tariffs",
    "retaliation_in_force",
    "model",
    "groups",
    "sector_groups",
    "tariffs",
    "agreements",
    "trade_costs",
    "retaliation",
    "variants",
    "coalition",
)
_PLAIN_CSV = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\.csv")
_LOCATION = re.compile(r"^" + re.escape(DOCUMENT_PATH) + r"[,.] ?([A-Za-z_][\w.\[\]]*)")


def builtin_document(name: str) -> dict[str, Any]:
    """A built-in scenario as the browser edits it (its TOML tables, as written).

    Raises:
        ScenarioError: no built-in scenario of that name.
    """
    files = builtin_scenarios()
    if name not in files:
        raise ScenarioError(f"no built-in scenario {name!r}; see the list of scenarios")
    doc = tomllib.loads(files[name].read_text(encoding="utf-8"))
    return json.loads(json.dumps(doc, default=_json_default))


def scenario_from_document(doc: Any) -> Scenario:
    """Check a browser document with the CLI's schema and the app's limits.

    Raises:
        ScenarioError: the message of the CLI, located as ``scenario, <key>: ...``.
    """
    if not isinstance(doc, Mapping):
        raise ScenarioError(f"{DOCUMENT_PATH}: a scenario must be a table (a JSON object)")
    header = doc.get("scenario")
    if isinstance(header, Mapping):
        data = header.get("data", "world2023")
        if isinstance(data, Mapping):  # uploaded tables, named by their file names only
            for key in ("flows", "countries"):
                name = data.get(key)
                if name is not None and not (isinstance(name, str) and is_plain_csv(name)):
                    raise ScenarioError(
                        f"{DOCUMENT_PATH}, scenario.data.{key}: {name!r} is not the name of "
                        "an uploaded CSV file (the app reads no file on the server)"
                    )
        elif not isinstance(data, str):
            raise ScenarioError(
                f"{DOCUMENT_PATH}, scenario.data: the app runs the embedded data sets "
                f"({', '.join(DATA_MODELS)}) or uploaded tables"
            )
        if header.get("groups_file") is not None:
            raise ScenarioError(
                f"{DOCUMENT_PATH}, scenario.groups_file: the app reads no file; write the "
                "groups in the scenario's [groups] table"
            )
    return parse_scenario(doc, path=DOCUMENT_PATH, base_dir=".")


def is_plain_csv(name: str) -> bool:
    """A bare ``*.csv`` file name (letters, digits, ``._-``; no folder, no leading dot)."""
    return bool(_PLAIN_CSV.fullmatch(name))


def scenario_document(sc: Scenario) -> dict[str, Any]:
    """The TOML tables of a checked scenario (defaults and empty tables left out)."""
    raw: dict[str, Any] = {}
    for name in type(sc).model_fields:
        value = getattr(sc, name)
        if name in ("base_dir", "path") or value is None or value in ({}, []):
            continue
        if isinstance(value, BaseModel):
            raw[name] = value.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
            if name == "scenario":  # the data set is worth reading even when the default
                raw[name]["data"] = value.model_dump(mode="json")["data"]
        elif isinstance(value, list):
            raw[name] = [
                v.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for v in value
            ]
        else:
            raw[name] = json.loads(json.dumps(value, default=_json_default))
    return {k: raw[k] for k in dict.fromkeys((*_ORDER, *raw)) if k in raw}


def scenario_toml(sc: Scenario) -> str:
    """A checked scenario as a TOML file that ``blocs run`` reads (same tables as the CLI's)."""
    doc = scenario_document(sc)
    lines: list[str] = []
    for key, value in doc.items():
        if isinstance(value, list):
            for item in value:
                lines += ["", f"[[{key}]]", *_pairs(item)]
        elif isinstance(value, Mapping):
            lines += ["", f"[{key}]", *_pairs(value)]
        else:  # pragma: no cover - the schema has tables only at the top level
            lines.append(f"{key} = {_value(value)}")
    text = "\n".join(lines).lstrip("\n") + "\n"
    tomllib.loads(text)  # never hand out a file the CLI cannot read
    return text


def error_location(message: str) -> str:
    """The key an app error names (``tariffs[0].rate``), or ``""`` (for the page's controls)."""
    m = _LOCATION.match(message)
    return m.group(1).rstrip(".") if m else ""


def _pairs(table: Mapping[str, Any]) -> list[str]:
    return [f"{_key(k)} = {_value(v)}" for k, v in table.items()]


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ScenarioError(f"{DOCUMENT_PATH}: {v} is not a finite number")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise ScenarioError(f"{DOCUMENT_PATH}: cannot write {v!r} to TOML")


def _json_default(v: Any) -> Any:
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    raise TypeError(f"{type(v).__name__} is not JSON")
