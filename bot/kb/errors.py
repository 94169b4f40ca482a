"""Domain errors of the knowledge workflow; each maps to exactly one HTTP status."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class KbError(Exception):
    status = 400

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(KbError):
    status = 404


class NotAllowed(KbError):
    """The user may not do this (e.g. approve their own draft without self-publishing)."""

    status = 403


class WrongState(KbError):
    """The draft is not in a state that allows this step."""

    status = 409


class Invalid(KbError):
    status = 422


class Unavailable(KbError):
    status = 503


def install_handlers(app: FastAPI) -> None:
    for cls in (NotFound, NotAllowed, WrongState, Invalid, Unavailable):

        async def handler(_: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, KbError)
            return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status)

        app.add_exception_handler(cls, handler)
