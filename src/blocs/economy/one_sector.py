"""The one-sector economy: immutable, labelled baseline data.

An :class:`Economy` holds a *completed* bilateral flow matrix (domestic flows included),
baseline tariffs, the country labels and any further per-country columns of the countries
table (:attr:`Economy.country_data`). It is a JAX PyTree: arrays are leaves, labels are
static metadata, so it can be passed through ``jax.jit`` and ``jax.vmap``.

Build one with :func:`blocs.load_world2023` (the embedded data) or :func:`economy_from_tables`
(the user's flows and countries tables). The calibration of profit shares and domestic flows
follows ``docs/models.md`` §1 (Ignatenko, Macedoni, Lashkaripour & Simonovska 2025).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from blocs.errors import DataError, InputError, closest

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAX_TRADE_TO_GDP",
    "NUMERIC_COLUMNS",
    "USER_DATASET",
    "Economy",
    "calibrate_profit_shares",
    "complete_flows",
    "economy_from_tables",
]

#: Target profit shares of the IMLS calibration (models.md §1, step 1): rest of world, US.
_NU_TARGET_ROW = 0.12
_NU_TARGET_US = 0.26
#: The :attr:`Economy.dataset` of data that is not one of the embedded data sets.
USER_DATASET = "user"
#: Columns of the countries table that are not carried in :attr:`Economy.country_data`.
_COUNTRY_LABELS = ("name",)
#: Columns of the countries table that must hold numbers where they are present.
NUMERIC_COLUMNS = ("gdp", "gdp_usd", "us_tariff_2025_04")
#: The largest ratio of a country's imports or exports (with the other countries) to its
#: GDP that data may have. The largest in world2023 is about 27 (the Marshall Islands, a
#: ship registry); a GDP 100 times below trade is a unit mistake (GDP in billions, flows
#: in thousands) or a typo, and would calibrate nonsense.
MAX_TRADE_TO_GDP = 100.0


@dataclasses.dataclass(frozen=True)
class Economy:
    """A one-sector world economy at its baseline.

    Attributes:
        X: flows ``X[i, n]`` from exporter ``i`` to importer ``n`` at customs value, domestic
            flows on the diagonal, shape (N, N).
        t: baseline tariffs ``t[i, n]`` levied by ``n`` on ``i``, zero diagonal, shape (N, N).
        nu: profit shares ``nu[i]`` (zero unless calibrated), shape (N,).
        gdp: GDP as given in the data (same units as flows), shape (N,).
        iso3: ISO 3166-1 alpha-3 codes (static).
        names: country names (static).
        source: a short description of where the data came from (static).
        checksum: SHA-256 of the raw input tables (static).
        dataset: which data set this is (static): an embedded one (``"world2023"``) or
            ``"user"`` (:data:`USER_DATASET`).
        country_data: further numeric columns of the countries table, ``{column: shape
            (N,)}`` (NaN where a cell is empty), e.g. ``"us_tariff_2025_04"`` in world2023
            (read it with :func:`blocs.data.us_tariffs_2025_04`). Read-only.
    """

    X: jax.Array
    t: jax.Array
    nu: jax.Array
    gdp: jax.Array
    iso3: tuple[str, ...] = dataclasses.field(metadata={"static": True})
    names: tuple[str, ...] = dataclasses.field(metadata={"static": True})
    source: str = dataclasses.field(default="", metadata={"static": True})
    checksum: str = dataclasses.field(default="", metadata={"static": True})
    dataset: str = dataclasses.field(default=USER_DATASET, metadata={"static": True})
    country_data: Mapping[str, jax.Array] = dataclasses.field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of countries."""
        return len(self.iso3)

    @property
    def E(self) -> jax.Array:
        """Expenditure ``E[n] = sum_i (1 + t[i, n]) X[i, n]``, tariffs included, shape (N,)."""
        return jnp.sum((1.0 + self.t) * self.X, axis=0)

    def index(self, code: str) -> int:
        """Position of an ISO3 code; raises :class:`InputError` with a suggestion."""
        try:
            return self.iso3.index(code.upper())
        except ValueError:
            raise InputError(
                f"unknown country code '{code}'"
                f"{closest(code, self.iso3, dict(zip(self.iso3, self.names, strict=True)))}; "
                f"this economy has {self.n} countries (see `blocs countries`)"
            ) from None

    def indices(self, codes: Sequence[str]) -> list[int]:
        """Positions of several ISO3 codes."""
        return [self.index(c) for c in codes]

    def with_flows(self, X: Any) -> Economy:
        """A copy with a new flow matrix (used to re-base on a counterfactual)."""
        return dataclasses.replace(self, X=jnp.asarray(X))


