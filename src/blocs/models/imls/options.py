"""Options of the one-sector IMLS model (defaults: the paper's benchmark, docs/models.md §1)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "IMLS",
    "PARTIAL_PASS_THROUGH",
    "PSI_NUMERATOR",
    "REFERENCE_DEFICITS",
    "THETA_DENOMINATOR",
]

#: psi = PSI_NUMERATOR / eps (the paper's scale-economy parameter, models.md §1).
PSI_NUMERATOR = 0.67
#: theta = eps / THETA_DENOMINATOR in the benchmark pass-through wedge.
THETA_DENOMINATOR = 0.67
#: Pass-through wedge offset of the paper's "partial" case: phi = 0.25 + phi_tilde.
PARTIAL_PASS_THROUGH = 0.25
#: Deficit options whose outcomes are measured from a reference equilibrium (the baseline
#: tariffs under the changed transfers) rather than from the data.
REFERENCE_DEFICITS = ("balanced_with_us",)


class IMLS(BaseModel):
    """Options of the one-sector model (defaults: the paper's benchmark).

    Example:
        >>> IMLS(trade_elasticity=8.0, revenue="lump_sum").psi_value()
        0.08375
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    trade_elasticity: float = Field(4.0, gt=0, description="eps")
    labour_supply_elasticity: float = Field(0.5, ge=0, description="kappa")
    psi: float | None = Field(None, description="scale economies; default 0.67 / eps")
    pass_through: Literal["benchmark", "partial", "none"] = "benchmark"
    pass_through_elasticity: float | None = Field(
        None, gt=0, description="eps used for the pass-through wedge (default: trade_elasticity)"
    )
    profit_shares: Literal["calibrated", "zero"] = "calibrated"
    revenue: Literal["income_tax_relief", "lump_sum"] = "income_tax_relief"
    deficits: Literal[
        "fixed_share_of_world_income", "balanced", "fixed_ratio", "balanced_with_us"
    ] = Field(
        "fixed_share_of_world_income",
        description=(
            "balanced_with_us: the US deficit and every partner's bilateral balance with the "
            "US removed from the transfers, outcomes measured from the zero-tariff equilibrium "
            "under them (IMLS 2025, Table 10; docs/models.md §1)"
        ),
    )
    numeraire: Literal["price_index", "world_income", "wage_index"] = Field(
        "price_index",
        description="wage_index: the GDP-weighted average wage is fixed (the paper's IO code)",
    )
    input_output: Literal["none", "roundabout"] = Field(
        "none",
        description=(
            "roundabout: firms buy the aggregate good as an intermediate input, a share "
            "1 - value_added_share of costs (IMLS 2025, Table 4 'IO'; docs/models.md §1)"
        ),
    )
    value_added_share: float = Field(
        0.49, gt=0, le=1, description="beta: value added in gross output (roundabout only)"
    )

    @field_validator("trade_elasticity", "labour_supply_elasticity")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not np.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    def psi_value(self) -> float:
        """psi, explicit or 0.67 / eps."""
        return self.psi if self.psi is not None else PSI_NUMERATOR / self.trade_elasticity
