"""The widget's files as the hub serves them: a classic loader script plus ES modules that
a bank's page imports across origins, so each module needs a JavaScript MIME type, CORS and
revalidation, and the module graph must stay small, acyclic and free of markup injection."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.channels.widget_assets import WIDGET_DIR, WidgetAssets

MODULES = WIDGET_DIR / "modules"
MODULE_FILES = sorted(MODULES.glob("*.js"))
IMPORT = re.compile(r'^import [^;]*? from "\./([\w-]+\.js)";', re.MULTILINE)


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.mount("/widget", WidgetAssets(directory=WIDGET_DIR), name="widget")
    return TestClient(app)


def test_the_loader_and_every_module_are_javascript_that_any_site_may_import(
    client: TestClient,
) -> None:
    paths = ["/widget/tandem-widget.js"] + [f"/widget/modules/{f.name}" for f in MODULE_FILES]
    for path in paths:
        res = client.get(path, headers={"Origin": "https://bank.example"})
        assert res.status_code == 200, path
        # Browsers refuse to run a module served with any other type.
        assert res.headers["content-type"].startswith("text/javascript"), path
        assert res.headers["access-control-allow-origin"] == "*", path
        assert res.headers["cache-control"] == "no-cache", path
        assert res.headers["x-content-type-options"] == "nosniff", path
    assert client.get("/widget/modules/missing.js").status_code == 404


def test_every_style_sheet_the_widget_links_is_served_as_css(client: TestClient) -> None:
    main = (MODULES / "main.js").read_text(encoding="utf-8")
    listed = re.search(r"var STYLESHEETS = \[(.*?)\];", main)
    assert listed, "main.js names its style sheets in STYLESHEETS"
    sheets = re.findall(r'"([\w/-]+\.css)"', listed.group(1))
    on_disk = ["tandem-widget.css"] + [
        f"styles/{p.name}" for p in (WIDGET_DIR / "styles").glob("*.css")
    ]
    assert sheets[0] == "tandem-widget.css" and sorted(sheets) == sorted(on_disk)
    for sheet in sheets:
        res = client.get(f"/widget/{sheet}")
        assert res.status_code == 200, sheet
        assert res.headers["content-type"].startswith("text/css"), sheet


def test_a_revalidated_module_is_a_304_with_the_same_headers(client: TestClient) -> None:
    first = client.get("/widget/modules/main.js")
    again = client.get("/widget/modules/main.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["access-control-allow-origin"] == "*"


def test_the_loader_imports_the_entry_module_next_to_itself() -> None:
    loader = (WIDGET_DIR / "tandem-widget.js").read_text(encoding="utf-8")
    assert 'import(new URL("modules/main.js", script.src).href)' in loader
    assert "document.currentScript" in loader
    # A classic script: a top-level import statement would make the one-tag embed fail.
    assert not re.search(r"^\s*(import|export)\s", loader, re.MULTILINE)


def test_the_loader_preloads_exactly_the_modules_in_the_folder() -> None:
    loader = (WIDGET_DIR / "tandem-widget.js").read_text(encoding="utf-8")
    listed = re.search(r"var MODULES = \[(.*?)\];", loader, re.DOTALL)
    assert listed, "the loader must list its modules for modulepreload"
    names = re.findall(r'"([\w-]+)"', listed.group(1))
    assert sorted(f"{n}.js" for n in names) == [f.name for f in MODULE_FILES]


def _graph() -> dict[str, list[str]]:
    return {f.name: IMPORT.findall(f.read_text(encoding="utf-8")) for f in MODULE_FILES}


def test_modules_are_small_documented_and_import_only_existing_modules() -> None:
    graph = _graph()
    assert "main.js" in graph
    for module in MODULE_FILES:
        text = module.read_text(encoding="utf-8")
        assert len(text.splitlines()) < 300, module.name
        assert text.startswith("/*\n"), f"{module.name} needs a header comment"
        # Customer and agent text is data: never parsed as markup.
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, module.name
        for target in graph[module.name]:
            assert target in graph, f"{module.name} imports a missing {target}"


def test_module_imports_have_no_cycles_and_reach_every_module_from_main() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, "import cycle: " + " -> ".join((*path, name))
        if name in done:
            return
        for target in graph[name]:
            visit(target, (*path, name))
        done.add(name)

    visit("main.js", ())
    assert done == set(graph), f"not reached from main.js: {set(graph) - done}"


def test_every_widget_text_exists_in_vietnamese_and_english() -> None:
    strings = (MODULES / "strings.js").read_text(encoding="utf-8")
    tables = re.search(r"vi: \{(.*?)\n  \},\n  en: \{(.*?)\n  \},", strings, re.DOTALL)
    assert tables, "strings.js must hold a vi and an en table"
    vi, en = tables.groups()
    keys = re.compile(r"^\s+(\w+):", re.MULTILINE)
    assert keys.findall(vi) == keys.findall(en) and len(keys.findall(vi)) > 20


def test_files_on_disk_are_the_ones_served() -> None:
    # The static mount serves the folder as it is: no build step writes into it.
    served = {p.name for p in WIDGET_DIR.iterdir()}
    assert served == {"tandem-widget.js", "tandem-widget.css", "modules", "styles"}
