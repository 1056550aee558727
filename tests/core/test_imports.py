"""The project's import graph: no import inside a function, no cycle among core and plugin modules.

Imports placed inside functions hide cycles; a registry importing its own
default plugins is the design problem they hide. Type-only imports under
``if TYPE_CHECKING:`` are fine: they never run.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "plugins")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The project modules an import statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative import
            package = module.split(".")
            package = package[: len(package) - node.level + (1 if MODULES[module].name == "__init__.py" else 0)]
            base = ".".join(package + ([base] if base else []))
        names = [base] + [f"{base}.{alias.name}" for alias in node.names]
    return [name for name in names if name in MODULES]


def _imports(module: str) -> tuple[set[str], list[str]]:
    """The module's run-time project imports, and where it imports inside a function."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    edges: set[str] = set()
    inside_functions: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other, in_function)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                targets = _targets(child, module)
                if targets and in_function:
                    inside_functions.append(f"{MODULES[module].relative_to(ROOT)}:{child.lineno}")
                edges.update(targets)
                continue
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    edges.discard(module)
    return edges, inside_functions


GRAPH = {module: _imports(module)[0] for module in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
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

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_module_imports_the_project_inside_a_function():
    misplaced = [where for module in MODULES for where in _imports(module)[1]]
    assert not misplaced, "imports inside functions: " + ", ".join(misplaced)


def test_the_core_and_the_plugins_have_no_import_cycle():
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(cycle) for cycle in cycles)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_plugin_registry_knows_none_of_the_core_defaults():
    assert not {module for module in GRAPH["core.plugins"] if module.startswith("core.defaults")}


def test_plugins_never_import_each_other():
    crossing = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items() if module.startswith("plugins.")
        for target in targets
        if target.startswith("plugins.") and target.split(".")[1] != module.split(".")[1]
    )
    assert not crossing, crossing