jax.tree_util.register_dataclass(
    Economy,
    data_fields=["X", "t", "nu", "gdp", "country_data"],
    meta_fields=["iso3", "names", "source", "checksum", "dataset"],
)


# ----------------------------------------------------------------------------------------
# Calibration (models.md §1, steps 1-3), in NumPy: it runs once per data set.


def _region_expenditure(nu: np.ndarray, X2: np.ndarray, Y2: np.ndarray) -> np.ndarray:
    """``E_r = Y2_r + (1 - nu_r) (sum_j X2[j, r] - sum_i (1 - nu_i) X2[r, i])``."""
    imports = X2.sum(axis=0)
    net_sales = (X2 * (1.0 - nu)[None, :]).sum(axis=1)
    return Y2 + (1.0 - nu) * (imports - net_sales)


def calibrate_profit_shares(X_foreign: np.ndarray, Y: np.ndarray, us: int) -> np.ndarray:
    """Profit shares ``nu`` (one for ``us``, one for everyone else), models.md §1 step 1.

    Solves the two-region system by fixed-point iteration on the 2x2 linear system; the
    paper's data gives 0.114335 (rest of world) and 0.270471 (US).

    Args:
        X_foreign: foreign flows, zero diagonal, shape (N, N).
        Y: GDP, shape (N,).
        us: index of the United States (region 2).

    Returns:
        nu, shape (N,).
    """
    mask = np.zeros(len(Y), dtype=bool)
    mask[us] = True
    reg = [~mask, mask]  # region 1 = rest of world, region 2 = US
    X2 = np.array([[X_foreign[np.ix_(a, b)].sum() for b in reg] for a in reg])
    Y2 = np.array([Y[r].sum() for r in reg])
    nu = np.array([_NU_TARGET_ROW, _NU_TARGET_US])
    for _ in range(200):
        E = _region_expenditure(nu, X2, Y2)
        r11 = (E[0] - X2[1, 0]) / (E[0] - X2[1, 0] + X2[0, 1])
        r22 = (E[1] - X2[0, 1]) / (E[1] - X2[0, 1] + X2[1, 0])
        # (1 - r11) nu_2 + r11 nu_1 = 0.12 ;  r22 nu_2 + (1 - r22) nu_1 = 0.26
        A = np.array([[r11, 1.0 - r11], [1.0 - r22, r22]])
        new = np.linalg.solve(A, np.array([_NU_TARGET_ROW, _NU_TARGET_US]))
        new = np.clip(new, 0.0, None)
        if np.max(np.abs(new - nu)) < 1e-15:
            nu = new
            break
        nu = new
    out = np.full(len(Y), nu[0])
    out[us] = nu[1]
    return out


