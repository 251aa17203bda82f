"""The question a coalition run answers: :class:`CoalitionSpec`, the one schema.

A spec comes from Python (``CoalitionSpec(allies=("JPN", "KOR"))``), from a scenario file's
``[coalition]`` table (:meth:`CoalitionSpec.from_table`, errors name the file and the key) or
from the built-in ``allied-front`` scenario (:func:`allied_front_spec`, which reads that
file's ``[coalition]`` table: the question is defined there once).

Values have one meaning wherever they come from (a TOML table, a command-line flag as text,
Python): a *number* is a rate as a fraction (0.25 = 25 %); named options are strings.

- ``response``: ``"none"``, ``"mirror"``, ``"optimal"``, or a rate (:func:`parse_response`).
- ``punishment``: ``"us_tariffs_2025"`` (alias ``"2025"``: the April-2025 US rates),
  ``"auto"``, ``"none"``/None, or a rate (:func:`parse_punishment`). The string ``"2025"``
  is never a rate, and rates above :data:`MAX_PUNISHMENT_RATE` are refused (a percentage
  typed for a fraction).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Callable, Mapping
from typing import Any

from blocs.coalitions import settings
from blocs.errors import InputError, ScenarioError
from blocs.scenario import builtin_scenarios
from blocs.scenario.schema import MAX_RATE, check_rate

__all__ = [
    "MAX_PUNISHMENT_RATE",
    "PUNISHMENTS",
    "RESPONSES",
    "CoalitionSpec",
    "allied_front_spec",
    "finite_rate",
    "parse_punishment",
    "parse_response",
]

#: Responses of the target accepted by name.
RESPONSES = ("none", "mirror", "optimal")
#: Punishments accepted by name (``"2025"`` is read as ``"us_tariffs_2025"``).
PUNISHMENTS = ("us_tariffs_2025", "auto", "none")
#: Largest rate accepted (500 %, :data:`blocs.scenario.schema.MAX_RATE`) for the tariff,
#: a response and a punishment: a larger number is a percentage or a year.
MAX_PUNISHMENT_RATE = MAX_RATE
#: The built-in scenario holding the "allied front" question.
ALLIED_FRONT = "allied-front"


def finite_rate(x: Any) -> bool:
    """Whether ``x`` is an ad-valorem rate: a finite number > -1 (not a bool)."""
    if isinstance(x, bool):
        return False
    try:
        v = float(x)
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and v > -1.0


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_response(value: Any) -> str | float:
    """The target's response: a name of :data:`RESPONSES` or a rate (number or its text).

    Raises:
        ValueError: anything else (the message lists the choices).
    """
    if isinstance(value, str):
        key = value.strip().lower()
        if key in RESPONSES:
            return key
        number = _number(key)
        if number is None:
            raise ValueError(f"choose one of {', '.join(RESPONSES)} or a rate")
        value = number
    if not finite_rate(value):
        raise ValueError("a rate must be finite and > -1")
    check_rate(float(value), key="rate", extreme=None)
    return float(value)


def parse_punishment(value: Any) -> str | float | None:
    """What an unreliable leader re-imposes: ``"us_tariffs_2025"``, ``"auto"``, None or a
    rate (a number, or its text from a command line).

    ``"2025"`` means the April-2025 US rates; ``"none"`` means None.

    Example:
        >>> parse_punishment("2025"), parse_punishment(" None "), parse_punishment(0.25)
        ('us_tariffs_2025', None, 0.25)

    Raises:
        ValueError: an unknown name, a rate <= -1 or above :data:`MAX_PUNISHMENT_RATE`.
    """
    if value is None:
        return None
    if isinstance(value, str):
        key = value.strip().lower()
        if key in ("us_tariffs_2025", "2025"):
            return "us_tariffs_2025"
        if key in ("auto", "none"):
            return None if key == "none" else key
        number = _number(key)
        if number is None:
            raise ValueError(
                "use 'us_tariffs_2025' (or '2025': the April-2025 US rates), 'auto', 'none' "
                "or a rate (0.25 = 25 %)"
            )
        value = number
    if not finite_rate(value):
        raise ValueError(
            "use 'us_tariffs_2025', 'auto', 'none' or a finite rate > -1 (0.25 = 25 %)"
        )
    rate = float(value)
    if rate > MAX_PUNISHMENT_RATE:
        hint = "'us_tariffs_2025'" if rate == 2025 else f"{rate / 100:g}"
        raise ValueError(
            f"a rate of {rate:g} is {100 * rate:g} %; rates are fractions (did you mean {hint}?)"
        )
    return rate


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("give a code or a group name (text)")
    return value.strip()


def _allies(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("give a list of codes or groups, e.g. ['JPN', 'EU27']")
    if any(not isinstance(a, str) for a in items):
        raise ValueError("every ally is a code or a group name (text)")
    return tuple(a.strip() for a in items if a.strip())


def _tariff(value: Any) -> float:
    if not finite_rate(value):
        raise ValueError("give a finite ad-valorem rate > -1 (0.5 = 50 %)")
    check_rate(float(value), key="rate", extreme=None)
    return float(value)


def _positive(what: str) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not finite_rate(value) or float(value) <= 0:
            raise ValueError(f"{what} must be a finite number > 0")
        return float(value)

    return check


def _flag(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError("give true, false or leave it out")
    return value


#: Field -> its parser (returns the value to store or raises ValueError with the reason).
_PARSERS: dict[str, Callable[[Any], Any]] = {
    "leader": _text,
    "target": _text,
    "allies": _allies,
    "tariff": _tariff,
    "response": parse_response,
    "data": _text,
    "america_first": _flag,
    "punishment": parse_punishment,
    "leverage_multiple": _positive("the leverage target (a multiple of the leader alone)"),
    "name": _text,
    "max_response": _positive("the upper bound of the target's optimal rate (2.0 = 200 %)"),
}


@dataclasses.dataclass(frozen=True)
class CoalitionSpec:
    """What to compute: players, instruments and variants.

    Attributes:
        leader: code or group always in the coalition (default ``USA``).
        target: code or group tariffed by the coalition (default ``CHN``).
        allies: candidate allies, codes or groups (order irrelevant; 1 to 12).
        tariff: the coalition's tariff on the target (0.5 = 50 %; replaces the status quo).
        response: the target's response: ``"none"``, ``"mirror"``, ``"optimal"`` (its best
            response: one welfare-maximising rate on every coalition country, see
            :mod:`blocs.coalitions.response`) or a rate (float) on every coalition country.
        data: embedded data set loaded when no economy is given (``world2023``,
            ``icio2022``); a label otherwise.
        america_first: also run the America-First variant; it needs the April-2025 US rates
            (leader USA; world2023 has them, on icio2022 they are mapped by code and apply
            to goods sectors). None (default): run it when the leader is USA and the data
            has the rates (world2023-like) or is ``icio2022``.
        punishment: what an unreliable leader re-imposes on a member (see
            :func:`parse_punishment`): ``"us_tariffs_2025"`` (leader USA; goods sectors on
            multi-sector data), a rate, None (no credibility analysis) or ``"auto"``
            (default: the 2025 rates when ``america_first`` would default on, else None).
        leverage_multiple: the leverage target of the "smallest coalitions" search, as a
            multiple of the leader-alone leverage.
        name: a label for outputs.
        max_response: upper bound of the target's optimal response (lower bound 0).

    Raises:
        InputError: a bad value, naming the field and the fix.
    """

    leader: str = "USA"
    target: str = "CHN"
    allies: tuple[str, ...] = ()
    tariff: float = 0.5
    response: str | float = "mirror"
    data: str = "world2023"
    america_first: bool | None = None
    punishment: str | float | None = "auto"
    leverage_multiple: float = 2.0
    name: str = "coalition"
    max_response: float = settings.MAX_RESPONSE

    def __post_init__(self) -> None:
        for key, parse in _PARSERS.items():
            value = getattr(self, key)
            try:
                object.__setattr__(self, key, parse(value))
            except ValueError as exc:
                raise InputError(f"{key}={value!r}: {exc}") from None

    @classmethod
    def from_table(
        cls,
        raw: Mapping[str, Any],
        *,
        where: str = "coalition",
        data: str = "world2023",
        name: str = "coalition",
    ) -> CoalitionSpec:
        """The spec of a ``[coalition]`` table (``data`` and ``name`` from ``[scenario]``).

        Keys: ``leader``, ``target``, ``allies`` (required, 1 to 12), ``tariff``,
        ``response``, ``america_first``, ``punishment``, ``leverage_multiple``,
        ``max_response`` (the fields of :class:`CoalitionSpec`).

        Raises:
            ScenarioError: naming ``where`` and the key (``FILE, coalition.allies: ...``).

        Example:
            >>> CoalitionSpec.from_table({"allies": ["KOR", "JPN"], "punishment": "2025"}).punishment
            'us_tariffs_2025'
        """
        if not isinstance(raw, Mapping):
            raise ScenarioError(f"{where}: must be a table of keys (leader, target, allies, ...)")
        allowed = [k for k in _PARSERS if k not in ("data", "name")]
        errors = []
        for key in raw:
            if key not in allowed:
                errors.append(
                    f"{where}.{key}: unknown key (check its spelling; keys: {', '.join(allowed)})"
                )
        values = {k: raw[k] for k in allowed if k in raw}
        if "allies" not in values:
            errors.append(f"{where}.allies: missing; give a list of codes or groups")
        for key, value in values.items():
            try:
                values[key] = _PARSERS[key](value)
            except ValueError as exc:
                errors.append(f"{where}.{key}: {exc}")
        allies = values.get("allies", ("_",))
        if not errors and not 1 <= len(allies) <= settings.MAX_ALLIES:
            errors.append(
                f"{where}.allies: give 1 to {settings.MAX_ALLIES} allies, not {len(allies)}"
            )
        if errors:
            raise ScenarioError("\n".join(errors))
        return cls(**values, data=data, name=name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return dataclasses.asdict(self)


def allied_front_spec() -> CoalitionSpec:
    """The built-in "allied front": the US and nine allies against China, mirror response.

    Read from the ``[coalition]`` table of the built-in scenario ``allied-front`` (its
    ``[scenario]`` gives the data and the name), where the question is defined once.

    Example:
        >>> allied_front_spec().allies[:3]
        ('JPN', 'KOR', 'IND')
    """
    path = builtin_scenarios()[ALLIED_FRONT]
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    head = doc["scenario"]
    return CoalitionSpec.from_table(
        doc["coalition"],
        where=f"{ALLIED_FRONT} (built-in), coalition",
        data=head.get("data", "world2023"),
        name=head.get("name", ALLIED_FRONT),
    )
