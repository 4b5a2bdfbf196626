"""The house rules of docs/architecture, read from the source: imports run down the floors,
and each app's SQL names only its own tables."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps

PACKAGE = Path(__file__).resolve().parent.parent / "sportello"

# The floors of docs/architecture/README.md: an app may import its own floor's apps and
# those below, never those above.
FLOORS = {
    "core": 0,
    "accounts": 1,
    "channels": 1,
    "language": 1,
    "audit": 1,
    "knowledge": 2,
    "customers": 2,
    "conversations": 2,
    "sla": 2,
    "ingest": 3,
    "bot": 3,
    "outbound": 3,
    "automation": 3,
    "feedback": 3,
    "privacy": 3,
    "insights": 3,
    "webhooks": 3,
    "providers": 4,
    "api": 4,
    "web": 4,
    "portal": 4,
    "demo": 4,
    "config": 5,
}
# Imports that run up a floor on purpose, each explained in docs/architecture/README.md.
UPWARD_ALLOWED: set[tuple[str, str]] = set()


def _sources() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "migrations" in relative.parts or len(relative.parts) < 2:
            continue
        yield relative.parts[0], path, ast.parse(path.read_text(), str(path))


def _imported_modules(tree: ast.Module) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) of every import, also those inside functions."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [alias.asname or alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []


def test_every_app_of_the_package_has_a_floor():
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - {"locale"} <= set(FLOORS), sorted(packages - set(FLOORS))


def test_imports_run_down_the_floors():
    upward = []
    for app, path, tree in _sources():
        if app not in FLOORS:
            continue
        for line, module, _ in _imported_modules(tree):
            parts = module.split(".")
            if parts[0] != "sportello" or len(parts) < 2 or parts[1] not in FLOORS:
                continue
            target = parts[1]
            if FLOORS[target] > FLOORS[app] and (app, target) not in UPWARD_ALLOWED:
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not upward, "\n".join(upward)


def _module_graph() -> dict[str, set[str]]:
    """Which of the package's modules each module imports (also inside functions)."""
    paths = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        paths[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for _, module, names in _imported_modules(ast.parse(path.read_text())):
            for target in [f"{module}.{n}" for n in names] or [module]:
                target = target if target in paths else module
                if target in paths and target != name:
                    graph[name].add(target)
    return graph


def test_no_module_imports_itself_through_others():
    graph = _module_graph()
    cycles = []
    for start in graph:
        # A path from each module back to itself, depth first (the graph is small).
        seen, stack = set(), [(start, [start])]
        while stack:
            module, path = stack.pop()
            for target in graph[module]:
                if target == start:
                    cycles.append(" -> ".join([*path, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    assert not cycles, "\n".join(sorted(cycles))


def _owners() -> dict[str, str]:
    """Each table of the project's models, by the package of the app that owns it."""
    owners = {}
    for model in apps.get_models(include_auto_created=True):
        module = model.__module__.split(".")
        if module[0] == "sportello":
            owners[model._meta.db_table] = module[1]
        elif model._meta.app_label == "auth":
            owners[model._meta.db_table] = "accounts"  # accounts holds the users
    return owners


def _strings(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_each_apps_sql_names_only_its_own_tables():
    owners = _owners()
    model_owner = {
        model.__name__: model.__module__.split(".")[1]
        for model in apps.get_models()
        if model.__module__.startswith("sportello.")
    }
    foreign = []
    for app, path, tree in _sources():
        where = path.relative_to(PACKAGE)
        for line, text in _strings(tree):
            for word in text.replace('"', " ").replace(".", " ").replace(",", " ").split():
                owner = owners.get(word)
                if owner is not None and owner != app:
                    foreign.append(f"{where}:{line} names {word} ({owner}'s)")
        # A hand-written statement that reads or writes another app's model by its metadata.
        imported = {
            name: module.split(".")[1]
            for _, module, names in _imported_modules(tree)
            if module.startswith("sportello.") and module.endswith(".models")
            for name in names
        }
        for node in ast.walk(tree):
            model_name = None
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "db_table"
                and isinstance(node.value, ast.Attribute)
                and isinstance(node.value.value, ast.Name)
            ):
                model_name = node.value.value.id
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"Table", "RowReader"}
                and node.args
                and isinstance(node.args[0], ast.Name)
            ):
                model_name = node.args[0].id
            owner = imported.get(model_name or "") or model_owner.get(model_name or "")
            if model_name and owner and owner != app and imported.get(model_name) == owner:
                foreign.append(f"{where}:{node.lineno} writes SQL on {model_name} ({owner}'s)")
    assert not foreign, "\n".join(sorted(set(foreign)))


@pytest.mark.parametrize("app", sorted(FLOORS))
def test_each_app_has_a_page_in_the_architecture_docs(app):
    docs = PACKAGE.parent / "docs" / "architecture"
    assert (docs / f"{app}.md").exists(), f"docs/architecture/{app}.md"
