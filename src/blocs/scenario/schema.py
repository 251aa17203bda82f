"""Scenario schema: a declarative description of who taxes whom, parsed from TOML and checked.

The file format, with an example, is in the package docstring (:mod:`blocs.scenario`) and
``docs/scenarios.md``.

Rules apply in order; a later rule overrides an earlier one for the same pair; a country
never tariffs itself; pairs no rule names keep the baseline tariff. Operations on a rule:
``rate`` (set), ``add`` (percentage points as a fraction: 0.1 = +10 pp), ``multiply`` (on
``1 + t``), ``cap`` and ``floor``. ``rate`` may be a number or a special name:

- ``"US_TARIFFS_2025"``: the April-2025 US rate with the 10 % floor, of the partner of the US
  in the pair (the exporter when the US imports, the importer when the US exports; the
  exporter otherwise);
- ``"OPTIMAL"``: the importer's closed-form uniform optimal tariff (one-sector model;
  ``convention = "gdp"`` puts GDP instead of expenditure in the formula's denominator, as
  the paper's code does for IMLS 2025 Table 2 case 4);
- ``"NAFTA_2005"``: the 2005 tariffs of the Caliendo-Parro data (cp2015 only).

Group names: built-in groups (``EU27``, ``EU25``, ...), groups of the file, and ``ALL``.

Tariffs in force (:mod:`blocs.data.us_tariffs`): a ``[us_tariffs]`` table (``date``,
``ieepa``, ``section122_rate``, ``section122_extended``) sets the US tariffs in force at a
date, a ``[retaliation_in_force]`` table (``date``, ``unknown``) the retaliation on US goods;
both apply before the rules, which then change them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from blocs.data.us_tariffs import latest_date
from blocs.errors import ScenarioError, closest
from blocs.models.registry import MODELS, get_model
from blocs.scenario.estimates import EstimateRef, PartialEffectValue, estimated_effects


def __getattr__(name: str) -> Any:
    """``MultiSectorOptions``: the multi-sector model's options class under its former name,
    from the registry on first use (a one-sector run never imports that model)."""
    if name == "MultiSectorOptions":
        return get_model("caliendo_parro").Options
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DATA_MODELS",
    "FIRST_IN_FORCE_DATE",
    "IEEPA_OUTCOMES",
    "MAX_RATE",
    "OPERATIONS",
    "SPECIAL_RATES",
    "Agreement",
    "DataSpec",
    "EstimateRef",
    "Retaliation",
    "RetaliationInForce",
    "Scenario",
    "ScenarioHeader",
    "TariffRule",
    "TradeCostRule",
    "UsTariffsInForce",
    "Variant",
    "check_rate",
    "check_tariff",
    "estimated_effects",
    "finite_float",
    "in_force_date",
    "model_options",
    "validation_message",
]
SPECIAL_RATES = ("US_TARIFFS_2025", "OPTIMAL", "NAFTA_2005")


class DataSpec(BaseModel):
    """The user's own data files (paths relative to the scenario file)."""

    model_config = ConfigDict(extra="forbid")
    flows: str
    countries: str | None = None


#: Embedded data sets and the model each uses by default.
DATA_MODELS = {"world2023": "imls", "icio2022": "caliendo_parro", "cp2015": "caliendo_parro",
               "icio2022-agg": "imls"}  # fmt: skip


class ScenarioHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    source: str = ""
    data: str | DataSpec = "world2023"
    model: str | None = None
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

    @field_validator("model")
    @classmethod
    def _model(cls, v: str | None) -> str | None:
        if v is not None and v not in MODELS:
            raise ValueError(
                f"unknown model {v!r}{closest(v, list(MODELS))}; models: {', '.join(MODELS)}"
            )
        return v

    def model_kind(self) -> str:
        """The model: as given, or the data set's default."""
        if self.model is not None:
            return self.model
        return DATA_MODELS.get(self.data, "imls") if isinstance(self.data, str) else "imls"


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    importers: list[str] = Field(min_length=1)
    exporters: list[str] = Field(min_length=1)
    except_importers: list[str] = Field(default_factory=list)
    except_exporters: list[str] = Field(default_factory=list)
    sectors: list[str] | None = None
    note: str = ""