def complete_flows(X_foreign: np.ndarray, Y: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """Add domestic flows to a foreign-flow matrix (models.md §1 step 2).

    ``T[i] = (1 - nu_i)(imports_i - sum_n (1 - nu_n) X[i, n])``, ``E = Y + T``,
    ``X[i, i] = max(0, E[i] - imports_i)``.
    """
    imports = X_foreign.sum(axis=0)
    T = (1.0 - nu) * (imports - (X_foreign * (1.0 - nu)[None, :]).sum(axis=1))
    E = Y + T
    X = X_foreign.copy()
    np.fill_diagonal(X, np.maximum(0.0, E - imports))
    return X


# ----------------------------------------------------------------------------------------
# Building an Economy from tables


def _show(value: object) -> str:
    """A cell value as the user wrote it ('nan', 'abc', '-2.5'), not its numpy repr."""
    if isinstance(value, (float, np.floating)):
        return str(float(value))
    return repr(str(value))


def _checksum(*frames: pd.DataFrame) -> str:
    import pandas as pd  # on use: the embedded data are read ready-made (issue 13)

    h = hashlib.sha256()
    for f in frames:
        h.update(pd.util.hash_pandas_object(f, index=False).values.tobytes())
    return h.hexdigest()


def _numbers(df: pd.DataFrame, col: str, label: str) -> np.ndarray:
    """Column ``col`` as floats (empty cells NaN); a cell that is not a number is a DataError
    naming the row (as in the file: the header is row 1) and the column."""
    import pandas as pd  # on use: the embedded data are read ready-made (issue 13)

    raw = df[col]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = raw.astype(str).str.strip()
    bad = np.isnan(values) & raw.notna().to_numpy() & (text != "").to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"{label}, row {row + 2}, column {col}: {_show(raw.iloc[row])} is not a number"
        )
    return values


def _country_data(countries: pd.DataFrame, skip: Sequence[str], label: str) -> dict[str, jax.Array]:
    """The numeric columns of ``countries`` other than ``skip``, ``{column: shape (N,)}``.

    A column of :data:`NUMERIC_COLUMNS`, or one whose cells are numbers but for a few, must
    hold only numbers (a DataError names the row and column of the first that is not)."""
    import pandas as pd  # on use: the embedded data are read ready-made (issue 13)

    out = {}
    for col in countries.columns:
        if col in skip:
            continue
        column = countries[col]
        if not pd.api.types.is_numeric_dtype(column):
            parsed = pd.to_numeric(column, errors="coerce")
            if col not in NUMERIC_COLUMNS and parsed.notna().sum() <= column.notna().sum() / 2:
                continue  # a text column (names, regions)
        out[str(col)] = jnp.asarray(_numbers(countries, str(col), label))
    return out


def _codes(df: pd.DataFrame, col: str, label: str) -> list[str]:
    """Country codes of column ``col``; an empty cell is a DataError naming row and column."""
    raw = df[col]
    empty = (raw.isna() | (raw.astype(str).str.strip() == "")).to_numpy()
    if empty.any():
        row = int(np.argmax(empty))
        raise DataError(
            f"{label}, row {row + 2}, column {col}: empty; every row needs a country code"
        )
    return [str(c).strip().upper() for c in raw]


def _find_column(df: pd.DataFrame, names: Sequence[str], what: str, label: str) -> str:
    for name in names:
        if name in df.columns:
            return name
    raise DataError(
        f"{label}: no {what} column; expected one of {', '.join(names)} "
        f"(found: {', '.join(map(str, df.columns))})"
    )


def _check_trade(
    X: np.ndarray, gdp: np.ndarray, codes: Sequence[str], label: str, gdp_col: str, flows: str
) -> None:
    """Refuse data with no trade between countries, or a GDP :data:`MAX_TRADE_TO_GDP` times
    below a country's imports or exports."""
    foreign = X * (1.0 - np.eye(len(codes)))
    if not foreign.any():
        raise DataError(
            f"{flows}: no flow between two different countries (every value is 0 or domestic); "
            "a world without trade has nothing to simulate"
        )
    trade = np.maximum(foreign.sum(axis=0), foreign.sum(axis=1))
    ratio = trade / gdp
    if (ratio > MAX_TRADE_TO_GDP).any():
        k = int(np.argmax(ratio))
        raise DataError(
            f"{label}, row {k + 2} ({codes[k]}), column {gdp_col}: GDP {gdp[k]:g} is "
            f"{ratio[k]:.3g} times below the country's trade ({trade[k]:g}) in {flows}; "
            f"check the units (GDP in the flows' units; at most {MAX_TRADE_TO_GDP:g} times "
            "below trade is accepted)"
        )


