"""The estimate record, its JSON file (``estimate.json``) and the coefficient CSV.

The JSON schema (``"schema": "blocs.estimate/1"``) is documented in docs/estimation.md.
Files are written atomically (a temporary file in the same folder, then a rename), so a
reader never sees half a file and a failed run leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from blocs.errors import InputError, closest

__all__ = [
    "ESTIMATE_FILE",
    "COEFFICIENTS_FILE",
    "SCHEMA",
    "GravityEstimate",
    "read_estimate",
    "sha256_file",
    "write_estimate",
]

SCHEMA = "blocs.estimate/1"
ESTIMATE_FILE = "estimate.json"
COEFFICIENTS_FILE = "coefficients.csv"


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
                f"{SCHEMA!r}); write one with `blocs estimate PANEL --out DIR`"
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
            f"estimate file {p} not found; create it with `blocs estimate PANEL --out DIR`"
        )
    data = p.read_bytes()
    est = GravityEstimate.from_json(data.decode("utf-8"), where=str(p))
    return est, hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_estimate(est: GravityEstimate, folder: str | Path) -> list[Path]:
    """Write ``estimate.json`` and ``coefficients.csv`` into ``folder`` (created if needed)."""
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot create the folder ({exc})") from None
    json_bytes = est.to_json().encode("utf-8")
    csv_bytes = est.table().to_csv(index=False).encode("utf-8")
    paths = [out / ESTIMATE_FILE, out / COEFFICIENTS_FILE]
    _atomic_write(paths[1], csv_bytes)
    _atomic_write(paths[0], json_bytes)
    return paths
