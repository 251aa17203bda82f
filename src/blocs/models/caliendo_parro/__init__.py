"""Multi-sector model with input-output links (Caliendo & Parro 2015).

Caliendo & Parro (2015), "Estimates of the Trade and Welfare Effects of NAFTA", Review of
Economic Studies 82(1), 1-44 (``docs/models.md`` §2). With ``gamma_io = None`` (value added =
gross output) it is the multi-sector Eaton-Kortum / Costinot-Donaldson-Komunjer model; with
one sector as well it is the one-sector Eaton-Kortum model.

Modules
    :mod:`~blocs.models.caliendo_parro.equations` the equations (paper notation, one small
    function each); :mod:`~blocs.models.caliendo_parro.inner` the price and expenditure
    systems given wages and the Newton residual; :mod:`~blocs.models.caliendo_parro.solve`
    the pure solve and the public entry points (:func:`solve_multisector`,
    :func:`balanced_baseline`, :func:`equilibrium_at`, :func:`rebase`);
    :mod:`~blocs.models.caliendo_parro.results` the equilibrium record, the terms-of-trade /
    volume-of-trade decomposition, outcomes and tables; :mod:`~blocs.models.caliendo_parro.model`
    the common interface (:class:`CaliendoParroModel`, options :class:`CaliendoParro`,
    :data:`MODEL`). The data (:class:`~blocs.economy.MultiSectorEconomy`) live in
    :mod:`blocs.economy`, the loaders in :mod:`blocs.data.multisector`.

Array order
    The economy and every result use this project's order ``[exporter, importer, sector]``
    (``i``, ``n``, ``s``; see :mod:`blocs._conventions`). The equations are written, as in the
    paper, with ``[importer, exporter, sector]`` (``n``, ``i``, ``j``): bilateral arrays are
    transposed ONCE when the solver builds its internal baseline
    (:func:`~blocs.models.caliendo_parro.equations.paper_baseline`) and once back when it
    builds the results (:func:`~blocs.models.caliendo_parro.results.equilibrium_record`).

Notation (paper's, ``j``/``k`` sectors)::

    c_hat[n, j]  = w_hat[n]**gamma[n, j] * prod_k P_hat[n, k]**gamma[n, k, j]          (unit cost)
    P_hat[n, j]  = (sum_i pi[n, i, j] (kappa_hat[n, i, j] c_hat[i, j])**(-theta[j]))**(-1/theta[j])
    pi'[n, i, j] = pi[n, i, j] (c_hat[i, j] kappa_hat[n, i, j] / P_hat[n, j])**(-theta[j])
    X'[n, j]     = sum_k gamma[n, j, k] sum_i pi'[i, n, k] X'[i, k] / (1 + t'[i, n, k])
                   + alpha[n, j] I'[n]                                            (expenditure)
    I'[n]        = w_hat[n] wL[n] + sum_j sum_i t'[n, i, j] pi'[n, i, j] X'[n, j] / (1 + t'[n, i, j])
                   + D'[n]                                                          (income)
    trade balance: sum_j sum_i pi'[n, i, j] X'[n, j] / (1 + t'[n, i, j]) - D'[n]
                   = sum_j sum_i pi'[i, n, j] X'[i, j] / (1 + t'[i, n, j])

``kappa_hat = tau_hat * d_hat`` with ``tau_hat = (1 + t') / (1 + t)`` and ``d_hat`` an iceberg
trade-cost shock (1 = none). ``pi`` is tariff inclusive. ``D[n]`` = imports - exports at
pre-tariff values (the trade deficit).

Solution method
    Newton (:func:`blocs.solvers.newton`) on ``log w_hat`` (N unknowns). Given wages, the
    price system (a contraction in ``log P_hat`` whose rate is the spectral radius of the
    input-output-weighted trade shares, 0.55 on the CP data) and the linear expenditure
    system are solved inside the residual by fixed-point iteration
    (:mod:`blocs.solvers.fixed_point`): a ``jax.lax.while_loop`` that stops at a relative
    change of 1e-15 or after ``inner_iterations`` steps, wrapped in ``jax.lax.custom_root``
    (prices) and ``jax.lax.custom_linear_solve`` (expenditure) so that derivatives come from
    the implicit function theorem, never from the iterations. Their remaining error is
    measured after the last step and counts in ``max_residual``, so a too-small
    ``inner_iterations`` shows as non-convergence, never as a silent error. Residuals: the
    trade balance of every country but the last, relative to its value added, and the
    numeraire.

Numeraire
    World value added (world GDP) is fixed: ``sum_n w_hat[n] wL[n] = sum_n wL[n]``. With
    ``deficits="data"`` the deficits ``D`` are held fixed in these units. Real outcomes
    (welfare, real wage) do not depend on the choice; the linear terms-of-trade /
    volume-of-trade decomposition is stated (models.md §2) for this numeraire.

Welfare
    ``welfare_pct`` is the exact real-income change ``I_hat / prod_j P_hat[n, j]**alpha[n, j]``.
    ``tot_pct`` and ``vot_pct`` are the paper's decomposition in its one-step linear form
    (baseline weights, ``x_hat - 1``); ``welfare_linear_pct = tot_pct + vot_pct`` is what the
    paper's Table 2 calls "welfare". It is a first-order approximation and can differ a lot
    from the exact change (NAFTA, Mexico: +1.31 % vs +0.007 %).
"""

from blocs.economy import MultiSectorEconomy, trade_deficits
from blocs.models.caliendo_parro.equations import (
    cost_terms,
    expenditure,
    income,
    log_price_index,
    log_unit_cost,
    price_weights,
    revenue_rates,
    sales,
    trade_balance,
    trade_shares,
)
from blocs.models.caliendo_parro.inner import DEFAULT_INNER_ITERATIONS
from blocs.models.caliendo_parro.model import (
    MODEL,
    CaliendoParro,
    CaliendoParroModel,
    CPParams,
    CPStatic,
)
from blocs.models.caliendo_parro.results import (
    MULTISECTOR_COLUMNS,
    SECTOR_COLUMNS,
    MultiSectorEquilibrium,
    outcomes,
    tables,
    tot_vot,
)
from blocs.models.caliendo_parro.solve import (
    anonymous,
    balanced_baseline,
    equilibrium_at,
    rebase,
    solve_multisector,
)

#: Deprecated alias of :func:`anonymous` (strategy.games imports it; switch it to ``anonymous``).
_anonymous = anonymous

__all__ = [
    "DEFAULT_INNER_ITERATIONS",
    "MODEL",
    "MULTISECTOR_COLUMNS",
    "SECTOR_COLUMNS",
    "CPParams",
    "CPStatic",
    "CaliendoParro",
    "CaliendoParroModel",
    "MultiSectorEconomy",
    "MultiSectorEquilibrium",
    "anonymous",
    "balanced_baseline",
    "cost_terms",
    "equilibrium_at",
    "expenditure",
    "income",
    "log_price_index",
    "log_unit_cost",
    "outcomes",
    "price_weights",
    "rebase",
    "revenue_rates",
    "sales",
    "solve_multisector",
    "tables",
    "tot_vot",
    "trade_balance",
    "trade_deficits",
    "trade_shares",
]
