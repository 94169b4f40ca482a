"""Serves the website widget (script and stylesheet) and, in demo mode, the demo bank page.

The widget is one tag on the bank's page; the hub serves the files itself, so no CDN is
involved. ``/demo/signed-in`` shows how a bank's server vouches for a signed-in customer:
the hub computes the HMAC with the demo site's secret and writes only the signature into
the page, never the secret.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from bot.access.deps import ServingDep
from bot.api.widget_identity import sign_customer
from bot.wiring import Wiring

STATIC = Path(__file__).resolve().parent.parent / "static"
WIDGET_DIR = STATIC / "widget"
DEMO_PAGE = STATIC / "demo" / "index.html"
DEMO_SITE = "demo-bank"
SCRIPT_ATTR = f'data-site="{DEMO_SITE}"'
SIGNED_IN_SLOT = "<!--signed-in-->"
HOTLINE_SLOT = "<!--hotline-->"
# The loader is a classic script on the bank's page; it imports the widget's ES modules,
# which browsers fetch with CORS and run only with a JavaScript MIME type.
ASSET_HEADERS = {
    # Public code and styles, no cookies: any site may load them (the API has its own
    # CORS list, TANDEM_WIDGET_ALLOWED_ORIGINS).
    "Access-Control-Allow-Origin": "*",
    "X-Content-Type-Options": "nosniff",
    # Revalidate (a cheap 304): the loader and its modules must come from the same release.
    "Cache-Control": "no-cache",
}
JS_MEDIA_TYPE = "text/javascript; charset=utf-8"


class WidgetAssets(StaticFiles):
    """The widget's static files with a JavaScript MIME type for .js, whatever the host's
    mimetypes table says, and headers that let a bank's page import the modules."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if path.endswith(".js") and response.status_code == 200:
            response.headers["Content-Type"] = JS_MEDIA_TYPE
        response.headers.update(ASSET_HEADERS)
        return response


def install(app: FastAPI, wiring: Wiring) -> None:
    settings = wiring.settings
    app.mount("/widget", WidgetAssets(directory=WIDGET_DIR), name="widget")
    if settings.widget_allowed_origins:
        # Lets listed bank sites call the widget API; no cookies cross origins (the panel's
        # session cookie is SameSite=Strict and needs a CSRF token anyway).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.widget_allowed_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            allow_credentials=False,
        )
    if settings.mode != "demo":
        return

    def demo_page_html() -> str:
        # The hotline comes from the settings, like the bot's own texts.
        page = DEMO_PAGE.read_text(encoding="utf-8")
        return page.replace(HOTLINE_SLOT, html.escape(settings.hotline))

    @app.get("/demo", response_class=HTMLResponse, include_in_schema=False)
    async def demo_page() -> HTMLResponse:
        """The fictional bank's landing page with the widget for an anonymous visitor."""
        return HTMLResponse(demo_page_html())

    @app.get("/demo/signed-in", response_class=HTMLResponse, include_in_schema=False)
    async def demo_signed_in(hub: ServingDep) -> HTMLResponse:
        """The same page as a signed-in customer sees it: the widget carries a signed id."""
        secret = settings.widget_sites.get(DEMO_SITE)
        if secret is None:
            raise HTTPException(404, f"The demo site {DEMO_SITE!r} is not configured.")
        customer_id = settings.widget_demo_customer_id
        name = await hub.threads.customer_name(customer_id) or customer_id
        signature = sign_customer(secret, customer_id)
        page = demo_page_html().replace(
            SCRIPT_ATTR,
            f'{SCRIPT_ATTR} data-customer-id="{html.escape(customer_id)}" '
            f'data-signature="{signature}"',
            1,
        )
        banner = f'<p class="signed-in">Xin chào,<strong>{html.escape(name)}</strong></p>'
        return HTMLResponse(page.replace(SIGNED_IN_SLOT, banner, 1))
