"""Estimates as scenario inputs: the ``estimate.json`` record and one term's partial effect.

An estimate (``blocs estimate``, :mod:`blocs.estimate`) is written as ``estimate.json``
(schema ``blocs.estimate/1``, docs/estimation.md). Scenarios reference a term of it
(``partial_effect = { estimate = "est/estimate.json", term = "fta" }``); this module reads the
file, checks it and gives the term's :class:`EstimatedEffect` (value, variance, the file's
SHA-256), which the compiled program carries so ``run.json`` can record where its number came
from. It lives in the scenario layer because scenarios read estimates; :mod:`blocs.estimate`
(which writes them) re-exports it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from blocs.errors import InputError, ScenarioError, closest

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ESTIMATE_FILE",
    "SCHEMA",
    "EstimateRef",
    "EstimatedEffect",
    "check_converged",
    "GravityEstimate",
    "PartialEffectValue",
    "effect_of",
    "estimate_refs",
    "estimated_effect",
    "estimated_effects",
    "partial_effect_from_estimate",
    "read_estimate",
    "sha256_file",
]

SCHEMA = "blocs.estimate/1"
ESTIMATE_FILE = "estimate.json"


@dataclass(frozen=True)
class GravityEstimate:
    """A PPML gravity estimate: coefficients, their covariance and how they were obtained.

    ``covariance[i][j]`` is the estimated covariance of the coefficients of ``terms[i]`` and
    ``terms[j]``; ``std_errors`` are the square roots of its diagonal. ``n_separated`` and
    ``n_singletons`` count observations dropped before estimation (``dropped`` names the
    first of them); ``collinear`` lists terms dropped because the fixed effects absorb them;
    ``notes`` keeps the estimator's warnings.
    ``converged`` is False only if the caller allowed a non-converged estimate to be returned.
    """

    formula: str
    terms: tuple[str, ...]
    coefficients: tuple[float, ...]
    std_errors: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    p_values: tuple[float, ...]
    vcov: str
    nobs: int
    n_rows: int
    n_domestic: int
    n_separated: int
    n_singletons: int
    dropped: tuple[str, ...]
    collinear: tuple[str, ...]
    notes: tuple[str, ...]
    converged: bool
    deviance: float
    options: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    software: dict[str, str] = field(default_factory=dict)
    schema: str = SCHEMA

    # ---- access -----------------------------------------------------------------------
    def index(self, term: str) -> int:
        if term not in self.terms:
            raise InputError(
                f"estimate has no term {term!r}{closest(term, self.terms)}; its terms are "
                f"{', '.join(self.terms)} (formula: {self.formula})"
            )
        return self.terms.index(term)

    def coef(self, term: str) -> float:
        return self.coefficients[self.index(term)]

    def se(self, term: str) -> float:
        return self.std_errors[self.index(term)]

    @property
    def cov(self) -> np.ndarray:
        return np.array(self.covariance, dtype=np.float64).reshape(len(self.terms), len(self.terms))

    def cov_of(self, terms: list[str] | tuple[str, ...]) -> np.ndarray:
        idx = [self.index(t) for t in terms]
        return self.cov[np.ix_(idx, idx)]

    @property
    def n_dropped(self) -> int:
        return self.n_separated + self.n_singletons

    def table(self) -> pd.DataFrame:
        """One row per term: coefficient, s.e., z, p, 95 % interval, exp(b) - 1 in %."""
        import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

        b = np.array(self.coefficients)
        s = np.array(self.std_errors)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = b / s
        return pd.DataFrame(
            {
                "term": list(self.terms),
                "coef": b,
                "se": s,
                "z": z,
                "p": list(self.p_values),
                "ci_low": b - 1.959963984540054 * s,
                "ci_high": b + 1.959963984540054 * s,
                "effect_pct": 100 * np.expm1(b),
            }
        )

    # ---- JSON -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        out: dict[str, Any] = {"schema": d.pop("schema")}
        for k in ("terms", "dropped", "collinear", "notes"):
            d[k] = list(d[k])
        d["coefficients"] = dict(zip(self.terms, _floats(self.coefficients), strict=True))
        d["std_errors"] = dict(zip(self.terms, _floats(self.std_errors), strict=True))
        d["p_values"] = dict(zip(self.terms, _floats(self.p_values), strict=True))
        d["covariance"] = [_floats(row) for row in self.covariance]
        d["deviance"] = _float(self.deviance)
        out.update(d)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "estimate") -> GravityEstimate:
        if d.get("schema") != SCHEMA:
            raise InputError(
                f"{where}: not a blocs estimate (schema {d.get('schema')!r}, expected "
                f"{SCHEMA!r}); write one with `blocs estimate` (docs/estimation.md)"
            )
        try:
            terms = tuple(d["terms"])
            k = len(terms)
            cov = tuple(tuple(_unfloat(x) for x in row) for row in d["covariance"])
            if len(cov) != k or any(len(r) != k for r in cov):
                raise InputError(f"{where}: covariance is not {k} x {k}")
            return cls(
                formula=str(d["formula"]),
                terms=terms,
                coefficients=tuple(_unfloat(d["coefficients"][t]) for t in terms),
                std_errors=tuple(_unfloat(d["std_errors"][t]) for t in terms),
                covariance=cov,
                p_values=tuple(_unfloat(d["p_values"][t]) for t in terms),
                vcov=str(d["vcov"]),
                nobs=int(d["nobs"]),
                n_rows=int(d["n_rows"]),
                n_domestic=int(d["n_domestic"]),
                n_separated=int(d["n_separated"]),
                n_singletons=int(d["n_singletons"]),
                dropped=tuple(d["dropped"]),
                collinear=tuple(d["collinear"]),
                notes=tuple(d.get("notes", ())),
                converged=bool(d["converged"]),
                deviance=_unfloat(d["deviance"]),
                options=dict(d.get("options", {})),
                data=dict(d.get("data", {})),
                software=dict(d.get("software", {})),
            )
        except KeyError as exc:
            raise InputError(f"{where}: missing field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: malformed ({exc})") from None

    @classmethod
    def from_json(cls, text: str, where: str = "estimate") -> GravityEstimate:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(d, dict):
            raise InputError(f"{where}: expected a JSON object")
        return cls.from_dict(d, where)


def _float(x: float) -> float | str:
    """JSON has no NaN/inf: write them as strings."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