def economy_from_tables(
    flows: pd.DataFrame,
    countries: pd.DataFrame,
    *,
    calibrate: str = "auto",
    flows_label: str = "flows",
    countries_label: str = "countries",
    source: str = "user data",
    dataset: str = USER_DATASET,
) -> Economy:
    """Build an :class:`Economy` from a long flow table and a countries table.

    Args:
        flows: columns ``exporter, importer, value`` (``value_kusd`` also accepted) and an
            optional ``tariff`` (baseline ad-valorem tariff, 0.05 = 5 %). Flows may omit
            zero pairs. If any row has ``exporter == importer`` the data must hold domestic
            flows for every country and is used as given (models.md §1 step 5); otherwise
            domestic flows are built from GDP (steps 1-3).
        countries: columns ``iso3`` and ``gdp`` (same units as flows) or ``gdp_usd`` (US
            dollars, when flows are ``value_kusd``); optional ``name``. Every other numeric
            column (e.g. ``us_tariff_2025_04``) is kept in :attr:`Economy.country_data`.
        calibrate: ``"auto"`` (IMLS profit shares when domestic flows are built and the US is
            present, else zero), ``"imls"`` or ``"none"``.
        flows_label, countries_label: names used in error messages (file paths).
        source: provenance recorded in the economy and in run manifests.
        dataset: the data set's identity (:attr:`Economy.dataset`); loaders of embedded
            data pass its name.

    Returns:
        The calibrated :class:`Economy`.

    Raises:
        DataError: on unknown codes, missing or non-finite values, negative flows, duplicates.

    Example:
        >>> import pandas as pd
        >>> f = pd.DataFrame({"exporter": ["AAA", "BBB"], "importer": ["BBB", "AAA"],
        ...                   "value": [1.0, 2.0]})
        >>> c = pd.DataFrame({"iso3": ["AAA", "BBB"], "gdp": [10.0, 20.0]})
        >>> economy_from_tables(f, c).n
        2
    """
    import pandas as pd  # on use: the embedded data are read ready-made (issue 13)

    if calibrate not in ("auto", "imls", "none"):
        raise InputError(f"calibrate must be 'auto', 'imls' or 'none', not {calibrate!r}")
    # --- countries
    iso_col = _find_column(countries, ["iso3", "iso", "country"], "ISO3 code", countries_label)
    if "gdp" in countries.columns:
        gdp = _numbers(countries, "gdp", countries_label)
        gdp_col = "gdp"
    else:
        gdp_col = _find_column(countries, ["gdp", "gdp_usd"], "GDP", countries_label)
        gdp = _numbers(countries, gdp_col, countries_label) / 1000.0
    codes = _codes(countries, iso_col, countries_label)
    for row, code in enumerate(codes):
        if len(code) != 3 or not code.isalnum():
            raise DataError(
                f"{countries_label}, row {row + 2}: '{code}' is not an ISO3 code "
                "(three letters, e.g. 'USA')"
            )
    seen: dict[str, int] = {}
    for row, code in enumerate(codes):
        if code in seen:
            raise DataError(
                f"{countries_label}, row {row + 2}: country '{code}' is listed twice "
                f"(first at row {seen[code] + 2}); keep one row per country"
            )
        seen[code] = row
    for row, value in enumerate(gdp):
        if not np.isfinite(value) or value <= 0:
            raise DataError(
                f"{countries_label}, row {row + 2} ({codes[row]}): {gdp_col} is "
                f"{'missing' if not np.isfinite(value) else value}; every country needs a "
                "positive GDP"
            )
    names = (
        tuple(str(x) for x in countries["name"]) if "name" in countries.columns else tuple(codes)
    )
    extra = _country_data(countries, (iso_col, gdp_col, *_COUNTRY_LABELS), countries_label)
    n = len(codes)
    if n < 2:
        raise DataError(f"{countries_label}: at least two countries are needed, found {n}")

    # --- flows
    exp_col = _find_column(flows, ["exporter", "origin", "i"], "exporter", flows_label)
    imp_col = _find_column(flows, ["importer", "destination", "n"], "importer", flows_label)
    val_col = _find_column(flows, ["value", "value_kusd", "flow", "trade"], "value", flows_label)
    if len(flows) == 0:
        raise DataError(
            f"{flows_label}: no rows (only a header?); give the flows between countries, "
            "one row per exporter and importer"
        )
    exporters = np.asarray(_codes(flows, exp_col, flows_label), dtype=object)
    importers = np.asarray(_codes(flows, imp_col, flows_label), dtype=object)
    values = pd.to_numeric(flows[val_col], errors="coerce").to_numpy(dtype=float)
    for col, arr in ((exp_col, exporters), (imp_col, importers)):
        unknown = ~np.isin(arr, codes)
        if unknown.any():
            row = int(np.argmax(unknown))
            raise DataError(
                f"{flows_label}, row {row + 2}: {col} '{arr[row]}' is not in "
                f"{countries_label}{closest(arr[row], codes)}; add it there or fix the code"
            )
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"{flows_label}, row {row + 2}: {val_col} is {_show(flows[val_col].iloc[row])}, not a "
            "number; remove the row or give a finite value"
        )
    neg = values < 0
    if neg.any():
        row = int(np.argmax(neg))
        raise DataError(
            f"{flows_label}, row {row + 2} ({exporters[row]}->{importers[row]}): negative flow "
            f"{values[row]}; flows must be >= 0"
        )
    pair = pd.Series(list(zip(exporters, importers, strict=True)))
    dup = pair.duplicated().to_numpy()
    if dup.any():
        row = int(np.argmax(dup))
        raise DataError(
            f"{flows_label}, row {row + 2}: pair {exporters[row]}->{importers[row]} appears "
            "twice; aggregate duplicates before loading"
        )
    pos = {c: k for k, c in enumerate(codes)}
    ei = np.array([pos[c] for c in exporters], dtype=int)
    ii = np.array([pos[c] for c in importers], dtype=int)
    X = np.zeros((n, n))
    X[ei, ii] = values
    _check_trade(X, gdp, codes, countries_label, gdp_col, flows_label)
    t = np.zeros((n, n))
    if "tariff" in flows.columns:
        tar = pd.to_numeric(flows["tariff"], errors="coerce").to_numpy(dtype=float)
        badt = ~np.isfinite(tar) | (tar <= -1.0)
        if badt.any():
            row = int(np.argmax(badt))
            raise DataError(
                f"{flows_label}, row {row + 2}: tariff {_show(flows['tariff'].iloc[row])} is not a "
                "number > -1 (tariffs are fractions: 0.25 = 25 %)"
            )
        t[ei, ii] = tar
        np.fill_diagonal(t, 0.0)

    has_domestic = bool((ei == ii).any())
    if has_domestic:
        missing = [codes[k] for k in range(n) if X[k, k] <= 0]
        if missing:
            raise DataError(
                f"{flows_label}: the table holds domestic flows (exporter == importer) but not "
                f"for {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}; give a "
                "positive domestic flow for every country or none at all"
            )
        nu = np.zeros(n)
        if calibrate == "imls":
            raise InputError(
                "calibrate='imls' builds domestic flows from GDP; this table already holds "
                "them: use calibrate='none'"
            )
    else:
        np.fill_diagonal(X, 0.0)
        if calibrate == "none" or (calibrate == "auto" and "USA" not in pos):
            nu = np.zeros(n)
        else:
            if "USA" not in pos:
                raise DataError(f"{countries_label}: calibrate='imls' needs the USA in the data")
            nu = calibrate_profit_shares(X, gdp, pos["USA"])
        X = complete_flows(X, gdp, nu)
        # a country whose imports exceed its GDP-implied expenditure gets X[i, i] = 0
        # (the paper's max(0, .)); it still has positive expenditure.
    absorb = (X * (1 + t)).sum(axis=0)
    zero = absorb <= 0
    if zero.any():
        k = int(np.argmax(zero))
        raise DataError(f"{flows_label}: country {codes[k]} buys nothing; drop it")
    return Economy(
        X=jnp.asarray(X),
        t=jnp.asarray(t),
        nu=jnp.asarray(nu),
        gdp=jnp.asarray(gdp),
        iso3=tuple(codes),
        names=names,
        source=source,
        checksum=_checksum(flows, countries),
        dataset=dataset,
        country_data=extra,
    )
