"""The user's own data in the app: uploaded CSV tables, checked by the CLI's loader.

The CLI runs own data named in a scenario's ``[scenario] data = { flows = "flows.csv",
countries = "countries.csv" }`` (:func:`blocs.data.load_economy`: ``exporter, importer,
value`` and ``iso3, gdp[, name]``). The browser cannot name a file on the server, so it sends
the tables' text (at most :data:`MAX_UPLOAD_BYTES` in all); :meth:`Uploads.add` writes them
under the app's own temporary folder with fixed names, loads them with the same function
(the same checks and messages, naming the uploaded file, row and column) and keeps the
economy in memory under an id. A scenario document then names the uploaded files by their
names only (``data = { flows = "trade.csv", ... }``, so the TOML download runs with
``blocs run`` next to the same files), and every request carries the id.

Example:
    >>> uploads = Uploads()
    >>> up = uploads.add(
    ...     {"name": "flows.csv", "text": "exporter,importer,value\\nAAA,BBB,5\\nBBB,AAA,3\\n"
    ...      "CCC,AAA,2\\nAAA,CCC,4\\n"},
    ...     {"name": "countries.csv", "text": "iso3,gdp\\nAAA,50\\nBBB,80\\nCCC,100\\n"},
    ... )
    >>> up.economy.n, up.data
    (3, {'flows': 'flows.csv', 'countries': 'countries.csv'})
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from blocs.app.documents import is_plain_csv
from blocs.data import load_economy
from blocs.errors import DataError, ScenarioError

__all__ = ["MAX_UPLOAD_BYTES", "MAX_UPLOADS", "Upload", "Uploads", "safe_file_name"]

#: Largest upload (both tables' text together). world2023's flows as a CSV are ~1 MB.
MAX_UPLOAD_BYTES = 4 * 1024 * 1024

#: Uploads kept in memory (the oldest is forgotten first).
MAX_UPLOADS = 8


@dataclasses.dataclass(frozen=True)
class Upload:
    """Loaded own data: ``id``, the file names a scenario uses (``data``: ``{"flows",
    "countries"}``, countries absent when GDP comes from domestic flows) and the economy."""

    id: str
    data: dict[str, str]
    economy: Any


def safe_file_name(name: Any, default: str) -> str:
    """The name a scenario may use for an uploaded table: a bare ``*.csv`` name, no folder.

    Raises:
        ScenarioError: anything else (a path, another type, another character).
    """
    if name is None or name == "":
        return default
    if not isinstance(name, str) or not is_plain_csv(name):
        raise ScenarioError(
            f"upload: file name {name!r} is not a plain CSV file name (letters, digits, "
            "'.', '_', '-', ending in .csv; no folder): rename the file"
        )
    return name


class Uploads:
    """The uploads of one server (thread-safe)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Upload] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, flows: Any, countries: Any = None) -> Upload:
        """Check and load ``flows`` (and ``countries``): ``{"name", "text"}`` each.

        Raises:
            ScenarioError: a missing table, a bad name, over :data:`MAX_UPLOAD_BYTES`.
            DataError: the CLI loader's message (file named as uploaded).
        """
        tables = {"flows": _table(flows, "flows", "flows.csv")}
        if countries is not None:
            tables["countries"] = _table(countries, "countries", "countries.csv")
        names = [name for name, _ in tables.values()]
        if len(set(names)) != len(names):
            raise ScenarioError("upload: the flows and countries files have the same name")
        size = sum(len(text.encode("utf-8")) for _, text in tables.values())
        if size > MAX_UPLOAD_BYTES:
            raise ScenarioError(
                f"upload: {size / 2**20:.1f} MB is over the app's limit of "
                f"{MAX_UPLOAD_BYTES // 2**20} MB; run data this large with the command line"
            )
        digest = hashlib.sha256()
        for key, (name, text) in sorted(tables.items()):
            digest.update(f"{key}\0{name}\0{text}\0".encode())
        uid = digest.hexdigest()[:16]
        with self._lock:
            if uid in self._items:
                return self._items[uid]
        economy = _load(tables)
        upload = Upload(id=uid, data={k: n for k, (n, _) in tables.items()}, economy=economy)
        with self._lock:
            self._items[uid] = upload
            while len(self._items) > MAX_UPLOADS:
                self._items.popitem(last=False)
        return upload

    def get(self, uid: Any, data: Any) -> Upload:
        """The upload ``uid`` whose file names are the scenario's ``data`` table.

        Raises:
            ScenarioError: no such upload (never uploaded, or forgotten), or other names.
        """
        with self._lock:
            upload = self._items.get(uid) if isinstance(uid, str) else None
        if upload is None:
            raise ScenarioError(
                "scenario, scenario.data: the app reads no file on the server; upload the "
                "data files (Data: your own data) and the scenario uses them"
            )
        names = {
            "flows": getattr(data, "flows", None),
            "countries": getattr(data, "countries", None),
        }
        wanted = {"flows": upload.data["flows"], "countries": upload.data.get("countries")}
        if names != wanted:
            raise ScenarioError(
                f"scenario, scenario.data: the scenario names {names}, the upload holds "
                f"{wanted}; use the uploaded files' names"
            )
        return upload


def _table(item: Any, key: str, default: str) -> tuple[str, str]:
    if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
        raise ScenarioError(f"upload: the {key} table must be sent as {{name, text}}")
    return safe_file_name(item.get("name"), default), item["text"]


def _load(tables: Mapping[str, tuple[str, str]]) -> Any:
    with tempfile.TemporaryDirectory(prefix="blocs-upload-") as tmp:
        paths = {}
        for key, (name, text) in tables.items():
            paths[key] = Path(tmp) / name
            paths[key].write_text(text, encoding="utf-8")
        try:
            return load_economy(paths["flows"], paths.get("countries"))
        except DataError as exc:  # name the files as the user knows them
            raise DataError(str(exc).replace(f"{tmp}/", "")) from None
