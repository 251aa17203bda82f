"""Multi-sector model with input-output links (Caliendo & Parro 2015).

Caliendo & Parro (2015), "Estimates of the Trade and Welfare Effects of NAFTA", Review of
Economic Studies 82(1), 1-44 (``docs/models.md`` §2). With ``gamma_io = None`` (value added =
gross output) it is the multi-sector Eaton-Kortum / Costinot-Donaldson-Komunjer model; with
one sector as well it is the one-sector Eaton-Kortum model.

Array order
    The economy (:class:`MultiSectorEconomy`) and every result use this project's order
    ``[exporter, importer, sector]`` (``i``, ``n``, ``s``; see :mod:`blocs._conventions`).
    The equations below are written, as in the paper, with ``[importer, exporter, sector]``
    (``n``, ``i``, ``j``): bilateral arrays are transposed ONCE when the solver builds its
    internal baseline (:func:`_paper_baseline`) and once back when it builds the results
    (:func:`_results`). Nothing else in the module transposes.

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
    system are solved inside the residual by ``inner_iterations`` fixed-point steps of
    ``jax.lax.fori_loop`` (fixed trip count: forward and reverse differentiable). Their
    remaining error is measured after the last step and counts in ``max_residual``, so a
    too-small ``inner_iterations`` shows as non-convergence, never as a silent error.
    Residuals: the trade balance of every country but the last, relative to its value added,
    and the numeraire.

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

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any, ClassVar, Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from blocs.errors import ConvergenceError, DataError, InputError, closest
from blocs.models.base import Model, Tables, deficit_change, pct_change
from blocs.solvers import (
    DEFAULT_MAX_STEPS,
    DEFAULT_TOL,
    SolverResult,
    Status,
    newton,
    status_code,
    status_message,
)

__all__ = [
    "DEFAULT_INNER_ITERATIONS",
    "MODEL",
    "MULTISECTOR_COLUMNS",
    "SECTOR_COLUMNS",
    "CPParams",
    "CaliendoParro",
    "CaliendoParroModel",
    "outcomes",
    "tables",
    "MultiSectorEconomy",
    "MultiSectorEquilibrium",
    "balanced_baseline",
    "equilibrium_at",
    "rebase",
    "solve_multisector",
]

#: Cap on the fixed-point steps of the inner price and expenditure systems (they stop
#: earlier, at a relative change of 1e-15). The CP data contracts at rate 0.55 per step
#: (~60 steps); economies that contract more slowly show it in ``max_residual``.
DEFAULT_INNER_ITERATIONS = 1000
#: Slack allowed on ``gamma_va + sum_k gamma_io <= 1`` (the CP input-output table sums to
#: one only to 7e-7).
_SHARE_SLACK = 1e-5
#: Relative size of ``sum_n D[n]`` (world deficit) tolerated against world value added.
_DEFICIT_SLACK = 1e-8

Array = jax.Array


# ----------------------------------------------------------------------------------------
# The economy


def trade_deficits(X: np.ndarray) -> np.ndarray:
    """Trade deficits ``D[n] = imports - exports`` at customs value from flows ``X[i, n, s]``,
    shape (N,)."""
    foreign = np.asarray(X) * (1.0 - np.eye(X.shape[0]))[:, :, None]
    return foreign.sum(axis=(0, 2)) - foreign.sum(axis=(1, 2))


@dataclasses.dataclass(frozen=True)
class MultiSectorEconomy:
    """A multi-sector world economy at its baseline (a JAX PyTree; labels are static).

    Build it with :meth:`from_arrays` (validates) or a loader
    (:func:`blocs.data.multisector.load_cp2015`, :func:`~blocs.data.multisector.load_icio2022`).

    Attributes:
        X: flows ``X[i, n, s]`` from exporter ``i`` to importer ``n`` in sector ``s`` at
            customs value (before tariffs), domestic sales on ``i == n``, shape (N, N, S).
        t: baseline tariffs ``t[i, n, s]`` levied by ``n`` on ``i``, zero for ``i == n``,
            shape (N, N, S).
        theta: trade elasticities, shape (S,).
        gamma_va: value-added share of gross output ``gamma[n, s]``, shape (N, S).
        gamma_io: input shares ``gamma[n, k, s]`` (input ``k`` in sector ``s`` costs), shape
            (N, S, S), or None (no input-output links: then ``gamma_va`` should be 1).
        alpha: final-demand shares ``alpha[n, s]`` (rows sum to one), shape (N, S).
        D: trade deficits ``D[n]`` = imports - exports at pre-tariff values, shape (N,).
        iso3: country codes (static). names: country names (static).
        sectors: sector codes (static). tradable: per sector, whether it is traded (static).
        source: where the data came from (static).

    Derived (properties): ``gross_output`` (N, S), ``value_added`` ``wL`` (N,),
    ``expenditure`` ``X[n, s]`` tariff inclusive (N, S), ``revenue`` (N,), ``income`` (N,).

    Example:
        >>> import numpy as np
        >>> X = np.array([[[8.0], [1.0]], [[2.0], [9.0]]])
        >>> eco = MultiSectorEconomy.from_arrays(X=X, t=np.zeros((2, 2, 1)), theta=[4.0],
        ...     alpha=np.ones((2, 1)), iso3=["AAA", "BBB"], sectors=["all"])
        >>> [float(v) for v in eco.D]
        [1.0, -1.0]
    """

    X: Array
    t: Array
    theta: Array
    gamma_va: Array
    gamma_io: Array | None
    alpha: Array
    D: Array
    iso3: tuple[str, ...] = dataclasses.field(metadata={"static": True})
    names: tuple[str, ...] = dataclasses.field(metadata={"static": True})
    sectors: tuple[str, ...] = dataclasses.field(metadata={"static": True})
    tradable: tuple[bool, ...] = dataclasses.field(metadata={"static": True})
    source: str = dataclasses.field(default="", metadata={"static": True})

    # -- sizes and labels ---------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of countries."""
        return len(self.iso3)

    @property
    def s(self) -> int:
        """Number of sectors."""
        return len(self.sectors)

    def index(self, code: str) -> int:
        """Position of an ISO3 code; raises :class:`InputError` with a suggestion."""
        try:
            return self.iso3.index(code.upper())
        except ValueError:
            raise InputError(
                f"unknown country code '{code}'{closest(code, self.iso3)}; this economy has "
                f"{self.n} countries: {', '.join(self.iso3)}"
            ) from None

    def sector_index(self, code: str) -> int:
        """Position of a sector code; raises :class:`InputError` with a suggestion."""
        try:
            return self.sectors.index(code)
        except ValueError:
            raise InputError(
                f"unknown sector '{code}'{closest(code, self.sectors)}; sectors: "
                f"{', '.join(self.sectors)}"
            ) from None

    # -- derived baseline quantities ----------------------------------------------------

    @property
    def gross_output(self) -> Array:
        """Gross output ``GO[n, s] = sum_i X[n, i, s]`` (sales of ``n``), shape (N, S)."""
        return jnp.sum(self.X, axis=1)

    @property
    def value_added(self) -> Array:
        """Value added ``wL[n] = sum_s gamma_va[n, s] GO[n, s]``, shape (N,)."""
        return jnp.sum(self.gamma_va * self.gross_output, axis=1)

    @property
    def expenditure(self) -> Array:
        """Expenditure ``X[n, s] = sum_i (1 + t[i, n, s]) X[i, n, s]``, shape (N, S)."""
        return jnp.sum((1.0 + self.t) * self.X, axis=0)

    @property
    def revenue(self) -> Array:
        """Tariff revenue ``R[n] = sum_{i, s} t[i, n, s] X[i, n, s]``, shape (N,)."""
        return jnp.sum(self.t * self.X, axis=(0, 2))

    @property
    def income(self) -> Array:
        """Income ``I[n] = wL[n] + R[n] + D[n]``, shape (N,)."""
        return self.value_added + self.revenue + self.D

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        *,
        X: Any,
        t: Any,
        theta: Sequence[float] | Any,
        alpha: Any,
        gamma_va: Any | None = None,
        gamma_io: Any | None = None,
        D: Any | None = None,
        iso3: Sequence[str],
        names: Sequence[str] | None = None,
        sectors: Sequence[str],
        tradable: Sequence[bool] | None = None,
        source: str = "",
        label: str = "arrays",
        allow_negative_io: bool = False,
    ) -> MultiSectorEconomy:
        """Build and validate an economy from arrays in ``[exporter, importer, sector]`` order.

        Args:
            X: flows at customs value including domestic sales, shape (N, N, S).
            t: baseline tariffs, shape (N, N, S); the diagonal ``i == n`` is set to 0.
            theta: trade elasticities, shape (S,).
            alpha: final-demand shares, shape (N, S), rows summing to one.
            gamma_va: value-added shares, shape (N, S); default 1 (no intermediates).
            gamma_io: input shares ``[n, k, s]``, shape (N, S, S); default None.
            D: deficits, shape (N,); default: imports - exports from ``X``.
            iso3, names, sectors: labels. tradable: default, sectors with foreign flows.
            source: description. label: how error messages name the input.
            allow_negative_io: accept negative input shares (the published CP input-output
                table has one, -0.00085, which the paper uses as is).

        Raises:
            DataError: wrong shapes, NaN, negative flows or shares, shares that do not add up.
        """
        iso3 = tuple(str(c).upper() for c in iso3)
        sectors = tuple(str(s) for s in sectors)
        N, S = len(iso3), len(sectors)
        X = _array(X, "X", (N, N, S), label, iso3, sectors)
        t = _array(t, "t", (N, N, S), label, iso3, sectors)
        theta_a = _array(theta, "theta", (S,), label, iso3, sectors)
        alpha = _array(alpha, "alpha", (N, S), label, iso3, sectors)
        gva = (
            np.ones((N, S))
            if gamma_va is None
            else _array(gamma_va, "gamma_va", (N, S), label, iso3, sectors)
        )
        gio = (
            None
            if gamma_io is None
            else _array(gamma_io, "gamma_io", (N, S, S), label, iso3, sectors)
        )
        _nonnegative(X, "X", label, iso3, sectors, "flows must be >= 0")
        _nonnegative(gva, "gamma_va", label, iso3, sectors, "value-added shares are in [0, 1]")
        _nonnegative(alpha, "alpha", label, iso3, sectors, "final-demand shares are >= 0")
        if gio is not None and not allow_negative_io:
            _nonnegative(gio, "gamma_io", label, iso3, sectors, "input shares are >= 0")
        if (t <= -1.0).any():
            idx = tuple(int(v) for v in np.argwhere(t <= -1.0)[0])
            raise DataError(
                f"{label}: tariff {_key('t', idx, iso3, sectors)} = {t[idx]:.4g} "
                "is <= -100 %: tariffs are ad valorem (0.25 = 25 %) and > -1"
            )
        if (theta_a <= 0).any():
            s = int(np.argmax(theta_a <= 0))
            raise DataError(
                f"{label}: theta[{sectors[s]}] = {theta_a[s]:.4g}: trade elasticities must be > 0"
            )
        total = gva + (0.0 if gio is None else gio.sum(axis=1))
        if (total > 1.0 + _SHARE_SLACK).any():
            n, s = (int(v) for v in np.argwhere(total > 1.0 + _SHARE_SLACK)[0])
            raise DataError(
                f"{label}: in {iso3[n]}, sector {sectors[s]}, value-added plus input shares "
                f"sum to {total[n, s]:.6g} > 1: gamma_va[n, s] + sum_k gamma_io[n, k, s] "
                "must be <= 1"
            )
        rows = alpha.sum(axis=1)
        if (np.abs(rows - 1.0) > _SHARE_SLACK).any():
            n = int(np.argmax(np.abs(rows - 1.0)))
            raise DataError(
                f"{label}: final-demand shares alpha of {iso3[n]} sum to "
                f"{rows[n]:.6g}, not 1: renormalise each country's row"
            )
        sales = X.sum(axis=(1, 2))
        if (sales <= 0).any():
            n = int(np.argmax(sales <= 0))
            raise DataError(
                f"{label}: {iso3[n]} has no sales at all (X[{iso3[n]}, :, :] "
                "is zero): drop it or merge it into a rest-of-world region"
            )
        t = t * (1.0 - np.eye(N))[:, :, None]
        foreign = X * (1.0 - np.eye(N))[:, :, None]
        if D is None:
            D_a = trade_deficits(X)
        else:
            D_a = _array(D, "D", (N,), label, iso3, sectors)
            if abs(D_a.sum()) > _DEFICIT_SLACK * X.sum():
                raise DataError(
                    f"{label}: deficits D sum to {D_a.sum():.6g}, not 0: world "
                    "imports equal world exports"
                )
        if tradable is None:
            tradable = tuple(bool(v) for v in (foreign.sum(axis=(0, 1)) > 0))
        elif len(tradable) != S:
            raise DataError(f"{label}: tradable has {len(tradable)} entries for {S} sectors")
        names = tuple(names) if names is not None else iso3
        if len(names) != N:
            raise DataError(f"{label}: {len(names)} country names for {N} countries")
        return cls(
            X=jnp.asarray(X),
            t=jnp.asarray(t),
            theta=jnp.asarray(theta_a),
            gamma_va=jnp.asarray(gva),
            gamma_io=None if gio is None else jnp.asarray(gio),
            alpha=jnp.asarray(alpha),
            D=jnp.asarray(D_a),
            iso3=iso3,
            names=names,
            sectors=sectors,
            tradable=tuple(bool(v) for v in tradable),
            source=source,
        )


