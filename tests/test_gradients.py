"""Exact derivatives of scenario outcomes (blocs.gradients) against finite differences.

Kinds of check (design.md §8): autodiff through the equilibrium vs central finite
differences of the user-facing path (re-running with another elasticity or tariff); a
property (zero shock: every outcome is zero whatever the elasticity, so its derivative is 0);
clear errors.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

import blocs
from blocs.gradients import sensitivity
from blocs.models import imls
from blocs.models.caliendo_parro import solve_multisector
from blocs.scenario import compile_policy, load_scenario

#: Central differences with step h: truncation O(h^2 f''') plus rounding ~1e-12 / h of
#: outcomes solved to 1e-12; measured agreement ~1e-8 relative at these steps.
FD_RTOL = 1e-5


def _central(f, h):
    return (f(h) - f(-h)) / (2 * h)


@pytest.fixture(scope="module")
def lib_day_eps():
    return sensitivity("liberation-day", wrt="elasticity")


def test_elasticity_derivative_is_that_of_rerunning(lib_day_eps):
    """d welfare / d eps == central difference of `run_scenario` with eps +- h (psi, phi move)."""
    s = lib_day_eps.table.set_index("iso3")["derivative"]
    h = 1e-4
    runs = {
        sign: blocs.run_scenario("liberation-day", overrides={"trade_elasticity": 4.0 + sign * h})
        for sign in (1, -1)
    }
    w = {k: r.countries.set_index("iso3")["welfare_pct"] for k, r in runs.items()}
    for code in ("USA", "CHN", "CAN", "VNM", "DEU"):
        fd = (w[1][code] - w[-1][code]) / (2 * h)
        assert s[code] == pytest.approx(fd, rel=FD_RTOL, abs=1e-9)
    # values are the scenario's outcomes
    base = blocs.run_scenario("liberation-day").countries.set_index("iso3")["welfare_pct"]
    v = lib_day_eps.values.set_index("iso3")["value"]
    np.testing.assert_allclose(v.loc[base.index], base, atol=1e-10)


def test_tariff_derivative_matches_finite_differences():
    sc = load_scenario("liberation-day")
    eco = blocs.load_world2023()
    s = sensitivity(sc, wrt="tariffs", outcome="cpi_pct", of="USA,CHN")
    assert set(s.table["of"]) == {"USA", "CHN"}
    assert len(s.table) == 2 * eco.n * (eco.n - 1)
    pol = compile_policy(sc, eco)
    t0 = np.asarray(pol.t)
    tab = s.table.set_index(["of", "exporter", "importer"])["derivative"]
    for of, (exp, imp) in [
        ("USA", ("CHN", "USA")),
        ("CHN", ("CHN", "USA")),
        ("USA", ("USA", "MEX")),
    ]:
        i, k, c = eco.index(exp), eco.index(imp), eco.index(of)

        def cpi(h, i=i, k=k, c=c):
            t = t0.copy()
            t[i, k] += h
            sol = imls.solve(eco, imls.Policy(t=jnp.asarray(t), d_hat=jnp.ones(t.shape)))
            return 100.0 * (float(sol.P_hat[c]) - 1.0)

        fd = _central(cpi, 1e-5) / 100.0  # per percentage point
        assert tab[(of, exp, imp)] == pytest.approx(fd, rel=FD_RTOL, abs=1e-10)


def test_zero_shock_has_zero_elasticity_derivative(tmp_path):
    """With no tariff change every outcome is 0 at any eps: the derivatives vanish."""
    path = tmp_path / "zero.toml"
    path.write_text('[scenario]\nname = "zero"\ndata = "world2023"\n')
    s = sensitivity(path, wrt="elasticity")
    assert np.max(np.abs(s.values["value"])) < 1e-9
    assert np.max(np.abs(s.table["derivative"])) < 1e-8


def test_multisector_theta_and_tariff_derivatives():
    sc = load_scenario("liberation-day-icio")
    eco = blocs.load_icio2022()
    pol = compile_policy(sc, eco)
    s = sensitivity(sc, wrt="elasticity")
    assert len(s.table) == eco.n * len(eco.sectors)
    tab = s.table.set_index(["iso3", "sector"])["derivative"]
    o = sc.options
    sector = 3
    theta0 = np.asarray(eco.theta, dtype=float)

    def welfare(h, which="theta"):
        theta = theta0.copy()
        theta[sector] += h
        e = dataclasses.replace(eco, theta=jnp.asarray(theta))
        eq = solve_multisector(
            e, pol.t, d_hat=pol.d_hat, deficits=o.deficits, inner_iterations=o.inner_iterations
        )
        return np.asarray(eq.welfare_pct)

    fd = _central(welfare, 1e-4)
    for code in ("USA", "CHN", "MEX"):
        ad = tab[(code, eco.sectors[sector])]
        assert ad == pytest.approx(fd[eco.index(code)], rel=1e-4, abs=1e-8)
    assert np.max(np.abs(fd)) > 1e-4

    st = sensitivity(sc, wrt="tariffs", of="CHN")
    assert len(st.table) == eco.n * (eco.n - 1) * len(eco.sectors)
    i, k, sec = eco.index("CHN"), eco.index("USA"), 5
    t0 = np.asarray(pol.t)

    def chn(h):
        t = t0.copy()
        t[i, k, sec] += h
        eq = solve_multisector(
            eco, t, d_hat=pol.d_hat, deficits=o.deficits, inner_iterations=o.inner_iterations
        )
        return float(eq.welfare_pct[i])

    row = st.table.set_index(["exporter", "importer", "sector"])["derivative"]
    ad = row[("CHN", "USA", eco.sectors[sec])]
    assert ad == pytest.approx(_central(chn, 1e-5) / 100.0, rel=1e-4, abs=1e-10)


def test_errors_and_outputs(tmp_path, lib_day_eps):
    with pytest.raises(blocs.InputError, match="reports welfare_pct"):
        sensitivity("liberation-day", outcome="happiness")
    with pytest.raises(blocs.InputError, match="wrt"):
        sensitivity("liberation-day", wrt="gdp")  # type: ignore[arg-type]
    with pytest.raises(blocs.InputError, match="of: unknown country code or group 'USAA'"):
        sensitivity("liberation-day", of="USAA")
    paths = lib_day_eps.write(tmp_path / "out")
    assert [p.name for p in paths] == ["sensitivity.csv", "sensitivity.parquet", "sensitivity.json"]
    assert not list((tmp_path / "out").glob("*.tmp"))
    assert len(lib_day_eps.top(3)) == 3


def test_cli_gradient(tmp_path):
    from typer.testing import CliRunner

    from blocs.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["gradient", "liberation-day", "--of", "CHN", "--top", "3"])
    assert r.exit_code == 0, r.output
    assert "d welfare_pct / d tariffs" in r.output and "CHN" in r.output
    r = runner.invoke(
        app,
        ["gradient", "liberation-day", "--wrt", "elasticity", "--out", str(tmp_path / "g")],
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "g" / "sensitivity.parquet").exists()
    r = runner.invoke(app, ["gradient", "liberation-day", "--outcome", "gdp"])
    assert r.exit_code == 2 and "outcome='gdp'" in r.output
