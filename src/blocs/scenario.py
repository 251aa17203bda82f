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
- ``"OPTIMAL"``: the importer's closed-form uniform optimal tariff (one-sector model).

Group names: built-in groups (``EU27``, ``EU25``, ...), groups of the file, and ``ALL``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from blocs.economy import Economy
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
    "load_scenario",
    "resolve_group",
    "us_tariffs_2025",
]

#: The 10 % floor the April-2025 US tariffs put under every exporter.
US_TARIFF_FLOOR = 0.10

#: Groups every scenario can use. EU25 is the IMLS paper's EU (its code omits CZE, SVK).
BUILTIN_GROUPS: dict[str, tuple[str, ...]] = {
    "EU27": tuple(
        "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD "
        "POL PRT ROU SVK SVN SWE".split()
    ),
    "EU25": tuple(
        "AUT BEL BGR CYP DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL "
        "PRT ROU SVN SWE".split()
    ),
    "USMCA": ("USA", "CAN", "MEX"),
}

SPECIAL_RATES = ("US_TARIFFS_2025", "OPTIMAL")


class DataSpec(BaseModel):
    """The user's own data files (paths relative to the scenario file)."""

    model_config = ConfigDict(extra="forbid")
    flows: str
    countries: str | None = None


class ScenarioHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    source: str = ""
    data: str | DataSpec = "world2023"
    model: Literal["imls"] = "imls"


class TariffRule(BaseModel):
    """``importers`` levy a tariff on goods from ``exporters`` (one operation)."""

    model_config = ConfigDict(extra="forbid")
    importers: list[str] = Field(min_length=1)
    exporters: list[str] = Field(min_length=1)
    rate: float | str | None = None
    add: float | None = None
    multiply: float | None = None
    cap: float | None = None
    floor: float | None = None
    note: str = ""

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
        ops = {
            k: getattr(self, k)
            for k in ("rate", "add", "multiply", "cap", "floor")
            if getattr(self, k) is not None
        }
        if len(ops) != 1:
            raise ValueError(
                "give exactly one of rate, add, multiply, cap, floor "
                f"(found {', '.join(ops) or 'none'})"
            )
        return next(iter(ops.items()))


def _check_tariff(v: float) -> None:
    if not math.isfinite(v):
        raise ValueError("tariff must be a finite number (0.25 = 25 %)")
    if v <= -1.0:
        raise ValueError(f"tariff {v} is <= -100 %; tariffs are fractions > -1 (0.25 = 25 %)")


class TradeCostRule(BaseModel):
    """An iceberg trade-cost shock from ``exporters`` to ``importers``.

    ``partial_effect``: the gravity partial effect ``b``; the baseline share of each pair is
    multiplied by ``exp(b)`` before renormalising, i.e. ``d_hat = exp(-b / eps)``.
    ``change``: ``d_hat`` directly (0.9 = trade costs fall by 10 %).
    """

    model_config = ConfigDict(extra="forbid")
    importers: list[str] = Field(min_length=1)
    exporters: list[str] = Field(min_length=1)
    partial_effect: float | None = None
    change: float | None = Field(None, gt=0)
    symmetric: bool = False
    note: str = ""


class Scenario(BaseModel):
    """A parsed, checked scenario (see the module docstring for the TOML format).

    Example:
        >>> s = Scenario.model_validate({"scenario": {"name": "x"}, "tariffs": [
        ...     {"importers": ["USA"], "exporters": ["CHN"], "rate": 0.5}]})
        >>> s.tariffs[0].rate
        0.5
    """

    model_config = ConfigDict(extra="forbid")
    scenario: ScenarioHeader
    model: IMLS = Field(default_factory=IMLS)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    tariffs: list[TariffRule] = Field(default_factory=list)
    trade_costs: list[TradeCostRule] = Field(default_factory=list)
    base_dir: str = Field(default=".", exclude=True)
    path: str = Field(default="<scenario>", exclude=True)

    @property
    def name(self) -> str:
        return self.scenario.name


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


