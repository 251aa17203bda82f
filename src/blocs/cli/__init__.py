"""The ``blocs`` command line: a thin shell over the Python API.

One module per command group (:mod:`~blocs.cli.run`, :mod:`~blocs.cli.coalition`,
:mod:`~blocs.cli.strategy`, :mod:`~blocs.cli.gradient`, :mod:`~blocs.cli.sweep`), each a
``COMMANDS`` dict ``{name: function}``; what they share (consoles, exit codes, the error
handler, the number formatter, ``--set``, ``--tol``, ``--max-steps``) is in
:mod:`blocs.cli.common`. Each command is one library call plus printing.

Exit codes: 0 ok, 2 bad input (data, scenario, option), 3 no convergence.
"""

from __future__ import annotations

import typer

from blocs.cli import coalition, estimate, gradient, run, serve, strategy, sweep, timeline

__all__ = ["COMMAND_MODULES", "app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="blocs: general-equilibrium trade models for tariff wars, coalitions and trade deals.\n\n"
    "Example: blocs run liberation-day",
)

#: The command modules, in the order of ``blocs --help``. Each defines ``COMMANDS``
#: ({name: typer command function}); adding a command module is one line here.
COMMAND_MODULES = (
    run,
    coalition,
    strategy,
    gradient,
    sweep,
    estimate,
    timeline,
    serve,
)

for _module in COMMAND_MODULES:
    for _name, _command in _module.COMMANDS.items():
        app.command(_name)(_command)


def main() -> None:
    """Entry point of the ``blocs`` script."""
    app()
