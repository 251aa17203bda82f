"""Calibration shared by the multi-sector loaders: final-demand shares."""

from __future__ import annotations

import numpy as np

from blocs.errors import DataError

__all__ = ["calibrate_final_demand"]


def calibrate_final_demand(
    X: np.ndarray, t: np.ndarray, gamma_va: np.ndarray, gamma_io: np.ndarray | None, D: np.ndarray
) -> np.ndarray:
    """Final-demand shares ``alpha[n, s]`` (Caliendo & Parro's calibration).

    What remains of sectoral expenditure after intermediate use, over income:
    ``alpha[n, k] = (X[n, k] - sum_s gamma_io[n, k, s] GO[n, s]) / (wL[n] + R[n] + D[n])``;
    negatives are set to 0 and each row renormalised to sum to one.

    Args:
        X: flows ``[exporter, importer, sector]`` (customs value), shape (N, N, S).
        t: tariffs, same shape. gamma_va: (N, S). gamma_io: (N, S, S) or None. D: (N,).

    Returns:
        alpha, shape (N, S).
    """
    E = ((1.0 + t) * X).sum(axis=0)  # expenditure [n, s]
    GO = X.sum(axis=1)  # gross output [n, s]
    intermediate = 0.0 if gamma_io is None else np.einsum("nks,ns->nk", gamma_io, GO)
    income = (gamma_va * GO).sum(axis=1) + (t * X).sum(axis=(0, 2)) + D
    alpha = np.clip((E - intermediate) / income[:, None], 0.0, None)
    total = alpha.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        raise DataError(
            "final demand is non-positive in every sector for a country: the "
            "input-output shares exceed expenditure; check gamma_io"
        )
    return alpha / total
