"""What every ``blocs`` command shares: consoles, exit codes, the one error handler, the one
number formatter, and the options every solving command takes (scenario, ``--set``,
``--tol``, ``--max-steps``).

Printing rules (issue 12, items 14 and 15), applied here so that every command gets them:

- user text (scenario names, descriptions, group and country names) is data, never rich
  markup: it goes through :func:`text` (a rich ``Text``, control sequences stripped);
- error messages are never hard-wrapped (``soft_wrap``), so they can be grepped and do not
  depend on the terminal or on a path's length;
- tables use the terminal's width; when stdout is not a terminal (a pipe, a file, a test)
  they are printed in full, at any width.

Exit codes: :data:`EXIT_OK` 0, :data:`EXIT_BAD_INPUT` 2 (data, scenario, option),
:data:`EXIT_NO_CONVERGENCE` 3.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import jax
import typer

from blocs.cli.plain import MAX_WIDTH, Justify, plain_line, plain_stream, table_lines
from blocs.errors import BlocsError, ConvergenceError, InputError, closest
from blocs.io import check_dir, check_folder
from blocs.models.imls.aot import use_exported_programs
from blocs.models.registry import get_model
from blocs.scenario import Scenario, load_scenario
from blocs.solvers.defaults import DEFAULT_MAX_STEPS, DEFAULT_TOL
from blocs.solvers.threads import limit_blas_threads_for_process

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

__all__ = [
    "CACHE_MIN_COMPILE_SECONDS",
    "EXIT_BAD_INPUT",
    "EXIT_NO_CONVERGENCE",
    "EXIT_OK",
    "MAX_TOL",
    "CountriesOpt",
    "ScenarioArg",
    "SetOpt",
    "StepsOpt",
    "TolOpt",
    "check_column",
    "check_output_dir",
    "check_outputs",
    "check_solver",
    "clean",
    "default_cache_dir",
    "repair_cache_folder",
    "enable_compile_cache",
    "err_console",
    "exit_code",
    "fail",
    "fmt_number",
    "handle_errors",
    "load",
    "new_table",
    "note",
    "out_console",
    "parse_rows",
    "parse_sets",
    "parse_value",
    "print_error",
    "print_rows",
    "print_table",
    "report_written",
    "say",
    "status",
    "text",
    "with_overrides",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_NO_CONVERGENCE = 3

#: The largest ``--tol`` accepted: looser "solutions" are not equilibria (issue 12, item 6).
MAX_TOL = 1e-4

#: Console width when stdout is not a terminal: wide enough that nothing is cut or wrapped.
FULL_WIDTH = MAX_WIDTH

# ----------------------------------------------------------------------------------------
# Consoles and user text
#
# rich is imported on first use (issue 13, item 2): when stdout is not a terminal, lines
# (:func:`say`, :func:`note`) and simple tables (:func:`print_rows`) are written as rich
# would write them, without it (:mod:`blocs.cli.plain`).


def out_console() -> Console:
    """A console on stdout: the terminal's width, or unlimited when not a terminal."""
    from rich.console import Console

    return Console(width=None if _isatty(sys.stdout) else FULL_WIDTH)


def err_console() -> Console:
    """A console on stderr (progress, "wrote ...", errors)."""
    from rich.console import Console

    return Console(stderr=True, width=None if _isatty(sys.stderr) else FULL_WIDTH)


def status(message: Any) -> AbstractContextManager[Any]:
    """A spinner with ``message`` (user text) on stderr while a block runs; nothing when
    stderr is not a terminal (rich's spinner then prints nothing either)."""
    if plain_stream(sys.stderr):
        return nullcontext()
    return err_console().status(text(message), spinner="dots")


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


#: ESC sequences (CSI ``ESC [ ... final``, OSC ``ESC ] ... BEL|ST``, two-character ``ESC x``)
#: and the remaining control characters but tab and newline (C0, DEL, C1).
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-_]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def clean(value: Any) -> str:
    """``str(value)`` without terminal control sequences (ESC ...) or control characters.

    Example:
        >>> clean("red\\x1b[31m alert\\x07")
        'red alert'
    """
    return _CONTROL.sub("", str(value))


def text(value: Any, style: str = "") -> Text:
    """User text as data: printed literally (no rich markup), control sequences stripped."""
    from rich.text import Text

    return Text(clean(value), style=style)


