"""Scenarios: a declarative description of who taxes whom, parsed from TOML and checked.

A scenario file::

    [scenario]
    name = "allied-front-50"
    data = "world2023"             # or a table: data = { flows = "f.csv", countries = "c.csv" }
    model = "imls"

    [model]                         # optional; defaults are the paper's benchmark
    trade_elasticity = 4.0

    [groups]
    coalition = ["USA", "JPN", "KOR", "EU27"]

    [[tariffs]]                     # importers levy `rate` on goods from exporters
    importers = ["coalition"]
    exporters = ["CHN"]
    rate = 0.50

Rules apply in order; a later rule overrides an earlier one for the same pair; a country
never tariffs itself; pairs no rule names keep the baseline tariff. Operations on a rule:
``rate`` (set), ``add`` (percentage points as a fraction: 0.1 = +10 pp), ``multiply`` (on
``1 + t``), ``cap`` and ``floor``. ``rate`` may be a number or a special name:

- ``"US_TARIFFS_2025"``: the April-2025 US rate with the 10 % floor, of the partner of the US
  in the pair (the exporter when the US imports, the importer when the US exports; the
  exporter otherwise);
- ``"OPTIMAL"``: the importer's closed-form uniform optimal tariff (one-sector model);
- ``"NAFTA_2005"``: the 2005 tariffs of the Caliendo-Parro data (cp2015 only).

Group names: built-in groups (``EU27``, ``EU25``, ...), groups of the file, and ``ALL``.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from blocs.errors import InputError, ScenarioError, closest
from blocs.models.imls import IMLS, Policy, optimal_tariff_closed_form

__all__ = [
    "BUILTIN_GROUPS",
    "US_TARIFF_FLOOR",
    "DataSpec",
    "Scenario",
    "TariffRule",
    "TradeCostRule",
    "builtin_scenarios",
    "liberation_day_tariffs",
    "compile_policy",
    "load_groups_file",
    "load_scenario",
    "resolve_group",
    "us_tariffs_2025",
    "Agreement",
    "CoalitionBlock",
    "MultiSectorOptions",
    "Retaliation",
    "Variant",
    "builtin_sector_groups",
    "model_options",
    "resolve_sectors",
    "row_members",
]

#: The 10 % floor the April-2025 US tariffs put under every exporter.
US_TARIFF_FLOOR = 0.10


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

SPECIAL_RATES = ("US_TARIFFS_2025", "OPTIMAL", "NAFTA_2005")


class DataSpec(BaseModel):
    """The user's own data files (paths relative to the scenario file)."""

    model_config = ConfigDict(extra="forbid")
    flows: str
    countries: str | None = None


#: Embedded data sets and the model each uses by default.
DATA_MODELS = {"world2023": "imls", "icio2022": "caliendo_parro", "cp2015": "caliendo_parro"}
MODELS = ("imls", "caliendo_parro")


class ScenarioHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    source: str = ""
    data: str | DataSpec = "world2023"
    model: Literal["imls", "caliendo_parro"] | None = None
    groups_file: str | None = None

    @field_validator("data")
    @classmethod
    def _data(cls, v: str | DataSpec) -> str | DataSpec:
        if isinstance(v, str) and v not in DATA_MODELS:
            raise ValueError(
                f"unknown data set {v!r}{closest(v, DATA_MODELS)}; embedded: "
                f"{', '.join(DATA_MODELS)}, or a table {{ flows = ..., countries = ... }}"
            )
        return v

    def model_kind(self) -> str:
        """The model: as given, or the data set's default."""
        if self.model is not None:
            return self.model
        return DATA_MODELS.get(self.data, "imls") if isinstance(self.data, str) else "imls"


