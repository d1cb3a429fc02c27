"""No import cycle inside federation/ among the imports that run when a module loads
(module level, outside ``if TYPE_CHECKING``; importing ``a.b.c`` loads ``a`` and ``a.b``):
such a cycle makes import order matter and breaks with a half-initialised module.

Imports inside functions (run later, on purpose) are not counted here: they still tie the
API base to the domain modules (issue 20 item 8), see the note at the end of this file.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3] / "federation"


def module_graph(root: Path) -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            for sub in _top_level_imports(node):
                found = known(sub)
                if found:
                    parts = found.split(".")
                    targets |= {".".join(parts[:k]) for k in range(2, len(parts) + 1)}
        graph[name] = {
            t for t in targets if t in modules and t != name and not name.startswith(f"{t}.")
        }
    return graph


def _top_level_imports(node: ast.AST) -> list[str]:
    """Modules a statement of a module's body imports when the module loads (the bodies of
    functions and classes' methods are skipped; ``try``/``if`` blocks are not)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return []
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level or not node.module:
            return []
        return [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
    found: list[str] = []
    for child in ast.iter_child_nodes(node):
        found += _top_level_imports(child)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_no_import_cycle_inside_federation():
    graph = module_graph(ROOT)
    assert len(graph) > 100
    assert cycles(graph) == []


def test_planted_cycle_is_found(tmp_path):
    package = tmp_path / "federation"
    (package / "api").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "api" / "__init__.py").write_text("from federation.domain import blp\n")
    (package / "domain.py").write_text(
        "from federation.api.errors import api_error\n\ndef late():\n    import federation.x\n"
    )
    (package / "api" / "errors.py").write_text("X = 1\n")
    (package / "x.py").write_text("import federation.domain\n")
    # domain -> api.errors loads api, whose __init__ loads domain; the lazy x is no cycle
    assert cycles(module_graph(package)) == [["federation.api", "federation.domain"]]


# Not yet (issue 20 item 8): counting the imports inside functions too, 68 modules of
# federation/ form one circle — federation.api's init_api imports every domain blueprint
# and the domain APIs import federation.api's helpers; the API base (errors, auth,
# pagination) should move to a low floor and the domain blueprints register through
# the federation_api_blueprints hook as the plugins' do.