class TariffRule(_Rule):
    """``importers`` levy a tariff on goods from ``exporters`` (one operation).

    ``extreme = true`` accepts a ``rate``, ``add``, ``cap`` or ``floor`` above
    :data:`MAX_RATE` (500 %), which is otherwise refused as a percentage typed for a fraction.
    """

    rate: float | str | None = None
    convention: Literal["expenditure", "gdp"] | None = None
    add: float | None = None
    multiply: float | None = None
    cap: float | None = None
    floor: float | None = None
    extreme: bool = False

    @model_validator(mode="after")
    def _magnitude(self) -> TariffRule:
        for key in ("rate", "add", "cap", "floor"):
            value = getattr(self, key)
            if isinstance(value, float | int):
                check_rate(float(value), key=key, extreme=self.extreme)
        return self

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
            check_tariff(v)
        return v

    @field_validator("cap", "floor")
    @classmethod
    def _bound(cls, v: float | None) -> float | None:
        if v is not None:
            check_tariff(v)
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
        if self.convention is not None and self.rate != "OPTIMAL":
            raise ValueError("convention applies only to rate = 'OPTIMAL' (the closed form)")
        ops = {k: getattr(self, k) for k in OPERATIONS if getattr(self, k) is not None}
        if len(ops) != 1:
            raise ValueError(
                "give exactly one of rate, add, multiply, cap, floor "
                f"(found {', '.join(ops) or 'none'})"
            )
        return next(iter(ops.items()))


OPERATIONS = ("rate", "add", "multiply", "cap", "floor")


#: The largest rate (and ``add``, ``cap``, ``floor``) a rule accepts unless it says
#: ``extreme = true``: 5 = 500 %. A larger number is almost always a percentage typed for a
#: fraction (``rate = 25`` meaning 25 %). The same bound applies to ``[coalition]`` rates.
MAX_RATE = 5.0


def check_tariff(v: float) -> None:
    if not math.isfinite(v):
        raise ValueError("tariff must be a finite number (0.25 = 25 %)")
    if v <= -1.0:
        raise ValueError(f"tariff {v} is <= -100 %; tariffs are fractions > -1 (0.25 = 25 %)")


def check_rate(v: float, *, key: str = "rate", extreme: bool | None = False) -> None:
    """Refuse a rate above :data:`MAX_RATE` (a percentage typed for a fraction).

    ``extreme``: True accepts it; False refuses it and tells how to opt in (``extreme =
    true``); None refuses it with no opt-in (where none exists, e.g. ``[coalition]``).

    Raises:
        ValueError: ``"rate 25 is 2500 %; rates are fractions (did you mean 0.25?) ..."``.
    """
    if extreme or not math.isfinite(v) or v <= MAX_RATE:
        return
    opt_in = "; if you mean it, add extreme = true to the rule" if extreme is False else ""
    raise ValueError(
        f"{key} {v:g} is {100 * v:g} %; rates are fractions, 0.25 = 25 % "
        f"(did you mean {v / 100:g}?){opt_in}"
    )


def finite_float(v: Any, key: str) -> Any:
    """``v`` unchanged if a finite number, None or not a number (an estimate reference, checked
    by its own schema); a non-finite number is a ValueError naming ``key``."""
    if isinstance(v, int | float) and not math.isfinite(v):
        raise ValueError(f"{key} must be a finite number, not {v}")
    return v


class TradeCostRule(_Rule):
    """An iceberg trade-cost shock from ``exporters`` to ``importers``.

    ``partial_effect``: the gravity partial effect ``b``; the baseline share of each pair is
    multiplied by ``exp(b)`` before renormalising, i.e. ``d_hat = exp(-b / eps)``; a number,
    or a term of an estimate: ``{ estimate = "est/estimate.json", term = "fta" }``.
    ``change``: ``d_hat`` directly (0.9 = trade costs fall by 10 %).
    """

    partial_effect: PartialEffectValue = None
    change: float | None = Field(None, gt=0)
    symmetric: bool = False

    @field_validator("partial_effect", "change")
    @classmethod
    def _finite(cls, v: Any, info: Any) -> Any:
        return finite_float(v, info.field_name)


