"""Exception handlers for bad input that slips past request validation.

JSON may carry a lone UTF-16 surrogate ("\\ud800"), which Python decodes into a string no
database driver or UTF-8 encoder accepts. Message text is checked on intake (bot/i18n/inbound.py);
any other field that reaches an encoder fails with UnicodeEncodeError, which is the
client's bad input (422), not a server fault. Nothing is stored: the transaction that hit it
rolls back.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.wiring import Wiring


async def _unencodable(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": "The request contains text that is not valid Unicode.", "code": "not_text"},
        status_code=422,
    )


def install(app: FastAPI, _: Wiring) -> None:
    app.add_exception_handler(UnicodeEncodeError, _unencodable)
