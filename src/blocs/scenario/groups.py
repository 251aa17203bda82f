"""Country and sector groups: built-in groups (``data/groups.toml``), user groups, resolution.

Names resolve recursively: an ISO3 code, a built-in group (``EU27``, ``USMCA``, ...), a group
of the scenario or of a groups file, or ``ALL``; summary rows also take ``non-X``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from blocs.errors import ScenarioError, closest

__all__ = [
    "BUILTIN_GROUPS",
    "GROUP_INFO",
    "MAX_GROUP_DEPTH",
    "builtin_codes",
    "check_group_names",
    "check_group_names_for",
    "builtin_sector_groups",
    "countries",
    "load_groups_file",
    "resolve_group",
    "resolve_sectors",
    "row_members",
]


def _load_groups() -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, str]]]:
    """The built-in groups of ``data/groups.toml`` (members, and their descriptions)."""
    path = resources.files("blocs.data").joinpath("groups.toml")
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    members = {name.upper(): tuple(g["members"]) for name, g in doc.items()}
    info = {
        name.upper(): {k: str(g.get(k, "")) for k in ("description", "source", "as_of")}
        for name, g in doc.items()
    }
    return members, info


#: Groups every scenario can use (``data/groups.toml``), and their sources.
BUILTIN_GROUPS, GROUP_INFO = _load_groups()


#: The deepest nesting of groups (a group of groups of ...) resolved; deeper is refused.
MAX_GROUP_DEPTH = 100


def builtin_codes() -> set[str]:
    """Every ISO3 code the built-in groups list (real country codes)."""
    return {m.upper() for members in BUILTIN_GROUPS.values() for m in members}


def check_group_names(groups: Mapping[str, Any], where: str) -> None:
    """Refuse group names that would shadow a built-in group, ``ALL`` or a country code a
    built-in group lists (``[groups] CHN = ["MEX"]`` would make every "CHN" mean Mexico).

    Raises:
        ScenarioError: naming ``where`` and the group.
    """
    codes = builtin_codes()
    for name in groups:
        key = name.strip().upper()
        if key == "ALL" or key in BUILTIN_GROUPS:
            raise ScenarioError(
                f"{where}.{name}: '{name}' is the name of a built-in group; a group of your "
                f"own needs another name (e.g. my_{name.lower()})"
            )
        if key in codes:
            raise ScenarioError(
                f"{where}.{name}: '{name}' is a country code; a group named like a country "
                f"would replace it everywhere: choose another name (e.g. my_{name.lower()})"
            )


def check_group_names_for(
    groups: Mapping[str, Any], sources: Mapping[str, str], economy: Any
) -> None:
    """Refuse group names equal to a country code of ``economy`` (where: ``sources``)."""
    for name in groups:
        if name.strip().upper() in economy.iso3:
            where = sources.get(name, "groups")
            raise ScenarioError(
                f"{where}.{name}: '{name}' is a country code of this data; a group named like "
                f"a country would replace it everywhere: choose another name "
                f"(e.g. my_{name.lower()})"
            )


def load_groups_file(path: str | Path, *, label: str | None = None) -> dict[str, list[str]]:
    """A user's groups file: ``name = ["USA", ...]`` lines, or tables like ``groups.toml``
    (``[name]`` with ``members = [...]``). Used by ``groups_file`` in a scenario's
    ``[scenario]`` table and by the ``BLOCS_GROUPS`` environment variable.

    ``label``: how errors name the file (default: its path)."""
    path = Path(path)
    label = label or str(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "file not found"
        raise ScenarioError(f"{label}: groups file {what}")
    try:
        doc = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(
            f"{label}: the groups file is not UTF-8 text; save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ScenarioError(f"{label}: cannot read the groups file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{label}: TOML syntax error: {exc}") from None
    out: dict[str, list[str]] = {}
    for name, value in doc.items():
        members = value.get("members") if isinstance(value, dict) else value
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise ScenarioError(
                f"{path}, {name}: a group is a list of country codes or groups, e.g. "
                f'{name} = ["USA", "CAN"] (or a table with members = [...])'
            )
        out[name] = members
    return out


def _labels(economy: Any) -> dict[str, str]:
    return dict(zip(economy.iso3, economy.names, strict=True))


def resolve_group(
    name: str, groups: Mapping[str, Sequence[str]], economy: Any, *, where: str = ""
) -> list[str]:
    """Country codes of a code, a group (recursively) or ``ALL``.

    Raises:
        ScenarioError: unknown code (with a suggestion) or a cycle among groups.
    """
    user = {k.upper(): (k, v) for k, v in groups.items()}
    out: list[str] = []

    def visit(item: str, stack: tuple[str, ...]) -> None:
        key = item.strip().upper()
        if key == "ALL":
            out.extend(economy.iso3)
            return
        if key in user or key in BUILTIN_GROUPS:
            if key in stack:
                cycle = " -> ".join((*stack, key))
                raise ScenarioError(f"{where}: groups refer to each other in a cycle: {cycle}")
            if len(stack) >= MAX_GROUP_DEPTH:
                raise ScenarioError(
                    f"{where}: groups nest more than {MAX_GROUP_DEPTH} levels deep "
                    f"({' -> '.join(stack[:3])} -> ... -> {key}); list the countries directly"
                )
            members = user[key][1] if key in user else BUILTIN_GROUPS[key]
            for m in members:
                visit(m, (*stack, key))
            return
        if key in economy.iso3:
            out.append(key)
            return
        if stack and stack[-1] in BUILTIN_GROUPS and stack[-1] not in user:
            return  # a member of a built-in group that this data set does not list
        names = list(economy.iso3) + list(BUILTIN_GROUPS) + [v[0] for v in user.values()]
        raise ScenarioError(
            f"{where}: unknown country code or group '{item}'"
            f"{closest(item, names, _labels(economy))}"
        )

    visit(name, ())
    return list(dict.fromkeys(out))


def row_members(
    row: str,
    economy: Any,
    groups: Mapping[str, Sequence[str]] | None = None,
    *,
    where: str = "--countries",
) -> list[str]:
    """Country codes of a summary row: an ISO3 code, a group (``EU27``), ``non-US``/``non-X``."""
    groups = groups or {}
    if row.lower().startswith("non-"):
        target = {"US": "USA"}.get(row[4:].upper(), row[4:])
        excl = set(resolve_group(target, groups, economy, where=where))
        return [c for c in economy.iso3 if c not in excl]
    return resolve_group(row, groups, economy, where=where)


def countries(
    items: Sequence[str], excluded: Sequence[str], sc: Any, eco: Any, where: str, key: str
) -> list[int]:
    """Positions of the countries ``items`` name, less those ``excluded`` names."""
    codes: list[str] = []
    for item in items:
        codes.extend(resolve_group(item, sc.groups, eco, where=f"{where}.{key}"))
    drop: set[str] = set()
    for item in excluded:
        drop.update(resolve_group(item, sc.groups, eco, where=f"{where}.except_{key}"))
    return [eco.iso3.index(c) for c in dict.fromkeys(codes) if c not in drop]


def builtin_sector_groups(economy: Any) -> dict[str, tuple[str, ...]]:
    """``ALL``, ``GOODS`` and ``SERVICES`` for a multi-sector economy."""
    sectors = tuple(economy.sectors)
    services = tuple(
        c
        for c, tr in zip(sectors, economy.tradable, strict=True)
        if not tr or "service" in c.lower()
    )
    return {
        "ALL": sectors,
        "GOODS": tuple(c for c in sectors if c not in services),
        "SERVICES": services,
    }


def resolve_sectors(
    items: Sequence[str] | None,
    sc: Any,
    economy: Any,
    where: str,
    sectors: Sequence[str] | None,
) -> list[int]:
    """Sector positions of codes and sector groups (``None`` = every sector).

    ``sectors``: the economy's sector codes as its model sees them (None: one sector).
    """
    if sectors is None:
        if items is not None:
            raise ScenarioError(
                f"{where}.sectors: this scenario's data has one sector; sector rules need "
                'multi-sector data (data = "icio2022" or "cp2015")'
            )
        return [0]
    if items is None:
        return list(range(len(sectors)))
    builtin = builtin_sector_groups(economy)
    user = {k.upper(): v for k, v in sc.sector_groups.items()}
    lookup = {c.upper(): c for c in sectors}
    out: list[str] = []

    def visit(item: str, stack: tuple[str, ...]) -> None:
        key = item.strip().upper()
        if key in user or key in builtin:
            if key in stack:
                raise ScenarioError(
                    f"{where}.sectors: sector groups refer to each other in a cycle: "
                    f"{' -> '.join((*stack, key))}"
                )
            for m in user.get(key, builtin.get(key, ())):
                visit(m, (*stack, key))
            return
        if key in lookup:
            out.append(lookup[key])
            return
        choices = list(sectors) + list(builtin) + list(sc.sector_groups)
        raise ScenarioError(
            f"{where}.sectors: unknown sector or sector group '{item}'"
            f"{closest(item, choices)}; sectors: {', '.join(sectors)}"
        )

    for item in items:
        visit(item, ())
    return [list(sectors).index(c) for c in dict.fromkeys(out)]
