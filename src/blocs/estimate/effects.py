"""From an estimate to the partial effects a counterfactual uses, with their uncertainty.

A term's coefficient b is the partial (direct) effect of the policy on log trade: the pair's
trade is multiplied by exp(b) before general-equilibrium adjustment. Scenarios take it as
``partial_effect``; :func:`partial_effect_from_estimate` reads it from an ``estimate.json``
with its variance and the file's checksum (to record in ``run.json``), and
:func:`draw_partial_effects` samples the estimator's asymptotic distribution, the normal
with the estimated (cluster-robust) covariance, for Monte Carlo bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from blocs.errors import InputError
from blocs.estimate.result import GravityEstimate, read_estimate

__all__ = ["PartialEffect", "draw_partial_effects", "partial_effect_from_estimate"]


@dataclass(frozen=True)
class PartialEffect:
    """One term of an estimate: point value, variance, and where it came from."""

    term: str
    value: float
    variance: float
    path: str
    sha256: str
    formula: str

    @property
    def se(self) -> float:
        return float(np.sqrt(self.variance))

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


def _usable(est: GravityEstimate, where: str) -> None:
    if not est.converged:
        raise InputError(
            f"{where}: the estimate did not converge; re-estimate (e.g. with a larger "
            "--maxiter) before using its coefficients"
        )


def partial_effect_from_estimate(path: str | Path, term: str) -> PartialEffect:
    """The coefficient of ``term`` in the ``estimate.json`` at ``path`` (or its folder).

    Raises :class:`~blocs.errors.InputError` if the file is missing or malformed, the term
    is not in it (the message suggests the closest), or the estimate did not converge.
    """
    est, sha = read_estimate(path)
    p = Path(path)
    where = str(p / "estimate.json" if p.is_dir() else p)
    _usable(est, where)
    i = est.index(term)
    variance = float(est.cov[i, i])
    if not np.isfinite(est.coefficients[i]) or not np.isfinite(variance):
        raise InputError(f"{where}: term {term!r} has no finite estimate or variance")
    return PartialEffect(
        term=term,
        value=float(est.coefficients[i]),
        variance=variance,
        path=where,
        sha256=sha,
        formula=est.formula,
    )


def draw_partial_effects(
    estimate: GravityEstimate | str | Path,
    terms: list[str] | tuple[str, ...] | str,
    n: int,
    seed: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """``n`` joint draws of the coefficients of ``terms``: an array of shape (n, len(terms)).

    Draws are b + L z with z standard normal and L L' the estimated covariance of the
    terms (an eigen-decomposition, so a positive semi-definite covariance with zero
    directions also works). ``seed``: an int or a numpy Generator; equal seeds give equal
    draws.
    """
    if isinstance(estimate, (str, Path)):
        estimate, _ = read_estimate(estimate)
    _usable(estimate, "estimate")
    if isinstance(terms, str):
        terms = [terms]
    terms = list(terms)
    if not terms:
        raise InputError("draw_partial_effects: name at least one term")
    if n < 0:
        raise InputError(f"draw_partial_effects: n must be >= 0, not {n}")
    mean = np.array([estimate.coef(t) for t in terms])
    cov = estimate.cov_of(terms)
    cov = 0.5 * (cov + cov.T)
    w, v = np.linalg.eigh(cov)
    scale = max(float(np.abs(w).max(initial=0.0)), 1e-300)
    if w.min(initial=0.0) < -1e-8 * scale or not np.all(np.isfinite(cov)):
        raise InputError(
            f"the covariance of {', '.join(terms)} is not positive semi-definite; "
            "draws are undefined (check the estimate's notes)"
        )
    root = v * np.sqrt(np.clip(w, 0.0, None))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    z = rng.standard_normal((int(n), len(terms)))
    return mean + z @ root.T