class MultiSectorOptions(BaseModel):
    """Options of the multi-sector model (Caliendo & Parro 2015)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    deficits: Literal["data", "balanced"] = "data"
    elasticities: str = "caliendo_parro_2015"
    inner_iterations: int = Field(1000, ge=10)


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    importers: list[str] = Field(min_length=1)
    exporters: list[str] = Field(min_length=1)
    except_importers: list[str] = Field(default_factory=list)
    except_exporters: list[str] = Field(default_factory=list)
    sectors: list[str] | None = None
    note: str = ""


class TariffRule(_Rule):
    """``importers`` levy a tariff on goods from ``exporters`` (one operation)."""

    rate: float | str | None = None
    add: float | None = None
    multiply: float | None = None
    cap: float | None = None
    floor: float | None = None

    @field_validator("rate")
    @classmethod
    def _rate(cls, v: float | str | None) -> float | str | None:
        if isinstance(v, str):
            if v.upper() not in SPECIAL_RATES:
                raise ValueError(
                    f"unknown special rate {v!r}; use a number (0.25 = 25 %) or one of "
                    f"{', '.join(SPECIAL_RATES)}"
                )
            return v.upper()
        if v is not None:
            _check_tariff(v)
        return v

    @field_validator("cap", "floor")
    @classmethod
    def _bound(cls, v: float | None) -> float | None:
        if v is not None:
            _check_tariff(v)
        return v

    @field_validator("multiply")
    @classmethod
    def _mult(cls, v: float | None) -> float | None:
        if v is not None and (not math.isfinite(v) or v <= 0):
            raise ValueError("multiply must be a positive number (it scales 1 + t)")
        return v

    @field_validator("add")
    @classmethod
    def _add(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("add must be a finite number (0.1 = +10 percentage points)")
        return v

    def operation(self) -> tuple[str, float | str]:
        ops = {k: getattr(self, k) for k in OPERATIONS if getattr(self, k) is not None}
        if len(ops) != 1:
            raise ValueError(
                "give exactly one of rate, add, multiply, cap, floor "
                f"(found {', '.join(ops) or 'none'})"
            )
        return next(iter(ops.items()))


OPERATIONS = ("rate", "add", "multiply", "cap", "floor")


def _check_tariff(v: float) -> None:
    if not math.isfinite(v):
        raise ValueError("tariff must be a finite number (0.25 = 25 %)")
    if v <= -1.0:
        raise ValueError(f"tariff {v} is <= -100 %; tariffs are fractions > -1 (0.25 = 25 %)")


class TradeCostRule(_Rule):
    """An iceberg trade-cost shock from ``exporters`` to ``importers``.

    ``partial_effect``: the gravity partial effect ``b``; the baseline share of each pair is
    multiplied by ``exp(b)`` before renormalising, i.e. ``d_hat = exp(-b / eps)``.
    ``change``: ``d_hat`` directly (0.9 = trade costs fall by 10 %).
    """

    partial_effect: float | None = None
    change: float | None = Field(None, gt=0)
    symmetric: bool = False


class Agreement(BaseModel):
    """A trade agreement among ``members``.

    ``free_trade``: tariffs among members go to zero. ``partial_effect``: a gravity partial
    effect on trade among members (trade costs fall, as in validation C). ``external_tariff``:
    a common tariff the members levy on everyone else (applied to ``sectors`` if given).
    """

    model_config = ConfigDict(extra="forbid")
    members: list[str] = Field(min_length=1)
    name: str = ""
    free_trade: bool = True
    partial_effect: float | None = None
    external_tariff: float | None = None
    sectors: list[str] | None = None
    note: str = ""

    @field_validator("external_tariff")
    @classmethod
    def _ext(cls, v: float | None) -> float | None:
        if v is not None:
            _check_tariff(v)
        return v


class Retaliation(BaseModel):
    """``by`` respond to the tariffs of ``against``.

    ``mirror``: each country in ``by`` levies on each country in ``against`` the tariff that
    country levies on it (sector by sector). ``optimal``: the closed-form uniform optimal
    tariff of ``by`` (as one region) against ``against`` (one-sector model, models.md §1).
    ``none``: no response.
    """

    model_config = ConfigDict(extra="forbid")
    by: list[str] = Field(min_length=1)
    against: list[str] = Field(min_length=1)
    rule: Literal["mirror", "optimal", "none"] = "mirror"
    sectors: list[str] | None = None
    note: str = ""


class CoalitionBlock(BaseModel):
    """A ``[coalition]`` table: the question ``blocs coalition FILE.toml`` answers.

    The leader and every subset of ``allies`` levy ``tariff`` on ``target``; the target
    responds (``mirror``, ``none``, ``optimal``: its best-response rate per coalition, at
    most ``max_response``, or a rate). See :mod:`blocs.coalitions`.
    """

    model_config = ConfigDict(extra="forbid")
    leader: str = "USA"
    target: str = "CHN"
    allies: list[str] = Field(min_length=1, max_length=12)
    tariff: float = 0.5
    response: str | float = "mirror"
    america_first: bool | None = None
    punishment: str | float | None = "auto"
    leverage_multiple: float = Field(2.0, gt=0)
    max_response: float = Field(2.0, gt=0, allow_inf_nan=False)

    @field_validator("tariff")
    @classmethod
    def _tariff(cls, v: float) -> float:
        _check_tariff(v)
        return v


class Variant(BaseModel):
    """A variant of the scenario: the same policy under other model options."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    model: dict[str, Any] = Field(default_factory=dict)


