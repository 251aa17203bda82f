"""The package's architecture, enforced on the source (docs/architecture.md).

Layers, lowest first; a module may import only modules of its own or a lower layer::

    0  errors, _conventions, solvers, io, version
    1  models, economy
    2  data
    3  scenario, scenarios (the built-in scenario files)
    4  run, results, gradients, strategy, coalitions, sweep, estimate
    5  report, app
    6  cli, cli_*, _clitools

``blocs/__init__.py`` is the public facade: its own imports are exempt, and importing it from
inside the package counts as importing the top layer.

Rules, checked with :mod:`ast` on ``src/blocs`` (imports inside functions included):

(a) no import cycles between modules;
(b) no module imports a module of a higher layer;
(c) no function-level import of another blocs module of a different layer (a deferred
    import hides a dependency; within a layer it may break a cycle, across layers it may not);
(d) no import of a private name (``_x``) from another blocs module, no import of a private
    module from outside its package, no ``module._x`` attribute access across modules;
(e) no source file over :data:`MAX_LINES` lines.

The refactor that brings the code in line is in progress. Today's violations are listed,
one precise string each, in :data:`KNOWN_VIOLATIONS`; the test fails on any violation not
listed AND on any listed violation that no longer occurs, so the list can only shrink:
when you fix one, delete its line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "src" / "blocs"
FACADE = "blocs"
MAX_LINES = 600

#: Module-name prefixes and their layer; the longest matching prefix wins. A prefix matches
#: the module itself and everything below it (``blocs.models`` covers ``blocs.models.imls``).
LAYERS: dict[str, int] = {
    "blocs.errors": 0,
    "blocs._conventions": 0,
    "blocs.solvers": 0,
    "blocs.io": 0,
    "blocs.version": 0,
    "blocs.models": 1,
    "blocs.economy": 1,
    "blocs.data": 2,
    "blocs.scenario": 3,
    "blocs.scenarios": 3,
    "blocs.run": 4,
    "blocs.results": 4,
    "blocs.gradients": 4,
    "blocs.strategy": 4,
    "blocs.coalitions": 4,
    "blocs.sweep": 4,
    "blocs.estimate": 4,
    "blocs.timeline": 4,
    "blocs.report": 5,
    "blocs.app": 5,
    "blocs.cli": 6,
    "blocs._clitools": 6,
}
#: Modules named ``blocs.cli_<anything>`` belong to the command line too.
CLI_MODULE = re.compile(r"^blocs\.cli_\w+(\..*)?$")
#: The facade, seen from inside the package, is above every layer.
FACADE_LAYER = max(LAYERS.values()) + 1

# ----------------------------------------------------------------------------------------
# Today's violations. Each entry is the exact string the checker prints. Fix one, delete
# its line; never add one (fix the code, or change the rule here with a reason).

KNOWN_VIOLATIONS: frozenset[str] = frozenset()


# ----------------------------------------------------------------------------------------
# Reading the package


@dataclass(frozen=True)
class Import:
    """One import statement's dependency of ``source`` on blocs module ``target``.

    ``name``: the name imported from ``target`` (None when the module itself is imported).
    ``nested``: the statement is inside a function (or method) body.
    ``type_only``: under ``if TYPE_CHECKING:`` (no runtime dependency).
    """

    source: str
    target: str
    name: str | None
    nested: bool
    type_only: bool


@dataclass
class Package:
    """Parsed modules of a package: name -> syntax tree, plus each module's line count."""

    trees: dict[str, ast.Module]
    lines: dict[str, int] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    packages: set[str] = field(default_factory=set)

    @classmethod
    def from_sources(cls, sources: dict[str, str], packages: Iterable[str] = ()) -> Package:
        """From ``{module name: source text}`` (synthetic packages in the self-tests)."""
        pkgs = set(packages) | {FACADE}
        trees = {name: ast.parse(text) for name, text in sources.items()}
        lines = {name: len(text.splitlines()) for name, text in sources.items()}
        paths = {name: name.replace(".", "/") + ".py" for name in sources}
        return cls(trees, lines, paths, pkgs)

    @classmethod
    def from_directory(cls, directory: Path) -> Package:
        trees: dict[str, ast.Module] = {}
        lines: dict[str, int] = {}
        paths: dict[str, str] = {}
        packages: set[str] = set()
        for path in sorted(directory.rglob("*.py")):
            rel = path.relative_to(directory.parent).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
                packages.add(".".join(parts))
            name = ".".join(parts)
            text = path.read_text(encoding="utf-8")
            trees[name] = ast.parse(text, filename=str(path))
            lines[name] = len(text.splitlines())
            paths[name] = path.relative_to(ROOT).as_posix()
        return cls(trees, lines, paths, packages)

    def resolve(self, module: str, level: int, current: str) -> str:
        """The absolute name of ``from <level dots><module> import ...`` in ``current``."""
        if level == 0:
            return module
        base = current.split(".")
        if current not in self.packages:
            base = base[:-1]
        if level > 1:
            base = base[: -(level - 1)]
        return ".".join(base + ([module] if module else []))

    def imports(self) -> Iterator[Import]:
        """Every dependency of a module on another blocs module."""
        for name, tree in self.trees.items():
            yield from self._imports_of(name, tree)

    def _imports_of(self, current: str, tree: ast.Module) -> Iterator[Import]:
        def visit(node: ast.AST, nested: bool, type_only: bool) -> Iterator[Import]:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.Import):
                    for alias in child.names:
                        if alias.name in self.trees:
                            yield Import(current, alias.name, None, nested, type_only)
                elif isinstance(child, ast.ImportFrom):
                    mod = self.resolve(child.module or "", child.level, current)
                    for alias in child.names:
                        sub = f"{mod}.{alias.name}"
                        if sub in self.trees:
                            yield Import(current, sub, None, nested, type_only)
                        elif mod in self.trees:
                            yield Import(current, mod, alias.name, nested, type_only)
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    yield from visit(child, True, type_only)
                elif isinstance(child, ast.If) and _is_type_checking(child.test):
                    for stmt in child.body:
                        yield from visit(ast.Module(body=[stmt], type_ignores=[]), nested, True)
                    for stmt in child.orelse:
                        yield from visit(ast.Module(body=[stmt], type_ignores=[]), nested, False)
                else:
                    yield from visit(child, nested, type_only)

        yield from visit(tree, False, False)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def layer_of(module: str) -> int | None:
    """The layer of a module name (None: unknown, which is itself a failure)."""
    if module == FACADE:
        return FACADE_LAYER
    if CLI_MODULE.match(module):
        return LAYERS["blocs.cli"]
    best = None
    for prefix, layer in LAYERS.items():
        if (module == prefix or module.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best[0])
        ):
            best = (prefix, layer)
    return None if best is None else best[1]


