"""Lazy loading (issue 13, item 2): ``import blocs`` and ``blocs --help`` import no heavy
stack, ``blocs run`` none it does not use, and the lazy tables stay in step with the code."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

import blocs
from blocs.cli import COMMAND_MODULES, COMMANDS, app, load_command

SRC = Path(__file__).resolve().parents[2] / "src"


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "BLOCS_CACHE_DIR": "off"}
    script = f"{code}\nimport sys\nprint(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_command_table_matches_the_modules():
    """Every command of every module is in the table, with its docstring's first paragraph."""
    in_modules = {name for m in COMMAND_MODULES for name in m.COMMANDS}
    assert set(COMMANDS) == in_modules
    for name, (module, short) in COMMANDS.items():
        function = load_command(name)
        assert function.__module__ == module
        assert inspect.getdoc(function).split("\n\n")[0] == short, name


def test_help_lists_what_the_loaded_commands_would(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    lazy = CliRunner().invoke(app, ["--help"]).output
    eager = typer.Typer(add_completion=False, no_args_is_help=True, help=app.info.help)
    for name in COMMANDS:
        eager.command(name)(load_command(name))
    assert lazy == CliRunner().invoke(eager, ["--help"]).output
    assert "run " in lazy and "timeline " in lazy


def test_public_names_and_dir():
    assert set(blocs.__all__) == {*blocs._PUBLIC, *blocs._SUBMODULES, "__version__"}
    assert set(blocs.__all__) <= set(dir(blocs))
    for name in blocs.__all__:
        assert getattr(blocs, name) is not None, name


def test_import_and_help_stay_light():
    heavy = {"jax", "pandas", "scipy", "matplotlib", "dask", "pyfixest", "blocs.strategy"}
    assert not heavy & _modules_after("import blocs")
    help_mods = _modules_after(
        "import contextlib, io\nfrom blocs.cli import app\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    app(['--help'])"
    )
    assert not heavy & help_mods


def test_run_loads_only_what_it_uses():
    mods = _modules_after("import blocs.cli.run")
    unused = {"scipy.optimize", "matplotlib", "dask", "pyfixest", "blocs.sweep", "blocs.strategy"}
    assert not unused & mods
    assert "blocs.models.ossa" not in mods  # the registry imports a model when it is used


def test_registry_names_models_without_importing_them():
    mods = _modules_after(
        "from blocs.models.registry import MODELS, get_model\n"
        "assert 'ossa' in MODELS and 'imls' in MODELS and len(MODELS) == len(list(MODELS))\n"
        "try:\n    get_model('osa')\nexcept Exception as e:\n    assert 'ossa' in str(e)"
    )
    assert "blocs.models.ossa" not in mods
    assert "blocs.models.imls" not in mods


def test_float64_whichever_is_imported_first():
    code = "import blocs\nimport jax.numpy as jnp\nprint(jnp.ones(1).dtype)"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "float64"


def _run_modules(cache: Path, *args: str) -> tuple[set[str], str]:
    """``blocs run ARGS`` in a fresh interpreter with its cache in ``cache``: the modules
    it loaded and what it printed."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "BLOCS_CACHE_DIR": str(cache)}
    script = (
        "import contextlib, io, sys\nfrom blocs.cli import app\nout = io.StringIO()\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(out):\n"
        f"    app(['run', *{list(args)!r}])\n"
        "print(' '.join(sys.modules))\nprint(out.getvalue(), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split()), done.stderr


def test_run_imports_no_pandas_and_keeps_its_solve(tmp_path):
    """A plain ``blocs run`` (issue 13): no pandas, no SciPy optimizers, not even the rest of
    ``scipy.linalg``, no rich, no multi-sector model; its solve is kept as an exported program, and the next run, from that
    program, prints the same table."""
    cache = tmp_path / "cache"
    mods, first = _run_modules(cache, "liberation-day", "--countries", "USA,CHN,non-US")
    heavy = {"pandas", "scipy.optimize", "scipy.linalg", "matplotlib", "dask", "pyfixest"}
    assert not heavy & mods
    # printed without rich (stdout is not a terminal), the multi-sector model not imported
    assert not {m for m in mods if m == "rich" or m.startswith("rich.")}
    assert "blocs.models.caliendo_parro" not in mods
    assert "scipy.linalg.cython_lapack" in mods  # what JAX's LU calls
    assert len(list((cache / "exported").glob("imls_solve-*.jaxexport"))) == 1
    _, second = _run_modules(cache, "liberation-day", "--countries", "USA,CHN,non-US")
    strip = [line for line in first.splitlines() if "Newton steps" not in line]
    assert strip == [line for line in second.splitlines() if "Newton steps" not in line]
    assert "USA " in first and "1.13" in first  # IMLS (2025): +1.13 % for the US
