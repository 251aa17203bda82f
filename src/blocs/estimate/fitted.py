"""Fitted flows: the estimated gravity model's trade, a baseline consistent with the estimate.

GE-PPML (Yotov, Piermartini, Monteiro & Larch 2016, ch. 2; Stata ``ge_gravity``) calibrates
the counterfactual's baseline to the flows the estimated model predicts rather than to the
observed ones: ``X̂_ij = exp(x_ij b + exporter-year + importer-year + pair effects)``. With
exporter-year and importer-year effects, PPML's first-order conditions make the fitted flows
add up to the observed ones for every exporter-year and importer-year of the estimation
sample, so countries' (international) exports and imports are unchanged; what changes is how
they are spread over partners (the pair effects absorb the noise and the zeros that are not
separated).

The fitted values are pyfixest's ``predict(type="response")`` on the fitted model, i.e. the
estimated fixed effects of the fit itself (no re-estimation when a :class:`GravityFit` is
given; given a panel and an ``estimate.json``, the model is re-fitted with the estimate's
formula and options, which is deterministic, and the panel's checksum must match).

Rows outside the estimation sample keep their observed value and are counted: separated
flows (zero, and fitted zero anyway) and singletons (their pair effect is not identified).
Domestic flows are fitted only when the estimation kept them; an international-only estimate
does not identify them, so they are refused unless ``observed_domestic=True`` (then the
observed domestic flows are used, and the result says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from blocs.errors import InputError
from blocs.estimate.fit import ROW, GravityFit, fit_gravity
from blocs.estimate.panel import Panel, load_panel
from blocs.io import atomic_write_text
from blocs.scenario.estimates import GravityEstimate

__all__ = ["FITTED_FLOWS_FILE", "FittedFlows", "fitted_flows", "refit", "write_fitted_flows"]

FITTED_FLOWS_FILE = "fitted_flows.csv"


@dataclass(frozen=True)
class FittedFlows:
    """One year's baseline flows from the estimated model.

    ``table``: exporter, importer, value (the baseline), observed, source ('fitted',
    'observed domestic' or 'observed: not in the estimation sample').
    """

    table: pd.DataFrame
    year: int
    n_fitted: int
    n_observed_domestic: int
    n_outside_sample: int

    @property
    def notes(self) -> list[str]:
        out = [f"{self.n_fitted:,} flows of {self.year} are the model's fitted values"]
        if self.n_observed_domestic:
            out.append(
                f"{self.n_observed_domestic:,} domestic flows are observed values: the "
                "estimate used international flows only, which do not identify fitted "
                "domestic flows"
            )
        if self.n_outside_sample:
            out.append(
                f"{self.n_outside_sample:,} flows were outside the estimation sample "
                "(separated or singleton) and keep their observed values"
            )
        return out

    def flows(self) -> pd.DataFrame:
        """exporter, importer, value: the scenario ``flows`` file's columns."""
        return self.table[["exporter", "importer", "value"]].reset_index(drop=True)


def refit(panel: Panel | pd.DataFrame | str, estimate: GravityEstimate) -> GravityFit:
    """Re-fit ``estimate``'s formula with its options on ``panel`` (the estimate's data)."""
    if not isinstance(panel, Panel):
        panel = load_panel(panel)
    want = estimate.data.get("sha256", "")
    if want and panel.sha256 and want != panel.sha256:
        raise InputError(
            f"{panel.source}: this is not the panel the estimate was fitted on (checksum "
            f"{panel.sha256[:12]}, the estimate records {want[:12]} from "
            f"{estimate.data.get('source', '?')}); give the estimate's own panel"
        )
    o = estimate.options
    return fit_gravity(
        panel,
        estimate.formula,
        international_only=bool(o.get("international_only", True)),
        cluster=str(o.get("cluster", "pair")),
        separation=tuple(o.get("separation", ("fe", "ir"))),
        drop_singletons=bool(o.get("drop_singletons", True)),
        tol=float(o.get("tol", 1e-10)),
        fixef_tol=float(o.get("fixef_tol", 1e-10)),
        maxiter=int(o.get("maxiter", 100)),
    )


def fitted_flows(
    source: GravityFit | Panel | pd.DataFrame | str,
    *,
    year: int,
    estimate: GravityEstimate | None = None,
    observed_domestic: bool = False,
) -> FittedFlows:
    """The estimated model's trade in ``year``, one row per exporter-importer of the panel.

    ``source``: a :class:`GravityFit` (from :func:`fit_gravity`), or a panel together with
    the ``estimate`` fitted on it (re-fitted by :func:`refit`). ``observed_domestic``: when
    the estimate used international flows only, use the observed domestic flows (otherwise
    such an estimate is refused: its fitted domestic flows are not identified).
    """
    if isinstance(source, GravityFit):
        fit = source
    else:
        if estimate is None:
            raise InputError(
                "fitted flows from a panel need the estimate fitted on it (estimate=...), "
                "or pass the GravityFit returned by fit_gravity"
            )
        fit = refit(source, estimate)
    panel, est = fit.panel, fit.estimate
    if panel.has_sector:
        raise InputError(
            f"{panel.source}: fitted flows of a panel with sectors are not supported; "
            "estimate on a panel without the sector column"
        )
    frame = panel.frame
    years = sorted(int(y) for y in frame["year"].unique())
    if int(year) not in years:
        raise InputError(
            f"{panel.source}: no year {year} in the panel; it has {years[0]}-{years[-1]}"
        )
    international_only = bool(est.options.get("international_only", True))
    rows = frame[frame["year"] == int(year)]
    domestic = (rows["exporter"] == rows["importer"]).to_numpy()
    if international_only and domestic.any() and not observed_domestic:
        raise InputError(
            f"{est.formula} was estimated on international flows only, which do not identify "
            "fitted domestic flows (no border effect); estimate with domestic flows, or use "
            "the observed domestic flows (observed_domestic=True)"
        )
    sample = fit.model._data
    predicted = pd.Series(
        np.asarray(fit.model.predict(type="response"), dtype=np.float64).ravel(),
        index=sample[ROW].to_numpy(),
    )
    value = predicted.reindex(rows.index)
    source_col = np.where(value.notna(), "fitted", "observed: not in the estimation sample")
    if international_only:
        source_col = np.where(domestic, "observed domestic", source_col)
        value = value.where(~domestic, np.nan)
    value = value.fillna(rows["trade"])
    table = pd.DataFrame(
        {
            "exporter": rows["exporter"].to_numpy(),
            "importer": rows["importer"].to_numpy(),
            "value": value.to_numpy(),
            "observed": rows["trade"].to_numpy(),
            "source": source_col,
        }
    )
    return FittedFlows(
        table=table,
        year=int(year),
        n_fitted=int((source_col == "fitted").sum()),
        n_observed_domestic=int((source_col == "observed domestic").sum()),
        n_outside_sample=int((source_col == "observed: not in the estimation sample").sum()),
    )


def write_fitted_flows(flows: FittedFlows, folder: str | Path) -> Path:
    """Write ``fitted_flows.csv`` (exporter, importer, value) into ``folder``, atomically."""
    path = Path(folder) / FITTED_FLOWS_FILE
    atomic_write_text(path, flows.flows().to_csv(index=False))
    return path
