"""Things to do once a transaction has committed, and only then.

Realtime pushes and wake-ups are registered on the session while the transaction is open
and run after its commit, so a panel never shows a message that a rollback took back.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_KEY = "tandem_after_commit"


def after_commit(session: AsyncSession | Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` (synchronous, quick: a publish or a wake-up) after the next commit."""
    target = session.sync_session if isinstance(session, AsyncSession) else session
    target.info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    for callback in session.info.pop(_KEY, []):
        callback()


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_KEY, None)
