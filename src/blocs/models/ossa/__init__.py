"""Multi-industry Krugman model with profit shifting (Ossa 2014).

Ralph Ossa, "Trade Wars and Trade Talks with Data", American Economic Review 104(12), 2014,
4104-46 (``docs/models.md`` §5). The equations are in :mod:`blocs.models.ossa.equations`.

Files: ``data`` (the economy record and the replication-file loader), ``equations``
(baseline objects and the equilibrium conditions, one small function each), ``solve`` (the
equilibrium record, the pure and the checked solve, re-basing and the purge of imbalances),
``model`` (the common interface: :class:`OssaModel`, options :class:`Ossa`, ``MODEL``).

The strategic analyses of the paper (optimal tariffs, the Nash war, trade talks) are in
:mod:`blocs.strategy.ossa`.
"""

from blocs.models.ossa.data import (
    BALANCED_NX_TOL,
    LAMBDA_MEAN_TOL,
    OSSA_REGIONS,
    OssaEconomy,
    load_ossa,
)
from blocs.models.ossa.equations import (
    OssaBaseline,
    aggregate_price_index,
    baseline_objects,
    budget,
    government_welfare,
    labour_market,
    numeraire,
    residual,
    sales_change,
    sector_price_index,
    tariff_revenue,
    trade_flows,
)
from blocs.models.ossa.model import MODEL, Ossa, OssaModel, OssaParams, outcomes
from blocs.models.ossa.solve import (
    OSSA_MAX_STEPS,
    OssaEquilibrium,
    balance,
    median_tariffs,
    ossa_outcomes,
    rebase,
    solve_ossa,
)

__all__ = [
    "BALANCED_NX_TOL",
    "LAMBDA_MEAN_TOL",
    "MODEL",
    "OSSA_MAX_STEPS",
    "OSSA_REGIONS",
    "Ossa",
    "OssaBaseline",
    "OssaEconomy",
    "OssaEquilibrium",
    "OssaModel",
    "OssaParams",
    "aggregate_price_index",
    "balance",
    "baseline_objects",
    "budget",
    "government_welfare",
    "labour_market",
    "load_ossa",
    "median_tariffs",
    "numeraire",
    "ossa_outcomes",
    "outcomes",
    "rebase",
    "residual",
    "sales_change",
    "sector_price_index",
    "solve_ossa",
    "tariff_revenue",
    "trade_flows",
]
