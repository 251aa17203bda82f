"""Exact derivatives of a scenario's outcomes with respect to tariffs and trade elasticities.

"How much would US welfare change per percentage point of its tariff on China?", "how
sensitive is China's loss to the trade elasticity?": :func:`sensitivity` answers with
derivatives taken by JAX through the solved equilibrium (implicit function theorem in
:func:`blocs.solvers.newton` and the multi-sector solver), never by finite differences.

Conventions:

- **Outcomes** are the per-country columns of the scenario's results table
  (the model's ``outcomes``, :mod:`blocs.models.base`):
  ``welfare_pct``, ``exports_gdp_pct``, ``imports_gdp_pct``, ``employment_pct``,
  ``cpi_pct``, ``tariff_revenue_pct``, ``deficit_change_pct`` and, multi-sector only,
  ``real_wage_pct``, ``tot_pct``, ``vot_pct``, ``welfare_linear_pct``. They are percent
  changes from the baseline (revenue: percent of baseline expenditure or income).
- ``wrt="tariffs"``: ``d outcome[c] / d t'[i, n(, s)]`` for the countries ``c`` in ``of``,
  per **percentage point** of the counterfactual tariff levied by importer ``n`` on
  exporter ``i`` (in sector ``s``), everything else at the scenario's values. Diagonal
  (domestic) entries are left out.
- ``wrt="elasticity"``: ``d outcome[c] / d eps`` (one sector; ``psi = 0.67/eps`` and the
  pass-through wedge move with ``eps`` unless set explicitly, exactly as when the scenario
  is re-run with another ``trade_elasticity``) or ``d outcome[c] / d theta_s`` per sector
  (multi-sector), per unit of the elasticity, for every country.

Example:
    >>> import blocs
    >>> s = blocs.sensitivity("liberation-day", wrt="elasticity")      # doctest: +SKIP
    >>> s.table.set_index("iso3").loc["USA", "derivative"]              # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from blocs.errors import ConvergenceError, InputError
from blocs.io import atomic_write_parquet, atomic_write_text
from blocs.models.base import Model, Policy
from blocs.models.registry import MODELS, get_model
from blocs.run import respond_for
from blocs.scenario import (
    Scenario,
    compile_scenario,
    economy_for,
    load_scenario,
    resolve,
    row_members,
)
from blocs.solvers import DEFAULT_MAX_STEPS, DEFAULT_TOL

__all__ = ["OUTCOMES", "Sensitivity", "sensitivity"]

#: Outcomes available on each registered model (its ``outcome_names``).
OUTCOMES = {name: model.outcome_names for name, model in MODELS.items()}

Wrt = Literal["tariffs", "elasticity"]


@dataclasses.dataclass(frozen=True)
class Sensitivity:
    """Derivatives of one outcome of a scenario.

    Attributes:
        scenario: the scenario's name. kind: the registered model's name.
        outcome: the outcome column differentiated. wrt: ``"tariffs"`` or ``"elasticity"``.
        values: per country, the outcome at the scenario (column ``value``), N rows.
        table: long table of derivatives. ``wrt="tariffs"``: columns ``of`` (the country
            whose outcome), ``exporter``, ``importer``, (``sector``), ``tariff`` (the
            scenario's rate), ``derivative`` (outcome units per percentage point of tariff);
            ``|of| x N (N - 1) (x S)`` rows. ``wrt="elasticity"``: ``iso3``, (``sector``),
            ``elasticity`` (its value), ``derivative`` (outcome units per unit of elasticity);
            ``N (x S)`` rows.
        seconds: wall time (compilation included).
    """

    scenario: str
    kind: str
    outcome: str
    wrt: str
    values: pd.DataFrame
    table: pd.DataFrame
    seconds: float

    def top(self, k: int = 15) -> pd.DataFrame:
        """The ``k`` largest derivatives in absolute value."""
        order = self.table["derivative"].abs().sort_values(ascending=False).index[:k]
        return self.table.loc[order]

    def summary(self) -> dict[str, Any]:
        """JSON-ready description (no tables)."""
        return {
            "scenario": self.scenario,
            "model": self.kind,
            "outcome": self.outcome,
            "wrt": self.wrt,
            "rows": len(self.table),
            "units": (
                f"{self.outcome} per percentage point of tariff"
                if self.wrt == "tariffs"
                else f"{self.outcome} per unit of trade elasticity"
            ),
            "method": "automatic differentiation through the equilibrium (implicit function)",
            "seconds": self.seconds,
        }

    def write(self, out_dir: str | Path) -> list[Path]:
        """``sensitivity.csv``, ``sensitivity.parquet`` and ``sensitivity.json``, atomically."""
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create output folder {out}: {exc}") from None
        paths = [out / "sensitivity.csv", out / "sensitivity.parquet", out / "sensitivity.json"]
        atomic_write_text(paths[0], self.table.to_csv(index=False))
        atomic_write_parquet(paths[1], self.table)
        atomic_write_text(paths[2], json.dumps(self.summary(), indent=2) + "\n")
        return paths


def _check(flag: Any, what: str) -> None:
    if not bool(flag):
        raise ConvergenceError(
            f"{what}: the equilibrium did not converge at the scenario's values, so it has no "
            "derivative; check that `blocs run` solves this scenario"
        )


def _codes(of: str | Sequence[str] | None, economy: Any, sc: Scenario) -> list[int]:
    if of is None:
        of = ["USA"] if "USA" in economy.iso3 else [economy.iso3[0]]
    if isinstance(of, str):
        of = [c.strip() for c in of.split(",") if c.strip()]
    idx: list[int] = []
    for name in of:
        for code in row_members(name, economy, sc.groups, where="of"):
            i = economy.index(code)
            if i not in idx:
                idx.append(i)
    if not idx:
        raise InputError("of: name at least one country or group, e.g. of='USA,CHN'")
    return idx


def _functions(sc: Scenario, economy: Any, model: Model) -> tuple[Any, Any, Any, Any]:
    """``(f_t, f_e, t0, e0)``: outcomes (dict of (N,)) and convergence as functions of the
    counterfactual tariffs ``t'`` and of the elasticities (shape (S,)).

    Both re-resolve nothing they need not: ``f_t`` holds the resolved trade-cost changes;
    ``f_e`` re-calibrates *and re-resolves* the scenario at each elasticity, so partial
    effects (``d_hat = exp(-beta / eps)``) and closed-form optimal rates move with it,
    exactly as when the scenario is re-run with another elasticity.
    """
    options = sc.options
    st = model.static(options)
    program = compile_scenario(sc, economy)
    p0 = model.calibrate(economy, options)
    policy0 = resolve(program, model, p0, respond=respond_for(sc, economy)).policy
    eq0 = model.solve_economy(economy, policy0, options, tol=DEFAULT_TOL)
    x_star = model.unknowns(eq0)

    def solve(p: Any, policy: Policy) -> Any:
        eq = model.solve(p, policy, st, tol=DEFAULT_TOL, max_steps=DEFAULT_MAX_STEPS, x0=x_star)
        return model.outcomes(eq), eq.converged

    def f_t(t: Any) -> Any:
        return solve(p0, policy0._replace(t=t))

    def f_e(e: Any) -> Any:
        p = model.calibrate(economy, options, elasticity=e)
        return solve(p, resolve(program, model, p).policy)

    return f_t, f_e, policy0.t, model.elasticities(p0)


def sensitivity(
    scenario: str | Path | Scenario,
    *,
    wrt: Wrt = "tariffs",
    outcome: str = "welfare_pct",
    of: str | Sequence[str] | None = None,
    overrides: dict[str, Any] | None = None,
    economy: Any = None,
) -> Sensitivity:
    """Derivatives of ``outcome`` at the scenario's equilibrium (module docstring: units).

    Args:
        scenario: a built-in name, a TOML path or a :class:`~blocs.scenario.Scenario`.
        wrt: ``"tariffs"`` (every bilateral tariff, for the countries ``of``) or
            ``"elasticity"`` (the trade elasticity, or each sector's, for every country).
        outcome: an outcome column (:data:`OUTCOMES`); default real income ``welfare_pct``.
        of: ``wrt="tariffs"`` only: countries or groups whose outcome is differentiated
            (a list or a comma-separated string; default USA, or the first country).
        overrides: model options replacing the scenario's (as in ``run_scenario``).
        economy: a baseline to use instead of loading the scenario's data.

    Raises:
        InputError: unknown outcome, ``wrt`` or country. ConvergenceError: the scenario's
        equilibrium does not solve.
    """
    start = time.perf_counter()
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        sc = sc.with_model(overrides)
    model = get_model(sc.kind)
    kind = model.name
    if outcome not in model.outcome_names:
        raise InputError(
            f"outcome={outcome!r}: the {kind} model reports {', '.join(model.outcome_names)}"
        )
    if wrt not in ("tariffs", "elasticity"):
        raise InputError(f"wrt={wrt!r}: choose 'tariffs' or 'elasticity'")
    economy = economy if economy is not None else economy_for(sc)
    f_t, f_e, t0, e0 = _functions(sc, economy, model)
    iso = list(economy.iso3)
    sectors = list(model.sectors(economy) or [])

    def pick(f: Any) -> Any:
        def g(z: Any) -> Any:
            out, ok = f(z)
            return out[outcome], (out[outcome], ok)

        return g

    if wrt == "elasticity":
        jac, (value, ok) = jax.jit(jax.jacfwd(pick(f_e), has_aux=True))(e0)
        _check(ok, sc.name)
        d = np.asarray(jac)
        if not model.multisector:
            table = pd.DataFrame(
                {"iso3": iso, "elasticity": float(e0[0]), "derivative": d.reshape(-1)}
            )
        else:
            table = pd.DataFrame(
                {
                    "iso3": np.repeat(iso, len(sectors)),
                    "sector": sectors * len(iso),
                    "elasticity": np.tile(np.asarray(e0), len(iso)),
                    "derivative": d.reshape(-1),
                }
            )
    else:
        rows = _codes(of, economy, sc)
        cot = jnp.eye(economy.n)[jnp.asarray(rows)]

        @jax.jit
        def grads(t: Any) -> Any:
            value, vjp, (_, ok) = jax.vjp(pick(f_t), t, has_aux=True)
            return jax.vmap(vjp)(cot)[0], value, ok

        g, value, ok = grads(t0)
        _check(ok, sc.name)
        g = np.asarray(g) / 100.0  # per percentage point
        t_np = np.asarray(t0)
        if not model.multisector:  # one sector: the same layout with S = 1, no sector column
            g, t_np = g[..., None], t_np[..., None]
        S = t_np.shape[-1]
        i, k = np.nonzero(~np.eye(economy.n, dtype=bool))
        codes = np.asarray(iso)
        pairs = {
            "exporter": np.repeat(codes[i], S),
            "importer": np.repeat(codes[k], S),
            **({"sector": np.tile(sectors, i.size)} if model.multisector else {}),
            "tariff": t_np[i, k].reshape(-1),
        }
        frames = [
            pd.DataFrame({"of": iso[c], **pairs, "derivative": g[r][i, k].reshape(-1)})
            for r, c in enumerate(rows)
        ]
        table = pd.concat(frames, ignore_index=True)
    values = pd.DataFrame({"iso3": iso, "value": np.asarray(value)})
    return Sensitivity(
        scenario=sc.name,
        kind=kind,
        outcome=outcome,
        wrt=wrt,
        values=values,
        table=table,
        seconds=time.perf_counter() - start,
    )
