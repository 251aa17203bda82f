"""Solving the Ossa (2014) model: the equilibrium record, the pure solve and the checked one.

:func:`ossa_outcomes` is pure (``jit``/``vmap``/``grad``, never raises); :func:`solve_ossa`
checks its inputs and raises on failure; :func:`rebase` and :func:`balance` make a
counterfactual (or the purged, balanced world) the new baseline.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from blocs.errors import ConvergenceError, InputError
from blocs.models.ossa.data import OssaEconomy
from blocs.models.ossa.equations import (
    OssaBaseline,
    Shock,
    aggregate_price_index,
    baseline_objects,
    evaluate,
    government_welfare,
    residual,
    shock,
)
from blocs.solvers import DEFAULT_TOL, SolverResult, newton, status_message

__all__ = [
    "OSSA_MAX_STEPS",
    "OssaEquilibrium",
    "balance",
    "equilibrium_at",
    "median_tariffs",
    "ossa_outcomes",
    "rebase",
    "solve_ossa",
]

#: Newton steps of :func:`solve_ossa` (more than :data:`blocs.solvers.DEFAULT_MAX_STEPS`:
#: the balanced-baseline solves take 5-8, prohibitive tariffs of 1000 % about 15, and the
#: strategic searches visit tariffs up to 1000 %; a margin costs nothing when converged).
OSSA_MAX_STEPS = 100


@dataclasses.dataclass(frozen=True)
class OssaEquilibrium:
    """An equilibrium of the Ossa (2014) model, hats relative to the economy's baseline.

    Attributes:
        w_hat: wage changes, shape (N,) (numeraire: world labour income).
        E_hat: expenditure changes, shape (N,).
        P_hat: aggregate price-index changes ``prod_s P_hat[n,s]^mu[n,s]``, shape (N,).
        P_hat_s: industry price-index changes, shape (N, S).
        X_new: counterfactual flows ``X'[i, n, s]`` at customs value, shape (N, N, S).
        t_new: the counterfactual tariffs ``t'[i, n, s]`` (diagonal zero), shape (N, N, S).
        R_new: counterfactual tariff revenue ``R'[n]``, shape (N,).
        G_hat: government welfare changes (weights ``economy.lam``), shape (N,).
        W_hat: welfare (real income) changes ``E_hat / P_hat``, shape (N,).
        profit_wage: ``Pi_hat[n] / w_hat[n]``, total profits relative to the wage, shape (N,)
            (the paper reports ``100 (profit_wage - 1)``).
        relative_wage: ``w_hat[n] - mean_k w_hat[k]``, shape (N,) (the paper reports 100x).
        status: :class:`blocs.solvers.Status` code (int32: why the solver stopped);
        converged: bool scalar; iterations: int scalar (Newton steps);
        max_residual: float scalar, largest relative residual.
    """

    w_hat: jax.Array
    E_hat: jax.Array
    P_hat: jax.Array
    P_hat_s: jax.Array
    X_new: jax.Array
    t_new: jax.Array
    R_new: jax.Array
    G_hat: jax.Array
    W_hat: jax.Array
    profit_wage: jax.Array
    relative_wage: jax.Array
    status: jax.Array
    converged: jax.Array
    iterations: jax.Array
    max_residual: jax.Array


jax.tree_util.register_dataclass(
    OssaEquilibrium,
    data_fields=[f.name for f in dataclasses.fields(OssaEquilibrium)],
    meta_fields=[],
)


def equilibrium_at(
    res: SolverResult, economy: OssaEconomy, b: OssaBaseline, sh: Shock
) -> OssaEquilibrium:
    """The :class:`OssaEquilibrium` at the solver's ``res.x = log w_hat`` (traceable)."""
    st = evaluate(res.x, b, economy.sigma, sh)
    P_hat = aggregate_price_index(b, st.P_hat_s)
    Pi_hat = jnp.sum(b.Pi * st.Y_hat, axis=1) / jnp.sum(b.Pi, axis=1)
    return OssaEquilibrium(
        w_hat=st.w_hat,
        E_hat=st.E_hat,
        P_hat=P_hat,
        P_hat_s=st.P_hat_s,
        X_new=st.X_new,
        t_new=sh.t_new,
        R_new=st.R_new,
        G_hat=government_welfare(b, economy.lam, economy.sigma, st.X_new, st.R_new, P_hat),
        W_hat=st.E_hat / P_hat,
        profit_wage=Pi_hat / st.w_hat,
        relative_wage=st.w_hat - jnp.mean(st.w_hat),
        status=res.status,
        converged=res.converged,
        iterations=res.iterations,
        max_residual=res.max_residual,
    )


def ossa_outcomes(
    economy: OssaEconomy,
    t_new,
    nx_new=None,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = OSSA_MAX_STEPS,
) -> OssaEquilibrium:
    """The equilibrium at tariffs ``t_new`` and net exports ``nx_new``: pure, never raises.

    Jittable, vmappable and differentiable (implicit function theorem) with respect to
    ``t_new``, ``nx_new`` and the economy's arrays. Check ``converged``. ``nx_new`` defaults
    to zeros (a balanced world); diagonal entries of ``t_new`` are ignored (set to 0).
    """
    n = economy.n
    t_new = jnp.asarray(t_new) * (1.0 - jnp.eye(n))[:, :, None]
    nx_new = jnp.zeros(n) if nx_new is None else jnp.asarray(nx_new)
    b = baseline_objects(economy)
    sh = shock(economy, b, t_new, nx_new)
    res = newton(residual, jnp.zeros(n), (b, economy.sigma, sh), tol=tol, max_steps=max_steps)
    return equilibrium_at(res, economy, b, sh)


