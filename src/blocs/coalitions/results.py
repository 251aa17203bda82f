"""The results of a coalition run: :class:`CoalitionResults` and :class:`Credibility`,
their tables (pandas), headline numbers (JSON) and files.

Shapes: ``M = 2**k`` coalitions (row ``m`` = bitmask ``m``, see
:mod:`blocs.coalitions.players`), ``N`` countries, ``k`` allies.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from blocs.coalitions import settings
from blocs.coalitions.players import Players, popcount
from blocs.coalitions.spec import CoalitionSpec
from blocs.io import FileContent, write_folder

__all__ = ["CoalitionResults", "Credibility"]


@dataclasses.dataclass(frozen=True)
class Credibility:
    """How reliable the leader must be (models.md §4, reliability).

    Attributes:
        punishment: what the leader re-imposes (``"us_tariffs_2025"`` or a rate).
        p_star_grand: break-even probability of each ally in the grand coalition, shape (k,).
        p_star_alone: break-even probability of each ally joining the leader alone, (k,).
        betrayed_grand_pct: ally's welfare in the grand coalition when tariffed, shape (k,).
        betrayed_alone_pct: ally's welfare in ``{leader, a}`` when tariffed, shape (k,).
        betrayed_leverage_grand: leverage of the grand coalition when the leader tariffs
            that ally, shape (k,).
        p_grid: betrayal probabilities, shape (P,).
        willing: allies for whom staying in the grand coalition still pays at ``p``
            (``p < p*_grand``), shape (P, k) bool.
        leverage_willing: leverage of the coalition of the willing (exact, from the
            coalition table), shape (P,).
        expected_leverage: ``leverage_willing + p * sum_{a willing} (betrayed_leverage_grand[a]
            - leverage(grand))``: each member is tariffed independently with probability
            ``p``, effects on the target taken from the grand coalition and added up (first
            order in the betrayals), shape (P,).
        converged: whether the 2k betrayal equilibria converged, shape (2k,) (grand first).
    """

    punishment: str | float
    p_star_grand: np.ndarray
    p_star_alone: np.ndarray
    betrayed_grand_pct: np.ndarray
    betrayed_alone_pct: np.ndarray
    betrayed_leverage_grand: np.ndarray
    p_grid: np.ndarray
    willing: np.ndarray
    leverage_willing: np.ndarray
    expected_leverage: np.ndarray
    converged: np.ndarray


@dataclasses.dataclass(frozen=True)
class CoalitionResults:
    """Every coalition of one variant, its measures and the analysis.

    Shapes: ``M = 2**k`` coalitions (row ``m`` = bitmask ``m``, see the module docstring),
    ``N`` countries, ``k`` allies. Percent changes from the baseline; ``_bn`` in billions of
    USD (``nan`` when the data's units are unknown).

    Attributes:
        spec: the :class:`CoalitionSpec`. variant: ``"plain"`` or ``"america_first"``.
        players: :class:`Players` (canonical ally order).
        countries: ISO3 codes, shape (N,). weights: baseline expenditure, shape (N,).
        welfare_pct: every country's welfare change, shape (M, N) (NaN if unconverged).
        converged, iterations, max_residual, solver: diagnostics, shape (M,) (with an
            optimal response ``iterations`` counts best-response steps).
        response_rate: the target's rate on the coalition's countries (goods), shape (M,):
            the chosen rate for ``optimal`` (NaN if the search failed), the coalition's
            tariff for ``mirror``, the given rate, or NaN for ``none``.
        response_foc: ``dW_target/dr`` at the chosen rate (hat units per unit of tariff;
            ~0 at an interior optimum, <= 0 at ``r = 0``), NaN unless optimal, shape (M,).
        leverage_pct, target_pct, leader_pct, cost_pct, outsiders_pct: shape (M,).
        leverage_bn, cost_bn, outsiders_bn, efficiency: shape (M,).
        ally_pct: each ally's welfare in each coalition, shape (M, k).
        marginal: ``leverage(S ∪ a) - leverage(S)`` for ``a`` not in ``S`` (else NaN),
            shape (M, k).
        join_gain: ``W_a(S ∪ a) - W_a(S)`` for ``a`` not in ``S`` (else NaN), shape (M, k).
        shapley: Shapley values of ``v(S) = leverage(S) - leverage(∅)``, shape (k,).
        internally_stable, externally_stable, stable: shape (M,) bool.
        reaching: masks of the smallest coalitions with ``leverage >= threshold``, best
            first. threshold: ``leverage_multiple * leverage(∅)``.
        credibility: :class:`Credibility` or None.
        america_first: the America-First variant's results or None.
        seconds: wall time of the solves. source: data description.
    """

    spec: CoalitionSpec
    variant: str
    players: Players
    countries: tuple[str, ...]
    weights: np.ndarray
    welfare_pct: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    max_residual: np.ndarray
    solver: np.ndarray
    response_rate: np.ndarray
    response_foc: np.ndarray
    leverage_pct: np.ndarray
    target_pct: np.ndarray
    leader_pct: np.ndarray
    cost_pct: np.ndarray
    outsiders_pct: np.ndarray
    leverage_bn: np.ndarray
    cost_bn: np.ndarray
    outsiders_bn: np.ndarray
    efficiency: np.ndarray
    ally_pct: np.ndarray
    marginal: np.ndarray
    join_gain: np.ndarray
    shapley: np.ndarray
    internally_stable: np.ndarray
    externally_stable: np.ndarray
    stable: np.ndarray
    reaching: tuple[int, ...]
    threshold: float
    credibility: Credibility | None
    america_first: CoalitionResults | None
    seconds: float
    source: str

    # -- conveniences -------------------------------------------------------------------

    @property
    def masks(self) -> np.ndarray:
        """Bitmasks, shape (M,)."""
        return np.arange(len(self.leverage_pct))

    @property
    def grand(self) -> int:
        """Mask of the grand coalition."""
        return len(self.leverage_pct) - 1

    def label(self, mask: int | np.integer) -> str:
        """Coalition name, e.g. ``USA+EU27+JPN``."""
        return self.players.label(int(mask))

    @property
    def failures(self) -> list[str]:
        """Labels of coalitions whose equilibrium did not converge."""
        return [self.label(m) for m in np.flatnonzero(~self.converged)]

    @property
    def stable_coalitions(self) -> list[str]:
        """Labels of the stable coalitions."""
        return [self.label(m) for m in np.flatnonzero(self.stable)]

    # -- tables -------------------------------------------------------------------------

    def _coalition_frame(self) -> pd.DataFrame:
        pl = self.players
        df = pd.DataFrame(
            {
                "mask": self.masks,
                "coalition": [self.label(m) for m in self.masks],
                "size": popcount(self.masks),
                "response_rate": self.response_rate,
                "leverage_pct": self.leverage_pct,
                "target_pct": self.target_pct,
                "leader_pct": self.leader_pct,
                "cost_pct": self.cost_pct,
                "outsiders_pct": self.outsiders_pct,
                "leverage_bn": self.leverage_bn,
                "cost_bn": self.cost_bn,
                "outsiders_bn": self.outsiders_bn,
                "efficiency": self.efficiency,
                "internally_stable": self.internally_stable,
                "externally_stable": self.externally_stable,
                "stable": self.stable,
                "reaches_target": np.isin(self.masks, self.reaching),
                "converged": self.converged,
                "iterations": self.iterations,
                "max_residual": self.max_residual,
                "solver": self.solver,
                "response_foc": self.response_foc,
            }
        )
        for j, a in enumerate(pl.allies):
            df[f"welfare_{a}_pct"] = self.ally_pct[:, j]
        return df

    def _ally_frame(self) -> pd.DataFrame:
        pl = self.players
        g = self.grand
        rows = []
        for j, a in enumerate(pl.allies):
            bit = 1 << j
            outside = self.masks[(self.masks & bit) == 0]
            gains = self.join_gain[outside, j]
            known = np.isfinite(gains)
            row = {
                "ally": a,
                "countries": len(pl.ally_idx[j]),
                "welfare_alone_pct": self.ally_pct[bit, j],
                "welfare_grand_pct": self.ally_pct[g, j],
                "welfare_outside_pct": self.ally_pct[0, j],
                "marginal_alone": self.marginal[0, j],
                "marginal_last": self.marginal[g ^ bit, j],
                "shapley": self.shapley[j],
                "join_gain_alone": self.join_gain[0, j],
                "join_gain_grand": self.join_gain[g ^ bit, j],
                "joining_pays_share": (
                    float(np.mean(gains[known] > settings.STABILITY_TOL)) if known.any() else np.nan
                ),
            }
            if self.credibility is not None:
                row["p_star_alone"] = self.credibility.p_star_alone[j]
                row["p_star_grand"] = self.credibility.p_star_grand[j]
            if self.america_first is not None:
                af = self.america_first
                row["af_welfare_grand_pct"] = af.ally_pct[g, j]
                row["af_join_gain_alone"] = af.join_gain[0, j]
                row["af_join_gain_grand"] = af.join_gain[g ^ bit, j]
                if af.credibility is not None:
                    row["af_p_star_alone"] = af.credibility.p_star_alone[j]
                    row["af_p_star_grand"] = af.credibility.p_star_grand[j]
            rows.append(row)
        return pd.DataFrame(rows)

    def _credibility_frame(self) -> pd.DataFrame | None:
        c = self.credibility
        if c is None:
            return None
        return pd.DataFrame(
            {
                "p": c.p_grid,
                "willing": [
                    ",".join(a for a, w in zip(self.players.allies, row, strict=True) if w)
                    for row in c.willing
                ],
                "n_willing": c.willing.sum(axis=1),
                "leverage_willing": c.leverage_willing,
                "expected_leverage": c.expected_leverage,
            }
        )

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """pandas tables.

        Returns:
            ``welfare`` (coalitions x countries, % welfare, plus mask/coalition/size),
            ``coalitions`` (measures, stability, diagnostics, each ally's welfare),
            ``allies`` (Shapley, marginal contributions, participation, p*, America First),
            ``credibility`` (expected leverage by p) if computed, and ``af_coalitions`` /
            ``af_welfare`` for the America-First variant if run.
        """
        welfare = pd.DataFrame(self.welfare_pct, columns=list(self.countries))
        welfare.insert(0, "size", popcount(self.masks))
        welfare.insert(0, "coalition", [self.label(m) for m in self.masks])
        welfare.insert(0, "mask", self.masks)
        out = {
            "welfare": welfare,
            "coalitions": self._coalition_frame(),
            "allies": self._ally_frame(),
        }
        cred = self._credibility_frame()
        if cred is not None:
            out["credibility"] = cred
        if self.america_first is not None:
            af = self.america_first.to_frames()
            out["af_coalitions"] = af["coalitions"]
            out["af_welfare"] = af["welfare"]
            if "credibility" in af:
                out["af_credibility"] = af["credibility"]
        return out

    def summary(self) -> dict[str, Any]:
        """The headline numbers (JSON-ready)."""
        g = self.grand
        lev0, levg = float(self.leverage_pct[0]), float(self.leverage_pct[g])
        out: dict[str, Any] = {
            "name": self.spec.name,
            "variant": self.variant,
            "spec": self.spec.to_dict(),
            "source": self.source,
            "allies_canonical_order": list(self.players.allies),
            "coalitions": len(self.masks),
            "leverage_leader_alone_pct": lev0,
            "leverage_grand_pct": levg,
            "leverage_ratio_grand_to_alone": levg / lev0 if lev0 > 0 else None,
            "cost_grand_pct": float(self.cost_pct[g]),
            "efficiency_grand": _num(self.efficiency[g]),
            "leader_alone_pct": float(self.leader_pct[0]),
            "leader_grand_pct": float(self.leader_pct[g]),
            "response_rate_leader_alone": _num(self.response_rate[0]),
            "response_rate_grand": _num(self.response_rate[g]),
            "shapley": {a: _num(v) for a, v in zip(self.players.allies, self.shapley, strict=True)},
            "stable_coalitions": self.stable_coalitions,
            "leverage_threshold_pct": _num(self.threshold),
            "smallest_reaching_threshold": [self.label(m) for m in self.reaching],
            "failures": self.failures,
            "max_residual": _num(np.nanmax(self.max_residual)),
            "seconds": self.seconds,
        }
        if self.credibility is not None:
            c = self.credibility
            out["p_star_grand"] = {
                a: _num(v) for a, v in zip(self.players.allies, c.p_star_grand, strict=True)
            }
            out["p_star_alone"] = {
                a: _num(v) for a, v in zip(self.players.allies, c.p_star_alone, strict=True)
            }
        if self.spec.response == "optimal":
            out["response_rates"] = {
                self.label(m): _num(r) for m, r in zip(self.masks, self.response_rate, strict=True)
            }
        if self.america_first is not None:
            out["america_first"] = self.america_first.summary()
        return out

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write every table as CSV and Parquet and ``summary.json`` as the folder
        ``out_dir``, replaced whole in one step (:func:`blocs.io.write_folder`).

        Raises:
            InputError: ``out_dir`` is a file or a folder holding files blocs did not write.
        """
        files: dict[str, FileContent] = {}
        for name, df in self.to_frames().items():
            files[f"{name}.csv"] = df.to_csv(index=False, float_format="%.10g")
            files[f"{name}.parquet"] = df
        files["summary.json"] = json.dumps(self.summary(), indent=2, default=str) + "\n"
        return write_folder(out_dir, files)


def _num(v: Any) -> float | None:
    f = float(v)
    return f if math.isfinite(f) else None
