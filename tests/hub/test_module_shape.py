"""The hub's modules import one way: no import cycles among bot/ modules.

Every import counts, also those deferred into a function or kept for type checking only:
a cycle hidden that way is still two modules that reach into each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"


def _module(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found |= {n for n in names if n in known}
    return found


def test_no_import_cycles_in_the_hub() -> None:
    files = {_module(p): p for p in BOT.rglob("*.py") if "migrations" not in p.parts}
    graph = {name: _imports(path, set(files)) - {name} for name, path in files.items()}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str], done: set[str]) -> None:
        if node in stack:
            cycles.append(stack[stack.index(node) :] + [node])
            return
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, [*stack, node], done)
        done.add(node)

    done: set[str] = set()
    for name in sorted(graph):
        visit(name, [], done)
    assert cycles == []


def test_pipeline_stages_do_not_import_the_composition_root() -> None:
    files = {_module(p): p for p in BOT.rglob("*.py") if "migrations" not in p.parts}
    stages = [n for n in files if n.startswith(("bot.pipeline", "bot.handoff")) or n == "bot.core"]
    for name in stages:
        assert "bot.service" not in _imports(files[name], set(files)), name