class Scenario(BaseModel):
    """A parsed, checked scenario (see the module docstring and docs/scenarios.md).

    Example:
        >>> s = Scenario.model_validate({"scenario": {"name": "x"}, "tariffs": [
        ...     {"importers": ["USA"], "exporters": ["CHN"], "rate": 0.5}]})
        >>> s.tariffs[0].rate
        0.5
    """

    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioHeader
    model: dict[str, Any] = Field(default_factory=dict)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    sector_groups: dict[str, list[str]] = Field(default_factory=dict)
    tariffs: list[TariffRule] = Field(default_factory=list)
    agreements: list[Agreement] = Field(default_factory=list)
    trade_costs: list[TradeCostRule] = Field(default_factory=list)
    retaliation: list[Retaliation] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    coalition: CoalitionBlock | None = None
    base_dir: str = Field(default=".", exclude=True)
    path: str = Field(default="<scenario>", exclude=True)

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def kind(self) -> str:
        """``"imls"`` or ``"caliendo_parro"``."""
        return self.scenario.model_kind()

    @property
    def options(self) -> Any:
        """The validated model options (:class:`IMLS` or :class:`MultiSectorOptions`)."""
        return model_options(self.kind, self.model, where=f"{self.path}, model")

    def with_model(self, overrides: Mapping[str, Any]) -> Scenario:
        """A copy with model options replaced (validated)."""
        merged = {**self.model, **overrides}
        model_options(self.kind, merged, where=f"{self.path}, model")
        return self.model_copy(update={"model": merged})


def model_options(kind: str, raw: Mapping[str, Any], *, where: str) -> Any:
    """Validate a ``[model]`` table for model ``kind``; errors name the key."""
    cls: Any = IMLS if kind == "imls" else MultiSectorOptions
    try:
        return cls.model_validate(dict(raw))
    except ValidationError as exc:
        raise ScenarioError(_validation_message(where, exc, prefix="")) from None


# ----------------------------------------------------------------------------------------
# Parsing


def _loc(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _validation_message(path: str, exc: ValidationError, prefix: str = "") -> str:
    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if p not in ("function-after", "str", "float", "DataSpec")]
        if prefix:
            loc = [prefix, *loc]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling; see docs/scenarios.md)"
            if len(loc) >= 2 and loc[0] == "tariffs":
                msg = (
                    f"unknown key '{loc[-1]}'; a tariff rule takes importers, exporters, "
                    "except_importers, except_exporters, sectors, note and one operation: "
                    f"{', '.join(OPERATIONS)}"
                )
        elif err["type"] == "literal_error":
            allowed = err.get("ctx", {}).get("expected", "")
            msg = f"unknown value {err.get('input')!r}; allowed: {allowed}"
        lines.append(
            f"{path}{'.' if path.endswith('model') else ', '}{_loc(loc)}: {msg}"
            if loc
            else f"{path}: {msg}"
        )
    return "\n".join(dict.fromkeys(lines))


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
        raise ScenarioError(_validation_message(path, exc)) from None
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
    sc = sc.model_copy(update={"base_dir": str(base_dir), "path": path})
    extra: dict[str, list[str]] = {}
    env_file = os.environ.get("BLOCS_GROUPS")
    if env_file:
        extra.update(load_groups_file(env_file))
    if sc.scenario.groups_file:
        extra.update(load_groups_file(Path(base_dir) / sc.scenario.groups_file))
    if extra:
        sc = sc.model_copy(update={"groups": {**extra, **sc.groups}})
    sc.options  # noqa: B018  (validates [model] for the scenario's model)
    for k, v in enumerate(sc.variants):
        model_options(sc.kind, {**sc.model, **v.model}, where=f"{path}, variants[{k}].model")
    names = [v.name for v in sc.variants]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{path}, variants: variant names must be unique ({names})")
    return sc


