"""The direction of imports, read from the source with `ast` (no import is
executed): the core never imports an extension package except through the
bootstrap (wms/extensions.py, which does it with importlib); pure solver
modules import neither Flask, SQLAlchemy nor a service; the ledger imports
no area above it; no two modules import each other, directly or around a
loop (imports inside functions count; `if TYPE_CHECKING:` ones do not)."""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from wms.extensions import EXTENSION_PACKAGES

ROOT = Path(__file__).resolve().parents[2]
TOP_PACKAGES = ("wms", "fulfillment", "slotting")
# Extension packages: the bootstrap's list, and those announced for it.
EXTENSIONS = tuple(dict.fromkeys((*EXTENSION_PACKAGES, "fulfillment", "slotting", "wms.channels")))
BOOTSTRAP = "wms.extensions"

# Pure modules: plain Python over plain data, testable without a database.
PURE = re.compile(r"^(fulfillment\.(routing|batching)(\..*)?|fulfillment\.bins|.*\.rules|slotting(\..*)?\.solver.*)$")
IMPURE_LIBRARIES = ("flask", "flask_smorest", "sqlalchemy", "werkzeug", "marshmallow", "webargs", "alembic")
FOUNDATION = {"wms.auth", "wms.catalog", "wms.facility", "wms.http", "wms.schemas"}
# What the ledger may build on: the floor below it.
LEDGER_MAY_IMPORT = ("wms.ledger", "wms.db", "wms.errors", "wms.config", "wms.auth", "wms.catalog", "wms.facility",
                     "wms.idempotency_models", "wms.messages")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def modules() -> dict[str, Path]:
    found = {}
    for top in TOP_PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            found[_module_name(path)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool):
    """(imported name, line) for every import, at any depth, except under
    `if TYPE_CHECKING:`."""
    package = module if is_package else module.rpartition(".")[0]

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                yield from (item for n in child.orelse for item in walk_one(n))
                continue
            yield from walk_one(child)

    def walk_one(node):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from pkg import submodule` imports the submodule.
                yield (f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base), node.lineno
        yield from walk(node)

    yield from walk(tree)


@functools.cache
def imports_of() -> dict[str, list[tuple[str, int]]]:
    result = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(), str(path))
        result[name] = list(_imports(tree, name, path.name == "__init__.py"))
    return result


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _internal(name: str) -> str | None:
    """The project module an imported name refers to (its longest match)."""
    while name:
        if name in modules():
            return name
        name = name.rpartition(".")[0]
    return None


def test_the_core_imports_an_extension_only_through_the_bootstrap():
    wrong = [
        f"{module}:{line} imports {target}"
        for module, found in imports_of().items()
        if _within(module, "wms") and module != BOOTSTRAP
        for target, line in found
        for extension in EXTENSIONS
        if _within(target, extension) and not _within(module, extension)
    ]
    assert wrong == []


def test_pure_modules_import_no_framework_database_or_service():
    pure = [m for m in modules() if PURE.match(m)]
    assert "fulfillment.bins" in pure and "wms.facility.rules" in pure and any(_within(m, "fulfillment.routing")
                                                                                for m in pure)
    wrong = []
    for module in pure:
        for target, line in imports_of()[module]:
            inside = _internal(target)
            if target.split(".")[0] in IMPURE_LIBRARIES or (inside is not None and not PURE.match(inside)):
                wrong.append(f"{module}:{line} imports {target}")
    assert wrong == []


def test_the_ledger_imports_no_area_above_it():
    wrong = [
        f"{module}:{line} imports {target}"
        for module, found in imports_of().items()
        if _within(module, "wms.ledger")
        for target, line in found
        if _internal(target) and not any(_within(_internal(target), allowed) for allowed in LEDGER_MAY_IMPORT)
    ]
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
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


def module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, found in imports_of().items():
        targets = {_internal(t) for t, _line in found} - {None, module}
        # A package importing its own submodules (re-exports) is not a cycle back to it.
        graph[module] = {t for t in targets if not _within(module, t) or t == module}
    return graph


def test_no_import_cycle_between_modules():
    assert _cycles(module_graph()) == []


def test_no_import_cycle_between_areas():
    """wms/<area>/ and the extension packages, each taken as one node."""
    def area(module: str) -> str:
        parts = module.split(".")
        return ".".join(parts[:2]) if parts[0] == "wms" and len(parts) > 1 and (ROOT / "wms" / parts[1]).is_dir() \
            else parts[0] if parts[0] != "wms" else module

    graph: dict[str, set[str]] = {}
    for module, targets in module_graph().items():
        graph.setdefault(area(module), set()).update(area(t) for t in targets if area(t) != area(module))
    # The foundation's areas share the Principal (auth) and the HTTP helpers
    # at area level, without a cycle between modules; nothing above may.
    assert [c for c in _cycles(graph) if not set(c) <= FOUNDATION] == []


def test_the_http_plumbing_imports_no_area():
    """The idempotent-request plumbing and the HTTP helpers sit below every
    area: they may use the Principal (auth) and the write scope, never the
    ledger or an area built on it."""
    plumbing = ("wms.http", "wms.idempotency", "wms.idempotency_models", "wms.db", "wms.errors")
    areas = ("wms.ledger", "wms.inbound", "wms.inventory", "wms.catalog", "wms.facility", "wms.web", "wms.channels",
             *EXTENSIONS)
    wrong = [
        f"{module}:{line} imports {target}"
        for module in plumbing
        for target, line in imports_of()[module]
        if _internal(target) and any(_within(_internal(target), area) for area in areas)
    ]
    assert wrong == []