def _floats(xs: Any) -> list[float | str]:
    return [_float(x) for x in xs]


def _unfloat(x: Any) -> float:
    return float(x)  # float('nan') / float('inf') parse the strings back


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_estimate(path: str | Path) -> tuple[GravityEstimate, str]:
    """An ``estimate.json`` (or a folder holding one) and the file's SHA-256."""
    p = Path(path)
    if p.is_dir():
        p = p / ESTIMATE_FILE
    if not p.exists():
        raise InputError(
            f"estimate file {p} not found; create it with `blocs estimate` (docs/estimation.md)"
        )
    data = p.read_bytes()
    est = GravityEstimate.from_json(data.decode("utf-8"), where=str(p))
    return est, hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class EstimatedEffect:
    """One term of an estimate: point value, variance, and where it came from.

    Frozen and hashable: a compiled :class:`~blocs.scenario.program.PartialEffect` carries it
    (``source``), and a sweep keys its draws by :attr:`key`.
    """

    term: str
    value: float
    variance: float
    path: str
    sha256: str
    formula: str

    @property
    def se(self) -> float:
        return float(np.sqrt(self.variance))

    @property
    def key(self) -> tuple[str, str]:
        """The identity of the coefficient: (the file's SHA-256, the term)."""
        return (self.sha256, self.term)

    def manifest(self) -> dict[str, object]:
        """What a run records: the file, its checksum, the term and the values used."""
        return {
            "estimate": self.path,
            "estimate_sha256": self.sha256,
            "term": self.term,
            "value": self.value,
            "variance": self.variance,
            "formula": self.formula,
        }


def check_converged(est: GravityEstimate, where: str) -> None:
    """Refuse a non-converged estimate (its coefficients are not estimates)."""
    if not est.converged:
        raise InputError(
            f"{where}: the estimate did not converge (converged = false); re-estimate it "
            "(e.g. with more PPML iterations) before using its coefficients"
        )


def effect_of(est: GravityEstimate, sha256: str, term: str, where: str) -> EstimatedEffect:
    """The :class:`EstimatedEffect` of ``term`` in ``est`` (read from ``where``).

    Raises:
        InputError: the estimate did not converge, has no such term (the message suggests
            the closest), or the term has no finite value or variance.
    """
    check_converged(est, where)
    i = est.index(term)
    variance = float(est.cov[i, i])
    if not np.isfinite(est.coefficients[i]) or not np.isfinite(variance):
        raise InputError(f"{where}: term {term!r} has no finite estimate or variance")
    return EstimatedEffect(
        term=term,
        value=float(est.coefficients[i]),
        variance=variance,
        path=where,
        sha256=sha256,
        formula=est.formula,
    )


