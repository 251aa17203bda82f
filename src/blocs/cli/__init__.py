"""The ``blocs`` command line: a thin shell over the Python API.

One module per command group (:mod:`~blocs.cli.run`, :mod:`~blocs.cli.coalition`,
:mod:`~blocs.cli.strategy`, :mod:`~blocs.cli.gradient`, :mod:`~blocs.cli.sweep`,
:mod:`~blocs.cli.estimate`, :mod:`~blocs.cli.timeline`), each a ``COMMANDS`` dict
``{name: function}``; what they share (consoles, exit codes, the error handler, the number
formatter, ``--set``, ``--tol``, ``--max-steps``) is in :mod:`blocs.cli.common`. Each command
is one library call plus printing.

Lazy registration (issue 13, item 2): :data:`COMMANDS` names each command's module and its
one-line help, and :class:`LazyCommands` imports a command module only when that command
runs (or its own ``--help`` is asked for). So ``blocs --help`` imports no command module (no
JAX solve, pandas, SciPy, matplotlib, Dask or pyfixest) and ``blocs run`` imports
:mod:`blocs.cli.run` and what it uses, never the strategy, coalition, sweep or estimation
stacks. ``tests/cli/test_lazy.py`` checks that the table matches the modules' ``COMMANDS``
and their docstrings, and that ``blocs --help`` prints what the loaded commands would.

Exit codes: 0 ok, 2 bad input (data, scenario, option), 3 no convergence.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info
from typer.models import CommandInfo

from blocs.cli.jax_import import import_jax
from blocs.cli.lapack import load_lapack
from blocs.cli.xla_flags import fast_compile_flags

__all__ = ["COMMANDS", "COMMAND_MODULES", "LazyCommands", "app", "load_command", "main"]

#: command -> (module defining it, its one-line help for ``blocs --help``), in the order
#: of ``blocs --help``. Adding a command is one line here plus its module's ``COMMANDS``.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("blocs.cli.run", "Solve a scenario and print the main outcomes."),
    "compare": (
        "blocs.cli.run",
        "Solve two scenarios and print one outcome side by side (--set applies to both).",
    ),
    "scenarios": ("blocs.cli.run", "List the built-in scenarios."),
    "show": ("blocs.cli.run", "Print a scenario file (built-in or yours) after checking it."),
    "groups": (
        "blocs.cli.run",
        "List the built-in country groups with their members and sources.",
    ),
    "countries": ("blocs.cli.run", "List the countries of a data set with their codes."),
    "coalition": (
        "blocs.cli.coalition",
        "Every coalition of allies against a target: leverage, cost, Shapley, stability, p*.",
    ),
    "optimal": (
        "blocs.cli.strategy",
        "A country's or group's welfare-maximising tariffs; everyone else's at the scenario's.",
    ),
    "nash": (
        "blocs.cli.strategy",
        "A Nash tariff war: every player's tariffs a best response to the others'.",
    ),
    "talks": (
        "blocs.cli.strategy",
        "Trade talks: efficient tariffs and Nash bargaining with the tariff war as threat point.",
    ),
    "gradient": (
        "blocs.cli.gradient",
        "Exact derivatives of a scenario's outcomes (autodiff through the equilibrium).",
    ),
    "sweep": ("blocs.cli.sweep", "Percentiles of outcomes across parameter draws and grids."),
    "estimate": (
        "blocs.cli.estimate",
        "Estimate policy effects by PPML with high-dimensional fixed effects (structural gravity).",
    ),
    "timeline": (
        "blocs.cli.timeline",
        "Solve every US tariff regime of 2025-2026 (the tariffs in force at each date of the\n"
        "record, with and without the retaliation then in force) and show the path.",
    ),
    "serve": (
        "blocs.cli.serve",
        "Start the interactive scenario explorer (a local web app) and open it.",
    ),
}


def load_command(name: str) -> Any:
    """The command function ``name`` (imports its module; first SciPy's LAPACK wrappers
    without the rest of ``scipy.linalg``, :mod:`blocs.cli.lapack`, then JAX without its scan
    of every installed package's metadata, :mod:`blocs.cli.jax_import`; XLA's faster-compiling
    CPU emitters before JAX makes its backend, :mod:`blocs.cli.xla_flags`)."""
    fast_compile_flags()
    load_lapack()
    import_jax()
    return importlib.import_module(COMMANDS[name][0]).COMMANDS[name]


class LazyCommands(TyperGroup):
    """The top-level group: commands built from :data:`COMMANDS` on first use.

    ``blocs --help`` lists the commands from the table (no import); running a command, or
    asking for its own help, imports its module and builds the Typer command from the
    function exactly as ``app.command(name)(function)`` would.
    """

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if self._listing:  # the group's own help: name and one-line help only
            return typer.core.TyperCommand(name=cmd_name, help=COMMANDS[cmd_name][1])
        command = get_command_from_info(
            CommandInfo(name=cmd_name, callback=load_command(cmd_name)),
            pretty_exceptions_short=True,
            rich_markup_mode=self.rich_markup_mode,
        )
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyCommands,
    add_completion=False,
    no_args_is_help=True,
    help="blocs: general-equilibrium trade models for tariff wars, coalitions and trade deals.\n\n"
    "Example: blocs run liberation-day",
)


@app.callback()
def _group() -> None:
    # a callback makes Typer build a group (of LazyCommands) with no command registered
    pass


def __getattr__(name: str) -> Any:
    """``COMMAND_MODULES``: every command module, imported on request (tests, docs)."""
    if name == "COMMAND_MODULES":
        modules: list[ModuleType] = []
        for module_name, _ in COMMANDS.values():
            module = importlib.import_module(module_name)
            if module not in modules:
                modules.append(module)
        return tuple(modules)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``blocs`` script."""
    app()
