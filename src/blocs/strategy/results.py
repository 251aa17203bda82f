"""Records of the tariff games on a scenario: optimal tariffs, Nash wars, trade talks.

Each has ``to_frame()`` (a table) and ``summary()`` (JSON-ready scalars); welfare is in
percent change of real income from the data's baseline.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NashResult", "OptimalResult", "TalksResult", "pct"]


def pct(w: Any) -> np.ndarray:
    """Hats -> percent changes, ``100 (w - 1)``."""
    return 100.0 * (np.asarray(w, dtype=float) - 1.0)


@dataclasses.dataclass(frozen=True)
class OptimalResult:
    """A player's optimal tariffs, everyone else's at the scenario's.

    Attributes:
        scenario: scenario name; kind: the model's registry name; shape: instrument layout.
        player: the player's label; members: its country codes.
        instruments: one row per instrument (``player``, ``partner``, ``sector``,
            ``start``, ``tariff``), m rows.
        tariffs: the full tariff array at the optimum, shape (N, N) or (N, N, S).
        rate: the player's trade-weighted mean tariff at the optimum, float.
        welfare_pct: the player's objective at the optimum (% real-income change from the
            data's baseline), float; welfare_start_pct: at the scenario's tariffs.
        countries: per country (``iso3``, ``welfare_start_pct``, ``welfare_pct``).
        gradient_norm: projected gradient at the optimum (welfare per unit tariff).
        iterations: L-BFGS-B iterations; converged: bool; seconds: wall time.
        closed_form: uniform shape, one country: the model's closed-form optimal tariff
            (:meth:`blocs.models.base.Model.closed_form_optimal_tariff`; for IMLS the
            formula of models.md §1 on baseline shares, a first-order approximation of the
            numerical optimum), or None where the model has none.
    """

    scenario: str
    kind: str
    shape: str
    player: str
    members: tuple[str, ...]
    instruments: pd.DataFrame
    tariffs: np.ndarray
    rate: float
    welfare_pct: float
    welfare_start_pct: float
    countries: pd.DataFrame
    gradient_norm: float
    iterations: int
    converged: bool
    seconds: float
    closed_form: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """The instruments and their optimal values (``tariff``, a fraction)."""
        return self.instruments.copy()

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars."""
        return {
            "scenario": self.scenario,
            "model": self.kind,
            "shape": self.shape,
            "player": self.player,
            "members": list(self.members),
            "rate": self.rate,
            "welfare_pct": self.welfare_pct,
            "welfare_start_pct": self.welfare_start_pct,
            "gradient_norm": self.gradient_norm,
            "iterations": self.iterations,
            "converged": self.converged,
            "seconds": self.seconds,
            "closed_form_baseline_shares": self.closed_form,
        }


@dataclasses.dataclass(frozen=True)
class NashResult:
    """A Nash tariff war among players, everyone else at the scenario's tariffs.

    Attributes:
        scenario, kind, shape: as in :class:`OptimalResult`.
        players: labels, length P; members: their country codes.
        method: ``"newton"`` (stacked first-order conditions) or ``"best-response"``.
        instruments: one row per instrument with its Nash value (``tariff``).
        tariffs: the full tariff array at the Nash equilibrium.
        rates: each player's trade-weighted mean Nash tariff, shape (P,).
        welfare_pct: each player's objective at Nash (% from the baseline), shape (P,);
            welfare_start_pct: at the scenario's tariffs, shape (P,).
        gains: each player's largest unilateral gain at Nash (fraction of its income),
            shape (P,); certificate: their maximum.
        verified: players whose gain was checked by a full numerical best response
            (L-BFGS-B); the others' gain is the second-order (Newton-step) estimate.
        iterations: Newton iterations or best-response rounds; converged: FOCs below
            tolerance and certificate below ``certificate_tol``; seconds: wall time.
        countries: per country (``iso3``, ``welfare_start_pct``, ``welfare_pct``).
        income: each player's baseline income (data units), shape (P,).
    """

    scenario: str
    kind: str
    shape: str
    players: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    method: str
    instruments: pd.DataFrame
    tariffs: np.ndarray
    rates: np.ndarray
    welfare_pct: np.ndarray
    welfare_start_pct: np.ndarray
    gains: np.ndarray
    certificate: float
    verified: tuple[str, ...]
    iterations: int
    converged: bool
    seconds: float
    countries: pd.DataFrame
    income: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per player: members, Nash tariff, welfare (start and Nash), gain."""
        import pandas as pd  # on use (issue 13: `blocs run` imports no pandas)

        return pd.DataFrame(
            {
                "player": self.players,
                "members": [len(m) for m in self.members],
                "income": self.income,
                "tariff": self.rates,
                "welfare_start_pct": self.welfare_start_pct,
                "welfare_pct": self.welfare_pct,
                "deviation_gain": self.gains,
                "verified": [p in self.verified for p in self.players],
            }
        )

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars."""
        return {
            "scenario": self.scenario,
            "model": self.kind,
            "shape": self.shape,
            "players": len(self.players),
            "method": self.method,
            "iterations": self.iterations,
            "certificate": self.certificate,
            "verified_players": list(self.verified),
            "converged": self.converged,
            "seconds": self.seconds,
        }


@dataclasses.dataclass(frozen=True)
class TalksResult:
    """Trade talks between two players (countries or blocs).

    Attributes:
        scenario, kind, shape: as in :class:`OptimalResult`.
        players: the two labels; members: their country codes.
        outcomes: one row per (outcome, player) for outcomes ``status quo``, ``war``
            (their Nash tariff war), ``efficient`` (weighted-sum maximum) and
            ``bargaining`` (Nash bargaining with the war as threat point): ``tariff`` (mean
            tariff the player levies on the other), ``welfare_pct``,
            ``gain_vs_status_quo_pp`` and ``gain_vs_war_pp`` (percentage points of
            baseline real income).
        war_certificate: the war's largest unilateral gain; converged: all parts
            converged; seconds: wall time.
    """

    scenario: str
    kind: str
    shape: str
    players: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    efficient_weights: tuple[float, float]
    outcomes: pd.DataFrame
    war_certificate: float
    converged: bool
    seconds: float

    def to_frame(self) -> pd.DataFrame:
        """The outcomes table."""
        return self.outcomes.copy()

    def summary(self) -> dict[str, Any]:
        """JSON-ready scalars."""
        return {
            "scenario": self.scenario,
            "model": self.kind,
            "shape": self.shape,
            "players": list(self.players),
            "efficient_weights": list(self.efficient_weights),
            "war_certificate": self.war_certificate,
            "converged": self.converged,
            "seconds": self.seconds,
        }
