"""Issue 12, item 10: one run's files never mix with another's; a reader sees a whole run or
none (stale files, concurrent writers, a writer killed by SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from blocs.errors import InputError
from blocs.io import MARKER, is_complete, write_folder
from blocs.run import write_run
from tests.outputs.conftest import fake_run


def _tags(out: Path) -> set[str]:
    """The writer tag of every file of a run folder."""
    tags = set()
    for p in out.rglob("*"):
        if p.is_file() and p.name != MARKER:
            text = p.read_text()
            tags |= {t for t in ("A", "B", "section", "liberation") if f"tag-{t}" in text}
    return tags


def test_a_second_run_leaves_no_stale_file(tmp_path: Path):
    out = tmp_path / "x"
    write_run(fake_run("tag-section", sectors=True), out)  # like section-232 (sectors.csv)
    assert (out / "sectors.csv").exists() and is_complete(out)
    write_run(fake_run("tag-liberation"), out)  # like liberation-day (one sector)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "countries.csv", "run.json"]
    assert _tags(out) == {"liberation"}
    assert [p.name for p in tmp_path.iterdir()] == ["x"]  # no temporary folder left


def test_concurrent_writers_never_mix(tmp_path: Path):
    out = tmp_path / "x"
    runs = {t: fake_run(f"tag-{t}", sectors=True) for t in "AB"}
    for _ in range(200):  # 47 of 200 trials mixed before (issue 12)
        barrier = threading.Barrier(2)

        def write(tag: str, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            write_run(runs[tag], out)

        threads = [threading.Thread(target=write, args=(t,)) for t in "AB"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert is_complete(out)
        assert len(_tags(out)) == 1
        assert sorted(p.name for p in out.iterdir()) == [
            MARKER,
            "countries.csv",
            "run.json",
            "sectors.csv",
        ]
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


WRITER = textwrap.dedent(
    """
    import sys
    from blocs.io import write_folder
    out, tag = sys.argv[1], sys.argv[2]
    big = ("tag-" + tag + ",") * 200_000
    files = {f"f{k:02d}.csv": big for k in range(15)}
    print("ready", flush=True)
    while True:
        write_folder(out, files)
    """
)


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.5])
def test_sigkill_leaves_a_whole_run_or_none(tmp_path: Path, delay):
    out = tmp_path / "x"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(out), "B"], stdout=subprocess.PIPE, env=env
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()
    if out.exists():  # a whole run: the marker and every file it lists
        files = json.loads((out / MARKER).read_text())["files"]
        assert sorted(files) == sorted(p.name for p in out.iterdir() if p.name != MARKER)
        assert len(files) == 15 and _tags(out) == {"B"}
        for name in files:
            assert (out / name).stat().st_size == len("tag-B,") * 200_000


def test_a_folder_of_other_files_is_never_replaced(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="blocs did not write.*notes.txt"):
        write_folder(tmp_path, {"a.csv": "x"})
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    file = tmp_path / "notes.txt"
    with pytest.raises(InputError, match="not a folder"):
        write_run(fake_run("tag-A"), file)
    link = tmp_path / "dangling"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="link to nothing"):
        write_run(fake_run("tag-A"), link)


@pytest.mark.parametrize("name", ["../up", "/abs", "a/../../b", MARKER])
def test_write_folder_refuses_names_outside_the_folder(tmp_path: Path, name):
    with pytest.raises(ValueError):
        write_folder(tmp_path / "x", {name: "x"})
    assert not (tmp_path / "x").exists() and not (tmp_path / "up").exists()
