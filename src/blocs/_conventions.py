"""Conventions used everywhere in blocs (written once, here).

Indices
    ``i`` exporter (origin), ``n`` importer (destination), ``s``/``k`` sectors. Arrays are
    ordered ``[exporter, importer]`` (one sector) or ``[exporter, importer, sector]``. The one
    exception is inside :mod:`blocs.models.caliendo_parro`, which follows the paper's
    ``[importer, exporter, sector]`` internally and translates at its edges.

Hats
    ``x_hat = x' / x``: counterfactual over baseline. Results are percent changes
    ``100 * (x_hat - 1)`` unless a name says otherwise.

Tariffs
    ``t[i, n]`` is the ad-valorem tariff importer ``n`` levies on goods from exporter ``i``
    (0.25 = 25 %); ``t[n, n] = 0``. Models only see ``tau_hat = (1 + t') / (1 + t)``.
    Iceberg trade-cost shocks are ``d_hat[i, n]`` (1 = no change).

Units
    Flows are valued at the exporter's price (customs value, before tariffs). Expenditure of
    ``n`` includes the tariff revenue it collects. world2023 flows are thousand US dollars.

Numeraire
    Nominal outcomes need a numeraire; real outcomes (welfare, real wage) never depend on it
    (tested). The one-sector model offers ``"price_index"`` (the IMLS paper's
    ``sum_i (P_hat_i - 1) E_i = 0``) and ``"world_income"`` (``sum_i Y'_i = sum_i Y_i``).
"""
