#!/usr/bin/env python3
"""The longest chain of file-to-file imports inside a package, read from the source (AST).

    python scripts/import_chain.py [dashboard/mirrors] [--types]

A chain ``a -> b -> c`` means module ``a`` imports ``b``, which imports ``c``. Imports made
only for annotations (under ``if TYPE_CHECKING:``) are left out unless ``--types`` is given:
they never run. docs/architecture.md prints both figures.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path


def module_name(path: Path) -> str:
    parts = list(path.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str], with_types: bool) -> set[str]:
    """The modules of ``modules`` that the file at ``path`` imports."""
    tree = ast.parse(path.read_text())
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(inner) for inner in ast.walk(node))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only and not with_types:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    found.add(f"{source}.{alias.name}")
                elif source in modules:
                    found.add(source)
    found.discard(module_name(path))
    return found


def main(argv: list[str]) -> int:
    with_types = "--types" in argv
    roots = [arg for arg in argv if not arg.startswith("--")] or ["dashboard/mirrors"]
    files = [p for p in Path(roots[0]).rglob("*.py") if "migrations" not in p.parts]
    modules = {module_name(p) for p in files}
    graph = {module_name(p): imported(p, modules, with_types) for p in files}

    @cache
    def longest(module: str, seen: frozenset[str] = frozenset()) -> tuple[str, ...]:
        best: tuple[str, ...] = (module,)
        for child in sorted(graph.get(module, ())):
            if child in seen:
                continue  # a circle: reported by the chain that closes it
            chain = (module, *longest(child, seen | {module}))
            if len(chain) > len(best):
                best = chain
        return best

    chain = max((longest(module) for module in sorted(graph)), key=len)
    what = "imports, annotations' included" if with_types else "imports that run"
    print(f"{len(chain)} files ({what}):")
    print("  " + "\n  -> ".join(chain))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