jax.tree_util.register_dataclass(
    MultiSectorEconomy,
    data_fields=["X", "t", "theta", "gamma_va", "gamma_io", "alpha", "D"],
    meta_fields=["iso3", "names", "sectors", "tradable", "source"],
)


_DIMS = {
    "X": "cns",
    "t": "cns",
    "theta": "s",
    "alpha": "cs",
    "gamma_va": "cs",
    "gamma_io": "css",
    "D": "c",
}


def _key(name: str, idx: tuple[int, ...], iso3: tuple[str, ...], sectors: tuple[str, ...]) -> str:
    """``X[USA, CAN, Auto]``: an array element named by its labels."""
    dims = _DIMS.get(name.split(" ")[0], "")
    if len(dims) != len(idx):
        return f"{name}{list(idx)}"
    parts = [iso3[v] if d in "cn" else sectors[v] for d, v in zip(dims, idx, strict=True)]
    return f"{name}[{', '.join(parts)}]"


def _array(
    value: Any,
    name: str,
    shape: tuple[int, ...],
    label: str,
    iso3: tuple[str, ...],
    sectors: tuple[str, ...],
) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{label}: {name} is not numeric") from None
    if a.shape != shape:
        raise DataError(
            f"{label}: {name} has shape {a.shape}, expected {shape} "
            f"({len(iso3)} countries, {len(sectors)} sectors)"
        )
    bad = ~np.isfinite(a)
    if bad.any():
        idx = tuple(int(v) for v in np.argwhere(bad)[0])
        raise DataError(
            f"{label}: {_key(name, idx, iso3, sectors)} is {a[idx]} (not "
            "finite): fill in or drop the missing value"
        )
    return a