def fmt_number(v: Any, digits: int = 2, *, signed: bool = False, sci: bool = False) -> str:
    """THE number formatter of the CLI: fixed ``digits`` (``sci``: scientific notation),
    ``signed`` adds a ``+``; NaN and infinities print as ``–``; text is left as is.

    Example:
        >>> fmt_number(1.1349), fmt_number(0.5, 1, signed=True), fmt_number(3e-13, 1, sci=True)
        ('1.13', '+0.5', '3.0e-13')
        >>> fmt_number(float("nan")), fmt_number("USA")
        ('–', 'USA')
    """
    try:
        x = float(v)
    except (TypeError, ValueError):
        return clean(v)
    if not math.isfinite(x):
        return "–"
    kind = "e" if sci else "f"
    return f"{x:+.{digits}{kind}}" if signed else f"{x:.{digits}{kind}}"


def new_table(columns: Iterable[str | tuple[str, Justify]], *, first_bold: bool = True) -> Table:
    """A table with these column heads (``(head, "right")`` for numbers); no title (titles
    are printed by :func:`print_table` above the table, so they never wrap to its width)."""
    from rich.table import Table

    table = Table()
    for k, col in enumerate(columns):
        head, justify = col if isinstance(col, tuple) else (col, "left")
        bold = first_bold and k == 0
        table.add_column(text(head), justify=justify, style="bold" if bold else None)
    return table


def print_table(title: Any, table: Table, console: Console | None = None) -> None:
    """Print ``title`` (user text, literally) and ``table`` on stdout."""
    console = console or out_console()
    console.print(text(title, "italic"))
    console.print(table)


def print_rows(
    title: Any, columns: Sequence[str | tuple[str, Justify]], rows: Iterable[Sequence[Any]]
) -> None:
    """:func:`print_table` of ``new_table(columns)`` with these rows of user text (each cell
    printed literally); written without rich when stdout is not a terminal and the cells
    are plain (:func:`blocs.cli.plain.table_lines`), the same characters either way."""
    heads: list[tuple[str, Justify]] = [(c, "left") if isinstance(c, str) else c for c in columns]
    cells = [[clean(v) for v in row] for row in rows]
    heading = clean(title)
    if plain_stream(sys.stdout) and plain_line(heading):
        lines = table_lines([(clean(head), justify) for head, justify in heads], cells)
        if lines is not None:
            sys.stdout.write("".join(f"{line}\n" for line in (heading, *lines)))
            return
    table = new_table(heads)
    for row in cells:
        table.add_row(*(text(v) for v in row))
    print_table(title, table)


def say(message: Any, style: str = "") -> None:
    """A line of output on stdout, printed literally (user text allowed)."""
    line = clean(message)
    if plain_stream(sys.stdout) and plain_line(line):
        sys.stdout.write(f"{line}\n")
        return
    out_console().print(text(message, style), highlight=False)


def note(message: Any) -> None:
    """A dim line under a table (printed literally)."""
    say(message, "dim")


def report_written(paths: Sequence[Path | str] | str) -> None:
    """``wrote a, b, c`` (or the given sentence) on stderr, never wrapped."""
    message = paths if isinstance(paths, str) else f"wrote {', '.join(str(p) for p in paths)}"
    err_console().print(text(message), soft_wrap=True, highlight=False)


# ----------------------------------------------------------------------------------------
# Errors and exit codes


def exit_code(exc: BaseException) -> int:
    """3 for a :class:`ConvergenceError`, 2 for any other blocs error."""
    return EXIT_NO_CONVERGENCE if isinstance(exc, ConvergenceError) else EXIT_BAD_INPUT


def print_error(message: Any, *, code: int = EXIT_BAD_INPUT) -> None:
    """``error: message`` (``no convergence:`` for code 3) on stderr, literally, unwrapped."""
    from rich.text import Text

    kind = "no convergence" if code == EXIT_NO_CONVERGENCE else "error"
    line = Text.assemble((f"{kind}: ", "bold red"), text(message))
    err_console().print(line, soft_wrap=True, highlight=False)


def fail(exc: BlocsError) -> NoReturn:
    """Print ``exc`` and exit with its code (2 or 3)."""
    code = exit_code(exc)
    print_error(exc, code=code)
    raise typer.Exit(code)


