"""The benchmark sits on top of every app: nothing imports it, and its generator is not in `rtr`.

Reads the source (function bodies included), no database.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS_ABOVE_RTR = ("patients", "protocols", "checkins")
# Composition roots: they name every app on purpose.
RTR_COMPOSITION_ROOTS = {"rtr/urls.py"}


def modules(folder: str) -> Iterator[Path]:
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imported(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_rtr_imports_no_app_above_it():
    upward = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules("rtr")
        if str(path.relative_to(ROOT)) not in RTR_COMPOSITION_ROOTS
        and "settings" not in path.relative_to(ROOT).parts
        for name in imported(path)
        if name.split(".")[0] in APPS_ABOVE_RTR
    ]
    assert upward == []


def test_nothing_but_the_benchmark_and_its_tests_imports_bench():
    folders = ["rtr", *APPS_ABOVE_RTR, "loads", "interop", "pwa"]
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for folder in folders
        if (ROOT / folder).is_dir()
        for path in modules(folder)
        for name in imported(path)
        if name.split(".")[0] == "bench"
    ]
    assert found == []


def test_no_benchmark_module_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in modules("bench")
        if (n := len(path.read_text().splitlines())) > 600
    }
    assert long == {}
