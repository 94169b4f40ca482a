"""Panel accounts: sign-in (throttled), sign-out, who am I, password change, and the
supervisor's "sign out everywhere" for one person or for everyone."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot.access import sessions, signin
from bot.access.auth import (
    clear_session_cookie,
    client_address,
    current_session,
    require_supervisor,
    set_session_cookie,
)
from bot.access.deps import BrokerDep, CoreDep, DatabaseDep, PasswordsDep, SettingsDep
from bot.access.lockout import Lockout
from bot.access.passwords import PasswordWorker
from bot.access.sessions import SignedIn
from bot.api.agent import set_online
from bot.api.schemas import OkOut
from bot.config.settings import Settings
from bot.realtime import events
from bot.realtime.broker import Broker
from bot.store.db import Database
from bot.store.models import Alert, User

router = APIRouter(prefix="/api", tags=["account"])

MIN_PASSWORD_CHARS = 12


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "team": user.team,
        "online": user.online,
    }


def throttled_response(exc: signin.Throttled) -> JSONResponse:
    return JSONResponse(
        {"detail": str(exc), "retry_after": exc.retry_after},
        status_code=429,
        headers={"Retry-After": str(exc.retry_after)},
    )


async def _alert_lockouts(
    db: Database, broker: Broker, attempt: signin.Attempt, lockouts: list[Lockout]
) -> None:
    """A lockout is a brute-force pattern: supervisors see it as an alert, live."""
    if not lockouts:
        return
    texts = [
        f"{lock.failures} failed sign-ins for {signin.describe(lock, attempt)}: "
        f"locked until {lock.until:%H:%M} UTC."
        for lock in lockouts
    ]
    async with db.session() as session:
        session.add_all(Alert(kind="brute_force", audience="supervisor", text=t) for t in texts)
        await session.commit()
    for text in texts:  # after the commit: a panel that re-reads /api/alerts finds them
        frame = events.AlertFrame(type="alert", kind="brute_force", text=text)
        events.publish(broker, events.SUPERVISORS, frame)


async def check_password(
    request: Request,
    db: Database,
    settings: Settings,
    broker: Broker,
    passwords: PasswordWorker,
    username: str,
    password: str,
) -> User | None:
    """The user if the password is right; None if not. Raises signin.Throttled.

    Unknown usernames cost the same Argon2 verification as real ones (against a dummy hash)
    and count as failures the same way, so neither timing nor throttling reveals them."""
    attempt = signin.Attempt(signin.account_key(username), client_address(request))
    await signin.begin(db, settings, attempt)
    async with db.session() as session:
        user = await session.scalar(select(User).where(User.username == username))
    ok = await passwords.verify(user.password_hash if user else None, password)
    if ok and user is not None:
        await signin.succeeded(db, attempt)
        return user
    await _alert_lockouts(db, broker, attempt, await signin.failed(db, settings, attempt))
    return None


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class SignedInOut(BaseModel):
    user: dict[str, Any]
    csrf_token: str


async def _start(
    request: Request, db: Database, settings: Settings, response: Response, user: User
) -> SignedInOut:
    token, row = await sessions.create(db, user, client_address(request))
    set_session_cookie(settings, response, token)
    return SignedInOut(user=user_json(user), csrf_token=row.csrf_token)


@router.post(
    "/auth/login",
    response_model=SignedInOut,
    responses={
        401: {"description": "Wrong username or password"},
        429: {"description": "Throttled"},
    },
)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    db: DatabaseDep,
    settings: SettingsDep,
    broker: BrokerDep,
    passwords: PasswordsDep,
) -> Any:
    try:
        user = await check_password(
            request, db, settings, broker, passwords, body.username, body.password
        )
    except signin.Throttled as exc:
        return throttled_response(exc)
    if user is None:
        raise HTTPException(401, "Wrong username or password.")
    # A cookie left over from an earlier sign-in on this browser ends here.
    old = request.cookies.get(sessions.COOKIE)
    if old:
        found = await sessions.lookup(db, settings, old, touch=False)
        if found is not None:
            ids = await sessions.revoke(db, "signed_in_again", session_ids=[found.session.id])
            sessions.announce(broker, ids, "signed_in_again")
    return await _start(request, db, settings, response, user)


@router.post("/auth/logout", response_model=OkOut)
async def logout(
    response: Response,
    core: CoreDep,
    db: DatabaseDep,
    broker: BrokerDep,
    found: SignedIn = Depends(current_session),
) -> dict[str, bool]:
    await set_online(core, db, found.user, False)
    ids = await sessions.revoke(db, "signed_out", session_ids=[found.session.id])
    sessions.announce(broker, ids, "signed_out")
    clear_session_cookie(response)
    return {"ok": True}


@router.get("/auth/me", response_model=SignedInOut)
async def me(found: SignedIn = Depends(current_session)) -> SignedInOut:
    return SignedInOut(user=user_json(found.user), csrf_token=found.session.csrf_token)


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=MIN_PASSWORD_CHARS, max_length=200)


@router.post(
    "/auth/password",
    response_model=SignedInOut,
    responses={403: {"description": "Wrong current password"}, 429: {"description": "Throttled"}},
)
async def change_password(
    body: PasswordIn,
    request: Request,
    response: Response,
    db: DatabaseDep,
    settings: SettingsDep,
    broker: BrokerDep,
    passwords: PasswordsDep,
    found: SignedIn = Depends(current_session),
) -> Any:
    """Change one's own password. Every session of the account ends (a thief's too); this
    browser gets a fresh one."""
    if body.new_password == body.current_password or body.new_password == found.user.username:
        raise HTTPException(422, "Choose a new password different from the old one and the name.")
    try:
        # Same throttle as sign-in: a stolen cookie must not become a password oracle.
        user = await check_password(
            request, db, settings, broker, passwords, found.user.username, body.current_password
        )
    except signin.Throttled as exc:
        return throttled_response(exc)
    if user is None:
        raise HTTPException(403, "The current password is wrong.")
    new_hash = await passwords.hash(body.new_password)
    async with db.session() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.password_hash = new_hash
        await session.commit()
    ids = await sessions.revoke(db, "password_changed", user_id=user.id)
    sessions.announce(broker, ids, "password_changed")
    return await _start(request, db, settings, response, user)


class ActiveSessionsOut(BaseModel):
    """One user's live sessions (bot.access.sessions.active_by_user)."""

    username: str
    display_name: str
    role: str
    sessions: int
    last_seen_at: str | None


