"""The package's import graph follows the layering README's architecture section states.

Every import statement of every module is read (at module level, inside functions, and under
``if TYPE_CHECKING``), so a deferred import cannot hide a reach upstream or a cycle:

* no cycle between modules;
* the stages import only themselves and the stages before them:
  sources -> ingest -> transform -> quality -> publish;
* no stage imports ``monitor``, ``runner``, ``cli`` or ``demo``; ``monitor`` may read the
  stages (their result types and measurements) but not ``runner``, ``cli`` or ``demo``;
* the bottom (``settings``, ``errors``, ``logs``, ``warehouse``) imports no stage, no monitor,
  no runner, no cli and no demo;
* nothing outside ``demo`` imports ``demo`` except ``cli``, the composition root.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "crm_warehouse"
ROOT = Path(__file__).resolve().parents[2] / "src" / PACKAGE

STAGES = ("sources", "ingest", "transform", "quality", "publish")
BOTTOM = ("settings", "errors", "logs", "warehouse")
COMPOSITION_ROOT = "cli"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imported(module: str, path: Path) -> set[str]:
    """The package's modules ``module`` imports anywhere in its file."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imported(module, path) for module, path in MODULES.items()}


def area(module: str) -> str:
    """The top-level folder or module under the package: ``sources``, ``cli``, ..."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "package"


def allowed(importer: str, imported_area: str) -> bool:
    if importer == imported_area or imported_area == "package":
        return True
    if imported_area == "demo":
        return importer == COMPOSITION_ROOT
    if importer in BOTTOM:
        return imported_area in BOTTOM
    if importer in STAGES:
        return imported_area in BOTTOM or (
            imported_area in STAGES and STAGES.index(imported_area) < STAGES.index(importer)
        )
    if importer == "monitor":
        return imported_area in BOTTOM or imported_area in STAGES
    if importer == "demo":
        return imported_area in BOTTOM or imported_area == "sources"
    if importer == "runner":
        return imported_area not in {COMPOSITION_ROOT}
    return importer in {COMPOSITION_ROOT, "package"}


def test_the_graph_covers_the_package():
    assert {"cli", "runner", "settings", "sources", "monitor", "demo"} <= {area(m) for m in MODULES}
    assert GRAPH[f"{PACKAGE}.cli"], "the import reader found nothing in cli.py"


def test_no_layer_imports_one_it_may_not():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if not allowed(area(module), area(target))
    )
    assert not wrong, "imports against the layering (README, Architecture):\n" + "\n".join(wrong)


def test_no_import_cycle():
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
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
            visit(node)
    return found
