"""Workers: claim work items from the database queue and hand them to the router.

Order within a conversation comes from the claim (bot.pipeline.leases): a conversation's
next message is claimable only once the one before it is done. Across conversations the
claim is fair: the message ready longest goes first, so one visitor's backlog never holds
the workers while another customer's turn waits. A worker renews its lease
while the bot thinks; if the process dies, the lease runs out and another worker (or this
hub after its restart) re-drives the item. Processing is at-least-once; the router's
"done only if still pending" write makes the answer exactly-once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.pipeline import leases
from bot.pipeline.router import READ_ITEMS, Routed, Router
from bot.store import tables
from bot.store.db import Database
from bot.store.models import WorkItem
from bot.store.times import utc_now

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
DB_CHECK_S = 3.0
MAX_ATTEMPTS = 8  # a message that fails this often is set aside (Router.set_aside)
# Messages this process finished routing, remembered for a ``wait_routed`` that starts
# after its turn ended (a bot that answers at once), and messages its intake just stored.
ROUTED_KEPT = 4096
# wait_routed's read (at least once a message with the widget's HTTP fallback), built once:
# a Core statement on the table (nothing is loaded from its row).
_items = tables.work_items
_STATUS = select(_items.c.status).where(_items.c.message_id == bindparam("message_id"))


class Workers:
    def __init__(
        self,
        db: Database,
        router: Router,
        *,
        count: int,
        lease_s: float,
        poll_s: float,
        clock: Clock = utc_now,
    ) -> None:
        self.db = db
        self.router = router
        self.count = count
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.clock = clock
        self.owner = f"worker-{uuid.uuid4().hex[:12]}"
        # Wake-up tokens, at most one per worker: intake's "there is work" reaches one idle
        # worker, and a token left while all are busy is taken by the next one to idle.
        # (A queue, not a Condition under wait_for: cancelling that at shutdown can leave
        # its lock held by a finished task and hang the hub's exit.) A token is True when
        # it is the re-drive poll's (``_poll``), False when something was stored or freed.
        self._wake: asyncio.Queue[bool] = asyncio.Queue(maxsize=max(1, count))
        self._done: dict[int, asyncio.Event] = {}  # message id -> set when routed
        # Messages finished here, and messages this process's intake stored that nobody
        # has waited for yet (``stored``), newest last, ROUTED_KEPT of each at most.
        self._routed: OrderedDict[int, None] = OrderedDict()
        self._fresh: OrderedDict[int, None] = OrderedDict()

    def wake(self, poll: bool = False) -> None:
        """Called after intake commits: an idle worker looks for work now."""
        with contextlib.suppress(asyncio.QueueFull):
            self._wake.put_nowait(poll)

    async def run_forever(self) -> None:
        freed = await leases.release_orphans(self.db, WorkItem)
        if freed:
            log.warning("re-driving %s message(s) a killed predecessor held", freed)
        tasks = [asyncio.create_task(self._loop()) for _ in range(self.count)]
        tasks.append(asyncio.create_task(self._poll()))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _poll(self) -> None:
        """The periodic re-drive (items whose lease ran out, or that waited out a retry
        delay): one idle worker looks every ``poll_s``. Each idle worker used to poll on
        its own timer, 16 workers some two claims a second on an idle hub, each a write
        transaction; a poll that finds work still fans out (``_loop`` passes it on)."""
        while True:
            await asyncio.sleep(self.poll_s)
            self.wake(poll=True)

    async def _loop(self) -> None:
        polled = False  # this claim answers the re-drive poll's token
        claimed: list[Any] | None = None  # claimed by the last turn's own transaction
        while True:
            if claimed is not None:
                rows, claimed = claimed, None
            else:
                try:
                    # The claimed item read with its message and conversation in the
                    # claim's transaction: the turn starts from it (Router.process).
                    rows = await leases.claim_rows(
                        self.db,
                        WorkItem,
                        self.owner,
                        self.lease_s,
                        self.clock(),
                        1,
                        READ_ITEMS,
                        fair=True,
                    )
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("claiming work failed")
                    rows = []
            if rows:
                if polled:
                    # The poll found work that no wake-up announced (re-driven items come
                    # in numbers after a crash): another idle worker looks for more now.
                    self.wake(poll=True)
                    polled = False
                claimed = await self._run(rows[0])
                continue
            # Idle: wait for intake's wake-up or the re-drive poll's. A message stored
            # since the last claim left a token (``wake``), so none waits unclaimed.
            polled = await self._wake.get()

    async def _claim_next(self, session: AsyncSession) -> list[Any]:
        """The claim ``_loop`` makes after a turn, in the turn's transaction (the router
        runs it just before its commit), with what it claimed read as ``READ_ITEMS``."""
        return await leases.claim_rows_in(
            session, self.db, WorkItem, self.owner, self.lease_s, self.clock(), 1, READ_ITEMS, True
        )

    async def _run(self, found: Any) -> list[Any] | None:
        """Route one claimed item (its ``READ_ITEMS`` row); the items claimed in its turn's
        transaction, or None when none was claimed there (the caller then claims on its
        own)."""
        item_id = found[0].id
        renewer = asyncio.create_task(self._renew(item_id))
        try:
            routed = await self.router.process(item_id, self._claim_next, found)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("routing work item %s failed", item_id)
            routed = Routed(False, None)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        if routed.done:
            await self._finished(item_id, routed.message_id)
            return routed.claimed
        await self._retry_later(item_id)
        return None

    async def _renew(self, item_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            until = self.clock() + timedelta(seconds=self.lease_s)
            with contextlib.suppress(Exception):
                await leases.renew(self.db, WorkItem, item_id, self.owner, until)

    async def _retry_later(self, item_id: int) -> None:
        async with self.db.session() as session:
            attempts = await session.scalar(select(WorkItem.attempts).where(WorkItem.id == item_id))
            await session.commit()
        attempts = attempts or 0
        if attempts >= MAX_ATTEMPTS:
            log.error("work item %s failed %s times; set aside", item_id, attempts)
            try:
                await self.router.set_aside(item_id)
            except Exception:  # the customer's turn must still end: mark it failed bare
                log.exception("setting work item %s aside failed", item_id)
                async with self.db.session() as session:
                    await session.execute(
                        update(WorkItem).where(WorkItem.id == item_id).values(status="failed")
                    )
                    await session.commit()
            await self._finished(item_id)
            return
        delay = min(30.0, 0.5 * 2**attempts)
        await leases.release(
            self.db, WorkItem, item_id, self.owner, self.clock() + timedelta(seconds=delay)
        )

    async def _finished(self, item_id: int, message_id: int | None = None) -> None:
        """Tell a ``wait_routed`` caller in this process that the item's turn is over.

        No wake-up here: the worker that finished claimed again in the turn's own
        transaction (``_claim_next``), and that claim saw the conversation's next message,
        the one item this can have made claimable. A wake-up made a second worker run the
        same claim in vain: two statements and a turn in the write lock per message.

        The router passes the item's message id (it read the item): the database is asked
        only when it is not known (an item set aside after its last failed attempt).
        """
        if message_id is not None:
            _remember(self._routed, message_id)
        if not self._done:
            return  # nobody here waits for a message (widget sockets, Telegram): no read
        if message_id is None:
            async with self.db.reader() as session:
                message_id = await session.scalar(
                    select(WorkItem.message_id).where(WorkItem.id == item_id)
                )
            if message_id is not None:
                _remember(self._routed, message_id)
        event = self._done.get(message_id or -1)
        if event is not None:
            event.set()

    def stored(self, message_id: int) -> None:
        """Intake stored this message (not a duplicate): its item is pending, and a
        ``wait_routed`` for it need not ask the database so before its first wait."""
        _remember(self._fresh, message_id)

    async def wait_routed(self, message_id: int, timeout_s: float) -> bool:
        """Wait (holding no connection) until a message's work item is done. Another hub
        process may be the one routing it, so the database is asked now and then too
        (not often: on SQLite every transaction queues for the one write lock).

        A message this process's intake has just stored (``stored``) is not read at
        first: its item was pending a moment ago, so either this process has finished it
        since (``_finished`` remembers it) or its turn's end here sets the event, and a
        turn that another replica ends is seen by the read after the first wait, as it
        was. Any other message (a resend) is read first, as before."""
        fresh = message_id in self._fresh
        if fresh:
            del self._fresh[message_id]
            if message_id in self._routed:
                return True
        event = self._done.setdefault(message_id, asyncio.Event())
        deadline = asyncio.get_running_loop().time() + timeout_s
        try:
            while True:
                if fresh:
                    fresh = False
                else:
                    # A read only, so on the reader, in one statement (Database.read_one).
                    async with self.db.read_one() as session:
                        status = await session.scalar(_STATUS, {"message_id": message_id})
                    if status != "pending":
                        return True
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    return False
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(event.wait(), min(DB_CHECK_S, remaining))
                if event.is_set():
                    return True  # set by _finished: this process finished the item
        finally:
            self._done.pop(message_id, None)


def _remember(ids: OrderedDict[int, None], message_id: int) -> None:
    """Keep a message id among the newest ``ROUTED_KEPT``."""
    ids[message_id] = None
    ids.move_to_end(message_id)
    if len(ids) > ROUTED_KEPT:
        ids.popitem(last=False)
