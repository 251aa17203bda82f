"""Issue 12, item 11: a command that fails writes nothing (outputs are checked before
anything is solved; a failed solve writes no file)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from blocs import sweep as sw
from blocs.cli import coalition as coalition_cli
from blocs.errors import InputError
from blocs.sweep.store import open_output


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    "args",
    [
        ["run", "liberation-day", "--out", "{d}/out", "--report", "{d}/file.txt"],
        ["run", "liberation-day", "--out", "{d}/file.txt"],
        ["run", "liberation-day", "--out", "{d}/mine"],  # a folder of the user's files
        ["run", "liberation-day", "--out", "{d}/out", "--column", "welfare"],
        ["coalition", "--allies", "JPN", "--out", "{d}/out", "--report", "{d}/file.txt"],
        ["optimal", "liberation-day", "--player", "USA", "--out", "{d}/file.txt"],
        ["sweep", "liberation-day", "--grid", "trade_elasticity=3,4", "--out", "{d}/file.txt"],
        [
            "sweep",
            "liberation-day",
            "--grid",
            "trade_elasticity=3,4",
            "--out",
            "{d}/out",
            "--scheduler",
            "tcp://127.0.0.1:notaport",
        ],  # fmt: skip
        ["gradient", "liberation-day", "--out", "{d}/file.txt"],
        ["timeline", "--report", "{d}/file.txt"],
    ],
)
def test_bad_outputs_fail_first_and_write_nothing(cli, tmp_path: Path, args):
    (tmp_path / "file.txt").write_text("mine")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    before = _listing(tmp_path)
    res = cli(*(a.format(d=tmp_path) for a in args))
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "error: " in res.stderr
    assert _listing(tmp_path) == before
    assert (tmp_path / "file.txt").read_text() == "mine"


def test_coalition_that_fails_writes_nothing(cli, tmp_path: Path, monkeypatch):
    """``--response -0.999`` (or any failed equilibrium): exit 3, no file."""

    def write(out):  # pragma: no cover - must not be called
        raise AssertionError("a failed coalition run must write nothing")

    fake = SimpleNamespace(write=write)
    monkeypatch.setattr(coalition_cli, "solve_coalitions", lambda *a, **k: fake)
    monkeypatch.setattr(coalition_cli, "_print", lambda res: None)
    monkeypatch.setattr(coalition_cli, "_failures", lambda res: ["USA+JPN"])
    monkeypatch.setattr(
        coalition_cli,
        "write_coalition_report",
        lambda *a: (_ for _ in ()).throw(AssertionError("no report on failure")),
    )
    out = tmp_path / "out"
    res = cli("coalition", "--allies", "JPN", "--response", "-0.999", "--out", out,
              "--report", out)  # fmt: skip
    assert res.exit_code == 3
    assert "Nothing was written" in res.stderr
    assert not out.exists()


class _Failing:
    """A backend that fails before the first chunk (like an unreachable scheduler)."""

    name = "failing"

    def map_chunks(self, fn, chunks):
        raise InputError("cannot reach the Dask scheduler")
        yield  # pragma: no cover


def test_sweep_failing_before_the_first_chunk_leaves_no_folder(tmp_path: Path):
    spec = sw.make_spec(scenario="liberation-day", grid={"trade_elasticity": [3.0, 4.0]})
    out = tmp_path / "sweep"
    with pytest.raises(InputError, match="scheduler"):
        sw.run_sweep(spec, out=out, backend=_Failing(), chunk_size=1)
    assert not out.exists()


def test_open_output_writes_nothing_into_a_new_folder(tmp_path: Path):
    assert open_output(tmp_path / "new", {"x": 1}, 2, 4) == set()
    assert not (tmp_path / "new").exists()