def _nonnegative(
    a: np.ndarray, name: str, label: str, iso3: tuple[str, ...], sectors: tuple[str, ...], rule: str
) -> None:
    if (a < 0).any():
        idx = tuple(int(v) for v in np.argwhere(a < 0)[0])
        raise DataError(f"{label}: {_key(name, idx, iso3, sectors)} = {a[idx]:.6g} < 0: {rule}")


# ----------------------------------------------------------------------------------------
# The baseline in the paper's order (the one translation in)


class _Baseline(NamedTuple):
    """Baseline arrays in the paper's ``[importer, exporter, sector]`` order."""

    pi: Array  # (N, N, S)  pi[n, i, j], tariff inclusive
    t: Array  # (N, N, S)  t[n, i, j]
    X: Array  # (N, S)     expenditure X[n, j]
    wL: Array  # (N,)
    theta: Array  # (S,)
    gamma_va: Array  # (N, S)
    gamma_io: Array | None  # (N, S, S) gamma[n, k, j]
    alpha: Array  # (N, S)


def _to_paper(a: Array) -> Array:
    """``[exporter, importer, s]`` <-> ``[importer, exporter, s]`` (its own inverse)."""
    return jnp.swapaxes(a, 0, 1)


def _paper_baseline(eco: MultiSectorEconomy) -> _Baseline:
    X_exp = eco.expenditure
    safe = jnp.where(X_exp > 0, X_exp, 1.0)
    pi = (1.0 + eco.t) * eco.X / safe[None, :, :]
    # a (country, sector) with no spending at all buys (nothing) at home
    eye = jnp.eye(eco.n)[:, :, None]
    pi = jnp.where((X_exp > 0)[None, :, :], pi, eye)
    return _Baseline(
        pi=_to_paper(pi),
        t=_to_paper(eco.t),
        X=X_exp,
        wL=eco.value_added,
        theta=eco.theta,
        gamma_va=eco.gamma_va,
        gamma_io=eco.gamma_io,
        alpha=eco.alpha,
    )


# ----------------------------------------------------------------------------------------
# Equations (paper notation, [importer, exporter, sector]); one small function each


def log_unit_cost(
    log_w_hat: Array, log_P_hat: Array, gamma_va: Array, gamma_io: Array | None
) -> Array:
    """``log c_hat[n, j] = gamma[n, j] log w_hat[n] + sum_k gamma[n, k, j] log P_hat[n, k]``."""
    out = gamma_va * log_w_hat[:, None]
    if gamma_io is not None:
        out = out + jnp.einsum("nkj,nk->nj", gamma_io, log_P_hat)
    return out


class _Weights(NamedTuple):
    """Trade-cost weights of one shock; they do not depend on wages, so the wage-dependent
    part of every trade share is a vector (``e``, ``s`` below), never an N*N*S array."""

    A: Array  # A[j, n, i] = pi[n, i, j] kappa_hat[n, i, j]**(-theta[j])
    B: Array  # B[j, n, i] = A[j, i, n] / (1 + t'[i, n, j])   (seller n, buyer i)
    C: Array  # C[j, n, i] = A[j, n, i] t'[n, i, j] / (1 + t'[n, i, j])


def price_weights(pi: Array, log_kappa_hat: Array, t_new: Array, theta: Array) -> _Weights:
    """``A[j, n, i] = pi[n, i, j] kappa_hat[n, i, j]**(-theta[j])`` (sector axis first) and
    the same divided by ``1 + t'`` (seen from the seller) or times ``t' / (1 + t')``."""
    A = jnp.transpose(pi * jnp.exp(-theta[None, None, :] * log_kappa_hat), (2, 0, 1))
    tt = jnp.transpose(t_new, (2, 0, 1))  # [j, n, i]
    B = jnp.swapaxes(A / (1.0 + tt), 1, 2)
    C = A * tt / (1.0 + tt)
    return _Weights(A, B, C)


def cost_terms(log_c_hat: Array, W: _Weights, theta: Array) -> tuple[Array, Array, Array]:
    """``e[i, j] = c_hat[i, j]**(-theta[j]) / m[j]`` and ``s[j, n] = sum_i A[j, n, i] e[i, j]``
    (``= P_hat[n, j]**(-theta[j]) / m[j]``), with ``m[j]`` a per-sector scale against overflow.

    Returns ``(e, s, log_m)``.
    """
    z = -theta[None, :] * log_c_hat  # [i, j]
    log_m = jax.lax.stop_gradient(jnp.max(z, axis=0))
    e = jnp.exp(z - log_m[None, :])
    s = jnp.matmul(W.A, e.T[:, :, None])[:, :, 0]  # [j, n]
    return e, s, log_m


def log_price_index(s: Array, log_m: Array, theta: Array) -> Array:
    """``log P_hat[n, j] = -1/theta[j] log sum_i pi[n, i, j] (kappa_hat c_hat[i, j])**(-theta[j])``."""
    return -(jnp.log(s.T) + log_m[None, :]) / theta[None, :]


def trade_shares(e: Array, s: Array, W: _Weights) -> Array:
    """``pi'[n, i, j] = pi[n, i, j] (c_hat[i, j] kappa_hat[n, i, j] / P_hat[n, j])**-theta[j]``."""
    return jnp.transpose(W.A * e.T[:, None, :] / s[:, :, None], (1, 2, 0))


def sales(X_new: Array, e: Array, s: Array, W: _Weights) -> Array:
    """Gross output ``Y'[n, j] = sum_i pi'[i, n, j] X'[i, j] / (1 + t'[i, n, j])``."""
    v = X_new.T / s  # [j, i]: buyer i's spending over its price term
    return e * jnp.matmul(W.B, v[:, :, None])[:, :, 0].T


