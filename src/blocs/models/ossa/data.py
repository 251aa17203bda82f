"""The Ossa (2014) data: the economy record and the replication-file loader.

:class:`OssaEconomy` holds flows, tariffs, elasticities of substitution and political-economy
weights; :func:`load_ossa` reads and checks the GTAP-derived replication files
(``validation/ossa2014`` layout: derived from the proprietary GTAP database, so use them
for validation only). Conventions: :mod:`blocs._conventions` (``i`` exporter, ``n``
importer, ``s`` industry).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from blocs.errors import DataError, InputError

__all__ = [
    "BALANCED_NX_TOL",
    "LAMBDA_MEAN_TOL",
    "OSSA_REGIONS",
    "OssaEconomy",
    "load_ossa",
]

#: Region labels of the Ossa (2014) data, in data order.
OSSA_REGIONS = ("Brazil", "China", "EU", "India", "Japan", "ROW", "US")
#: |net exports| allowed in a file that claims to be balanced (numeraire units, README check).
BALANCED_NX_TOL = 1e-4
#: Allowed deviation of a row mean of the political-economy weights from 1.
LAMBDA_MEAN_TOL = 1e-9


@dataclasses.dataclass(frozen=True)
class OssaEconomy:
    """A multi-industry world economy at its baseline (a JAX PyTree).

    Attributes:
        X: flows ``X[i, n, s]`` at customs value, domestic sales on the diagonal ``i = n``,
            shape (N, N, S).
        t: baseline tariffs ``t[i, n, s]`` levied by importer ``n``, zero diagonal,
            shape (N, N, S).
        sigma: elasticities of substitution ``sigma[s] > 1``, shape (S,).
        lam: political-economy weights ``lam[n, s] >= 0`` (1 = none), shape (N, S).
        regions: region labels (static), length N.
        sectors: industry labels (static), length S.

    Example:
        >>> import jax.numpy as jnp
        >>> eco = OssaEconomy(X=jnp.ones((2, 2, 1)), t=jnp.zeros((2, 2, 1)),
        ...                   sigma=jnp.array([4.0]), lam=jnp.ones((2, 1)),
        ...                   regions=("A", "B"), sectors=("x",))
        >>> eco.n, eco.s
        (2, 1)
    """

    X: jax.Array
    t: jax.Array
    sigma: jax.Array
    lam: jax.Array
    regions: tuple[str, ...] = dataclasses.field(default=(), metadata={"static": True})
    sectors: tuple[str, ...] = dataclasses.field(default=(), metadata={"static": True})

    @property
    def n(self) -> int:
        """Number of regions N."""
        return int(self.X.shape[0])

    @property
    def s(self) -> int:
        """Number of industries S."""
        return int(self.X.shape[2])

    @property
    def iso3(self) -> tuple[str, ...]:
        """Region labels (the country codes of the common interface), length N."""
        return self.regions

    @property
    def names(self) -> tuple[str, ...]:
        """Region names (the labels), length N."""
        return self.regions

    @property
    def tradable(self) -> tuple[bool, ...]:
        """Whether each industry is traded: all are (Ossa's industries are goods)."""
        return (True,) * len(self.sectors)

    def index(self, region: str) -> int:
        """Position of a region label; raises :class:`InputError` naming the choices."""
        try:
            return self.regions.index(region)
        except ValueError:
            raise InputError(
                f"unknown region {region!r}; the economy has {', '.join(self.regions)}"
            ) from None


jax.tree_util.register_dataclass(
    OssaEconomy, data_fields=["X", "t", "sigma", "lam"], meta_fields=["regions", "sectors"]
)


def _read_matrix(path: Path, shape: tuple[int, int]) -> np.ndarray:
    if not path.is_file():
        raise DataError(f"{path}: file not found (expected the Ossa 2014 replication files)")
    rows = []
    with path.open() as fh:
        for k, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            fields = line.strip().split(",")
            if len(fields) != shape[1]:
                raise DataError(f"{path.name}, row {k}: {len(fields)} columns, expected {shape[1]}")
            try:
                rows.append([float(v) for v in fields])
            except ValueError:
                raise DataError(f"{path.name}, row {k}: not a number in {line.strip()!r}") from None
    arr = np.asarray(rows, dtype=float)
    if arr.shape != shape:
        raise DataError(f"{path.name}: {arr.shape[0]} rows, expected {shape[0]}")
    bad = ~np.isfinite(arr)
    if bad.any():
        r, c = map(int, np.argwhere(bad)[0])
        raise DataError(f"{path.name}, row {r + 1}, column {c + 1}: value is NaN or infinite")
    return arr


def _read_labels(path: Path) -> list[str]:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    return [ln.strip().strip('"') for ln in path.read_text().splitlines() if ln.strip()]


def _stacked_location(i: int, n: int, s: int, n_reg: int) -> str:
    return f"row {s * n_reg + i + 1}, column {n + 1}"


def load_ossa(
    path: str | Path,
    *,
    balanced: bool = True,
    sigma_column: int = 1,
    political_weights: bool = False,
) -> OssaEconomy:
    """Read the Ossa (2014) replication files (``validation/ossa2014`` layout).

    Args:
        path: the folder holding ``trade_ijs*.csv``, ``tariff_ijs.csv``, ``sigma_s.csv``,
            ``labels.csv``, ``regions.csv`` (and ``lambda_pol.csv`` for POL weights).
        balanced: read ``trade_ijs_balanced.csv`` (Ossa's balanced baseline) instead of the
            raw ``trade_ijs.csv``.
        sigma_column: column of ``sigma_s.csv`` (1-based; 1 is the main specification).
        political_weights: ``lam`` from ``lambda_pol.csv`` (Panel B) instead of ones.

    The stacked layout holds exporter ``i``, importer ``n``, industry ``s`` at row
    ``s * N + i`` and column ``n`` (0-based). Checks (:class:`DataError` naming file and row):
    shapes; flows finite and non-negative; ``t[i, i, s] == 0``; a balanced file has
    ``|NX| < 1e-4``; each row of ``lambda_pol`` has mean 1; ``sigma > 1``.

    The data derive from the proprietary GTAP database: use them for validation only.
    """
    root = Path(path)
    regions = [r.split(",", 1)[1].strip() for r in _read_labels(root / "regions.csv")[1:]]
    sectors = _read_labels(root / "labels.csv")
    n_reg, n_sec = len(regions), len(sectors)
    if n_reg == 0 or n_sec == 0:
        raise DataError(f"{root}: regions.csv or labels.csv is empty")
    trade_name = "trade_ijs_balanced.csv" if balanced else "trade_ijs.csv"

    def stacked(name: str) -> np.ndarray:
        raw = _read_matrix(root / name, (n_sec * n_reg, n_reg))
        return raw.reshape(n_sec, n_reg, n_reg).transpose(1, 2, 0)

    X = stacked(trade_name)
    t = stacked("tariff_ijs.csv")
    for arr, name, what in ((X, trade_name, "flow"), (t, "tariff_ijs.csv", "tariff")):
        neg = arr < 0
        if neg.any():
            i, n, s = map(int, np.argwhere(neg)[0])
            raise DataError(
                f"{name}, {_stacked_location(i, n, s, n_reg)} (exporter {regions[i]}, "
                f"importer {regions[n]}, industry {sectors[s]}): {what} {arr[i, n, s]:g} "
                "is negative"
            )
    diag = t[np.arange(n_reg), np.arange(n_reg), :]
    if np.any(diag != 0):
        i, s = map(int, np.argwhere(diag != 0)[0])
        raise DataError(
            f"tariff_ijs.csv, {_stacked_location(i, i, s, n_reg)}: tariff of {regions[i]} on "
            f"its own {sectors[s]} is {diag[i, s]:g}; domestic tariffs must be 0"
        )
    if balanced:
        nx = X.sum(axis=(1, 2)) - X.sum(axis=(0, 2))
        worst = int(np.argmax(np.abs(nx)))
        if abs(nx[worst]) >= BALANCED_NX_TOL:
            raise DataError(
                f"{trade_name}: net exports of {regions[worst]} are {nx[worst]:.3g}, but a "
                f"balanced baseline needs |NX| < {BALANCED_NX_TOL:g}; use balanced=False and "
                "blocs.models.ossa.balance()"
            )
    sig_all = _read_matrix(root / "sigma_s.csv", (n_sec, 5))
    if not 1 <= sigma_column <= sig_all.shape[1]:
        raise InputError(f"sigma_column must be 1..{sig_all.shape[1]}, got {sigma_column}")
    sigma = sig_all[:, sigma_column - 1]
    if np.any(sigma <= 1.0):
        k = int(np.argmax(sigma <= 1.0))
        raise DataError(f"sigma_s.csv, row {k + 1}: sigma {sigma[k]:g} must exceed 1")
    if political_weights:
        lam = _read_matrix(root / "lambda_pol.csv", (n_reg, n_sec))
        if np.any(lam < 0):
            r, c = map(int, np.argwhere(lam < 0)[0])
            raise DataError(f"lambda_pol.csv, row {r + 1}, column {c + 1}: weight is negative")
        means = lam.mean(axis=1)
        for r, m in enumerate(means):
            if abs(m - 1.0) > LAMBDA_MEAN_TOL:
                raise DataError(
                    f"lambda_pol.csv, row {r + 1} ({regions[r]}): mean weight {m:.12g}, expected 1"
                )
    else:
        lam = np.ones((n_reg, n_sec))
    return OssaEconomy(
        X=jnp.asarray(X),
        t=jnp.asarray(t),
        sigma=jnp.asarray(sigma),
        lam=jnp.asarray(lam),
        regions=tuple(regions),
        sectors=tuple(sectors),
    )