class Agreement(BaseModel):
    """A trade agreement among ``members``.

    ``free_trade``: tariffs among members go to zero. ``partial_effect``: a gravity partial
    effect on trade among members (trade costs fall, as in validation C): a number, or a term
    of an estimate, ``{ estimate = "est/estimate.json", term = "fta" }``. ``external_tariff``:
    a common tariff the members levy on everyone else (applied to ``sectors`` if given).
    """

    model_config = ConfigDict(extra="forbid")
    members: list[str] = Field(min_length=1)
    name: str = ""
    free_trade: bool = True
    partial_effect: PartialEffectValue = None
    external_tariff: float | None = None
    sectors: list[str] | None = None
    note: str = ""
    extreme: bool = False

    @field_validator("external_tariff")
    @classmethod
    def _ext(cls, v: float | None) -> float | None:
        if v is not None:
            check_tariff(v)
        return v

    @field_validator("partial_effect")
    @classmethod
    def _finite(cls, v: Any) -> Any:
        return finite_float(v, "partial_effect")

    @model_validator(mode="after")
    def _magnitude(self) -> Agreement:
        if self.external_tariff is not None:
            check_rate(self.external_tariff, key="external_tariff", extreme=self.extreme)
        return self


class Retaliation(BaseModel):
    """``by`` respond to the tariffs of ``against``.

    ``mirror``: each country in ``by`` levies on each country in ``against`` the tariff that
    country levies on it (sector by sector). ``optimal``: the closed-form uniform optimal
    tariff of ``by`` (as one region) against ``against`` (one-sector model, models.md §1)
    where the model has one, else a numerical best response; ``convention = "gdp"`` puts
    GDP instead of expenditure in the formula's denominator, as the paper's code does (IMLS
    2025 Table 2 cases 3 and 4). ``best_response``: the uniform rate that maximises the
    welfare of ``by`` in the model's equilibrium (numerical, every model). ``none``: no
    response.
    """

    model_config = ConfigDict(extra="forbid")
    by: list[str] = Field(min_length=1)
    against: list[str] = Field(min_length=1)
    rule: Literal["mirror", "optimal", "best_response", "none"] = "mirror"
    convention: Literal["expenditure", "gdp"] | None = None
    sectors: list[str] | None = None
    note: str = ""

    @field_validator("convention")
    @classmethod
    def _convention(cls, v: str | None, info: Any) -> str | None:
        if v is not None and info.data.get("rule") != "optimal":
            raise ValueError("convention applies only to rule = 'optimal' (the closed form)")
        return v


#: The first date a ``[us_tariffs]`` / ``[retaliation_in_force]`` table accepts (the record
#: of :mod:`blocs.data.us_tariffs` starts in January 2025).
FIRST_IN_FORCE_DATE = dt.date(2025, 1, 1)

#: ``[us_tariffs] ieepa``: the record as it happened (the Supreme Court struck the IEEPA
#: tariffs down from 2026-02-24), the counterfactual where it upheld them, or no IEEPA tariff
#: at any date.
IEEPA_OUTCOMES = ("struck_down", "upheld", "never")


def in_force_date(value: Any) -> dt.date:
    """A date of the tariff record: ``"YYYY-MM-DD"``, a TOML date or ``"latest"``.

    Raises:
        ValueError: not a date, or outside 2025-01-01 .. :func:`latest_date` (the message
            gives the valid range).
    """
    last = latest_date()
    valid = f'valid dates: {FIRST_IN_FORCE_DATE} to {last}, the latest measure, or "latest"'
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        if value.strip().lower() == "latest":
            return last
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a YYYY-MM-DD date ({valid})") from None
    if not isinstance(value, dt.date):
        raise ValueError(f"{value!r} is not a date ({valid})")
    if value < FIRST_IN_FORCE_DATE:
        raise ValueError(f"{value} is before the tariff record ({valid})")
    if value > last:
        raise ValueError(f"{value} is after the latest measure of the tariff record ({valid})")
    return value


