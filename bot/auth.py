"""Panel sign-in: signed-cookie sessions, CSRF tokens, role checks; and the service token
that Rasa's action server uses for the internal API."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, HTTPException, Request, WebSocket, status
from sqlalchemy import select

from bot.passwords import verify_password
from bot.store.models import User

ROLES = ("agent", "knowledge_manager", "supervisor")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def hub_of(request: Request | WebSocket) -> Any:
    return request.app.state.hub


async def authenticate(request: Request, username: str, password: str) -> User | None:
    async with hub_of(request).db.session() as session:
        user = await session.scalar(select(User).where(User.username == username))
    if user is None or not verify_password(user.password_hash, password):
        return None
    return user


def start_session(request: Request, user: User) -> str:
    request.session.clear()
    request.session["uid"] = user.id
    request.session["csrf"] = secrets.token_urlsafe(24)
    return request.session["csrf"]


async def _user_from_session(conn: Request | WebSocket) -> User | None:
    uid = conn.session.get("uid")
    if uid is None:
        return None
    async with hub_of(conn).db.session() as session:
        return await session.get(User, uid)


async def current_user(request: Request) -> User:
    user = await _user_from_session(request)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Sign in first.")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        expected = request.session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent, expected):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Missing or wrong CSRF token.")
    return user


async def websocket_user(websocket: WebSocket) -> User | None:
    return await _user_from_session(websocket)


def require_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, User]]:
    async def dependency(user: User = Depends(current_user)) -> User:
        if user.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"This needs the role: {', '.join(roles)}."
            )
        return user

    return dependency


require_agent = require_roles("agent", "supervisor")
require_editor = require_roles("knowledge_manager", "supervisor")
require_supervisor = require_roles("supervisor")


async def require_service(request: Request) -> None:
    """Bearer token shared with the action server (TANDEM_SERVICE_TOKEN)."""
    expected = hub_of(request).settings.service_token
    header = request.headers.get("authorization", "")
    token = header.removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(token, expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Missing or wrong service token.")
