"""Fault injectors that sit in front of real services: a slow network hop, a hung peer.

``DelayProxy`` forwards every request to the real upstream (Rasa) after a delay. With a
delay longer than any test, it is a peer that accepts and never answers.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.support.stack import free_port


class DelayProxy:
    def __init__(self, upstream: str, delay_s: float, paths: tuple[str, ...] = ("/",)) -> None:
        self.upstream = upstream.rstrip("/")
        self.delay_s = delay_s
        self.paths = paths  # only requests under these paths are delayed
        self.port = free_port()
        self.delayed = 0
        self._server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> DelayProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                if any(self.path.startswith(p) for p in proxy.paths):
                    proxy.delayed += 1
                    # Sleep in small steps so stopping the proxy ends the wait.
                    deadline = time.monotonic() + proxy.delay_s
                    while time.monotonic() < deadline and not proxy._stop.is_set():
                        time.sleep(0.1)
                    if proxy._stop.is_set():
                        return
                try:
                    response = httpx.request(
                        self.command,
                        proxy.upstream + self.path,
                        content=body,
                        headers={"content-type": self.headers.get("content-type", "")},
                        timeout=120,
                    )
                    status, payload = response.status_code, response.content
                except httpx.HTTPError:
                    status, payload = 502, b"upstream unreachable"
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _forward

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
