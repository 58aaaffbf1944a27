"""The shape of the code: imports run one way, no module imports itself round a loop, no
module outgrows a reader.

The layers, highest first (an app may import its own modules and any app below it, never one
above):

    bench → the feature apps (interop, loads, pwa, exercises, measures, team) → checkins
          → protocols → patients → rtr

Every import counts, at module level and inside functions (those run too, only later);
imports under `if TYPE_CHECKING:` count for the layers but not for the loops, since they never
run. Composition roots, which name every app on purpose (the URL configuration and the
settings), are the named exceptions. A new top-level package must be given its layer here.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

LAYERS: dict[str, int] = {
    "rtr": 0,
    "patients": 1,
    "protocols": 2,
    "checkins": 3,
    "interop": 4,
    "loads": 4,
    "pwa": 4,
    "exercises": 4,
    "measures": 4,
    "team": 4,
    "bench": 9,
}
# Modules that assemble the whole project: they name the apps above them by design.
COMPOSITION_ROOTS = {"rtr.urls", "rtr.celery"}
COMPOSITION_PACKAGES = ("rtr.settings",)
# Modules allowed over the size limit because they hold declarative data only.
DATA_MODULES = {"protocols.library"}
MAX_LINES = 600

# Debts allowed for a while, by name: issue 16 paid them all, so the lists are empty. Should a
# future change need one, it is named here; a debt that is paid must leave (the tests fail on
# both a new violation and a paid one still listed).
KNOWN_UPWARD: set[tuple[str, str]] = set()
KNOWN_LOOPS: set[tuple[str, ...]] = set()
KNOWN_LONG: set[str] = set()


def _new_and_paid[T](found: set[T], known: set[T]) -> tuple[list[T], list[T]]:
    return sorted(found - known), sorted(known - found)  # type: ignore[type-var]


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the project module imported
    line: int
    runs: bool  # False for imports under `if TYPE_CHECKING:`


def _project_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest project module that `name` names (a class's module for `a.b.Class`)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, runs: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                visit(statement, False)
            for statement in node.orelse:
                visit(statement, runs)
            return
        names: list[str] = []
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` imports the module pkg.sub when there is one
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                found.append(Import(module, target, line, runs))
        for child in ast.iter_child_nodes(node):
            visit(child, runs)

    visit(tree, True)
    return found


def _all_imports() -> list[Import]:
    modules = _project_modules()
    return [
        found for module, path in modules.items() for found in _imports_of(module, path, modules)
    ]


def _is_composition_root(module: str) -> bool:
    return module in COMPOSITION_ROOTS or module.startswith(COMPOSITION_PACKAGES)


def test_every_top_level_package_has_a_layer():
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "static", "templates"}
    }
    assert packages <= set(LAYERS), f"give these packages a layer: {sorted(packages - set(LAYERS))}"


def test_no_app_imports_an_app_above_it():
    upward = [
        found
        for found in _all_imports()
        if not _is_composition_root(found.source)
        and LAYERS[found.target.split(".")[0]] > LAYERS[found.source.split(".")[0]]
    ]
    new, paid = _new_and_paid({(found.source, found.target) for found in upward}, KNOWN_UPWARD)
    where = [
        f"{f.source}:{f.line} imports {f.target}" for f in upward if (f.source, f.target) in new
    ]
    assert not new, "imports running upwards:\n" + "\n".join(where)
    assert not paid, f"these upward imports are gone: take them off KNOWN_UPWARD: {paid}"


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_no_module_imports_itself_round_a_loop():
    edges: dict[str, set[str]] = defaultdict(set)
    for found in _all_imports():
        # importing a package's module runs the package's __init__ first: not a loop of ours
        inside_its_package = found.source.startswith(found.target + ".")
        if found.runs and not _is_composition_root(found.source) and not inside_its_package:
            edges[found.source].add(found.target)
    new, paid = _new_and_paid({tuple(loop) for loop in _cycles(edges)}, KNOWN_LOOPS)
    assert not new, "modules that import each other (at any level):\n" + "\n".join(
        " ⇄ ".join(loop) for loop in new
    )
    assert not paid, f"these loops are gone: take them off KNOWN_LOOPS: {paid}"


def test_the_import_walker_sees_imports_inside_functions():
    """The walker itself: a function-level import is found (else the tests above prove nothing)."""
    modules = {"rtr.a": Path("a.py"), "patients.b": Path("b.py")}
    source = "def f():\n    from patients.b import thing\n"
    tree_path = ROOT / "test-artifacts" / "walker_probe.py"
    tree_path.parent.mkdir(exist_ok=True)
    tree_path.write_text(source)
    found = _imports_of("rtr.a", tree_path, modules)
    assert [(f.target, f.line, f.runs) for f in found] == [("patients.b", 2, True)]


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {
        module: len(path.read_text().splitlines())
        for module, path in _project_modules().items()
        if module not in DATA_MODULES
    }
    too_long = {module: lines for module, lines in long.items() if lines > MAX_LINES}
    new, paid = _new_and_paid(set(too_long), KNOWN_LONG)
    assert not new, f"modules over {MAX_LINES} lines: { {m: too_long[m] for m in new} }"
    assert not paid, f"these modules are short now: take them off KNOWN_LONG: {paid}"
