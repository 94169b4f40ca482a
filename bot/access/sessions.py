"""Server-side panel sessions: made at sign-in, checked on every request and websocket,
ended by sign-out, a password change, a supervisor, or the idle and absolute time limits.

The cookie carries only a random token; the database keeps its SHA-256, the user, the CSRF
token and the times, so ending a session is one UPDATE that every process sees.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.config.settings import Settings
from bot.realtime import events
from bot.realtime.broker import Broker
from bot.store.db import Database
from bot.store.models import AgentSession, User
from bot.store.times import aware, utc_now

COOKIE = "tandem_session"
# last_seen_at is written at most this often, so reads do not each become a write.
TOUCH_EVERY = timedelta(seconds=30)


@dataclass
class SignedIn:
    session: AgentSession
    user: User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def expiry_reason(row: AgentSession, settings: Settings, now: datetime) -> str | None:
    if row.revoked_at is not None:
        return row.revoked_reason or "revoked"
    created, seen = aware(row.created_at), aware(row.last_seen_at)
    if created is not None and now - created > timedelta(seconds=settings.session_max_age_s):
        return "expired"
    if seen is not None and now - seen > timedelta(seconds=settings.session_idle_timeout_s):
        return "idle"
    return None


async def create(db: Database, user: User, address: str | None) -> tuple[str, AgentSession]:
    """A new session for a user who just proved who they are; returns (cookie token, row)."""
    token = secrets.token_urlsafe(32)
    row = AgentSession(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        address=(address or "")[:64] or None,
    )
    async with db.session() as session:
        session.add(row)
        await session.commit()
    return token, row


async def lookup(
    db: Database, settings: Settings, token: str | None, *, touch: bool = True
) -> SignedIn | None:
    """The live session behind a cookie token, or None (unknown, ended or timed out)."""
    if not token or len(token) > 128:
        return None
    now = utc_now()
    async with db.session() as session:
        row = await session.scalar(
            select(AgentSession).where(AgentSession.token_hash == token_hash(token))
        )
        if row is None or row.revoked_at is not None:
            return None
        reason = expiry_reason(row, settings, now)
        if reason is not None:
            row.revoked_at, row.revoked_reason = now, reason
            await session.commit()
            return None
        user = await session.get(User, row.user_id)
        if user is None:
            return None
        seen = aware(row.last_seen_at)
        if touch and (seen is None or now - seen >= TOUCH_EVERY):
            row.last_seen_at = now
            await session.commit()
        return SignedIn(row, user)


async def still_valid(db: Database, settings: Settings, session_id: int) -> str | None:
    """None while the session is live, else why it ended (for a websocket's close reason)."""
    async with db.session() as session:
        row = await session.get(AgentSession, session_id)
    if row is None:
        return "revoked"
    return expiry_reason(row, settings, utc_now())


async def revoke(
    db: Database,
    reason: str,
    *,
    session_ids: Iterable[int] | None = None,
    user_id: int | None = None,
    keep: int | None = None,
) -> list[int]:
    """End live sessions (given ones, or a user's, or everyone's); returns their ids."""
    query = select(AgentSession.id).where(AgentSession.revoked_at.is_(None))
    if session_ids is not None:
        query = query.where(AgentSession.id.in_(list(session_ids)))
    if user_id is not None:
        query = query.where(AgentSession.user_id == user_id)
    if keep is not None:
        query = query.where(AgentSession.id != keep)
    async with db.session() as session:
        ids = list((await session.scalars(query)).all())
        if ids:
            await session.execute(
                update(AgentSession)
                .where(AgentSession.id.in_(ids))
                .values(revoked_at=utc_now(), revoked_reason=reason)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
    return ids


def announce(broker: Broker, session_ids: Iterable[int], reason: str) -> None:
    """Tell this process's open websockets of those sessions to close now (others notice
    on their next periodic check)."""
    for session_id in session_ids:
        frame = events.SessionEndedFrame(type="session_ended", reason=reason)
        events.publish(broker, events.session(session_id), frame)


async def active_by_user(db: Database, settings: Settings) -> list[dict[str, Any]]:
    """Live sessions per user, for the supervisor's "sign out everywhere" list."""
    now = utc_now()
    idle_cutoff = now - timedelta(seconds=settings.session_idle_timeout_s)
    age_cutoff = now - timedelta(seconds=settings.session_max_age_s)
    async with db.session() as session:
        rows = (
            await session.execute(
                select(
                    User.username,
                    User.display_name,
                    User.role,
                    func.count(AgentSession.id),
                    func.max(AgentSession.last_seen_at),
                )
                .join(AgentSession, AgentSession.user_id == User.id)
                .where(
                    AgentSession.revoked_at.is_(None),
                    AgentSession.last_seen_at >= idle_cutoff,
                    AgentSession.created_at >= age_cutoff,
                )
                .group_by(User.username, User.display_name, User.role)
                .order_by(User.username)
            )
        ).all()
    return [
        {
            "username": username,
            "display_name": name,
            "role": role,
            "sessions": count,
            "last_seen_at": seen.isoformat() if (seen := aware(last_seen)) else None,
        }
        for username, name, role, count, last_seen in rows
    ]
