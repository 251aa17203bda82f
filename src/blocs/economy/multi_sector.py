"""The multi-sector economy: immutable, labelled baseline data (Caliendo & Parro 2015 layout).

A :class:`MultiSectorEconomy` holds bilateral flows per sector ``X[i, n, s]`` (domestic
sales included), baseline tariffs, trade elasticities, value-added, input-output and
final-demand shares and trade deficits, with country and sector labels. It is a JAX PyTree:
arrays are leaves, labels are static metadata. It is data, not a model: the model that runs
on it is :mod:`blocs.models.caliendo_parro`; the loaders are in :mod:`blocs.data.multisector`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from blocs.economy.one_sector import USER_DATASET
from blocs.errors import DataError, InputError, closest

__all__ = ["MultiSectorEconomy", "trade_deficits"]

#: Slack allowed on ``gamma_va + sum_k gamma_io <= 1`` (the CP input-output table sums to
#: one only to 7e-7).
_SHARE_SLACK = 1e-5
#: Relative size of ``sum_n D[n]`` (world deficit) tolerated against world value added.
_DEFICIT_SLACK = 1e-8

Array = jax.Array


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
        dataset: which data set this is (static): ``"cp2015"``, ``"icio2022"`` or
            ``"user"`` (set by the loaders).
        country_data: further per-country columns, ``{name: shape (N,)}`` (read-only;
            empty for the embedded data).

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
    dataset: str = dataclasses.field(default=USER_DATASET, metadata={"static": True})
    country_data: Mapping[str, Array] = dataclasses.field(default_factory=dict)

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
        dataset: str = USER_DATASET,
        country_data: Mapping[str, Any] | None = None,
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
            source: description. dataset: the data set's identity (loaders of embedded
            data pass its name). country_data: further per-country columns, each (N,).
            label: how error messages name the input.
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
            dataset=dataset,
            country_data={
                str(k): jnp.asarray(_array(v, str(k), (N,), label, iso3, sectors, finite=False))
                for k, v in (country_data or {}).items()
            },
        )


jax.tree_util.register_dataclass(
    MultiSectorEconomy,
    data_fields=["X", "t", "theta", "gamma_va", "gamma_io", "alpha", "D", "country_data"],
    meta_fields=["iso3", "names", "sectors", "tradable", "source", "dataset"],
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
    *,
    finite: bool = True,
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
    if finite and bad.any():
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