def load_groups_file(path: str | Path) -> dict[str, list[str]]:
    """A user's groups file: ``name = ["USA", ...]`` lines, or tables like ``groups.toml``
    (``[name]`` with ``members = [...]``). Used by ``groups_file`` in a scenario's
    ``[scenario]`` table and by the ``BLOCS_GROUPS`` environment variable."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: groups file not found")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: TOML syntax error: {exc}") from None
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
        text = p.read_text()
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


def builtin_scenarios() -> dict[str, Path]:
    """Built-in scenario names -> their TOML files."""
    folder = resources.files("blocs.scenarios")
    out = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            out[entry.name.removesuffix(".toml")] = Path(str(entry))
    return dict(sorted(out.items()))


# ----------------------------------------------------------------------------------------
# Compiling to a Policy


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


def _countries(
    items: Sequence[str], excluded: Sequence[str], sc: Scenario, eco: Any, where: str, key: str
) -> list[int]:
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
    items: Sequence[str] | None, sc: Scenario, economy: Any, where: str
) -> list[int]:
    """Sector positions of codes and sector groups (``None`` = every sector)."""
    sectors = getattr(economy, "sectors", None)
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
    return [sectors.index(c) for c in dict.fromkeys(out)]


def us_tariffs_2025(economy: Any) -> np.ndarray:
    """``max(0.10, us_tariff_2025_04)`` per country of ``economy``, shape (N,).

    For data without the column (icio2022, cp2015) the rates come from world2023 by ISO3
    code; ``TWN`` gets 32 % and ``STP`` 10 % (the April-2025 list; world2023 has neither),
    and an aggregate ``ROW`` gets the average rate of the world2023 countries the data does
    not list, weighted by their exports to the US.
    """
    rates = getattr(economy, "us_tariff_2025", None)
    if rates is not None:
        rates = np.asarray(rates, dtype=float)
        if np.isnan(rates).any():
            missing = [c for c, r in zip(economy.iso3, rates, strict=True) if np.isnan(r)]
            raise InputError(
                "rate US_TARIFFS_2025 needs the us_tariff_2025_04 column in the countries "
                f"data; missing for {', '.join(missing[:5])}"
            )
        return np.maximum(US_TARIFF_FLOOR, rates)
    from blocs.data import load_world2023

    world = load_world2023()
    w_rates = np.maximum(US_TARIFF_FLOOR, np.asarray(world.us_tariff_2025, dtype=float))
    table = dict(zip(world.iso3, w_rates, strict=True))
    table.update(EXTRA_US_TARIFFS_2025)
    listed = set(economy.iso3)
    us = world.index("USA")
    X = np.asarray(world.X)
    others = [k for k, c in enumerate(world.iso3) if c not in listed and c != "USA"]
    weights = X[others, us]
    row_rate = float(np.sum(w_rates[others] * weights) / np.sum(weights)) if others else 0.1
    out = []
    for code in economy.iso3:
        if code in table:
            out.append(table[code])
        elif code == "ROW":
            out.append(row_rate)
        else:
            out.append(US_TARIFF_FLOOR)
    return np.asarray(out)


#: April-2025 US rates of economies world2023 lacks (USTR list of 2 April 2025).
EXTRA_US_TARIFFS_2025 = {"TWN": 0.32, "STP": 0.10}


def _optimal_against(economy: Any, model: Any, by: list[int], against: list[int]) -> float:
    """Closed-form uniform optimal tariff of ``by`` (one region) on the rest of the world.

    models.md §1: ``t* = 1 / ((1 + delta eps) phi - 1)`` on the two-region aggregate (``by``
    vs everyone else); used by the paper for optimal retaliation against the US.
    """
    from blocs.models.imls import calibrate

    p = calibrate(economy, model)
    X = np.asarray(economy.X)
    nu = np.asarray(p.nu)
    phi = np.asarray(p.phi)
    E = np.asarray(p.E)
    a = np.zeros(economy.n, dtype=bool)
    a[by] = True
    regions = [a, ~a]
    X2 = np.array([[X[np.ix_(r, q)].sum() for q in regions] for r in regions])
    E2 = X2.sum(axis=0)
    w = [E[r] / E[r].sum() for r in regions]
    nu2 = np.array([np.sum(nu[r] * wr) for r, wr in zip(regions, w, strict=True)])
    phi_a = float(np.sum(phi[a] * w[0]))
    lam2 = X2 / E2[None, :]
    delta = X2[0, 1] * (1 - nu2[1]) * (1 - lam2[0, 1]) / ((1 - nu2[0]) * (E2[0] - X2[0, 0]))
    return float(1.0 / ((1.0 + delta * float(p.eps)) * phi_a - 1.0))


def compile_policy(sc: Scenario, economy: Any) -> Policy:
    """The scenario's tariffs and trade-cost shocks as arrays for ``economy``.

    Order: tariff rules (in order), agreements, trade-cost rules, retaliation. Returns
    arrays ``[exporter, importer]`` for one-sector data, ``[exporter, importer, sector]``
    for multi-sector data.
    """
    one_sector = getattr(economy, "sectors", None) is None
    n = economy.n
    t = np.array(economy.t, dtype=float)
    if one_sector:
        t = t[:, :, None]
    S = t.shape[2]
    d_hat = np.ones((n, n, S))
    options = sc.options
    eps_s = (
        np.full(S, options.trade_elasticity)
        if one_sector
        else np.asarray(economy.theta, dtype=float)
    )
    eye = np.eye(n, dtype=bool)

    for k, rule in enumerate(sc.tariffs):
        where = f"{sc.path}, tariffs[{k}]"
        imp = _countries(rule.importers, rule.except_importers, sc, economy, where, "importers")
        exp = _countries(rule.exporters, rule.except_exporters, sc, economy, where, "exporters")
        sec = resolve_sectors(rule.sectors, sc, economy, where)
        op, value = rule.operation()
        block = np.ix_(exp, imp, sec)
        current = t[block]
        if op == "rate" and value == "US_TARIFFS_2025":
            us_rate = _safe(lambda: us_tariffs_2025(economy), where)
            us = economy.iso3.index("USA") if "USA" in economy.iso3 else -1
            new = np.empty_like(current)
            for a, i in enumerate(exp):
                for b, m in enumerate(imp):
                    new[a, b, :] = us_rate[m] if i == us else us_rate[i]
        elif op == "rate" and value == "NAFTA_2005":
            if getattr(economy, "source", "").find("Caliendo") < 0 and economy.n != 31:
                raise ScenarioError(f"{where}.rate: NAFTA_2005 needs the cp2015 data")
            from blocs.data.multisector import cp2015_nafta_tariffs

            new = np.asarray(cp2015_nafta_tariffs(), dtype=float)[block]
        elif op == "rate" and value == "OPTIMAL":
            if not one_sector:
                raise ScenarioError(
                    f"{where}.rate: OPTIMAL (closed form) needs the one-sector model; use a number"
                )
            opt = np.array(
                [
                    _safe(
                        lambda c=economy.iso3[m]: optimal_tariff_closed_form(economy, options, c),
                        where,
                    )
                    for m in imp
                ]
            )
            new = np.broadcast_to(opt[None, :, None], current.shape).copy()
        elif op == "rate":
            new = np.full_like(current, float(value))
        elif op == "add":
            new = current + float(value)
        elif op == "multiply":
            new = (1.0 + current) * float(value) - 1.0
        elif op == "cap":
            new = np.minimum(current, float(value))
        else:  # floor
            new = np.maximum(current, float(value))
        if (new <= -1.0).any():
            raise ScenarioError(f"{where}: the {op} operation gives a tariff <= -100 %")
        t[block] = new

    for k, ag in enumerate(sc.agreements):
        where = f"{sc.path}, agreements[{k}]"
        mem = _countries(ag.members, [], sc, economy, where, "members")
        if len(mem) < 2:
            raise ScenarioError(
                f"{where}.members: an agreement needs at least two countries "
                f"in this data (found {len(mem)})"
            )
        sec = resolve_sectors(ag.sectors, sc, economy, where)
        if ag.free_trade:
            t[np.ix_(mem, mem, sec)] = 0.0
        if ag.partial_effect is not None:
            member_pairs = [(i, m) for i in mem for m in mem if i != m]
            for s_ in sec:
                factor = math.exp(-ag.partial_effect / eps_s[s_])
                for i, m in member_pairs:
                    d_hat[i, m, s_] *= factor
        if ag.external_tariff is not None:
            outside = [i for i in range(n) if i not in set(mem)]
            t[np.ix_(outside, mem, sec)] = ag.external_tariff

    for k, tc in enumerate(sc.trade_costs):
        where = f"{sc.path}, trade_costs[{k}]"
        imp = _countries(tc.importers, tc.except_importers, sc, economy, where, "importers")
        exp = _countries(tc.exporters, tc.except_exporters, sc, economy, where, "exporters")
        sec = resolve_sectors(tc.sectors, sc, economy, where)
        pairs = {(i, m) for i in exp for m in imp if i != m}
        if tc.symmetric:
            pairs |= {(m, i) for i, m in pairs}
        for s_ in sec:
            if tc.partial_effect is not None:
                factor = math.exp(-tc.partial_effect / eps_s[s_])
            else:
                factor = float(tc.change)  # type: ignore[arg-type]
            for i, m in pairs:
                d_hat[i, m, s_] = factor

    for k, rt in enumerate(sc.retaliation):
        where = f"{sc.path}, retaliation[{k}]"
        against = _countries(rt.against, [], sc, economy, where, "against")
        by = [b for b in _countries(rt.by, [], sc, economy, where, "by") if b not in against]
        sec = resolve_sectors(rt.sectors, sc, economy, where)
        if rt.rule == "none":
            continue
        if rt.rule == "mirror":
            for b in by:
                for a in against:
                    if a != b:
                        t[a, b, sec] = t[b, a, sec]
        else:  # optimal
            if not one_sector:
                from blocs.strategy.games import optimal_retaliation

                policy = Policy(t=t.copy(), d_hat=d_hat.copy())  # type: ignore[arg-type]
                t = np.array(
                    _safe(
                        lambda p=policy, b=by, a=against, s_=sec: optimal_retaliation(
                            economy, options, p, b, a, kind="caliendo_parro", sectors=s_
                        ),
                        where,
                    ),
                    dtype=float,
                )
                continue
            rate = _optimal_against(economy, options, by, against)
            for b in by:
                for a in against:
                    if a != b:
                        t[a, b, :] = rate

    t[eye] = 0.0
    if one_sector:
        return Policy(t=t[:, :, 0], d_hat=d_hat[:, :, 0])  # type: ignore[arg-type]
    return Policy(t=t, d_hat=d_hat)  # type: ignore[arg-type]


def _safe(fn: Any, where: str) -> Any:
    try:
        return fn()
    except InputError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def liberation_day_tariffs(economy: Any) -> np.ndarray:
    """The April-2025 US tariffs (10 % floor) on every exporter, zero elsewhere, shape (N, N).

    Example:
        >>> import blocs
        >>> eco = blocs.load_world2023()
        >>> t = liberation_day_tariffs(eco)
        >>> float(t[eco.index("CHN"), eco.index("USA")])
        0.54
    """
    us = economy.index("USA")
    t = np.array(economy.t, dtype=float)
    t[:, us] = us_tariffs_2025(economy)
    t[us, us] = 0.0
    return t