def partial_effect_from_estimate(path: str | Path, term: str) -> EstimatedEffect:
    """The coefficient of ``term`` in the ``estimate.json`` at ``path`` (or its folder).

    Raises :class:`~blocs.errors.InputError` if the file is missing or malformed, the term
    is not in it (the message suggests the closest), or the estimate did not converge.
    """
    est, sha = read_estimate(path)
    p = Path(path)
    where = str(p / ESTIMATE_FILE if p.is_dir() else p)
    return effect_of(est, sha, term, where)


# ----------------------------------------------------------------------------------------
# Partial effects from an estimate (``partial_effect = { estimate = ..., term = ... }``)


class EstimateRef(BaseModel):
    """A coefficient of an ``estimate.json`` (``blocs estimate``) used as a partial effect.

    ``estimate``: the file (or its folder), relative to the scenario file; ``term``: the
    coefficient's name in it. Checked when the scenario is loaded (:func:`estimated_effects`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    estimate: str = Field(min_length=1)
    term: str = Field(min_length=1)


def _partial_effect_value(v: Any) -> Any:
    """``partial_effect``: a number (the coefficient b) or an :class:`EstimateRef` table."""
    if v is None or isinstance(v, EstimateRef):
        return v
    if isinstance(v, Mapping):
        try:
            return EstimateRef.model_validate(dict(v))
        except ValidationError as exc:
            keys = ", ".join(str(e["loc"][-1]) + f" ({e['msg']})" for e in exc.errors())
            raise ValueError(
                f"{keys}; an estimated partial effect is a table "
                '{ estimate = "path/estimate.json", term = "name" }'
            ) from None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ValueError(
            f"{v!r}: give a number (the gravity coefficient b) or a table "
            '{ estimate = "path/estimate.json", term = "name" }'
        )
    return float(v)


#: The type of ``partial_effect`` in ``[[agreements]]`` and ``[[trade_costs]]``.
PartialEffectValue = Annotated[float | EstimateRef | None, BeforeValidator(_partial_effect_value)]


def estimate_refs(sc: Any) -> list[tuple[str, EstimateRef]]:
    """The scenario's estimated partial effects: ``(rule, reference)``, in rule order
    (``rule`` as in error messages: ``"path, agreements[0]"``)."""
    out: list[tuple[str, EstimateRef]] = []
    for name, rules in (("agreements", sc.agreements), ("trade_costs", sc.trade_costs)):
        for k, rule in enumerate(rules):
            if isinstance(rule.partial_effect, EstimateRef):
                out.append((f"{sc.path}, {name}[{k}]", rule.partial_effect))
    return out


def estimated_effect(ref: EstimateRef, base_dir: str, where: str) -> EstimatedEffect:
    """Read and check one reference (``where``: the rule, for messages).

    Raises:
        ScenarioError: naming the rule and key: the file is missing or not an estimate
            (``.partial_effect.estimate``), the term is not in it (``.term``, with the
            closest name), or the estimate did not converge.
    """
    key = f"{where}.partial_effect"
    path = Path(base_dir) / ref.estimate
    if path.is_dir():
        path = path / "estimate.json"
    if not path.exists():
        raise ScenarioError(
            f"{key}.estimate: {path} not found (paths are relative to the scenario file); "
            "create it with `blocs estimate` (docs/estimation.md)"
        )
    try:
        est, sha = read_estimate(path)
    except InputError as exc:
        raise ScenarioError(f"{key}.estimate: {exc}") from None
    if ref.term not in est.terms:
        raise ScenarioError(
            f"{key}.term: {path} has no term {ref.term!r}{closest(ref.term, est.terms)}; "
            f"its terms are {', '.join(est.terms)} (formula: {est.formula})"
        )
    try:
        return effect_of(est, sha, ref.term, str(path))
    except InputError as exc:
        raise ScenarioError(f"{key}.estimate: {exc}") from None


def estimated_effects(sc: Any) -> list[tuple[str, EstimatedEffect]]:
    """Every estimated partial effect of ``sc``, read and checked: ``(rule, effect)``.

    ``sc``: a :class:`~blocs.scenario.schema.Scenario`; paths are relative to its folder
    (``base_dir``).
    """
    return [(w, estimated_effect(ref, sc.base_dir, w)) for w, ref in estimate_refs(sc)]