_outcomes_jit = jax.jit(ossa_outcomes, static_argnames=("tol", "max_steps"))


def _is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


def solve_ossa(
    economy: OssaEconomy,
    t_new,
    nx_new=None,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = OSSA_MAX_STEPS,
    throw: bool = True,
) -> OssaEquilibrium:
    """Solve the Ossa (2014) model at new tariffs (models.md §5).

    Args:
        economy: the baseline (use :func:`balance` first to purge trade imbalances).
        t_new: new tariffs ``t'[i, n, s]``, shape (N, N, S); the diagonal is ignored.
        nx_new: new net exports in levels (numeraire units), shape (N,), summing to 0;
            default zeros (balanced trade).
        tol: tolerance on the largest relative residual.
        max_steps: Newton steps before giving up.
        throw: raise :class:`ConvergenceError` if the solve fails. Under ``jax`` transforms
            (grad, vmap) nothing can be raised: check ``converged``.

    Returns:
        :class:`OssaEquilibrium`.

    Example:
        >>> import jax.numpy as jnp
        >>> X = jnp.array([[8.0, 2.0], [2.0, 8.0]])[:, :, None]
        >>> eco = OssaEconomy(X=X, t=jnp.zeros((2, 2, 1)), sigma=jnp.array([4.0]),
        ...                   lam=jnp.ones((2, 1)), regions=("H", "F"), sectors=("x",))
        >>> t = jnp.array([[0.0, 0.0], [0.2, 0.0]])[:, :, None]   # H taxes imports from F
        >>> eq = solve_ossa(eco, t)
        >>> bool(eq.W_hat[0] > 1 > eq.W_hat[1])
        True
    """
    t_new = jnp.asarray(t_new, dtype=float)
    if t_new.shape != economy.X.shape:
        raise InputError(
            f"t_new has shape {t_new.shape}, expected {economy.X.shape} "
            "ordered [exporter, importer, industry]"
        )
    if nx_new is not None:
        nx_new = jnp.asarray(nx_new, dtype=float)
        if nx_new.shape != (economy.n,):
            raise InputError(f"nx_new has shape {nx_new.shape}, expected ({economy.n},)")
    if _is_concrete(t_new):
        bad = np.asarray(t_new) <= -1.0
        if bad.any():
            i, n, s = map(int, np.argwhere(bad)[0])
            raise InputError(
                f"tariff of importer {n} on exporter {i}, industry {s} is "
                f"{float(t_new[i, n, s]):.4g} (<= -100 %): tariffs must be > -1"
            )
    eq = _outcomes_jit(economy, t_new, nx_new, tol=tol, max_steps=max_steps)
    if throw and _is_concrete(eq.converged) and not bool(eq.converged):
        raise ConvergenceError(
            f"the Ossa equilibrium did not converge in {int(eq.iterations)} Newton steps: "
            f"{status_message(eq.status)} (largest relative residual "
            f"{float(eq.max_residual):.3g}, tolerance {tol:g}). "
            "Try: max_steps larger, tol larger, moving to the new tariffs in smaller steps "
            "(solve, rebase, repeat), or check for industries with zero flows.",
            eq,
        )
    return eq


def rebase(
    economy: OssaEconomy,
    t_new,
    nx_new=None,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = OSSA_MAX_STEPS,
) -> OssaEconomy:
    """The economy re-based at ``t_new``: flows ``X'`` and tariffs ``t_new`` as the baseline.

    Every baseline object is recomputed from the new ``(X, t)``, so hats of later solves are
    relative to ``t_new`` (Ossa's trade talks start from Nash, factual or free trade).
    Raises :class:`ConvergenceError` if the solve fails.
    """
    n = economy.n
    eq = solve_ossa(economy, t_new, nx_new, tol=tol, max_steps=max_steps, throw=True)
    t_clean = jnp.asarray(t_new, dtype=float) * (1.0 - jnp.eye(n))[:, :, None]
    return dataclasses.replace(economy, X=eq.X_new, t=t_clean)


def balance(
    economy: OssaEconomy, *, tol: float = DEFAULT_TOL, max_steps: int = OSSA_MAX_STEPS
) -> OssaEconomy:
    """Purge trade imbalances (Ossa 2014; models.md §5 "Purging imbalances").

    Solves the model at unchanged tariffs with ``NX' = 0`` and returns the economy whose
    flows are that equilibrium's ``X'`` (same tariffs). The result depends on ``sigma``.

    Example:
        >>> import jax.numpy as jnp
        >>> X = jnp.array([[8.0, 3.0], [2.0, 8.0]])[:, :, None]   # H runs a surplus
        >>> eco = OssaEconomy(X=X, t=jnp.zeros((2, 2, 1)), sigma=jnp.array([4.0]),
        ...                   lam=jnp.ones((2, 1)), regions=("H", "F"), sectors=("x",))
        >>> nx = baseline_objects(balance(eco)).NX
        >>> bool(jnp.max(jnp.abs(nx)) < 1e-9)
        True
    """
    return rebase(economy, economy.t, jnp.zeros(economy.n), tol=tol, max_steps=max_steps)


def median_tariffs(t, economy_or_n) -> np.ndarray:
    """Median over ``i != n`` and ``s`` of the tariffs importer ``n`` imposes, shape (N,).

    Even counts use the mean of the middle two (``numpy.median``), as Ossa's Tables 3-4.
    """
    t = np.asarray(t)
    n_reg = economy_or_n if isinstance(economy_or_n, int) else economy_or_n.n
    out = np.empty(n_reg)
    for n in range(n_reg):
        col = np.delete(t[:, n, :], n, axis=0)
        out[n] = np.median(col)
    return out
