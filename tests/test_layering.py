"""The layering rules of the application packages (bot, knowledge, chattext, tandem), read
from the source with ``ast``: no import cycles, and each layer imports only downwards.

Every import counts, also one deferred into a function. One kept under ``if TYPE_CHECKING:``
counts for the layering rules (a type names what a module depends on, and a reader follows
it like any import) but not for cycles (it never runs, so it cannot make two modules wait
on each other at import time). docs/architecture.md explains the layers.

The last rule is about size: no source file of the project, Python, JavaScript or CSS, is
over 400 lines.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "knowledge", "chattext", "tandem")


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    type_only: bool

    def __str__(self) -> str:
        kind = " (TYPE_CHECKING)" if self.type_only else ""
        return f"{self.source}:{self.line} -> {self.target}{kind}"


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports_of(name: str, path: Path) -> list[Import]:
    found: list[Import] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_only)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(name, alias.name, node.lineno, type_only))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                package = name.split(".")
                if path.name != "__init__.py":
                    package = package[:-1]
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            for alias in node.names:
                # `from bot.store import models` imports the module bot.store.models.
                full = f"{module}.{alias.name}"
                target = full if full in MODULES else module
                found.append(Import(name, target, node.lineno, type_only))
        for child in ast.iter_child_nodes(node):
            visit(child, type_only)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return [i for i in found if i.target.split(".")[0] in PACKAGES and i.target != name]


IMPORTS = [i for name, path in sorted(MODULES.items()) for i in _imports_of(name, path)]


# The settings layer: the settings and the groups and secret rules they are made of.
SETTINGS = ("bot.config.settings", "bot.config.handoff", "bot.config.secret_rules")


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for i in IMPORTS:
        if not i.type_only and i.target in graph:
            graph[i.source].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            connect(name)
    return components


def test_the_import_reader_sees_every_kind_of_import() -> None:
    """The rules below are only as good as the reader: it must see deferred, type-only and
    `from package import module` imports (known ones in the tree, checked by name)."""
    imports = {(i.source, i.target, i.type_only) for i in IMPORTS}
    assert len(MODULES) > 100
    # a `from bot.store import models`-style import resolves to the module
    assert ("bot.app", "bot.api.widget", False) in imports
    # deferred into a function
    assert ("tandem.hub", "bot.app", False) in imports
    assert any(i.type_only for i in IMPORTS)


def test_no_import_cycles() -> None:
    assert _cycles() == []


# The composition roots build the application; nothing they build imports them back. The
# value is who may import each: the ASGI app builds the hub and installs the optional parts.
COMPOSITION_ROOTS = {
    "bot.app": (),
    "bot.service": ("bot.app",),
    "bot.extensions": ("bot.app",),
}
# Channel adapters: parse what arrives, hand it to intake, deliver what goes out.
CHANNELS = ("bot.channels", "bot.api.widget")
# The store's clock is the hub's one clock; it reads no table, so a channel may stamp with it.
THE_CLOCK = "bot.store.times"
# The parts of the hub that run conversations; reporting only observes what they store.
HUB_CORE = (
    "bot.service",
    "bot.core",
    "bot.pipeline",
    "bot.handoff",
    "bot.assist",
)


def _violations() -> list[str]:
    found: list[str] = []
    for i in IMPORTS:
        src, dst = i.source, i.target
        rule = None
        if dst in COMPOSITION_ROOTS and _under(src, "bot") and src not in COMPOSITION_ROOTS[dst]:
            rule = "imports a composition root"
        elif _under(src, *CHANNELS) and _under(dst, "bot.store") and dst != THE_CLOCK:
            rule = "a channel reads tables (call intake or a pipeline function instead)"
        elif _under(src, "bot.store") and not _under(dst, "bot.store", *SETTINGS, "chattext"):
            rule = "the store imports something above it"
        elif _under(src, "bot.reporting") and _under(dst, *HUB_CORE):
            rule = "reporting reaches into the hub's core"
        elif _under(src, "knowledge") and _under(dst, "bot") and dst not in SETTINGS:
            rule = "knowledge/ imports the hub (only its settings are allowed)"
        elif _under(src, "bot", "knowledge") and _under(dst, "tandem"):
            rule = "the application imports the CLI package (settings live in bot.config.settings)"
        elif _under(src, "chattext") and not _under(dst, "chattext"):
            rule = "chattext/ is shared with the Rasa environment and imports only itself"
        elif src in SETTINGS and dst not in SETTINGS:
            rule = "settings are the bottom layer and import nothing of the project"
        if rule:
            found.append(f"{i}: {rule}")
    return found


def test_layers_import_only_downwards() -> None:
    assert _violations() == []


# The root of bot/ holds only what composes the packages; every other concept has a package
# that owns it, so the folder shows the architecture (docs/architecture.md).
BOT_ROOT = {"bot.app", "bot.service", "bot.extensions", "bot.core", "bot.wiring"}


def test_the_root_of_bot_holds_only_the_composition() -> None:
    root = {
        name
        for name, path in MODULES.items()
        if path.parent == ROOT / "bot" and path.name != "__init__.py"
    }
    assert root == BOT_ROOT


# Route modules: every module of bot/api/ and every `routes.py` or `*_routes.py` of a part.
# The channel adapters (bot/channels/) mount routes too, but run leased jobs on the hub's
# `Core` beside them; their rule is the one above (no tables).
ROUTE_MODULES = sorted(
    name
    for name, path in MODULES.items()
    if _under(name, "bot.api") or path.stem == "routes" or path.stem.endswith("_routes")
)


def _reaches_into_the_hub(node: ast.AST) -> str | None:
    """What a route module must not write: the hub's database or the hub itself off the
    application's state. Routes name what they use as dependencies (bot/access/deps.py)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in ("hub_of", "serving_hub"):
            return f"{node.func.id}(...)"
    if not isinstance(node, ast.Attribute):
        return None
    owner = node.value
    if node.attr == "db" and (
        (isinstance(owner, ast.Name) and owner.id in ("hub", "core"))
        or (isinstance(owner, ast.Attribute) and owner.attr in ("hub", "core"))
    ):
        return f"{ast.unparse(node)} (take db: DatabaseDep)"
    if node.attr == "hub" and isinstance(owner, ast.Attribute) and owner.attr == "state":
        return f"{ast.unparse(node)} (take a dependency from bot.access.deps)"
    if node.attr == "state" and isinstance(owner, ast.Attribute) and owner.attr == "app":
        return f"{ast.unparse(node)} (an installed part: take bot.access.deps.part_of)"
    return None


