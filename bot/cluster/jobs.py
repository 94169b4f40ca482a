"""Scheduled jobs that run on one hub replica at a time, under a lease row in the database.

Every replica runs the same loop; before each pass it takes or renews the job's lease
(``job_leases``) with one upsert that succeeds only when the lease is free, ran out, or is
already its own. The holder runs the pass; the others only renew-try. A holder that dies
stops renewing, and after ``job_lease_s`` the next replica to try takes over. So an
acknowledgement timeout or a call-back reminder fires once, not once per replica.

SQLite (one process) takes the same path: the lease is always free for the only holder.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import delete, or_, select

from bot.store.db import Database
from bot.store.models import JobLease
from bot.store.times import utc_now
from bot.store.upsert import insert_for

log = logging.getLogger(__name__)


async def hold(db: Database, name: str, owner: str, lease_s: float) -> bool:
    """Take or renew the lease on ``name``; True when ``owner`` holds it afterwards."""
    now = utc_now()
    until = now + timedelta(seconds=lease_s)
    stmt = insert_for(db.engine.dialect.name)(JobLease).values(name=name, owner=owner, until=until)
    stmt = stmt.on_conflict_do_update(
        index_elements=[JobLease.name],
        set_={"owner": owner, "until": until},
        where=or_(JobLease.owner == owner, JobLease.until < now),
    )
    async with db.session() as session:
        await session.execute(stmt)
        holder = await session.scalar(select(JobLease.owner).where(JobLease.name == name))
        await session.commit()
    return holder == owner


async def release(db: Database, name: str, owner: str) -> None:
    """Give the lease up at a clean shutdown, so another replica takes over at once."""
    async with db.session() as session:
        await session.execute(
            delete(JobLease).where(JobLease.name == name, JobLease.owner == owner)
        )
        await session.commit()


async def run_leased(
    db: Database,
    name: str,
    owner: str,
    lease_s: float,
    interval_s: float,
    job: Callable[[], Awaitable[object]],
) -> None:
    """Run ``job`` every ``interval_s`` while this replica holds the lease on ``name``.

    The holder renews its lease once half of it has run, not before every pass: the
    scheduler and the surveys pass every second, and a renewal each time was a write
    transaction (three statements) per job and second, a fifth of an idle hub's statements.
    A replica that does not hold the lease still tries before every pass, so a dead
    holder's lease is taken over as soon as it runs out, as before.

    A pass must take well under half of ``lease_s`` (10 s by default; a scheduler pass
    takes milliseconds): a pass still running when the lease runs out could overlap the
    next holder's.
    """
    holding = False
    loop = asyncio.get_running_loop()
    renew_at = 0.0  # loop time at which the holder renews; taken before the renewal itself
    try:
        while True:
            try:
                if not holding or loop.time() >= renew_at:
                    asked_at = loop.time()
                    now_holding = await hold(db, name, owner, lease_s)
                    if now_holding != holding:
                        log.info("job %s: %s", name, "taken" if now_holding else "held elsewhere")
                    holding = now_holding
                    renew_at = asked_at + lease_s / 2
                if holding:
                    await job()
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad row or a busy database must not stop the loop
                log.exception("job %s failed", name)
            await asyncio.sleep(interval_s)
    finally:
        if holding:
            try:
                await asyncio.shield(release(db, name, owner))
            except BaseException:  # shutting down: the lease simply runs out
                pass
