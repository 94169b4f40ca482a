"""The agent workspace: a static single-page app served by the hub at ``/panel``.

The page talks only to the hub's own API and websocket, so it ships with a strict
Content-Security-Policy (no inline script, no third-party origins, no CDN).

Usage: listed in ``bot.extensions``; the hub calls ``install(app, wiring)`` at start-up.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from bot.wiring import Wiring

STATIC = Path(__file__).resolve().parent / "static"

# Everything comes from the hub itself; data from customers is never executed because the
# page renders it as text and this policy forbids inline script and foreign origins.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # The page is small and changes with each release; revalidating keeps agents current.
    "Cache-Control": "no-cache",
}


class PanelAssets(StaticFiles):
    """Static files with the panel's security headers on every response."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


def install(app: FastAPI, _: Wiring) -> None:
    """Serve the workspace page at /panel, its assets at /panel/assets, and send / there."""

    @app.api_route("/panel", methods=["GET", "HEAD"], include_in_schema=False)
    async def panel_page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers=SECURITY_HEADERS)

    @app.get("/panel/", include_in_schema=False)
    async def panel_slash() -> RedirectResponse:
        return RedirectResponse("/panel", status_code=307)

    if not any(getattr(route, "path", None) == "/" for route in app.router.routes):

        @app.get("/", include_in_schema=False)
        async def root(request: Request) -> RedirectResponse:
            return RedirectResponse("/panel", status_code=307)

    app.mount("/panel/assets", PanelAssets(directory=STATIC), name="panel-assets")
