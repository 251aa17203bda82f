"""From an estimate to the partial effects a counterfactual uses, with their uncertainty.

A term's coefficient b is the partial (direct) effect of the policy on log trade: the pair's
trade is multiplied by exp(b) before general-equilibrium adjustment. Scenarios take it as
``partial_effect``; :func:`partial_effect_from_estimate` reads it from an ``estimate.json``
with its variance and the file's checksum (to record in ``run.json``), and
:func:`draw_partial_effects` samples the estimator's asymptotic distribution, the normal
with the estimated (cluster-robust) covariance, for Monte Carlo bands.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from blocs.errors import InputError
from blocs.scenario.estimates import (
    EstimatedEffect,
    GravityEstimate,
    check_converged,
    partial_effect_from_estimate,
    read_estimate,
)

__all__ = ["PartialEffect", "draw_partial_effects", "partial_effect_from_estimate"]

#: One term of an estimate (value, variance, checksum): :class:`EstimatedEffect`.
PartialEffect = EstimatedEffect


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
    check_converged(estimate, "estimate")
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
