"""The bot's health probe (bot/pipeline/rasa_client.py ``warm_up``) against a Rasa with its
HTTP API on and one with it off (the demo's): with it off, after the first 404 the probe
asks the REST channel's route alone."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.pipeline.rasa_client import RasaClient


def _server(api_on: bool) -> tuple[ThreadingHTTPServer, list[str]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int) -> None:
            seen.append(f"{self.command} {self.path}")
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self._answer(200 if self.path == "/webhooks/rest/" else 404)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._answer(200 if api_on and self.path == "/model/parse" else 404)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.mark.parametrize("api_on", [True, False])
def test_the_probe_asks_once_per_check_after_learning_the_api_is_off(api_on: bool) -> None:
    server, seen = _server(api_on)

    async def probe_three_times() -> list[str]:
        client = RasaClient(f"http://127.0.0.1:{server.server_address[1]}", timeout_s=10)
        try:
            return [await client.warm_up() for _ in range(3)]
        finally:
            await client.close()

    try:
        assert asyncio.run(probe_three_times()) == ["ready"] * 3
    finally:
        server.shutdown()
        server.server_close()
    if api_on:
        assert seen == ["POST /model/parse"] * 3
    else:
        # The first check learns the API is off; the next two ask the REST route only.
        assert seen == ["POST /model/parse", *["GET /webhooks/rest/"] * 3]