def revenue_rates(e: Array, s: Array, W: _Weights) -> Array:
    """``r[n, j] = sum_i t'[n, i, j] pi'[n, i, j] / (1 + t'[n, i, j])``: tariff revenue per
    unit of ``n``'s spending on ``j``."""
    return (jnp.matmul(W.C, e.T[:, :, None])[:, :, 0] / s).T


def income(w_hat: Array, wL: Array, r: Array, X_new: Array, D_new: Array) -> Array:
    """``I'[n] = w_hat[n] wL[n] + sum_j r[n, j] X'[n, j] + D'[n]``."""
    return w_hat * wL + jnp.sum(r * X_new, axis=1) + D_new


def expenditure(Y_new: Array, I_new: Array, alpha: Array, gamma_io: Array | None) -> Array:
    """``X'[n, j] = sum_k gamma[n, j, k] Y'[n, k] + alpha[n, j] I'[n]`` (right-hand side)."""
    out = alpha * I_new[:, None]
    if gamma_io is not None:
        out = out + jnp.einsum("njk,nk->nj", gamma_io, Y_new)
    return out


def trade_balance(X_new: Array, r: Array, Y_new: Array, D_new: Array) -> Array:
    """``imports'[n] - D'[n] - exports'[n]`` at pre-tariff values, shape (N,).

    Domestic sales cancel, so ``sum_j X'[n, j] (1 - r[n, j]) - D'[n] - sum_k Y'[n, k]``:
    spending net of tariffs minus sales (no N*N*S array needed).
    """
    return jnp.sum(X_new * (1.0 - r), axis=1) - D_new - jnp.sum(Y_new, axis=1)


# ----------------------------------------------------------------------------------------
# Inner systems given wages: prices (a contraction) and expenditure (linear). Solved by
# fixed-point iteration to machine precision; differentiated implicitly (custom_root /
# custom_linear_solve), so derivatives never run through the iterations.

#: Relative change at which the inner fixed-point iterations stop.
_INNER_TOL = 1e-15


def _fixed_point(f: Any, x0: Array, *, max_iter: int) -> Array:
    """Solve ``f(x) = x - T(x) = 0`` by ``x <- x - f(x)`` (``T`` a contraction)."""

    def cond(state: tuple) -> Array:
        _, step, k = state
        return (step > _INNER_TOL) & (k < max_iter)

    def body(state: tuple) -> tuple:
        x, _, k = state
        x_new = x - f(x)
        step = jnp.max(jnp.abs(x_new - x)) / jnp.maximum(jnp.max(jnp.abs(x_new)), 1.0)
        return x_new, step, k + 1

    x, _, _ = jax.lax.while_loop(cond, body, (x0, jnp.asarray(jnp.inf), 0))
    return x


def _neumann(matvec: Any, b: Array, *, max_iter: int) -> Array:
    """Solve ``(I - M) x = b``, given ``matvec = I - M`` with spectral radius of M < 1."""
    return _fixed_point(lambda x: matvec(x) - b, b, max_iter=max_iter)


def _linear_solve(matvec: Any, b: Array, max_iter: int) -> Array:
    solve = functools.partial(_neumann, max_iter=max_iter)
    return jax.lax.custom_linear_solve(matvec, b, solve, transpose_solve=solve)


class _Inner(NamedTuple):
    w_hat: Array
    log_c: Array
    log_P: Array
    e: Array  # cost terms (see cost_terms), [i, j]
    s: Array  # price terms, [j, n]
    X_new: Array  # expenditure X'[n, j]
    I_new: Array
    Y_new: Array  # gross output Y'[n, j]
    r: Array  # revenue rates r[n, j]
    inner_residual: Array  # largest remaining relative error of the two systems (scalar)


def _solve_inner(log_w: Array, base: _Baseline, W: _Weights, D_new: Array, max_iter: int) -> _Inner:
    gio = base.gamma_io

    def price_step(log_P: Array) -> Array:
        log_c = log_unit_cost(log_w, log_P, base.gamma_va, gio)
        e, s, log_m = cost_terms(log_c, W, base.theta)
        return log_price_index(s, log_m, base.theta)

    log_P = price_step(jnp.zeros_like(base.X))
    if gio is not None:
        tangent = functools.partial(_linear_solve, max_iter=max_iter)
        log_P = jax.lax.custom_root(
            lambda p: p - price_step(p),
            log_P,
            functools.partial(_fixed_point, max_iter=max_iter),
            lambda g, y: tangent(g, y),
        )
        p_err = jnp.max(jnp.abs(price_step(log_P) - log_P))
    else:
        p_err = jnp.zeros(())
    log_c = log_unit_cost(log_w, log_P, base.gamma_va, gio)
    e, s, _ = cost_terms(log_c, W, base.theta)
    w_hat = jnp.exp(log_w)
    r = revenue_rates(e, s, W)
    b = base.alpha * (w_hat * base.wL + D_new)[:, None]
    if gio is None:
        # X'[n, j] = alpha[n, j] I'[n], with I' linear in itself: closed form.
        I_new = (w_hat * base.wL + D_new) / (1.0 - jnp.sum(base.alpha * r, axis=1))
        X_new = base.alpha * I_new[:, None]
        x_err = jnp.zeros(())
    else:

        def matvec(X: Array) -> Array:  # (I - M) X, the linear expenditure system
            spent = expenditure(sales(X, e, s, W), jnp.sum(r * X, axis=1), base.alpha, gio)
            return X - spent

        X_new = _linear_solve(matvec, b, max_iter)
        x_err = jnp.max(jnp.abs(matvec(X_new) - b)) / jnp.maximum(jnp.max(X_new), 1e-300)
        I_new = income(w_hat, base.wL, r, X_new, D_new)
    err = jax.lax.stop_gradient(jnp.maximum(p_err, x_err))
    return _Inner(w_hat, log_c, log_P, e, s, X_new, I_new, sales(X_new, e, s, W), r, err)


def _residual(log_w: Array, args: tuple, *, iterations: int) -> Array:
    """Scaled residual: trade balance / value added for all but the last country, numeraire."""
    base, W, D_new = args
    o = _solve_inner(log_w, base, W, D_new, iterations)
    tb = trade_balance(o.X_new, o.r, o.Y_new, D_new) / base.wL
    numeraire = jnp.sum(o.w_hat * base.wL) / jnp.sum(base.wL) - 1.0
    return tb.at[-1].set(numeraire)


# ----------------------------------------------------------------------------------------
# Results