@contextmanager
def handle_errors() -> Iterator[None]:
    """THE error handler of every command: a :class:`BlocsError` prints and exits 2 or 3.

    Example::

        with handle_errors():
            result = library_call(...)
    """
    try:
        yield
    except BlocsError as exc:
        fail(exc)


# ----------------------------------------------------------------------------------------
# Options shared by the commands

ScenarioArg = Annotated[
    str,
    typer.Argument(help="built-in name (see `blocs scenarios`) or a path to a scenario .toml file"),
]
CountriesOpt = Annotated[
    str | None,
    typer.Option(
        "--countries", help="comma-separated rows: ISO3 codes, groups (EU27), non-US, ALL"
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="override a \\[model] option of the scenario, KEY=VALUE (repeatable), e.g. "
        "--set trade_elasticity=8; numbers, true/false, else text",
    ),
]
TolOpt = Annotated[
    float,
    typer.Option(
        "--tol", help=f"solver tolerance (largest relative residual), in (0, {MAX_TOL:g}]"
    ),
]
StepsOpt = Annotated[
    int, typer.Option("--max-steps", help="maximum solver (Newton) steps per solve, >= 1")
]


def parse_value(raw: str) -> Any:
    """A ``--set`` value: an integer, a finite number, ``true``/``false``, else the text.

    Example:
        >>> parse_value("8"), parse_value("0.5"), parse_value("TRUE"), parse_value("none")
        (8, 0.5, True, 'none')
    """
    s = raw.strip()
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    try:
        return int(s)
    except ValueError:
        pass
    try:
        x = float(s)
    except ValueError:
        return s
    if not math.isfinite(x):
        raise ValueError(f"{s!r} is not a finite number")
    return x


def parse_sets(values: Sequence[str] | None) -> dict[str, Any]:
    """``--set KEY=VALUE`` options -> ``{key: value}``; errors name the flag and the key.

    Example:
        >>> parse_sets(["trade_elasticity=8", "pass_through=none"])
        {'trade_elasticity': 8, 'pass_through': 'none'}
    """
    out: dict[str, Any] = {}
    for item in values or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--set {item!r}: expected KEY=VALUE, e.g. --set trade_elasticity=8")
        if not raw.strip():
            raise InputError(f"--set {key}: no value after '=', e.g. --set {key}=8")
        if key in out:
            raise InputError(f"--set {key}: given twice ({out[key]!r} and {raw.strip()!r})")
        try:
            out[key] = parse_value(raw)
        except ValueError as exc:
            raise InputError(f"--set {key}={raw.strip()}: {exc}") from None
    return out


