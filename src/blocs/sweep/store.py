"""Resumable output of a sweep: one Parquet file per chunk and a manifest.

Every finished chunk is written to ``out/chunks/chunk-NNNNNN.parquet`` (a temporary file,
then a rename) and recorded in ``out/manifest.json`` (spec, spec hash, chunk size, finished
chunks). A rerun skips finished chunks; a killed run loses at most the chunks in flight; a
rerun with a different spec or chunk size is refused. A chunk file that cannot be read or
does not hold its chunk's draws (truncated, damaged) is deleted and solved again.

Nothing is written before the first chunk is solved (:func:`open_output` only checks a new
folder; the runner saves the manifest just before the first chunk file): a sweep that fails
early (an unreachable scheduler, a bad option) leaves no folder behind.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from blocs.errors import DataError, InputError
from blocs.io import atomic_write_parquet, atomic_write_text
from blocs.run import data_checksum
from blocs.scenario.schema import estimated_effects
from blocs.sweep.spec import SweepSpec
from blocs.version import VERSION

__all__ = [
    "CHUNKS",
    "MANIFEST",
    "canonical",
    "chunk_ok",
    "chunk_path",
    "combine",
    "data_checksum",
    "load_sweep",
    "open_output",
    "save_manifest",
    "spec_hash",
    "write_chunk",
]

MANIFEST = "manifest.json"
CHUNKS = "chunks"
#: Version of the output format (part of the spec hash: a new format never resumes an old).
FORMAT_VERSION = 1


def canonical(spec: SweepSpec, checksum: str) -> dict[str, Any]:
    """What determines the results, as JSON: the spec with the scenario's full content (not
    just its name) and the data's checksum."""
    sc = spec.load_scenario()
    # rows and percentiles only shape the summary: a rerun may change them
    doc = spec.model_dump(mode="json", exclude={"scenario", "rows", "percentiles"})
    doc["scenario"] = sc.model_dump(mode="json")
    if not spec.partial_effect_draws:
        doc.pop("partial_effect_draws", None)  # sweeps stored before the option keep their hash
    effects = estimated_effects(sc)
    if effects:  # the estimates' contents, not only their paths
        doc["estimates"] = {w: e.sha256 for w, e in effects}
    doc["data_checksum"] = checksum
    doc["format"] = FORMAT_VERSION
    return doc


def spec_hash(doc: Mapping[str, Any]) -> str:
    """SHA-256 of a JSON document (keys sorted)."""
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def chunk_path(out: Path, chunk: int) -> Path:
    return out / CHUNKS / f"chunk-{chunk:06d}.parquet"


def write_chunk(out: Path, chunk: int, table: pd.DataFrame) -> None:
    """Write a chunk to a temporary file, flush it to disk, then rename (atomic)."""
    atomic_write_parquet(chunk_path(out, chunk), table)


def chunk_ok(out: Path, chunk: int, draws: range) -> bool:
    """Whether the file of ``chunk`` can be read and holds exactly the draws ``draws``."""
    try:
        table = pd.read_parquet(chunk_path(out, chunk), columns=["draw"])
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return False
    return set(table["draw"].unique().tolist()) == set(draws)


def _finished_on_disk(out: Path, n_chunks: int) -> set[int]:
    found = set()
    for p in (out / CHUNKS).glob("chunk-*.parquet"):
        try:
            c = int(p.stem.removeprefix("chunk-"))
        except ValueError:
            continue
        if 0 <= c < n_chunks:
            found.add(c)
    return found


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return ", ".join(keys) or "(none visible)"


