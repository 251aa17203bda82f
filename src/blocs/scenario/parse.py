"""Parsing and loading scenarios: TOML -> a checked :class:`~blocs.scenario.schema.Scenario`."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from blocs.errors import ScenarioError, closest
from blocs.scenario.groups import check_group_names, load_groups_file
from blocs.scenario.schema import Scenario, estimated_effects, model_options, validation_message

__all__ = [
    "builtin_scenarios",
    "load_scenario",
    "parse_scenario",
    "read_text",
    "validation_message",
]


# ----------------------------------------------------------------------------------------
# Parsing


def parse_scenario(
    doc: Mapping[str, Any], *, path: str = "<scenario>", base_dir: str | Path = "."
) -> Scenario:
    """Validate a scenario document (the TOML as a dict); errors name the key and index."""
    if not isinstance(doc, Mapping):
        raise ScenarioError(f"{path}: a scenario must be a TOML table")
    if "scenario" not in doc:
        raise ScenarioError(
            f"{path}: missing the [scenario] table; start the file with\n"
            '[scenario]\nname = "my-scenario"'
        )
    try:
        sc = Scenario.model_validate(dict(doc))
    except ValidationError as exc:
        raise ScenarioError(validation_message(path, exc)) from None
    for k, rule in enumerate(sc.tariffs):
        try:
            rule.operation()
        except ValueError as exc:
            raise ScenarioError(f"{path}, tariffs[{k}]: {exc}") from None
    for k, tc in enumerate(sc.trade_costs):
        if (tc.partial_effect is None) == (tc.change is None):
            raise ScenarioError(
                f"{path}, trade_costs[{k}]: give exactly one of partial_effect, change"
            )
    rif = sc.retaliation_in_force
    if rif is not None and rif.date is None and sc.us_tariffs is None:
        raise ScenarioError(
            f'{path}, retaliation_in_force.date: give a date ("YYYY-MM-DD" or "latest"), '
            "or a [us_tariffs] table whose date it then takes"
        )
    sc = sc.model_copy(update={"base_dir": str(base_dir), "path": path})
    estimated_effects(sc)  # partial effects from estimate files: present, converged, term known
    sources: dict[str, str] = {}
    extra: dict[str, list[str]] = {}
    env_file = os.environ.get("BLOCS_GROUPS")
    if env_file:
        env_groups = load_groups_file(env_file, label=f"BLOCS_GROUPS={env_file}")
        check_group_names(env_groups, f"BLOCS_GROUPS={env_file}")
        extra.update(env_groups)
        sources.update(dict.fromkeys(env_groups, f"BLOCS_GROUPS={env_file}"))
    if sc.scenario.groups_file:
        file = Path(base_dir) / sc.scenario.groups_file
        file_groups = load_groups_file(file, label=f"{path}, scenario.groups_file: {file}")
        check_group_names(file_groups, str(file))
        extra.update(file_groups)
        sources.update(dict.fromkeys(file_groups, str(file)))
    check_group_names(sc.groups, f"{path}, groups")
    sources.update(dict.fromkeys(sc.groups, f"{path}, groups"))
    sc = sc.model_copy(update={"groups": {**extra, **sc.groups}, "group_sources": sources})
    sc.options  # noqa: B018  (validates [model] for the scenario's model)
    for k, v in enumerate(sc.variants):
        model_options(sc.kind, {**sc.model, **v.model}, where=f"{path}, variants[{k}].model")
    names = [v.name for v in sc.variants]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{path}, variants: variant names must be unique ({names})")
    return sc


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a TOML file by path.

    Raises:
        ScenarioError: missing file, TOML syntax error (with its line), invalid content.
    """
    text: str
    p = Path(name_or_path)
    builtins = builtin_scenarios()
    if str(name_or_path) in builtins:
        path = builtins[str(name_or_path)]
        text = path.read_text()
        label, base = f"{name_or_path} (built-in)", path.parent
    elif p.suffix == ".toml" or p.exists():
        if not p.exists():
            raise ScenarioError(f"{p}: file not found")
        if p.is_dir():
            raise ScenarioError(f"{p}: is a folder, not a scenario file")
        text = read_text(p, what="scenario file")
        label, base = str(p), p.parent
    else:
        raise ScenarioError(
            f"unknown scenario {str(name_or_path)!r}{closest(str(name_or_path), builtins)}: "
            "give a built-in name (see `blocs scenarios`) or a path to a .toml file"
        )
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{label}: TOML syntax error: {exc}") from None
    return parse_scenario(doc, path=label, base_dir=base)


def read_text(path: Path, *, what: str) -> str:
    """The UTF-8 text of ``path``; an unreadable or non-UTF-8 file is a ScenarioError."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"{path}, line {line}: the {what} is not UTF-8 text (byte {exc.object[exc.start]:#x}"
            "); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the {what} ({exc.strerror})") from None


def builtin_scenarios() -> dict[str, Path]:
    """Built-in scenario names -> their TOML files."""
    folder = resources.files("blocs.scenarios")
    out = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            out[entry.name.removesuffix(".toml")] = Path(str(entry))
    return dict(sorted(out.items()))
