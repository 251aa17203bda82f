"""PPML with high-dimensional fixed effects on a gravity panel, by ``pyfixest.fepois``.

Defaults are the structural-gravity conventions (Yotov, Piermartini, Monteiro & Larch 2016;
``ppmlhdfe``): international flows only, exporter-year, importer-year and pair fixed effects,
standard errors clustered by pair, separated and singleton observations dropped (and
counted). Non-convergence raises :class:`~blocs.errors.ConvergenceError` (the estimate is
attached) unless ``allow_nonconvergence=True``, in which case ``converged`` is False.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd

from blocs.errors import ConvergenceError, InputError
from blocs.estimate.formula import parse_formula
from blocs.estimate.panel import Panel, load_panel
from blocs.estimate.result import GravityEstimate

__all__ = ["DEFAULTS", "ROW", "GravityFit", "estimate_gravity", "fit_gravity"]

#: Estimator options and their defaults (recorded in ``estimate.json``).
DEFAULTS: dict[str, Any] = {
    "international_only": True,
    "cluster": "pair",
    "separation": ("fe", "ir"),
    "drop_singletons": True,
    "tol": 1e-10,
    "fixef_tol": 1e-10,
    "maxiter": 100,
}
MAX_DROPPED_LISTED = 100
ROW = "_blocs_row"  # the panel's original row number, carried through the fit


@dataclass(frozen=True)
class GravityFit:
    """An estimate with the fitted pyfixest model and the panel it was fitted on (for
    fitted values, :func:`blocs.estimate.fitted_flows`)."""

    estimate: GravityEstimate
    model: Any  # pyfixest Fepois
    panel: Panel


def _version(pkg: str) -> str:
    try:
        return version(pkg)
    except PackageNotFoundError:  # pragma: no cover - editable checkouts
        return "unknown"


def _vcov(cluster: str, columns: list[str]) -> tuple[Any, list[str], str]:
    """pyfixest's vcov argument, the columns it needs, and a description."""
    c = cluster.strip()
    if c in ("iid", "hetero", "HC1"):
        return c, [], c
    names = [n.strip() for n in c.split("+")]
    for n in names:
        if n not in columns:
            raise InputError(
                f"--cluster {cluster!r}: the panel has no column {n!r}; use pair (default), "
                "exporter, importer, year, another column, two columns joined by '+', "
                "'hetero' or 'iid'"
            )
    return {"CRV1": "+".join(names)}, names, f"cluster-robust (CRV1) by {' and '.join(names)}"


def _pyfixest() -> Any:
    try:
        import pyfixest
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError(
            f"estimation needs pyfixest ({exc}); install it with `pip install pyfixest`"
        ) from None
    return pyfixest


