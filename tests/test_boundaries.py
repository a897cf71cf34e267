"""The import graph of ``metacult/`` has arrows only downwards (no services needed).

Contexts are layered: a context may import the contexts below it, through their package
(``metacult.catalog``, its ``__init__``: the public surface) and nothing else of them;
never a context above it or beside it. ``infra`` (with ``config`` and ``typedefs``) is
the library every layer uses. The other top-level modules (the app, the CLI) and the
pages compose the contexts and may use any public surface. Imports inside functions
count too; imports under ``if TYPE_CHECKING:`` do not (they never run). And no cycle of
module-level imports, within a context or across.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "metacult"

# Lowest first; names on one rank must not import each other.
LAYERS: list[set[str]] = [
    {"infra"},
    {"realtime"},
    {"identity"},
    {"catalog"},
    {"interaction"},
    {"ranking"},
    {"gamification", "discovery"},
    {"marketing", "commerce"},
    {"pages", "admin"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
# Top-level modules that are part of the shared library (the lowest layer); every other
# top-level module (app, __main__, ...) composes the contexts and may use any of them.
LIBRARY = {"config", "typedefs", "health", "infra"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str) -> list[tuple[str, bool]]:
    """(imported metacult module, at module level?) for each import that runs."""
    tree = ast.parse(MODULES[module].read_text())
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, top)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, top) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                # ``from pkg import sub`` imports the submodule; ``from pkg import name``, pkg.
                sub = f"{base}.{alias.name}"
                found.append((sub if sub in MODULES else base, top))
        in_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, top and not in_function)

    visit(tree, True)
    return [(name, top) for name, top in found if name.split(".")[0] == "metacult"]


def _owner(module: str) -> str:
    """The layer name of a module: its context, ``infra`` for the library, or a root."""
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    if parts[1] in LIBRARY:
        return "infra"
    if parts[1] in RANK:
        return parts[1]
    if len(parts) == 2 and MODULES[module].name != "__init__.py":
        return "root"
    raise AssertionError(f"{module}: a package of its own; add it to LAYERS or LIBRARY")


def _boundary_errors(module: str, imported: str) -> list[str]:
    source, target = _owner(module), _owner(imported)
    if target in ("infra", source) or source == "root":
        return []
    if target == "root":
        return [f"{module} imports the composition root {imported}"]
    if source == "infra":
        return [f"{module} (the library) imports the context {imported}"]
    if RANK[target] >= RANK[source]:
        return [f"{module} imports {imported}, a context at or above {source}"]
    if imported != f"metacult.{target}":
        return [f"{module} imports {imported}, private to {target} (use metacult.{target})"]
    return []


def test_every_module_belongs_to_a_layer() -> None:
    for module in MODULES:
        _owner(module)


def test_contexts_import_only_lower_contexts_and_only_their_public_surface() -> None:
    errors = [
        error
        for module in sorted(MODULES)
        for imported, _ in _imports(module)
        for error in _boundary_errors(module, imported)
    ]
    assert errors == []


def test_no_cycle_of_module_level_imports() -> None:
    graph = {
        module: {
            name for name, top in _imports(module) if top and name in MODULES and name != module
        }
        for module in MODULES
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                walk(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
    assert cycles == []


def test_the_checker_sees_a_forbidden_import() -> None:
    # The rules themselves, on imports that must fail and pass.
    assert _boundary_errors("metacult.catalog.service", "metacult.interaction")
    assert _boundary_errors("metacult.ranking.service", "metacult.catalog.store")
    assert _boundary_errors("metacult.gamification.service", "metacult.discovery")
    assert _boundary_errors("metacult.infra.web", "metacult.identity")
    assert not _boundary_errors("metacult.ranking.service", "metacult.catalog")
    assert not _boundary_errors("metacult.catalog.routes", "metacult.infra.web")


# --- SQL functions ----------------------------------------------------------------------
# A context's database functions are named after it (``catalog_fold`` is catalog's): its
# schema, not a surface. Another context's code calling one in its SQL depends on that
# schema where the import graph cannot see it; shared ones are infra's, named neutrally
# (``text_fold``, ``migrations/0600_text_search.sql``).

MIGRATIONS = PACKAGE.parent / "migrations"
_DECLARED = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?:\w+\.)?(\w+)\s*\(", re.I)


def _sql_functions() -> dict[str, str]:
    """Each function the migrations declare, with the context its name says owns it."""
    functions: dict[str, str] = {}
    for path in MIGRATIONS.glob("*.sql"):
        for name in _DECLARED.findall(path.read_text()):
            owner = name.lower().split("_")[0]
            if owner in RANK:
                functions[name.lower()] = owner
    return functions


def _strings(source: str) -> list[str]:
    """The string constants of a module (SQL lives in them), f-strings' literal parts too."""
    return [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _sql_call_errors(module: str, source: str, functions: dict[str, str]) -> list[str]:
    owner = _owner(module)
    errors = []
    for text in _strings(source):
        for name in re.findall(r"\b(\w+)\s*\(", text):
            called = functions.get(name.lower())
            if called and called != owner:
                errors.append(f"{module} calls {called}'s SQL function {name}()")
    return errors


def test_no_context_calls_another_contexts_sql_functions() -> None:
    functions = _sql_functions()
    assert "catalog_fold" in functions
    errors = [
        error
        for module, path in sorted(MODULES.items())
        for error in _sql_call_errors(module, path.read_text(), functions)
    ]
    assert errors == []


def test_the_checker_sees_a_call_of_another_contexts_sql_function() -> None:
    functions = _sql_functions()
    query = 'Q = """SELECT catalog_word_score(catalog_fold(name), $1) FROM users"""'
    assert _sql_call_errors("metacult.identity.store", query, functions)
    assert _sql_call_errors("metacult.interaction.store", f"Q = f{query[4:]}", functions)
    assert not _sql_call_errors("metacult.catalog.store", query, functions)
    neutral = 'Q = "SELECT text_word_score(text_fold(name), $1) FROM users"'
    assert not _sql_call_errors("metacult.identity.store", neutral, functions)