def _validation_message(path: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if p not in ("function-after", "str", "float", "DataSpec")]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling; see docs/scenarios.md)"
        elif err["type"] == "literal_error":
            allowed = err.get("ctx", {}).get("expected", "")
            msg = f"unknown value {err.get('input')!r}; allowed: {allowed}"
        lines.append(f"{path}, {_loc(loc)}: {msg}")
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
    return sc.model_copy(update={"base_dir": str(base_dir), "path": path})


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


def resolve_group(
    name: str, groups: Mapping[str, Sequence[str]], economy: Economy, *, where: str = ""
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
        names = list(economy.iso3) + list(BUILTIN_GROUPS) + [v[0] for v in user.values()]
        raise ScenarioError(
            f"{where}: unknown country code or group '{item}'"
            f"{closest(item, names, dict(zip(economy.iso3, economy.names, strict=True)))}"
        )

    visit(name, ())
    return list(dict.fromkeys(out))


def us_tariffs_2025(economy: Economy) -> np.ndarray:
    """``max(0.10, us_tariff_2025_04)`` per country, shape (N,); raises if the data lacks it."""
    rates = np.asarray(economy.us_tariff_2025, dtype=float)
    if np.isnan(rates).any():
        missing = [c for c, r in zip(economy.iso3, rates, strict=True) if np.isnan(r)]
        raise InputError(
            "rate US_TARIFFS_2025 needs the us_tariff_2025_04 column in the countries data; "
            f"missing for {', '.join(missing[:5])}"
        )
    return np.maximum(US_TARIFF_FLOOR, rates)


def _members(rule_items: Sequence[str], sc: Scenario, eco: Economy, where: str) -> list[int]:
    codes: list[str] = []
    for item in rule_items:
        codes.extend(resolve_group(item, sc.groups, eco, where=where))
    return [eco.iso3.index(c) for c in dict.fromkeys(codes)]


def compile_policy(sc: Scenario, economy: Economy) -> Policy:
    """The scenario's tariffs and trade-cost shocks as arrays for ``economy``."""
    n = economy.n
    t = np.array(economy.t, dtype=float)
    d_hat = np.ones((n, n))
    for k, rule in enumerate(sc.tariffs):
        where = f"{sc.path}, tariffs[{k}]"
        imp = _members(rule.importers, sc, economy, f"{where}.importers")
        exp = _members(rule.exporters, sc, economy, f"{where}.exporters")
        op, value = rule.operation()
        block = np.ix_(exp, imp)
        current = t[block]
        if op == "rate" and value == "US_TARIFFS_2025":
            us_rate = _safe(lambda: us_tariffs_2025(economy), where)
            us = economy.iso3.index("USA") if "USA" in economy.iso3 else -1
            new = np.empty_like(current)
            for a, i in enumerate(exp):
                for b, m in enumerate(imp):
                    new[a, b] = us_rate[m] if i == us else us_rate[i]
        elif op == "rate" and value == "OPTIMAL":
            opt = np.array(
                [
                    _safe(
                        lambda c=economy.iso3[m]: optimal_tariff_closed_form(economy, sc.model, c),
                        where,
                    )
                    for m in imp
                ]
            )
            new = np.broadcast_to(opt[None, :], current.shape).copy()
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
    np.fill_diagonal(t, 0.0)
    for k, tc in enumerate(sc.trade_costs):
        where = f"{sc.path}, trade_costs[{k}]"
        imp = _members(tc.importers, sc, economy, f"{where}.importers")
        exp = _members(tc.exporters, sc, economy, f"{where}.exporters")
        if tc.partial_effect is not None:
            factor = math.exp(-tc.partial_effect / sc.model.trade_elasticity)
        else:
            factor = float(tc.change)  # type: ignore[arg-type]
        pairs = [(i, m) for i in exp for m in imp if i != m]
        if tc.symmetric:
            pairs += [(m, i) for i, m in pairs]
        for i, m in set(pairs):
            d_hat[i, m] = factor
    return Policy(t=np.asarray(t), d_hat=np.asarray(d_hat))  # type: ignore[arg-type]


def _safe(fn: Any, where: str) -> Any:
    try:
        return fn()
    except InputError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def liberation_day_tariffs(economy: Economy) -> np.ndarray:
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