def open_output(out: Path, doc: dict[str, Any], chunk_size: int, n_draws: int) -> set[int]:
    """Check ``out`` (updating the manifest of a sweep being resumed); returns the finished
    chunks, each checked (:func:`chunk_ok`: a damaged chunk file is deleted, to be solved
    again). Writes nothing into a new folder.

    Raises:
        InputError: ``out`` is a file, holds another sweep (spec or chunk size), or is a
            non-empty folder without a manifest. DataError: the manifest is unreadable.
    """
    if out.exists() and not out.is_dir():
        raise InputError(f"out={out}: exists and is not a folder")
    manifest_path = out / MANIFEST
    n_chunks = math.ceil(n_draws / chunk_size)
    h = spec_hash(doc)
    if manifest_path.exists():
        try:
            old = json.loads(manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(
                f"{manifest_path}: cannot read it ({exc}); use a new out folder"
            ) from None
        if old.get("spec_hash") != h:
            raise InputError(
                f"out={out}: this folder holds a sweep with a different spec (hash "
                f"{str(old.get('spec_hash'))[:12]}, now {h[:12]}; differing: "
                f"{_diff(old.get('spec', {}), doc)}). Use a new out folder, or delete "
                f"{out} to start over"
            )
        if old.get("chunk_size") != chunk_size:
            raise InputError(
                f"out={out}: this sweep was run with chunk_size={old.get('chunk_size')}; "
                f"rerun with chunk_size={old.get('chunk_size')} (--chunk-size "
                f"{old.get('chunk_size')}) to resume it, or use a new out folder"
            )
        finished = set(int(c) for c in old.get("finished", []))
    else:
        if out.exists() and any(out.iterdir()):
            raise InputError(
                f"out={out}: the folder is not empty and has no {MANIFEST}; it is not a "
                "sweep folder. Use a new or empty folder"
            )
        finished = set()
    for stale in (out / CHUNKS).glob(".chunk-*.tmp") if (out / CHUNKS).exists() else []:
        stale.unlink(missing_ok=True)  # a chunk in flight when a run was killed
    finished |= _finished_on_disk(out, n_chunks) if (out / CHUNKS).exists() else set()
    finished = {c for c in finished if chunk_path(out, c).exists()}
    for c in sorted(finished):
        draws = range(c * chunk_size, min((c + 1) * chunk_size, n_draws))
        if not chunk_ok(out, c, draws):
            chunk_path(out, c).unlink(missing_ok=True)  # damaged: solve it again
            finished.discard(c)
    if manifest_path.exists():
        save_manifest(out, doc, chunk_size, n_draws, finished)
    return finished


def save_manifest(
    out: Path, doc: dict[str, Any], chunk_size: int, n_draws: int, finished: set[int]
) -> None:
    """Write ``out/manifest.json`` (atomically)."""
    manifest = {
        "spec": doc,
        "spec_hash": spec_hash(doc),
        "chunk_size": chunk_size,
        "n_draws": n_draws,
        "n_chunks": math.ceil(n_draws / chunk_size),
        "finished": sorted(finished),
        "blocs_version": VERSION,
    }
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")


def combine(tables: Sequence[pd.DataFrame], n_draws: int, where: str) -> pd.DataFrame:
    """The chunk tables as one, sorted by draw and country; every draw exactly once.

    Raises:
        DataError: no rows, a (draw, country) twice, or draws missing.
    """
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if table.empty:
        raise DataError(f"{where}: no results")
    dup = table.duplicated(["draw", "iso3"])
    if dup.any():
        row = table[dup].iloc[0]
        raise DataError(
            f"{where}: draw {int(row['draw'])}, {row['iso3']} appears twice; the chunk "
            "files overlap (delete the folder and rerun)"
        )
    missing = sorted(set(range(n_draws)) - set(table["draw"].unique()))
    if missing:
        raise DataError(
            f"{where}: draws {missing[:5]}{' ...' if len(missing) > 5 else ''} are missing; "
            "rerun the same command to finish the sweep"
        )
    return table.sort_values(["draw", "iso3"], kind="stable").reset_index(drop=True)


def load_sweep(out: str | Path) -> pd.DataFrame:
    """The results of a finished sweep folder (the union of its chunk files, checked).

    Raises:
        DataError: no manifest, duplicated (draw, country) rows or missing draws.
    """
    out = Path(out)
    try:
        manifest = json.loads((out / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{out}: no readable {MANIFEST} ({exc}); not a sweep folder") from None
    n_chunks = int(manifest["n_chunks"])
    files = [chunk_path(out, c) for c in range(n_chunks) if chunk_path(out, c).exists()]
    tables = []
    for f in files:
        try:
            tables.append(pd.read_parquet(f))
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise DataError(
                f"{f}: cannot read the chunk file ({exc}); rerun the same command to solve it again"
            ) from None
    return combine(tables, int(manifest["n_draws"]), str(out))
