"""Two implementations that must agree (issue 4, models.md §2): with one sector and no
input-output links, the multi-sector Caliendo-Parro solver and the one-sector IMLS solver in
its Eaton-Kortum case (no profits, full pass-through, fixed labour) give the same answers on
world2023, for the Liberation-Day tariffs."""

from __future__ import annotations

import numpy as np

import blocs
from blocs.economy import MultiSectorEconomy
from blocs.models import imls
from blocs.models.caliendo_parro import solve_multisector

#: The issue's requirement: the two models agree to 1e-8.
AGREEMENT_TOL = 1e-8


def test_one_sector_multisector_agree_on_world2023(world):
    t_new = blocs.liberation_day_tariffs(world)
    model = imls.IMLS(
        profit_shares="zero",
        pass_through="none",
        labour_supply_elasticity=0.0,
        numeraire="world_income",
    )
    one = imls.solve(world, t_new, model)
    X = np.asarray(world.X)
    ms = MultiSectorEconomy.from_arrays(
        X=X[:, :, None],
        t=np.asarray(world.t)[:, :, None],
        theta=[model.trade_elasticity],
        alpha=np.ones((world.n, 1)),
        iso3=list(world.iso3),
        names=list(world.names),
        sectors=["all"],
    )
    multi = solve_multisector(ms, t_new[:, :, None], deficits="data")
    np.testing.assert_allclose(
        100 * (np.asarray(one.welfare_hat) - 1), np.asarray(multi.welfare_pct), atol=AGREEMENT_TOL
    )
    np.testing.assert_allclose(np.asarray(one.w_hat), np.asarray(multi.w_hat), rtol=AGREEMENT_TOL)
    np.testing.assert_allclose(
        np.asarray(one.P_hat), np.asarray(multi.P_hat)[:, 0], rtol=AGREEMENT_TOL
    )
    X1 = np.asarray(one.X_new)
    np.testing.assert_allclose(
        X1, np.asarray(multi.X_new)[:, :, 0], rtol=1e-7, atol=AGREEMENT_TOL * X1.max()
    )
