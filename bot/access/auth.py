"""Panel sign-in as FastAPI dependencies: the session behind the cookie, CSRF on every
change, role checks from bot.access.permissions; and the service token that Rasa's action server
uses for the internal API."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, cast

from fastapi import Depends, HTTPException, Request, Response, WebSocket, status

from bot.access import permissions, sessions
from bot.access.sessions import SignedIn
from bot.store.models import User

if TYPE_CHECKING:
    from bot.core import Core
    from bot.pipeline.serving import ServingHub

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def hub_of(request: Request | WebSocket) -> Core:
    """The hub as every stage shares it (settings, database, broker)."""
    return cast("Core", request.app.state.hub)


def serving_hub(request: Request | WebSocket) -> ServingHub:
    """The hub with the pipeline's entry points, for the channel and agent routes."""
    return cast("ServingHub", request.app.state.hub)


def client_address(conn: Request | WebSocket) -> str:
    # Behind a reverse proxy, set TANDEM_FORWARDED_ALLOW_IPS to its address so this is the
    # client's (from X-Forwarded-For, bot/app.py), and nobody else can claim one.
    return conn.client.host if conn.client else "unknown"


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = hub_of(request).settings
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(settings.session_max_age_s),
        httponly=True,
        samesite="strict",
        secure=settings.mode == "production",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(sessions.COOKIE, path="/")


async def signed_in(conn: Request | WebSocket) -> SignedIn | None:
    hub = hub_of(conn)
    return await sessions.lookup(hub.db, hub.settings, conn.cookies.get(sessions.COOKIE))


async def current_session(request: Request) -> SignedIn:
    found = await signed_in(request)
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Sign in first.")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent.encode(), found.session.csrf_token.encode()):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Missing or wrong CSRF token.")
    return found


async def current_user(found: SignedIn = Depends(current_session)) -> User:
    return found.user


def require(
    allowed: Callable[[User], bool], roles: frozenset[str]
) -> Callable[..., Coroutine[Any, Any, User]]:
    """A dependency that lets through the users a permission of bot.access.permissions allows."""

    async def dependency(user: User = Depends(current_user)) -> User:
        if not allowed(user):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"This needs the role: {', '.join(sorted(roles))}."
            )
        return user

    return dependency


require_agent = require(permissions.can_work_conversations, permissions.CONVERSATION_WORKERS)
require_editor = require(permissions.can_edit_knowledge, permissions.KNOWLEDGE_EDITORS)
require_supervisor = require(permissions.can_supervise, permissions.SUPERVISORS)


async def require_service(request: Request) -> None:
    """Bearer token shared with the action server (TANDEM_SERVICE_TOKEN)."""
    expected = hub_of(request).settings.service_token
    header = request.headers.get("authorization", "")
    token = header.removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Missing or wrong service token.")
