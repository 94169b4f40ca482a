"""The one-tag embed on a bank's own site, an origin other than the hub's, in a real browser
(Debian Chromium driven by Playwright). The loader is a classic script that imports the
widget's ES modules from the hub across origins; the page's own call to the public API,
made before those modules arrive, still opens the widget; and the visitor chats through the
hub's CORS-allowed API and websocket. The bank's page comes from a small server of its own
on loopback (Chromium refuses requests from a public page to a loopback hub). A screenshot
is kept in tests/artifacts/widget-embed.png.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import HubProcess, free_port

pytestmark = pytest.mark.browser

# What a bank puts on its page: the one tag, then (here, synchronously, so the call is sure to
# come before the modules have loaded) its own use of the public API.
BANK_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Ngân hàng</title></head>
<body><h1>Ngân hàng Sen Vàng</h1>
<script src="{hub}/widget/tandem-widget.js" data-site="demo-bank" data-lang="vi"></script>
<script>window.TandemWidget.open();</script>
</body></html>"""


def serve_bank_page(body: str) -> ThreadingHTTPServer:
    """The bank's web server: one page, on a port of its own."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def bank_and_hub(tmp_path: Path, shared_index_dir: Path) -> Iterator[tuple[str, HubProcess]]:
    """A bank origin (localhost, not the hub's 127.0.0.1) and a hub that lets it call the API."""
    hub = HubProcess(tmp_path, index_dir=shared_index_dir)
    bank_server = serve_bank_page(BANK_PAGE.format(hub=hub.url))
    bank = f"http://localhost:{bank_server.server_address[1]}"
    hub.extra_env["TANDEM_WIDGET_ALLOWED_ORIGINS"] = json.dumps([bank])
    hub.init_db()
    hub.start()
    yield bank, hub
    hub.stop()
    bank_server.shutdown()
    bank_server.server_close()


def test_widget_embedded_on_another_origin_loads_its_modules_and_chats(
    bank_and_hub: tuple[str, HubProcess], browser_context: Any, artifacts_dir: Path
) -> None:
    bank, hub = bank_and_hub
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    modules: list[Any] = []
    page.on("response", lambda r: modules.append(r) if "/widget/modules/" in r.url else None)
    page.goto(f"{bank}/")
    assert page.evaluate("location.origin") == bank != hub.url

    # Opened by the page's early call, which waited for the modules.
    page.locator("#tandem-widget[data-state='open']").wait_for()
    page.locator("#tandem-widget[data-connection='online']").wait_for()
    box = page.get_by_role("textbox", name="Tin nhắn của bạn")
    box.fill("Thẻ của tôi bị khoá")
    box.press("Enter")
    page.locator(".tw-msg--customer:not(.tw-msg--pending)", has_text="bị khoá").wait_for()
    page.locator(".tw-msg--system").first.wait_for()  # the bot is down: queued for a person

    served = {r.url.rsplit("/", 1)[1]: r for r in modules}
    assert {"main.js", "socket.js", "messages.js", "strings.js"} <= set(served)
    assert all(r.url.startswith(hub.url) and r.status == 200 for r in served.values())
    page.screenshot(path=str(artifacts_dir / "widget-embed.png"))
    assert errors == []