def fit_gravity(
    panel: Panel | pd.DataFrame | str,
    formula: str,
    *,
    international_only: bool = True,
    cluster: str = "pair",
    separation: tuple[str, ...] | list[str] = ("fe", "ir"),
    drop_singletons: bool = True,
    tol: float = 1e-10,
    fixef_tol: float = 1e-10,
    maxiter: int = 100,
    allow_nonconvergence: bool = False,
) -> GravityFit:
    """Estimate ``formula`` by PPML with fixed effects on ``panel``; keep the fitted model.

    ``panel``: a :class:`Panel`, a DataFrame or a path (checked by :func:`load_panel`).
    ``formula``: ``"trade ~ x | fe1 + fe2"`` or just the terms (``"x1 + x2"``) for the
    default structural-gravity fixed effects. ``cluster``: ``pair`` (default), any column,
    two columns ``"exporter+importer"``, ``hetero`` or ``iid``. ``separation``: pyfixest's
    checks (``fe``: a fixed effect whose flows are all zero; ``ir``: the iterative rectifier
    of Correia, Guimarães & Zylkin 2021); separated observations are dropped and counted.
    """
    if not isinstance(panel, Panel):
        panel = load_panel(panel)
    parsed = parse_formula(formula, panel.columns, sector=panel.has_sector)
    panel.check_numeric([c for c in parsed.columns() if c in parsed.terms])
    vcov, cluster_cols, vcov_text = _vcov(cluster, panel.columns)
    if maxiter < 1 or not (0 < tol < 1) or not (0 < fixef_tol < 1):
        raise InputError("maxiter must be >= 1 and tol, fixef_tol in (0, 1)")
    bad = [s for s in separation if s not in ("fe", "ir")]
    if bad:
        raise InputError(f"separation check {bad[0]!r}: choose among 'fe' and 'ir'")

    frame = panel.frame
    domestic = (frame["exporter"] == frame["importer"]).to_numpy()
    n_domestic = int(domestic.sum())
    if international_only:
        frame = frame.loc[~domestic]
    if len(frame) == 0:
        raise InputError(f"{panel.source}: no international flows (exporter != importer)")
    sector = ["sector"] if panel.has_sector else []
    needed = list(
        dict.fromkeys([*parsed.columns(), *cluster_cols, "exporter", "importer", "year", *sector])
    )
    data = frame[needed].copy()
    data[ROW] = frame.index.to_numpy()
    data = data.reset_index(drop=True)

    pf = _pyfixest()
    from pyfixest.demeaners import MapDemeaner

    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = pf.fepois(
                parsed.text,
                data=data,
                vcov=vcov,
                fixef_rm="singleton" if drop_singletons else "none",
                iwls_tol=tol,
                iwls_maxiter=maxiter,
                separation_check=list(separation),
                demeaner=MapDemeaner(fixef_tol=fixef_tol),
                copy_data=False,
            )
        except Exception as exc:  # pyfixest raises many kinds; report them as bad input
            raise InputError(
                f"{panel.source}: pyfixest could not estimate {parsed.text!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from None
    for w in caught:
        if issubclass(w.category, UserWarning) and "pyfixest" in str(w.filename):
            notes.append(str(w.message).strip())

    coef = fit.coef()
    terms = tuple(str(t) for t in coef.index)
    collinear = tuple(str(c) for c in (getattr(fit, "_collin_vars", None) or []))
    if not terms:
        raise InputError(
            f"{parsed.text}: every term is collinear with the fixed effects "
            f"({', '.join(collinear)}); a policy that never varies within a pair over time is "
            "absorbed by the pair effect"
        )
    cov = np.asarray(fit._vcov, dtype=np.float64).reshape(len(terms), len(terms))
    cov = 0.5 * (cov + cov.T)  # exactly symmetric (the sandwich is, up to rounding)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    kept = fit._data[ROW].to_numpy() if ROW in fit._data.columns else data[ROW].to_numpy()
    dropped_rows = np.setdiff1d(data[ROW].to_numpy(), kept)
    n_separated = int(getattr(fit, "n_separation_na", 0) or 0)
    n_singletons = max(int(len(dropped_rows)) - n_separated, 0)
    if not np.all(np.isfinite(cov)):
        notes.append("the covariance has non-finite entries: some terms are not identified")

    options = {
        "international_only": international_only,
        "cluster": cluster,
        "separation": list(separation),
        "drop_singletons": drop_singletons,
        "tol": tol,
        "fixef_tol": fixef_tol,
        "maxiter": maxiter,
    }
    est = GravityEstimate(
        formula=parsed.text,
        terms=terms,
        coefficients=tuple(float(b) for b in coef.to_numpy()),
        std_errors=tuple(float(s) for s in se),
        covariance=tuple(tuple(float(x) for x in row) for row in cov),
        p_values=tuple(float(p) for p in fit.pvalue().reindex(coef.index).to_numpy()),
        vcov=vcov_text,
        nobs=int(fit._N),
        n_rows=panel.n_rows,
        n_domestic=n_domestic if international_only else 0,
        n_separated=n_separated,
        n_singletons=n_singletons,
        dropped=tuple(panel.row_label(int(r)) for r in dropped_rows[:MAX_DROPPED_LISTED]),
        collinear=collinear,
        notes=tuple(notes),
        converged=bool(fit.convergence),
        deviance=float(fit.deviance) if fit.deviance is not None else float("nan"),
        options=options,
        data={"source": panel.source, "sha256": panel.sha256, "rows": panel.n_rows},
        software={"blocs": _version("blocs"), "pyfixest": _version("pyfixest")},
    )
    if not est.converged and not allow_nonconvergence:
        raise ConvergenceError(
            f"PPML did not converge in {maxiter} iterations (tolerance {tol:g}) for "
            f"{parsed.text!r} on {panel.source}; try --maxiter {4 * maxiter}, check for "
            "terms that are (nearly) collinear with the fixed effects, or rescale trade",
            result=est,
        )
    return GravityFit(estimate=est, model=fit, panel=panel)


def estimate_gravity(
    panel: Panel | pd.DataFrame | str,
    formula: str,
    *,
    international_only: bool = True,
    cluster: str = "pair",
    separation: tuple[str, ...] | list[str] = ("fe", "ir"),
    drop_singletons: bool = True,
    tol: float = 1e-10,
    fixef_tol: float = 1e-10,
    maxiter: int = 100,
    allow_nonconvergence: bool = False,
) -> GravityEstimate:
    """The estimate of :func:`fit_gravity` (same arguments), without the fitted model."""
    return fit_gravity(
        panel,
        formula,
        international_only=international_only,
        cluster=cluster,
        separation=separation,
        drop_singletons=drop_singletons,
        tol=tol,
        fixef_tol=fixef_tol,
        maxiter=maxiter,
        allow_nonconvergence=allow_nonconvergence,
    ).estimate
