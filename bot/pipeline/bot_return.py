"""When the bot comes back: conversations queued only because it was down return to it,
and the customer messages it never answered are routed to it again, in order, once.

The messages are listed in the conversation's context (``unanswered``) by the router
(``bot.pipeline.router``) when the bot could not answer them, and unlisted once anything
answers them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select, update

from bot.core import Core
from bot.i18n.texts import text as t
from bot.store import states
from bot.store.models import Conversation, WorkItem

log = logging.getLogger(__name__)


def unanswered(conv: Conversation) -> list[int]:
    """Customer messages the bot never answered because it was down (oldest first)."""
    return [int(i) for i in (conv.context or {}).get("unanswered", [])]


def list_unanswered(conv: Conversation, message_id: int) -> None:
    ids = unanswered(conv)
    if message_id not in ids:
        conv.context = {**(conv.context or {}), "unanswered": sorted([*ids, message_id])}


def unlist_unanswered(conv: Conversation, message_id: int) -> None:
    ids = unanswered(conv)
    if message_id in ids:
        conv.context = {**(conv.context or {}), "unanswered": [i for i in ids if i != message_id]}


async def return_to_bot(core: Core, wake: Callable[[], None] | None = None) -> list[int]:
    """Conversations queued only because the bot failed go back to it once it answers
    again: waiting (no agent has taken them) and the customer did not ask for a person.
    Their unanswered messages are routed to the bot again, in order; ``wake`` tells the
    workers there is work."""
    returned: list[int] = []
    async with core.db.session() as session:
        rows = (
            await session.scalars(
                select(Conversation)
                .where(
                    Conversation.state == states.WAITING,
                    Conversation.handoff_reason == "bot_unavailable",
                    Conversation.agent_joined_at.is_(None),
                )
                # Every hub replica sees Rasa come back and runs this at once: the row lock
                # gives each conversation to one of them (the others skip it), so the
                # customer is told once.
                .with_for_update(skip_locked=True)
            )
        ).all()
        for conv in rows:
            if (conv.context or {}).get("asked_for_person"):
                continue
            await core.transition(session, conv, states.BOT, actor="router", note="bot is back")
            conv.handoff_reason = None
            conv.waiting_since = None
            conv.priority = 0
            conv.context = {**(conv.context or {}), "returned_to_bot": True}
            await core.send(session, conv, "system", t("bot_back", conv.language))
            # Back in the queue of work, in the same commit as the return: a hub that dies
            # now leaves pending items that any worker re-drives, never a lost message.
            # Their ids are older than anything written since, so they go first, in order.
            ids = unanswered(conv)
            if ids:
                await session.execute(
                    update(WorkItem)
                    .where(
                        WorkItem.conversation_id == conv.id,
                        WorkItem.message_id.in_(ids),
                        WorkItem.status != "pending",
                    )
                    .values(
                        status="pending",
                        attempts=0,
                        lease_owner=None,
                        lease_until=None,
                        not_before=None,
                        done_at=None,
                    )
                    .execution_options(synchronize_session=False)
                )
            core.publish_after_commit(session, conv)
            returned.append(conv.id)
        await session.commit()
    if returned:
        log.info("returned to the bot: %s", returned)
        if wake is not None:
            wake()
    return returned