class MultiSectorEquilibrium(NamedTuple):
    """An equilibrium of the multi-sector model; hats relative to ``baseline``.

    Arrays are in this project's order (``[exporter, importer, sector]``); ``[n, s]``
    arrays are per country and sector. Percent changes are ``100 * (x_hat - 1)``; a flow
    that is zero in the baseline (e.g. exports of a non-traded sector) reports 0.

    Attributes:
        w_hat: wage change, shape (N,). Numeraire: world value added fixed.
        P_hat: sectoral price-index change ``P_hat[n, s]``, shape (N, S).
        c_hat: unit-cost change ``c_hat[n, s]``, shape (N, S).
        pi_new: counterfactual tariff-inclusive shares ``pi'[i, n, s]`` of ``n``'s spending
            on goods from ``i`` (sum over ``i`` is 1), shape (N, N, S).
        X_new: counterfactual flows at customs value ``X'[i, n, s]``, shape (N, N, S).
        expenditure_new: counterfactual expenditure ``X'[n, s]`` (tariff inclusive),
            shape (N, S).
        income_new: counterfactual income ``I'[n]`` (value added + revenue + deficit),
            shape (N,).
        welfare_pct: exact real-income change ``I_hat / prod_s P_hat**alpha``, shape (N,).
        real_wage_pct: ``w_hat / prod_s P_hat**alpha``, shape (N,).
        tot_pct: terms-of-trade effect (linear, baseline weights, models.md §2), shape (N,).
        vot_pct: volume-of-trade effect (linear, baseline weights), shape (N,).
        welfare_linear_pct: ``tot_pct + vot_pct`` (the paper's Table 2 "welfare"), shape (N,).
        output_pct: gross output (customs value) change per country and sector, shape (N, S).
        exports_pct: foreign sales change (customs value), shape (N, S).
        imports_pct: foreign purchases change (customs value), shape (N, S).
        price_pct: ``100 (P_hat - 1)``, shape (N, S).
        trade_balance_residual: ``(imports' - D' - exports') / wL'`` of every country
            (including the one Walras' law drops), shape (N,).
        status: :class:`blocs.solvers.Status` code (why the solver stopped), int32 scalar.
        converged: bool scalar. iterations: Newton steps, int scalar.
        max_residual: largest scaled residual, inner fixed points included, float scalar.
        baseline: the :class:`MultiSectorEconomy` the hats refer to (the re-based balanced
            world when ``deficits="balanced"``).
        t_new: counterfactual tariffs ``t'[i, n, s]``, shape (N, N, S).
        d_hat: iceberg shocks ``d_hat[i, n, s]``, shape (N, N, S).
        D_new: counterfactual deficits, shape (N,).
    """

    w_hat: Array
    P_hat: Array
    c_hat: Array
    pi_new: Array
    X_new: Array
    expenditure_new: Array
    income_new: Array
    welfare_pct: Array
    real_wage_pct: Array
    tot_pct: Array
    vot_pct: Array
    welfare_linear_pct: Array
    output_pct: Array
    exports_pct: Array
    imports_pct: Array
    price_pct: Array
    trade_balance_residual: Array
    status: Array
    converged: Array
    iterations: Array
    max_residual: Array
    baseline: MultiSectorEconomy
    t_new: Array
    d_hat: Array
    D_new: Array


def _pct(new: Array, old: Array) -> Array:
    """``100 (new / old - 1)``, 0 where ``old`` is 0."""
    safe = jnp.where(old > 0, old, 1.0)
    return jnp.where(old > 0, 100.0 * (new / safe - 1.0), 0.0)


def tot_vot(eco: MultiSectorEconomy, c_hat: Array, X_new: Array) -> tuple[Array, Array]:
    """The paper's linear terms-of-trade and volume-of-trade effects (percent), shape (N,).

    ``ToT[n] = (1/I[n]) sum_j sum_{i != n} (Ex[n, i, j](c_hat[n, j] - 1) - M[n, i, j](c_hat[i, j] - 1))``
    ``VoT[n] = (1/I[n]) sum_j sum_{i != n} t[n, i, j] M[n, i, j] (M_hat[n, i, j] - c_hat[i, j])``

    ``X_new`` are the counterfactual flows in project order; ``X`` and ``t`` in ``eco`` are
    the baseline ones, so ``M[n, i, j] = X[i, n, j]`` and ``Ex[n, i, j] = X[n, i, j]``.
    """
    foreign = 1.0 - jnp.eye(eco.n)[:, :, None]
    Xf = foreign * eco.X  # [exporter, importer, j]
    exports_term = jnp.sum(Xf * (c_hat[:, None, :] - 1.0), axis=(1, 2))  # by exporter
    imports_term = jnp.sum(Xf * (c_hat[:, None, :] - 1.0), axis=(0, 2))  # by importer
    M_hat_minus_c = (
        jnp.where(Xf > 0, X_new / jnp.where(Xf > 0, eco.X, 1.0), 0.0) - c_hat[:, None, :]
    )
    vot = jnp.sum(eco.t * Xf * M_hat_minus_c, axis=(0, 2))
    I = eco.income
    return 100.0 * (exports_term - imports_term) / I, 100.0 * vot / I


def _results(
    eco: MultiSectorEconomy,
    base: _Baseline,
    o: _Inner,
    W: _Weights,
    D_new: Array,
    t_new: Array,
    d_hat: Array,
    status: Array,
    iterations: Array,
    max_residual: Array,
) -> MultiSectorEquilibrium:
    c_hat = jnp.exp(o.log_c)
    P_hat = jnp.exp(o.log_P)
    pi_new = _to_paper(trade_shares(o.e, o.s, W))  # back to [exporter, importer, sector]
    X_new = pi_new * o.X_new[None, :, :] / (1.0 + t_new)
    log_P_agg = jnp.sum(eco.alpha * o.log_P, axis=1)
    I_hat = o.I_new / eco.income
    foreign = 1.0 - jnp.eye(eco.n)[:, :, None]
    tot, vot = tot_vot(eco, c_hat, X_new)
    tb = trade_balance(o.X_new, o.r, o.Y_new, D_new) / (o.w_hat * base.wL)
    return MultiSectorEquilibrium(
        w_hat=o.w_hat,
        P_hat=P_hat,
        c_hat=c_hat,
        pi_new=pi_new,
        X_new=X_new,
        expenditure_new=o.X_new,
        income_new=o.I_new,
        welfare_pct=100.0 * (I_hat * jnp.exp(-log_P_agg) - 1.0),
        real_wage_pct=100.0 * (o.w_hat * jnp.exp(-log_P_agg) - 1.0),
        tot_pct=tot,
        vot_pct=vot,
        welfare_linear_pct=tot + vot,
        output_pct=_pct(jnp.sum(X_new, axis=1), eco.gross_output),
        exports_pct=_pct(jnp.sum(foreign * X_new, axis=1), jnp.sum(foreign * eco.X, axis=1)),
        imports_pct=_pct(jnp.sum(foreign * X_new, axis=0), jnp.sum(foreign * eco.X, axis=0)),
        price_pct=100.0 * (P_hat - 1.0),
        trade_balance_residual=tb,
        status=status,
        converged=status == Status.CONVERGED,
        iterations=iterations,
        max_residual=max_residual,
        baseline=eco,
        t_new=t_new,
        d_hat=d_hat,
        D_new=D_new,
    )


def _anonymous(eco: MultiSectorEconomy) -> MultiSectorEconomy:
    """``eco`` without its labels, so that jit compiles once per shape, not per data set."""
    n, s = eco.n, eco.s
    return dataclasses.replace(
        eco,
        iso3=tuple(map(str, range(n))),
        names=("",) * n,
        sectors=tuple(map(str, range(s))),
        tradable=(True,) * s,
        source="",
    )