# ----------------------------------------------------------------------------------------
# The rules; each returns the set of violation strings


def cycle_violations(pkg: Package) -> set[str]:
    """(a) Every import edge that lies on a cycle (both ends in one strongly connected
    component). Edges from the facade and type-only imports are left out."""
    graph: dict[str, set[str]] = {m: set() for m in pkg.trees}
    for imp in pkg.imports():
        if imp.source != FACADE and not imp.type_only and imp.target != imp.source:
            graph[imp.source].add(imp.target)
    component = _strongly_connected(graph)
    out = set()
    for src, targets in graph.items():
        for dst in targets:
            if component[src] == component[dst]:
                out.add(f"{src} -> {dst} (import cycle)")
    return out


def _strongly_connected(graph: dict[str, set[str]]) -> dict[str, int]:
    """Tarjan's algorithm, iterative: node -> component id."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comp: dict[str, int] = {}
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp[member] = index[node]
                    if member == node:
                        break
    return comp


def layer_violations(pkg: Package) -> set[str]:
    """(b) Imports of a higher layer; and modules with no layer at all."""
    out = set()
    for module in pkg.trees:
        if module != FACADE and layer_of(module) is None:
            out.add(f"{module} has no layer (add it to LAYERS in tests/test_architecture.py)")
    for imp in pkg.imports():
        if imp.source == FACADE:
            continue
        a, b = layer_of(imp.source), layer_of(imp.target)
        if a is not None and b is not None and b > a:
            out.add(f"{imp.source} -> {imp.target} (layer {a} imports layer {b})")
    return out


def nested_import_violations(pkg: Package) -> set[str]:
    """(c) Function-level imports of a blocs module of another layer."""
    out = set()
    for imp in pkg.imports():
        if imp.source == FACADE or not imp.nested:
            continue
        a, b = layer_of(imp.source), layer_of(imp.target)
        if a != b:
            out.add(
                f"{imp.source} -> {imp.target} (function-level import across layers {a} -> {b})"
            )
    return out


def private_violations(pkg: Package) -> set[str]:
    """(d) Private names, private modules and private attributes used across modules."""
    out = set()
    for imp in pkg.imports():
        if imp.source == imp.target:
            continue
        if imp.name is not None and _is_private(imp.name):
            out.add(f"{imp.source} imports private name {imp.target}.{imp.name}")
        parent, _, last = imp.target.rpartition(".")
        if _is_private(last) and not (imp.source == parent or imp.source.startswith(parent + ".")):
            out.add(f"{imp.source} imports private module {imp.target}")
    for module, tree in pkg.trees.items():
        aliases = _module_aliases(pkg, module, tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
                continue
            owner = _as_module(node.value, aliases, pkg)
            if owner is not None and owner != module:
                out.add(f"{module} uses private attribute {owner}.{node.attr}")
    return out


def _module_aliases(pkg: Package, current: str, tree: ast.Module) -> dict[str, str]:
    """Local names bound to blocs modules anywhere in ``current`` (``import blocs.x as y``,
    ``from blocs import x``, ``import blocs.x`` binds ``blocs``)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == FACADE:
                    if alias.asname:
                        out[alias.asname] = alias.name
                    else:
                        out[FACADE] = FACADE
        elif isinstance(node, ast.ImportFrom):
            mod = pkg.resolve(node.module or "", node.level, current)
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                if sub in pkg.trees:
                    out[alias.asname or alias.name] = sub
    return out


