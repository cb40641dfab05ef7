"""The package's plan holds: no import circles, small modules and functions, one idea per
subpackage said at its top. (The layers themselves are import-linter's contracts in
pyproject.toml, run by `lint-imports` in CI.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "briefer"
MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 50


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_350_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in _modules()
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_50_lines() -> None:
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(PACKAGE)}:{node.name}"] = size
    assert long == {}


def test_every_subpackage_states_its_idea() -> None:
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc) > 40, f"{init.parent.name}/__init__.py says what it holds"


def test_there_are_no_import_circles() -> None:
    """Among briefer's modules (imports under TYPE_CHECKING and inside functions count)."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("briefer")
    ours = sorted(m for m in graph.modules if m.startswith("briefer"))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph.find_modules_directly_imported_by(module):
            if not other.startswith("briefer"):
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            part = []
            while True:
                top = stack.pop()
                part.append(top)
                if top == module:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for module in ours:
        if module not in index:
            visit(module)
    assert circles == []


def test_a_checkout_reads_its_own_prompts_folder() -> None:
    """briefer/core/prompts.py finds prompts/ beside the package (not an installed copy)."""
    from briefer.core import prompts

    assert prompts._CHECKOUT == PACKAGE.parent / "prompts" and prompts._CHECKOUT.is_dir()
