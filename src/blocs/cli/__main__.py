"""``python -m blocs.cli``: the ``blocs`` command."""

from blocs.cli import main

main()