def load(scenario: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a scenario and apply ``--set`` overrides to its ``[model]`` table."""
    return with_overrides(load_scenario(scenario), overrides)


def with_overrides(sc: Scenario, overrides: Mapping[str, Any] | None) -> Scenario:
    """``sc`` with ``--set`` overrides applied; the library names the key, this the flag."""
    if not overrides:
        return sc
    try:
        return sc.with_model(overrides)
    except BlocsError as exc:
        keys = ", ".join(f"{k}={v}" for k, v in overrides.items())
        raise InputError(f"--set {keys}: {exc}") from None


def check_solver(tol: float, max_steps: int) -> None:
    """Range checks of ``--tol`` and ``--max-steps`` (out of range is bad input, exit 2)."""
    if not (math.isfinite(tol) and 0 < tol <= MAX_TOL):
        raise InputError(
            f"--tol {tol}: must be a number in (0, {MAX_TOL:g}], e.g. --tol {DEFAULT_TOL:g}"
        )
    if max_steps < 1:
        raise InputError(
            f"--max-steps {max_steps}: must be >= 1, e.g. --max-steps {DEFAULT_MAX_STEPS}"
        )


def check_column(column: str, sc: Scenario, flag: str = "--column") -> None:
    """``--column`` is an outcome of the scenario's model (checked before solving)."""
    names = get_model(sc.kind).outcome_names
    if column not in names:
        raise InputError(
            f"{flag} {column!r}: not an outcome of {sc.name}{closest(column, names)}; choose "
            f"one of {', '.join(names)}"
        )


def check_outputs(*, out: Path | None = None, report: Path | None = None) -> None:
    """Check ``--out`` (replaced whole: new, empty or an earlier blocs output) and
    ``--report`` (a folder files can be written into) before anything is solved, so that a
    bad output path fails first and writes nothing."""
    for flag, path, check in (("--out", out, check_folder), ("--report", report, check_dir)):
        if path is not None:
            try:
                check(path)
            except InputError as exc:
                raise InputError(f"{flag} {exc}") from None


def check_output_dir(flag: str, path: Path | None) -> None:
    """Check a folder option that files are written into (not replaced whole)."""
    if path is not None:
        try:
            check_dir(path)
        except InputError as exc:
            raise InputError(f"{flag} {exc}") from None


def parse_rows(countries: str | None) -> tuple[str, ...] | None:
    """``--countries "USA, CHN,EU27"`` -> ``("USA", "CHN", "EU27")``; None or empty: None."""
    if not countries:
        return None
    rows = tuple(r.strip() for r in countries.split(",") if r.strip())
    return rows or None


def enable_compile_cache(*, persistent: bool = True) -> None:
    """The process set-up of a solving command: the persistent compilation cache and one
    BLAS thread (``persistent=False``: the BLAS thread only).

    Compiled XLA programs are kept in ``~/.cache/blocs/jax`` (``$XDG_CACHE_HOME/blocs/jax``
    when set; ``BLOCS_CACHE_DIR`` chooses another folder, ``off`` disables it), so later runs
    skip compilation; every program that took :data:`CACHE_MIN_COMPILE_SECONDS` or more to
    compile is kept (``docs/performance.md`` has the hit rate). The BLAS libraries are
    limited to one thread for the rest of the process
    (:func:`blocs.solvers.threads.limit_blas_threads_for_process`; ``BLOCS_BLAS_THREADS``).
    """
    limit_blas_threads_for_process()
    if not persistent:
        return
    cache = os.environ.get("BLOCS_CACHE_DIR") or str(default_cache_dir())
    if cache.lower() in ("", "0", "off", "none"):
        return
    try:
        Path(cache).mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", CACHE_MIN_COMPILE_SECONDS)
        # JAX writes cache entries in place; only with a size cap does it lock reads and
        # writes, so that concurrent blocs processes never read a half-written entry (a
        # truncated executable aborts the reading process)
        jax.config.update("jax_compilation_cache_max_size", CACHE_MAX_BYTES)
        repair_cache_folder(Path(cache))
    except OSError:
        return
    # the solves as ahead-of-time exported programs: no tracing or lowering once kept
    use_exported_programs(Path(cache) / EXPORTED_SUBFOLDER)


#: Compiled programs faster to compile than this are not written to the persistent cache.
#: 0: keep every program. With JAX's default (1 s; blocs had 0.5 s) a warm ``blocs run
#: liberation-day`` found 1 of its 44 programs in the cache and compiled the other 43 again
#: (5-6 s of compilation at load 12); with 0 it finds all 44 (``docs/performance.md``).
CACHE_MIN_COMPILE_SECONDS = 0.0
#: Size cap of the persistent compilation cache (least recently used entries go first);
#: setting one also makes JAX lock the cache between processes.
CACHE_MAX_BYTES = 2 * 1024**3
#: The sub-folder of the cache folder holding exported programs (:mod:`blocs.models.imls.aot`).
EXPORTED_SUBFOLDER = "exported"


def repair_cache_folder(folder: Path) -> int:
    """Give every entry of a JAX compilation-cache folder its access-time file; the number
    of entries repaired.

    With a size cap JAX keeps a ``<key>-atime`` file beside each ``<key>-cache`` entry and
    reads all of them before every write. An entry written without a cap (by a process
    that set none, or killed between the two writes) has none, and from then on every
    write fails (``FileNotFoundError``, turned into a warning): nothing new is kept and
    every run compiles again. The missing files get the entry's modification time.
    """
    repaired = 0
    for entry in folder.glob("*-cache"):
        atime = entry.with_name(entry.name.removesuffix("-cache") + "-atime")
        if atime.exists():
            continue
        try:
            atime.write_bytes(entry.stat().st_mtime_ns.to_bytes(8, "little"))
        except OSError:  # gone meanwhile, or read-only: JAX copes or warns
            continue
        repaired += 1
    return repaired


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/blocs/jax``, else ``~/.cache/blocs/jax``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "blocs" / "jax"
