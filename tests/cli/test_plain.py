"""Printing without rich when stdout is not a terminal (``blocs.cli.plain``, issue 13) writes
exactly what rich writes; JAX imported without its package scan (``blocs.cli.jax_import``)
finds the same plugins."""

from __future__ import annotations

import io
import os
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

import blocs.cli.common as common
from blocs.cli.common import FULL_WIDTH, clean, print_rows, say
from blocs.cli.jax_import import rocm_plugin_folders
from blocs.cli.plain import plain_line, plain_stream, table_lines

SRC = Path(__file__).resolve().parents[2] / "src"


def _rich(renderable, **kwargs) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=FULL_WIDTH).print(renderable, **kwargs)
    return buffer.getvalue()


def _random_text(rng: random.Random, alphabet: str, longest: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))


def test_tables_are_what_rich_draws():
    rng = random.Random(0)
    alphabet = string.ascii_letters + string.digits + " .-[]/():%+*–"
    drawn = 0
    for _ in range(600):
        columns = [
            (_random_text(rng, alphabet, 10), rng.choice(["left", "right", "center"]))
            for _ in range(rng.randint(1, 6))
        ]
        rows = [
            [_random_text(rng, alphabet, 12) for _ in columns] for _ in range(rng.randint(1, 5))
        ]
        lines = table_lines(columns, rows)
        if lines is None:  # leading or trailing spaces: left to rich
            continue
        table = Table()
        for k, (head, justify) in enumerate(columns):
            table.add_column(Text(head), justify=justify, style="bold" if k == 0 else None)
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        assert "".join(f"{line}\n" for line in lines) == _rich(table), (columns, rows)
        drawn += 1
    assert drawn > 300


def test_what_is_left_to_rich():
    assert table_lines([("a", "left")], []) is None  # no rows
    assert table_lines([("a", "left")], [["é"]]) is None  # not ASCII
    assert table_lines([("a", "left")], [["x "]]) is None  # trailing space
    assert table_lines([("a", "left")], [["x", "y"]]) is None  # ragged
    assert table_lines([("a", "left")], [["x\ty"]]) is None
    assert not plain_line("a\tb")
    assert not plain_line("x" * FULL_WIDTH)


def test_lines_are_what_rich_prints():
    rng = random.Random(1)
    alphabet = "abc XYZ019.,;:-_[]()/%+*'\"\n–é中😀\u0301\x1b\x07"
    for _ in range(1000):
        value = _random_text(rng, alphabet, 30)
        line = clean(value)
        assert plain_line(line)
        for style in ("", "dim", "italic"):
            assert _rich(Text(line, style=style), highlight=False) == f"{line}\n", value


def test_print_rows_and_say_with_and_without_rich(monkeypatch, capsys):
    title = "liberation-day: tariffs [bold]x — é"
    columns = ["", ("welfare", "right"), ("prices", "center")]
    rows = [["USA", "1.13", "12.81"], ["EU27 (27)", "–", "-4.51"], ["[red]x[/]", "0.00", "1"]]
    printed = {}
    for plain in (True, False):
        monkeypatch.setattr(common, "plain_stream", lambda stream, p=plain: p)
        print_rows(title, columns, rows)
        say("a note\x1b[31m, two\nlines")
        printed[plain] = capsys.readouterr().out
    assert printed[True] == printed[False]
    assert "[red]x[/]" in printed[True] and "\x1b" not in printed[True]


class _Stream(io.StringIO):
    def __init__(self, tty: bool, encoding: str = "utf-8") -> None:
        super().__init__()
        self._tty, self._encoding = tty, encoding

    def isatty(self) -> bool:
        return self._tty

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


@pytest.mark.parametrize(
    ("tty", "environ", "encoding", "plain"),
    [
        (False, {}, "utf-8", True),
        (True, {}, "utf-8", False),
        (False, {"FORCE_COLOR": "1"}, "utf-8", False),
        (False, {"FORCE_COLOR": ""}, "utf-8", True),
        (False, {"FORCE_COLOR": "1", "TTY_COMPATIBLE": "0"}, "utf-8", True),
        (False, {"TTY_COMPATIBLE": "1"}, "utf-8", False),
        (False, {}, "ascii", False),
    ],
)
def test_plain_stream_is_where_rich_writes_no_codes(tty, environ, encoding, plain):
    stream = _Stream(tty, encoding)
    assert plain_stream(stream, environ) is plain
    if plain:  # rich agrees: no colours, UTF-8 boxes
        console = Console(file=stream, width=FULL_WIDTH, _environ=environ)
        assert console.color_system is None and not console.is_terminal


# ----------------------------------------------------------------------------------------
# JAX's import


def _python(code: str, *path: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), *path])}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout


SPY = (
    "import importlib.metadata as m, sys\n"
    "calls = []\n"
    "original = m.distributions\n"
    "def spy(**kw):\n"
    "    calls.append((sys._getframe(1).f_globals.get('__name__'), sorted(kw)))\n"
    "    return original(**kw)\n"
    "m.distributions = spy\n"
)


def test_jax_lists_distributions_only_to_find_rocm_plugins():
    """The one listing of every distribution during ``import jax`` is the ROCm plugin
    search that :func:`blocs.cli.jax_import.import_jax` answers from folder names (a new
    one in another JAX would need a look)."""
    out = _python(SPY + "import jax, jax.numpy\nprint(calls)")
    assert out.strip() == "[('jax._src.numpy.array_constructors', [])]"


def test_import_jax_skips_the_scan_and_restores_the_function():
    code = (
        SPY + "from blocs.cli.jax_import import import_jax\n"
        "jax = import_jax()\n"
        "print(calls)\n"
        "import jax.numpy as jnp\n"
        "assert m.distributions is spy and float(jnp.ones(2).sum()) == 2.0"
    )
    assert _python(code).strip() == "[]"


def test_a_rocm_plugin_folder_keeps_the_scan(tmp_path):
    site = tmp_path / "site"
    (site / "jax_rocm7_plugin-0.10.2.dist-info").mkdir(parents=True)
    (site / "jax_rocm7_plugin-0.10.2.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: jax-rocm7-plugin\nVersion: 0.10.2\n"
    )
    (site / "jaxlib-0.10.2.dist-info").mkdir()
    (site / "jax_rocm7_plugin").mkdir()  # a package folder, not metadata
    assert rocm_plugin_folders([str(site)]) == [str(site / "jax_rocm7_plugin-0.10.2.dist-info")]
    assert (
        rocm_plugin_folders([str(tmp_path / "missing"), str(site / "jaxlib-0.10.2.dist-info")])
        == []
    )
    code = SPY + "from blocs.cli.jax_import import import_jax\nimport_jax()\nprint(calls)"
    # the plugin's module is missing, so JAX goes on without it, as it would by itself
    out = _python(code, str(site))
    assert out.strip() == "[('jax._src.numpy.array_constructors', [])]"