def _shocks(base: _Baseline, t_new: Array, d_hat: Array) -> _Weights:
    t_new_p = _to_paper(t_new)
    log_kappa = jnp.log((1.0 + t_new_p) / (1.0 + base.t)) + jnp.log(_to_paper(d_hat))
    return price_weights(base.pi, log_kappa, t_new_p, base.theta)


@functools.partial(jax.jit, static_argnames=("iterations", "tol", "max_steps"))
def _solve_core(
    eco: MultiSectorEconomy,
    t_new: Array,
    d_hat: Array,
    D_new: Array,
    *,
    iterations: int,
    tol: float,
    max_steps: int,
) -> MultiSectorEquilibrium:
    """Pure solve from ``eco`` with deficits ``D_new``; never raises."""
    base = _paper_baseline(eco)
    W = _shocks(base, t_new, d_hat)
    fn = functools.partial(_residual, iterations=iterations)
    res = newton(fn, jnp.zeros(eco.n), (base, W, D_new), tol=tol, max_steps=max_steps)
    return _equilibrium_at(res, eco, base, W, D_new, t_new, d_hat, iterations, tol)


def _equilibrium_at(
    res: SolverResult,
    eco: MultiSectorEconomy,
    base: _Baseline,
    W: _Weights,
    D_new: Array,
    t_new: Array,
    d_hat: Array,
    iterations: int,
    tol: float,
) -> MultiSectorEquilibrium:
    o = _solve_inner(res.x, base, W, D_new, iterations)
    # the inner fixed points count too: an unconverged inner system is the step limit
    status = jnp.where(
        (res.status == Status.CONVERGED) & (o.inner_residual > tol), Status.MAX_STEPS, res.status
    ).astype(jnp.int32)
    return _results(
        eco,
        base,
        o,
        W,
        D_new,
        t_new,
        d_hat,
        status,
        res.iterations,
        jnp.maximum(res.max_residual, o.inner_residual),
    )


@functools.partial(jax.jit, static_argnames=("iterations", "tol"))
def _evaluate_core(
    eco: MultiSectorEconomy,
    t_new: Array,
    d_hat: Array,
    D_new: Array,
    w_hat: Array,
    *,
    iterations: int,
    tol: float,
) -> MultiSectorEquilibrium:
    base = _paper_baseline(eco)
    W = _shocks(base, t_new, d_hat)
    o = _solve_inner(jnp.log(w_hat), base, W, D_new, iterations)
    tb = trade_balance(o.X_new, o.r, o.Y_new, D_new) / (o.w_hat * base.wL)
    err = jnp.maximum(jnp.max(jnp.abs(tb)), o.inner_residual)
    status = status_code(err, tol, jnp.asarray(False))
    return _results(eco, base, o, W, D_new, t_new, d_hat, status, jnp.zeros((), jnp.int32), err)


# ----------------------------------------------------------------------------------------
# Public entry points


def _is_concrete(x: Any) -> bool:
    return not isinstance(x, jax.core.Tracer)


def _check_shocks(eco: MultiSectorEconomy, t_new: Any, d_hat: Any) -> tuple[Array, Array]:
    shape = (eco.n, eco.n, eco.s)
    t_new = jnp.asarray(t_new, dtype=float)
    d_hat = jnp.ones(shape) if d_hat is None else jnp.asarray(d_hat, dtype=float)
    for name, arr in (("t_new", t_new), ("d_hat", d_hat)):
        if arr.shape != shape:
            raise InputError(
                f"{name} has shape {arr.shape}, but the economy has {eco.n} countries and "
                f"{eco.s} sectors: expected {shape}, ordered [exporter, importer, sector]"
            )
    if _is_concrete(t_new):
        tn = np.asarray(t_new)
        bad = ~np.isfinite(tn) | (tn <= -1.0)
        if bad.any():
            i, n, s = (int(v) for v in np.argwhere(bad)[0])
            raise InputError(
                f"t_new[{eco.iso3[i]}, {eco.iso3[n]}, {eco.sectors[s]}] = {tn[i, n, s]:.4g}: "
                "tariffs must be finite and > -1 (0.25 = 25 %)"
            )
    if _is_concrete(d_hat):
        dn = np.asarray(d_hat)
        if (~np.isfinite(dn) | (dn <= 0)).any():
            raise InputError(
                "d_hat (iceberg trade-cost changes) must be finite and > 0 (1 = no change)"
            )
    off = (1.0 - jnp.eye(eco.n))[:, :, None]
    # a country never taxes its own goods; domestic trade costs do not change
    return t_new * off, d_hat * off + (1.0 - off)


def _raise_if_failed(
    sol: MultiSectorEquilibrium, what: str, tol: float, inner_iterations: int
) -> None:
    try:
        ok = bool(sol.converged)
    except jax.errors.ConcretizationTypeError:  # under jit / vmap: the caller checks
        return
    if not ok:
        raise ConvergenceError(
            f"{what} did not converge in {int(sol.iterations)} Newton steps "
            f"({status_message(sol.status)}; largest scaled "
            f"residual {float(sol.max_residual):.3g}, tolerance {tol:g}). Try: max_steps "
            f"larger, inner_iterations larger than {inner_iterations} (slow input-output "
            "contraction), a smaller shock (solve in steps and rebase), tol larger, or "
            "check the data for countries or sectors with tiny flows; pass throw=False to "
            "get the unconverged result.",
            sol,
        )


def rebase(equilibrium: MultiSectorEquilibrium) -> MultiSectorEconomy:
    """The counterfactual equilibrium as a new baseline economy.

    Flows become ``X_new``, tariffs ``t_new``, deficits ``D_new``; ``theta``, ``alpha`` and
    the ``gamma`` are kept. Iceberg shocks are absorbed in the new flows. Jittable.

    Example:
        >>> eq = solve_multisector(eco, eco.t, deficits="data")      # doctest: +SKIP
        >>> eco2 = rebase(eq)                                          # doctest: +SKIP
    """
    eco = equilibrium.baseline
    return dataclasses.replace(eco, X=equilibrium.X_new, t=equilibrium.t_new, D=equilibrium.D_new)


def balanced_baseline(
    economy: MultiSectorEconomy,
    *,
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    inner_iterations: int = DEFAULT_INNER_ITERATIONS,
    throw: bool = True,
) -> MultiSectorEconomy:
    """The baseline re-based on a world without trade deficits (models.md §2).

    Solves the model at the baseline tariffs with ``D' = 0`` and returns that equilibrium
    as the new baseline: its flows (hence ``pi'``, ``X'``, ``I'`` and ``w_hat * wL``) with
    ``D = 0``; ``alpha``, ``gamma`` and ``theta`` are kept. Caliendo & Parro's Table 2 is
    measured from this world.

    Example:
        >>> from blocs.data.multisector import load_cp2015
        >>> eco = balanced_baseline(load_cp2015())
        >>> float(abs(eco.D).max())
        0.0
    """
    n, s = economy.n, economy.s
    sol = _solve_core(
        _anonymous(economy),
        economy.t,
        jnp.ones((n, n, s)),
        jnp.zeros(n),
        iterations=inner_iterations,
        tol=tol,
        max_steps=max_steps,
    )
    sol = sol._replace(baseline=economy)
    if throw:
        _raise_if_failed(
            sol, "the zero-deficit baseline (deficits='balanced')", tol, inner_iterations
        )
    return rebase(sol)


