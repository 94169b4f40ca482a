"""Panel sign-in as FastAPI dependencies: the session behind the cookie, CSRF on every
change, role checks from bot.access.permissions; and the service token that Rasa's action server
uses for the internal API."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, HTTPException, Request, Response, WebSocket, status

from bot.access import permissions, sessions
from bot.access.deps import DatabaseDep, SettingsDep
from bot.access.sessions import SignedIn
from bot.config.settings import Settings
from bot.store.db import Database
from bot.store.models import User

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def client_address(conn: Request | WebSocket) -> str:
    # Behind a reverse proxy, set TANDEM_FORWARDED_ALLOW_IPS to its address so this is the
    # client's (from X-Forwarded-For, bot/app.py), and nobody else can claim one.
    return conn.client.host if conn.client else "unknown"


def set_session_cookie(settings: Settings, response: Response, token: str) -> None:
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


async def signed_in(conn: Request | WebSocket, db: Database, settings: Settings) -> SignedIn | None:
    return await sessions.lookup(db, settings, conn.cookies.get(sessions.COOKIE))


async def current_session(request: Request, db: DatabaseDep, settings: SettingsDep) -> SignedIn:
    found = await signed_in(request, db, settings)
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


async def require_service(request: Request, settings: SettingsDep) -> None:
    """Bearer token shared with the action server (TANDEM_SERVICE_TOKEN)."""
    expected = settings.service_token
    header = request.headers.get("authorization", "")
    token = header.removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Missing or wrong service token.")