def _as_module(node: ast.expr, aliases: dict[str, str], pkg: Package) -> str | None:
    """The blocs module an expression such as ``blocs.models.imls`` or ``imls`` names."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    name = aliases[node.id]
    for part in reversed(parts):
        name = f"{name}.{part}"
        if name not in pkg.trees:
            return None
    return name


def size_violations(pkg: Package) -> set[str]:
    """(e) Source files over MAX_LINES lines."""
    return {
        f"{pkg.paths[m]} has more than {MAX_LINES} lines"
        for m, n in pkg.lines.items()
        if n > MAX_LINES
    }


RULES = {
    "a_cycles": cycle_violations,
    "b_layers": layer_violations,
    "c_function_level_imports": nested_import_violations,
    "d_private_names": private_violations,
    "e_file_size": size_violations,
}


def _rule_of(violation: str) -> str:
    if violation.endswith("(import cycle)"):
        return "a_cycles"
    if "(layer " in violation or violation.endswith(
        "has no layer (add it to LAYERS in tests/test_architecture.py)"
    ):
        return "b_layers"
    if "(function-level import across layers" in violation:
        return "c_function_level_imports"
    if " private " in violation:
        return "d_private_names"
    if violation.endswith(f"has more than {MAX_LINES} lines"):
        return "e_file_size"
    raise AssertionError(f"KNOWN_VIOLATIONS entry matches no rule: {violation!r}")


# ----------------------------------------------------------------------------------------
# The tests


@pytest.fixture(scope="module")
def package() -> Package:
    return Package.from_directory(PACKAGE_DIR)


def test_package_is_read(package):
    assert FACADE in package.trees and "blocs.errors" in package.trees
    assert len(package.trees) > 20
    # (no nested import is left in the package; the synthetic self-tests cover them)


def test_known_violations_are_classified():
    for v in KNOWN_VIOLATIONS:
        _rule_of(v)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule(package, rule):
    found = RULES[rule](package)
    known = {v for v in KNOWN_VIOLATIONS if _rule_of(v) == rule}
    new = sorted(found - known)
    gone = sorted(known - found)
    message = []
    if new:
        message.append(
            "new architecture violations (fix the code; see docs/architecture.md):\n  "
            + "\n  ".join(new)
        )
    if gone:
        message.append(
            "fixed, so delete these lines from KNOWN_VIOLATIONS in tests/test_architecture.py:"
            "\n  " + "\n  ".join(gone)
        )
    assert not message, "\n".join(message)


# ----------------------------------------------------------------------------------------
# The checker on synthetic packages


def test_layers_of_names():
    assert layer_of("blocs.errors") == 0
    assert layer_of("blocs.solvers.newton") == 0
    assert layer_of("blocs.models.imls") == 1
    assert layer_of("blocs.scenario") == 3
    assert layer_of("blocs.strategy.games") == 4
    assert layer_of("blocs.report.html") == 5
    assert layer_of("blocs.cli_sweep") == 6
    assert layer_of("blocs.cli.main") == 6
    assert layer_of("blocs.unknown") is None
    assert layer_of(FACADE) == FACADE_LAYER


def test_detects_a_cycle():
    pkg = Package.from_sources(
        {
            "blocs": "",
            "blocs.models": "",
            "blocs.models.a": "from blocs.models import b\n",
            "blocs.models.b": "def f():\n    from .c import x\n",
            "blocs.models.c": "import blocs.models.a\nx = 1\n",
            "blocs.models.d": "from blocs.models.a import y\n",
        },
        packages=["blocs.models"],
    )
    assert cycle_violations(pkg) == {
        "blocs.models.a -> blocs.models.b (import cycle)",
        "blocs.models.b -> blocs.models.c (import cycle)",
        "blocs.models.c -> blocs.models.a (import cycle)",
    }


def test_detects_an_upward_import():
    pkg = Package.from_sources(
        {
            "blocs": "from blocs.cli import main\n",  # the facade may import anything
            "blocs.cli": "from blocs.scenario import load\n",
            "blocs.scenario": "import blocs.strategy.games\nfrom blocs.errors import E\n",
            "blocs.strategy": "",
            "blocs.strategy.games": "from blocs import models\n",
            "blocs.models": "def f():\n    import blocs\n",
            "blocs.errors": "",
            "blocs.mystery": "",
        },
        packages=["blocs.strategy", "blocs.models"],
    )
    assert layer_violations(pkg) == {
        "blocs.scenario -> blocs.strategy.games (layer 3 imports layer 4)",
        "blocs.models -> blocs (layer 1 imports layer 7)",
        "blocs.mystery has no layer (add it to LAYERS in tests/test_architecture.py)",
    }
    assert nested_import_violations(pkg) == {
        "blocs.models -> blocs (function-level import across layers 1 -> 7)"
    }


def test_detects_private_names_and_sizes():
    pkg = Package.from_sources(
        {
            "blocs": "",
            "blocs.models": "",
            "blocs.models._kernel": "def k(): ...\n",
            "blocs.models.imls": "from blocs.models._kernel import k\n_x = 1\n",
            "blocs.run": (
                "from blocs.models.imls import _x\n"
                "from blocs.models import imls\n"
                "import blocs.models.imls as m\n"
                "import blocs\n"
                "from blocs.models._kernel import k\n"
                "y = imls._x + m._x + blocs.models.imls._y + imls.Params._replace\n"
            ),
            "blocs.big": "x = 1\n" * (MAX_LINES + 1),
        },
        packages=["blocs.models"],
    )
    assert private_violations(pkg) == {
        "blocs.run imports private name blocs.models.imls._x",
        "blocs.run imports private module blocs.models._kernel",
        "blocs.run uses private attribute blocs.models.imls._x",
        "blocs.run uses private attribute blocs.models.imls._y",
    }
    assert size_violations(pkg) == {f"blocs/big.py has more than {MAX_LINES} lines"}
