"""No import circles inside the nkwatch package: each module's imports go one way, so a newcomer can read the
package from the bottom (store) up (cli, web) and any module imports on its own.

The graph is built from the source with ast, not by importing: an edge A -> B for every `import B` or
`from B import x` in A (`from P import m`, m a module, is an edge to P.m, not to the package P). Imports under
`if TYPE_CHECKING:` are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "nkwatch"

# Circles through an import inside a function, in code being rewritten by other work: each names its way out.
# extract/coder.py imports claim_id from nkwatch.extract (whose __init__ imports coder) inside a function;
# the coder's split into modules (issue 19) moves claim_id below both.
KNOWN_LAZY = [{"nkwatch.extract", "nkwatch.extract.coder"}]


def _modules() -> dict[str, tuple[Path, bool]]:
    mods = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        mods[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return mods


def _edges(name: str, path: Path, is_pkg: bool, mods: dict, functions: bool) -> set[str]:
    found: set[str] = set()

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if functions:
                    walk(node.body)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                for a in node.names:
                    found.add(f"{module}.{a.name}" if f"{module}.{a.name}" in mods else module)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                walk(node.orelse)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    if isinstance(getattr(node, field, None), list):
                        walk(getattr(node, field))

    walk(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in mods and m != name}


def graph(functions: bool = False) -> dict[str, set[str]]:
    mods = _modules()
    return {name: _edges(name, path, is_pkg, mods, functions) for name, (path, is_pkg) in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """One circle (as a path that returns to its start) for each strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(g):
        if v not in index:
            visit(v)
    return [_circle(g, group) for group in groups]


def _circle(g: dict[str, set[str]], group: set[str]) -> list[str]:
    start = min(group)
    paths = {start: [start]}
    todo = [start]
    while todo:  # breadth first: the shortest way back to `start`
        v = todo.pop(0)
        for w in sorted(g[v] & group):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                todo.append(w)
    raise AssertionError(group)


def test_the_graph_sees_imports():
    g = graph()
    assert "nkwatch.store.models" in g["nkwatch.link.run"]
    assert "nkwatch.cli.main" in g["nkwatch.cli.web"]
    assert "nkwatch.web.app" in g["nkwatch.web"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_circles_at_module_level():
    found = cycles(graph())
    assert not found, "import circles: " + "; ".join(" -> ".join(c) for c in found)


def test_no_import_circles_through_imports_in_functions_either():
    found = [c for c in cycles(graph(functions=True)) if set(c) not in KNOWN_LAZY]
    assert not found, "import circles (counting imports inside functions): " + "; ".join(" -> ".join(c)
                                                                                          for c in found)