class SessionsOut(BaseModel):
    users: list[ActiveSessionsOut]


@router.get("/sessions", response_model=SessionsOut)
async def list_sessions(
    db: DatabaseDep, settings: SettingsDep, _: User = Depends(require_supervisor)
) -> dict[str, list[dict[str, Any]]]:
    """Who is signed in, and on how many browsers."""
    return {"users": await sessions.active_by_user(db, settings)}


class RevokedOut(BaseModel):
    ended: int


@router.post("/users/{username}/sessions/revoke", response_model=RevokedOut)
async def revoke_user_sessions(
    username: str,
    db: DatabaseDep,
    broker: BrokerDep,
    found: SignedIn = Depends(current_session),
    _: User = Depends(require_supervisor),
) -> RevokedOut:
    """Sign one person out everywhere (a lost laptop, a leaver)."""
    async with db.session() as session:
        target = await session.scalar(select(User).where(User.username == username))
    if target is None:
        raise HTTPException(404, "No such user.")
    keep = found.session.id if target.id == found.user.id else None
    ids = await sessions.revoke(db, "revoked_by_supervisor", user_id=target.id, keep=keep)
    sessions.announce(broker, ids, "revoked_by_supervisor")
    return RevokedOut(ended=len(ids))


@router.post("/sessions/revoke", response_model=RevokedOut)
async def revoke_all_sessions(
    db: DatabaseDep,
    broker: BrokerDep,
    found: SignedIn = Depends(current_session),
    _: User = Depends(require_supervisor),
) -> RevokedOut:
    """Sign everyone out everywhere, except the supervisor's own browser."""
    ids = await sessions.revoke(db, "revoked_by_supervisor", keep=found.session.id)
    sessions.announce(broker, ids, "revoked_by_supervisor")
    return RevokedOut(ended=len(ids))