class UsTariffsInForce(BaseModel):
    """``[us_tariffs]``: start from the US tariffs in force on ``date``.

    The rates come from the dated record of :mod:`blocs.data.us_tariffs`
    (:func:`~blocs.data.us_tariffs.us_tariffs_in_force`) and replace the baseline US tariffs
    on every exporter (every sector) before the file's own rules apply.

    ``date``: ``"YYYY-MM-DD"`` (or a TOML date) from 2025-01-01 to the latest measure, or
    ``"latest"``. ``ieepa``: ``"struck_down"`` (the record: no IEEPA tariff from
    2026-02-24), ``"upheld"`` (the counterfactual: the IEEPA tariffs stay, the measures that
    replaced them do not apply) or ``"never"`` (no IEEPA tariff at any date).
    ``section122_rate``: the Section 122 surcharge (0 to 0.15) instead of the record's 10 %.
    ``section122_extended``: Section 122 stays in force after 2026-07-24.
    """

    model_config = ConfigDict(extra="forbid")
    date: dt.date | str
    ieepa: Literal["struck_down", "upheld", "never"] = "struck_down"
    section122_rate: float | None = None
    section122_extended: bool = False
    note: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        in_force_date(v)
        return v

    @field_validator("section122_rate")
    @classmethod
    def _s122(cls, v: float | None) -> float | None:
        if v is not None and not (math.isfinite(v) and 0.0 <= v <= 0.15):
            raise ValueError(f"{v}: Section 122 allows a surcharge from 0 to 0.15 (15 %)")
        return v

    def on(self) -> dt.date:
        """The date as a :class:`datetime.date` (``"latest"`` resolved)."""
        return in_force_date(self.date)

    def compiler_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`~blocs.data.us_tariffs.us_tariffs_in_force`."""
        return {
            "ieepa_upheld": self.ieepa == "upheld",
            "ieepa_voided": self.ieepa == "never",
            "section122_rate": self.section122_rate,
            "section122_extended": self.section122_extended,
        }


class RetaliationInForce(BaseModel):
    """``[retaliation_in_force]``: the tariffs other countries levy on US goods on ``date``.

    ``date`` as in :class:`UsTariffsInForce`; omitted, the ``[us_tariffs]`` date. ``unknown``:
    where the record has no removal date (China's 10 % and its February-2025 energy list,
    Canada's steel, aluminium and vehicle surtaxes after February 2026), ``"in_force"`` keeps
    them (no source says they ended) and ``"ended"`` drops them from 2026-02-24.
    """

    model_config = ConfigDict(extra="forbid")
    date: dt.date | str | None = None
    unknown: Literal["in_force", "ended"] = "in_force"
    note: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        if v is not None:
            in_force_date(v)
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
    us_tariffs: UsTariffsInForce | None = None
    retaliation_in_force: RetaliationInForce | None = None
    model: dict[str, Any] = Field(default_factory=dict)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    sector_groups: dict[str, list[str]] = Field(default_factory=dict)
    tariffs: list[TariffRule] = Field(default_factory=list)
    agreements: list[Agreement] = Field(default_factory=list)
    trade_costs: list[TradeCostRule] = Field(default_factory=list)
    retaliation: list[Retaliation] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    #: The ``[coalition]`` table as written: its schema is the library's one
    #: (:meth:`blocs.coalitions.CoalitionSpec.from_table`), checked where it is used.
    coalition: dict[str, Any] | None = None
    #: The ``[game]`` table as written (``instruments``): checked where it is used
    #: (:mod:`blocs.strategy.scenario_games`).
    game: dict[str, Any] | None = None
    base_dir: str = Field(default=".", exclude=True)
    path: str = Field(default="<scenario>", exclude=True)
    #: Where each group of :attr:`groups` was defined (for error messages): the file and
    #: table (``"x.toml, groups"``, a groups file, ``"BLOCS_GROUPS=..."``).
    group_sources: dict[str, str] = Field(default_factory=dict, exclude=True)

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def kind(self) -> str:
        """The registered model's name (``"imls"``, ``"caliendo_parro"``, ...)."""
        return self.scenario.model_kind()

    @property
    def options(self) -> Any:
        """The validated options of the scenario's model (its registered ``Options`` class)."""
        return model_options(self.kind, self.model, where=f"{self.path}, model")

    def with_model(self, overrides: Mapping[str, Any]) -> Scenario:
        """A copy with model options replaced (validated)."""
        merged = {**self.model, **overrides}
        model_options(self.kind, merged, where=f"{self.path}, model")
        return self.model_copy(update={"model": merged})


def model_options(kind: str, raw: Mapping[str, Any], *, where: str) -> Any:
    """Validate a ``[model]`` table for the registered model ``kind``; errors name the key."""
    for key, value in raw.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ScenarioError(f"{where}.{key}: must be a finite number, not {value}")
    try:
        return get_model(kind).Options.model_validate(dict(raw))
    except ValidationError as exc:
        raise ScenarioError(validation_message(where, exc, prefix="")) from None


def _loc(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def validation_message(path: str, exc: ValidationError, prefix: str = "") -> str:
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