def test_routes_take_the_database_as_a_dependency() -> None:
    """No `hub.db` (nor `core.db`, `hub_of(request)`, `request.app.state`) in a route module:
    a route declares `db: DatabaseDep`, `settings: SettingsDep`, `broker: BrokerDep`, and
    `core: CoreDep` only to hand the hub to a stage's function (the queue, routing,
    call-backs). Only the store and the stages that own tables open sessions off the hub."""
    assert {"bot.api.account", "bot.kb.routes", "bot.reporting.routes"} <= set(ROUTE_MODULES)
    assert {"bot.copilot.canned_routes", "bot.assist.routes"} <= set(ROUTE_MODULES)
    # Every module that mounts routes is either checked here or a channel adapter.
    mounting = {
        name
        for name, path in MODULES.items()
        if _under(name, "bot") and "APIRouter(" in path.read_text(encoding="utf-8")
    }
    assert {n for n in mounting if not _under(n, "bot.channels")} <= set(ROUTE_MODULES)
    found = [
        f"{name}:{node.lineno}: {what}"
        for name in ROUTE_MODULES
        for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8")))
        if (what := _reaches_into_the_hub(node))
    ]
    assert found == []


# The application's state holds one typed object (bot.wiring.Wiring): the composition root
# writes it and the route dependencies read it; every part gets it in install(app, wiring).
STATE_OWNERS = {"bot.app", "bot.access.deps"}


def _reads_the_state(node: ast.AST) -> bool:
    """`app.state`, `request.app.state`, or `getattr(app.state, ...)`."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "state"
        and ast.unparse(node.value).split(".")[-1] == "app"
    )


def test_only_the_wiring_reads_the_application_state() -> None:
    found = sorted(
        f"{name}:{node.lineno}: {ast.unparse(node)}"
        for name, path in MODULES.items()
        if _under(name, "bot") and name not in STATE_OWNERS
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _reads_the_state(node)
    )
    assert found == []
    # the reader sees the two places that own it
    owners = {
        name
        for name in STATE_OWNERS
        if "app.state.wiring" in MODULES[name].read_text(encoding="utf-8")
    }
    assert owners == STATE_OWNERS


# What the project ships as its own source: the application packages, Rasa's actions and
# NLU components, and the JavaScript and CSS the panel and the widget serve. Not the tests,
# benchmarks or migrations (schema history is written once and never edited).
SOURCE_PACKAGES = (*PACKAGES, "nlu", "actions")
SOURCE_SUFFIXES = (".py", ".js", ".css")
NOT_SIZED = ("bot/store/migrations",)
MAX_LINES = 400


def _source_lines() -> dict[str, int]:
    found: dict[str, int] = {}
    for package in SOURCE_PACKAGES:
        for path in (ROOT / package).rglob("*"):
            name = path.relative_to(ROOT).as_posix()
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            if any(name.startswith(f"{folder}/") for folder in NOT_SIZED):
                continue
            found[name] = len(path.read_text(encoding="utf-8").splitlines())
    return found


def test_the_size_reader_sees_every_kind_of_source() -> None:
    names = set(_source_lines())
    assert {"nlu/intent_model.py", "actions/faq.py", "chattext/__init__.py"} <= names
    assert {"bot/static/widget/tandem-widget.js", "bot/panel/static/panel.css"} <= names
    assert not any(name.startswith(("bot/store/migrations/", "tests/")) for name in names)


def test_no_source_file_is_over_400_lines() -> None:
    """A module that keeps growing past this has two concerns in it: split along the seam
    (nlu/intent_confidence.py came out of the intent model this way)."""
    lines = _source_lines()
    too_long = sorted(
        f"{name}: {count} lines" for name, count in lines.items() if count > MAX_LINES
    )
    assert too_long == []


def test_the_hub_reads_one_clock() -> None:
    """Every time the hub stamps or compares comes from ``bot.store.times.utc_now``, so a
    test or a replica's clock is changed in one place and nothing mixes naive and aware."""
    reads = re.compile(r"datetime\.(now|utcnow|today)\(")
    found = sorted(
        name
        for name, path in MODULES.items()
        if _under(name, "bot")
        and name != THE_CLOCK
        and not _under(name, "bot.store.migrations")
        and reads.search(path.read_text(encoding="utf-8"))
    )
    assert found == []
