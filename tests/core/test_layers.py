"""Core is the ground floor: it imports no other part of Sportello (ARCHITECTURE.md, "Imports
run one way, down the floors"). A static scan, so an import hidden in a function, a relative
import or an ``import_module("sportello...")`` counts as much as one at the top of a file."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import sportello.core

CORE = Path(sportello.core.__path__[0])
ROOT = CORE.parent.parent  # the directory holding the sportello package


def imported_modules(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything ``path`` imports, wherever the statement is;
    ``root`` holds the top package, to resolve relative imports."""
    package = list(path.relative_to(root).parent.parts)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            if base == "sportello":  # `from sportello import config` names the package
                for alias in node.names:
                    yield node.lineno, f"{base}.{alias.name}"
            else:
                yield node.lineno, base
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", ""))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def reaches_above_core(name: str) -> bool:
    return name.startswith("sportello.") and not (
        name == "sportello.core" or name.startswith("sportello.core.")
    )


def core_files() -> list[Path]:
    return [path for path in CORE.rglob("*.py") if "migrations" not in path.relative_to(CORE).parts]


def test_core_imports_nothing_above_it():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in core_files()
        for line, name in imported_modules(path)
        if reaches_above_core(name)
    ]
    assert core_files() and not found, "\n".join(found)


def test_the_scan_sees_imports_wherever_they_are(tmp_path):
    """GIVEN a core module importing upwards inside a function, relatively, by name
    THEN the scan reports each of them."""
    module = tmp_path / "sportello" / "core" / "sample.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from importlib import import_module\n"
        "from sportello.core import clock\n"
        "from . import events\n"
        "def f():\n"
        "    from sportello.conversations.models import Conversation\n"
        "    from .. import config\n"
        "    from ..accounts import actions\n"
        "    import sportello.ingest.pipeline\n"
        "    return import_module('sportello.outbound.handlers')\n",
        encoding="utf-8",
    )
    names = {name for _, name in imported_modules(module, root=tmp_path)}
    assert {name for name in names if reaches_above_core(name)} == {
        "sportello.conversations.models",
        "sportello.config",
        "sportello.accounts",
        "sportello.ingest.pipeline",
        "sportello.outbound.handlers",
    }
    assert "sportello.core" in names  # `from sportello.core import clock`, `from . import events`