def solve_multisector(
    economy: MultiSectorEconomy,
    t_new: Any,
    *,
    d_hat: Any | None = None,
    deficits: Literal["data", "balanced"] = "data",
    tol: float = DEFAULT_TOL,
    max_steps: int = DEFAULT_MAX_STEPS,
    inner_iterations: int = DEFAULT_INNER_ITERATIONS,
    throw: bool = True,
) -> MultiSectorEquilibrium:
    """Solve the Caliendo-Parro model for new tariffs ``t_new`` (and iceberg shocks).

    Pure: jittable (``static_argnames=("deficits", "tol", "max_steps", "inner_iterations",
    "throw")``), vmappable over ``t_new`` / ``d_hat`` and differentiable with respect to
    them and to the economy's arrays (implicit function theorem, no unrolled Newton steps).

    Args:
        economy: the baseline (:class:`MultiSectorEconomy`).
        t_new: counterfactual tariffs ``t'[i, n, s]``, shape (N, N, S); the diagonal is
            ignored (set to 0).
        d_hat: iceberg trade-cost changes ``d_hat[i, n, s]`` (1 = none), shape (N, N, S).
        deficits: ``"data"`` holds the baseline deficits ``D`` fixed (numeraire: world value
            added); ``"balanced"`` first solves the world with ``D' = 0`` at the baseline
            tariffs and measures everything from there (Caliendo & Parro's Table 2).
        tol: tolerance on the largest scaled residual (relative trade balance, numeraire,
            inner fixed points).
        max_steps: Newton steps before giving up.
        inner_iterations: fixed-point steps of the inner price and expenditure systems.
        throw: raise :class:`ConvergenceError` on failure (outside jit/vmap); else check
            ``converged``.

    Returns:
        :class:`MultiSectorEquilibrium`.

    Example:
        >>> from blocs.data.multisector import load_cp2015, cp2015_nafta_tariffs
        >>> eco = load_cp2015()
        >>> eq = solve_multisector(eco, cp2015_nafta_tariffs(), deficits="balanced")
        >>> mex = eco.index("MEX")
        >>> round(float(eq.tot_pct[mex]), 2), round(float(eq.vot_pct[mex]), 2)
        (-0.41, 1.72)
    """
    t_new, d_hat = _check_shocks(economy, t_new, d_hat)
    if deficits == "balanced":
        economy = balanced_baseline(
            economy, tol=tol, max_steps=max_steps, inner_iterations=inner_iterations, throw=throw
        )
        D_new = jnp.zeros(economy.n)
    elif deficits == "data":
        D_new = economy.D
    else:
        raise InputError(
            f"deficits={deficits!r}: choose 'data' (baseline deficits held "
            "fixed) or 'balanced' (re-base on a zero-deficit world first)"
        )
    sol = _solve_core(
        _anonymous(economy),
        t_new,
        d_hat,
        D_new,
        iterations=inner_iterations,
        tol=tol,
        max_steps=max_steps,
    )
    sol = sol._replace(baseline=economy)
    if throw:
        _raise_if_failed(sol, "the multi-sector equilibrium", tol, inner_iterations)
    return sol


def equilibrium_at(
    economy: MultiSectorEconomy,
    t_new: Any,
    w_hat: Any,
    *,
    d_hat: Any | None = None,
    D_new: Any | None = None,
    tol: float = DEFAULT_TOL,
    inner_iterations: int = DEFAULT_INNER_ITERATIONS,
) -> MultiSectorEquilibrium:
    """Every outcome at given wages ``w_hat`` (prices and expenditure solved, no Newton).

    For checks: ``trade_balance_residual`` shows whether ``w_hat`` is an equilibrium under
    any numeraire (``converged`` = every country's trade balance and the inner systems hold
    to ``tol``; ``max_residual`` is the largest of them; ``iterations`` is 0). Scaling
    ``w_hat`` and ``D_new`` by the same factor is a change of numeraire: real outcomes must
    not move.

    Args:
        economy, t_new, d_hat: as in :func:`solve_multisector`.
        w_hat: wage changes, shape (N,).
        D_new: deficits in the units of ``w_hat`` (default: the economy's ``D``).
    """
    t_new, d_hat = _check_shocks(economy, t_new, d_hat)
    D_new = economy.D if D_new is None else jnp.asarray(D_new, dtype=float)
    sol = _evaluate_core(
        _anonymous(economy),
        t_new,
        d_hat,
        D_new,
        jnp.asarray(w_hat, dtype=float),
        iterations=inner_iterations,
        tol=tol,
    )
    return sol._replace(baseline=economy)


# ----------------------------------------------------------------------------------------
# The common model interface (blocs.models.base.Model)


class CaliendoParro(BaseModel):
    """Options of the multi-sector model (Caliendo & Parro 2015).

    ``deficits``: ``"data"`` holds the baseline deficits fixed; ``"balanced"`` re-bases on a
    zero-deficit world first (the paper's Table 2). ``elasticities``: which set of sectoral
    trade elasticities the data loader attaches (icio2022). ``inner_iterations``: cap on the
    inner fixed-point steps.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    deficits: Literal["data", "balanced"] = "data"
    elasticities: str = "caliendo_parro_2015"
    inner_iterations: int = Field(DEFAULT_INNER_ITERATIONS, ge=10)


class CPParams(NamedTuple):
    """Calibrated arrays of the multi-sector model.

    Attributes:
        economy: the (label-free) baseline the hats refer to: the data, or the balanced world
            under ``deficits="balanced"``; its ``theta`` holds the elasticities used.
        D_new: counterfactual deficits, shape (N,) (the baseline's, or zeros).
    """

    economy: MultiSectorEconomy
    D_new: Array


class CPStatic(NamedTuple):
    """The hashable options the equations branch on."""

    inner_iterations: int
    tol: float


class CaliendoParroModel(Model):
    """Caliendo & Parro (2015): many sectors, input-output links (docs/models.md §2).

    Unknowns ``log w_hat`` (N); the price and expenditure systems are solved inside the
    residual. Policies have shape (N, N, S).
    """

    name: ClassVar[str] = "caliendo_parro"
    Options: ClassVar[type[CaliendoParro]] = CaliendoParro
    multisector: ClassVar[bool] = True
    economy_types: ClassVar[tuple[type, ...]] = (MultiSectorEconomy,)
    outcome_names: ClassVar[tuple[str, ...]] = (
        "welfare_pct",
        "deficit_change_pct",
        "exports_gdp_pct",
        "imports_gdp_pct",
        "employment_pct",
        "cpi_pct",
        "tariff_revenue_pct",
        "tot_pct",
        "vot_pct",
        "welfare_linear_pct",
        "real_wage_pct",
    )

    def calibrate(self, economy: Any, options: Any, *, elasticity: Any = None) -> CPParams:
        eco = _anonymous(economy)
        if elasticity is not None:
            theta = jnp.broadcast_to(jnp.asarray(elasticity, dtype=float), (economy.s,))
            eco = dataclasses.replace(eco, theta=theta)
        if options.deficits == "balanced":
            eco = balanced_baseline(eco, inner_iterations=options.inner_iterations)
            return CPParams(economy=eco, D_new=jnp.zeros(economy.n))
        return CPParams(economy=eco, D_new=eco.D)

    def elasticities(self, params: CPParams) -> Array:
        return params.economy.theta

    def static(self, options: Any) -> CPStatic:
        if isinstance(options, CPStatic):
            return options
        return CPStatic(options.inner_iterations, DEFAULT_TOL)

    def initial_guess(self, params: CPParams) -> Array:
        return jnp.zeros(params.economy.n)

    def residual(self, x: Array, args: tuple[Any, Any, Any]) -> Array:
        params, policy, st = args
        base = _paper_baseline(params.economy)
        W = _shocks(base, policy.t, policy.d_hat)
        return _residual(x, (base, W, params.D_new), iterations=st.inner_iterations)

    def equilibrium(
        self, x: Array, params: CPParams, policy: Any, static: Any, result: SolverResult
    ) -> MultiSectorEquilibrium:
        base = _paper_baseline(params.economy)
        W = _shocks(base, policy.t, policy.d_hat)
        res = result._replace(x=x)
        return _equilibrium_at(
            res,
            params.economy,
            base,
            W,
            params.D_new,
            policy.t,
            policy.d_hat,
            static.inner_iterations,
            static.tol,
        )

    def unknowns(self, eq: MultiSectorEquilibrium) -> Array:
        return jnp.log(eq.w_hat)

    def rebase(self, params: CPParams, eq: MultiSectorEquilibrium) -> CPParams:
        return CPParams(economy=rebase(eq), D_new=eq.D_new)

    def solve_economy(
        self,
        economy: Any,
        policy: Any,
        options: Any = None,
        *,
        tol: float = DEFAULT_TOL,
        max_steps: int = DEFAULT_MAX_STEPS,
        throw: bool = True,
    ) -> MultiSectorEquilibrium:
        options = options or CaliendoParro()
        return solve_multisector(
            economy,
            policy.t,
            d_hat=policy.d_hat,
            deficits=options.deficits,
            tol=tol,
            max_steps=max_steps,
            inner_iterations=options.inner_iterations,
            throw=throw,
        )

    def outcomes(self, eq: MultiSectorEquilibrium) -> dict[str, Array]:
        return outcomes(eq)

    def welfare_hat(self, eq: MultiSectorEquilibrium) -> Array:
        return 1.0 + eq.welfare_pct / 100.0

    def tables(self, economy: Any, eq: MultiSectorEquilibrium) -> Tables:
        return tables(economy, eq)

    def parameters(self, economy: Any, eq: MultiSectorEquilibrium) -> dict[str, Any]:
        return {
            "trade_elasticities": dict(
                zip(economy.sectors, map(float, np.asarray(eq.baseline.theta)), strict=True)
            ),
            "input_output_links": economy.gamma_io is not None,
        }

    def diagnostics(self, eq: MultiSectorEquilibrium) -> dict[str, float]:
        return {"walras_residual": float(np.max(np.abs(np.asarray(eq.trade_balance_residual))))}

    def baseline_income(self, economy: Any) -> Array:
        return economy.income


#: Extra country columns of the multi-sector model (docs/models.md §2).
MULTISECTOR_COLUMNS = ("tot_pct", "vot_pct", "welfare_linear_pct", "real_wage_pct")
#: Columns of the country-sector table.
SECTOR_COLUMNS = ("iso3", "sector", "output_pct", "exports_pct", "imports_pct", "price_pct")


def outcomes(eq: MultiSectorEquilibrium) -> dict[str, Array]:
    """Country-level percent changes of an equilibrium, arrays of shape (N,) (traceable)."""
    base = eq.baseline
    n = base.n
    off = (1.0 - jnp.eye(n))[:, :, None]
    X0, X1 = base.X, eq.X_new
    va0 = base.value_added
    va1 = eq.w_hat * va0
    exp0, exp1 = (X0 * off).sum(axis=(1, 2)), (X1 * off).sum(axis=(1, 2))
    imp0, imp1 = (X0 * off).sum(axis=(0, 2)), (X1 * off).sum(axis=(0, 2))
    cpi = jnp.exp(jnp.sum(base.alpha * jnp.log(eq.P_hat), axis=1))
    revenue1 = jnp.sum(eq.t_new * X1, axis=(0, 2))
    return {
        "welfare_pct": eq.welfare_pct,
        "deficit_change_pct": deficit_change(eq.D_new, base.D),
        "exports_gdp_pct": pct_change(exp1 / va1, exp0 / va0),
        "imports_gdp_pct": pct_change(imp1 / va1, imp0 / va0),
        "employment_pct": jnp.zeros(n),
        "cpi_pct": 100.0 * (cpi - 1.0),
        "tariff_revenue_pct": 100.0 * revenue1 / base.income,
        "tot_pct": eq.tot_pct,
        "vot_pct": eq.vot_pct,
        "welfare_linear_pct": eq.welfare_linear_pct,
        "real_wage_pct": eq.real_wage_pct,
    }


def tables(economy: Any, eq: MultiSectorEquilibrium) -> Tables:
    """Country and country-sector tables (labels from ``economy``).

    Country columns: ``employment_pct`` is 0 (labour is fixed); ``cpi_pct`` is the change of
    ``prod_s P[n, s]**alpha[n, s]``; revenue is over baseline income; ``welfare_pct`` is the
    exact real-income change, ``welfare_linear_pct = tot_pct + vot_pct`` the paper's
    first-order decomposition.
    """
    base = eq.baseline
    out = {k: np.asarray(v) for k, v in outcomes(eq).items()}
    countries = pd.DataFrame(
        {
            "iso3": list(economy.iso3),
            "name": list(economy.names),
            **out,
            "expenditure": np.asarray(base.income),
            "gdp": np.asarray(base.value_added),
        }
    )
    n = economy.n
    S = len(economy.sectors)
    sectors = pd.DataFrame(
        {
            "iso3": np.repeat(list(economy.iso3), S),
            "sector": list(economy.sectors) * n,
            "output_pct": np.asarray(eq.output_pct).reshape(-1),
            "exports_pct": np.asarray(eq.exports_pct).reshape(-1),
            "imports_pct": np.asarray(eq.imports_pct).reshape(-1),
            "price_pct": np.asarray(eq.price_pct).reshape(-1),
        }
    )
    return Tables(countries=countries, sectors=sectors)


#: The registered instance.
MODEL = CaliendoParroModel()
