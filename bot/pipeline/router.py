"""The router: one stored customer message (a work item) goes to the bot or to people.

Three steps, and no database connection is held across the middle one:
1. what the decision needs (the message, the conversation) is read with the item's claim;
2. ask the bot, if the conversation is in bot mode (the customer sees "typing" meanwhile);
3. in one transaction: mark the item done (only if it still is pending, so a re-driven
   item is never answered twice), write the replies with their outbox rows, and move the
   conversation (hand-off, call-back, feedback) as the replies say.

Bot failures (README, "When the bot fails"):
- Rasa down (refused, errors or timeouts after retries, breaker open): the customer is told
  and queued for a person with reason ``bot_unavailable``;
- Rasa up but the answer is a failure (no reply to a non-empty message, or a turn during
  which the action server did not answer: Rasa then sends nothing or its generic fallback):
  a polite message and a button to reach a person; a customer who had asked for a person
  is queued at once. The failures are counted in a row (``bot_failed_turns`` in the
  conversation's context, reset by a good turn); at ``bot_failed_turns_handoff`` the
  conversation is queued for a person with reason ``bot_could_not_act``.
- ``return_to_bot`` (``bot.pipeline.bot_return``): when Rasa answers again, a conversation
  queued only because the bot failed goes back to the bot if no agent has taken it and the
  customer did not ask for a person. The customer messages the bot never answered (the
  one that found it down, and those written while queued, listed in ``unanswered`` in the
  context) are routed to the bot again: their work items go back to pending in the same
  transaction as the return, so they are answered in order, once, even if a hub dies on
  the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access.customer_link import bot_customer
from bot.core import Core
from bot.handoff import callbacks, mood, places, queue
from bot.handoff.withdraw import withdraw, withdraws
from bot.i18n.language import bot_language
from bot.i18n.texts import PERSON_BUTTONS
from bot.i18n.texts import text as t
from bot.pipeline.bot_answer import BotAnswer
from bot.pipeline.bot_return import list_unanswered, unanswered, unlist_unanswered
from bot.pipeline.health import BotHealth
from bot.pipeline.rasa_client import RasaClient, RasaUnavailable
from bot.pipeline.sender import RasaSender
from bot.realtime import events
from bot.reporting import surveys
from bot.store import states, tables
from bot.store.models import Conversation, Message, WorkItem
from bot.store.times import utc_now
from chattext.sentiment import Sentiment
from knowledge.text import fold_diacritics

log = logging.getLogger(__name__)

# A request for a person, on diacritic-folded text ("cho tôi gặp nhân viên", "talk to a
# person"). The bot knows this intent too; the hub needs it when the bot cannot answer.
PERSON = re.compile(
    r"\b(nhan vien|nguoi that|tu van vien|human|real person|live agent|"
    r"(talk|speak) to (a|an|the) (person|agent|human|adviser|advisor))\b"
)
TYPING_EVERY_S = 4.0
# A turn's own statements, built once with their values bound (as bot.pipeline.outbox's).
_replies = tables.messages.alias("replies")
_items = tables.work_items
# Work items (bound to ``ids``) with their messages and conversations, and whether the
# message has a reply already (a pass that died after writing them). The worker reads
# what it claims with it, in the claim's own transaction (leases.claim_rows).
READ_ITEMS = (
    select(
        WorkItem,
        Message,
        Conversation,
        exists().where(_replies.c.reply_to == WorkItem.message_id).label("answered"),
    )
    .join(Message, Message.id == WorkItem.message_id)
    .join(Conversation, Conversation.id == WorkItem.conversation_id)
    .where(WorkItem.id.in_(bindparam("ids", expanding=True)))
    .order_by(WorkItem.id)
    # Read in a session that may hold the conversation already (the turn before's, when
    # the claim runs in its transaction): its attributes come from this read, as they
    # would from a session of its own.
    .execution_options(populate_existing=True)
)
# A Core statement on the table: nothing in the session to bring in line with it.
_MARK_DONE = (
    update(_items)
    .where(_items.c.id == bindparam("item_id"), _items.c.status == "pending")
    .values(status="done", done_at=bindparam("now"), lease_until=None)
    .returning(_items.c.id)
)
BOT_TYPING = events.TypingFrame(type="typing", sender="bot")


def asks_for_person(body: str) -> bool:
    return body.strip() == "/request_human" or bool(PERSON.search(fold_diacritics(body.lower())))


def rasa_sender(conv: Conversation) -> str:
    """Rasa's tracker id for a conversation (``bot.pipeline.sender``)."""
    return str(RasaSender.of(conv))


# A row of ``READ_ITEMS``: (WorkItem, Message, Conversation, answered).
ClaimNext = Callable[[AsyncSession], Awaitable[list[Any]]]


class Routed(NamedTuple):
    """What became of a work item: ``done`` once it is, and its message's id when the
    item was found (``None``: no such item)."""

    done: bool
    message_id: int | None
    # The work items ``claim_next`` claimed in the turn's own transaction, as ``READ_ITEMS``
    # rows; None when it did not run (no transaction committed): the worker then claims
    # on its own.
    claimed: list[Any] | None = None


class Retry(Exception):
    """The conversation changed under the item (e.g. it went back to the bot): try again."""


class Router:
    def __init__(self, core: Core, rasa: RasaClient, health: BotHealth) -> None:
        self.core = core
        self.rasa = rasa
        self.health = health

    async def process(
        self, item_id: int, claim_next: ClaimNext | None = None, found: Any = None
    ) -> Routed:
        """Route one work item: done once it is (now or by an earlier pass), with its
        message's id when the item was found (the worker tells a waiting caller by it).

        ``found`` is the item's ``READ_ITEMS`` row when the worker read it with its claim;
        without it the item is read here, on the reader.

        ``claim_next`` (the worker's claim) runs in the transaction that marks the item
        done, just before its commit: it sees the conversation's next message, which this
        makes claimable, and saves the worker a transaction of its own after every turn.
        Its lease commits with the turn; after a crash it is re-driven like any other."""
        db = self.core.db
        if found is None:
            # The item, its message and its conversation in one read, on the reader:
            # nothing is written here, so it need not queue for the write lock; step 3
            # checks again under it ("done only if still pending").
            async with db.reader() as session:
                found = (await session.execute(READ_ITEMS, {"ids": [item_id]})).one_or_none()
                await session.commit()
            if found is None:
                return Routed(True, None)
        item, msg, conv, replied = found
        if item.status != "pending":
            return Routed(True, item.message_id)
        # Routed again after the bot came back: its replies so far ("the bot is down", the
        # queue position) were not an answer.
        answered = bool(replied) and msg.id not in unanswered(conv)
        body = msg.text
        attachment = (msg.payload or {}).get("attachment")
        answer: BotAnswer | None = None
        if not answered and conv.state == states.BOT and not attachment:
            answer = await self.ask_bot(conv, body)
        # The customer's mood is scored now, holding no connection (a sentence embedding:
        # milliseconds, more on a busy machine), for a message that is with people or may be
        # handed to them in this turn; never inside the write transaction below.
        mood_now = None
        if not answered and not attachment and mood.worth_scoring(conv.state, answer):
            mood_now = await mood.score(self.core.settings, body)
        # A waiting customer asking for a person is told where they stand: the forecast runs
        # now, on the reader, never inside the write transaction below.
        place = None
        if not (answered or attachment) and conv.state == states.WAITING and asks_for_person(body):
            place = await places.place_of(self.core, conv.id)
        async with db.session() as session:
            # Done first: the first commit below carries it with the replies, and a second
            # worker holding the same item (lease ran out) finds it done and writes nothing.
            marked = await session.scalar(_MARK_DONE, {"item_id": item_id, "now": utc_now()})
            if marked is None:
                await session.rollback()
                return Routed(True, msg.id)
            if not answered:  # else replies were written by a pass that died after it
                conv = await queue.load(session, conv.id, lock=True)
                try:
                    await self._apply(session, conv, msg, body, attachment, answer, mood_now, place)
                except Retry:
                    await session.rollback()
                    return Routed(False, msg.id)
            claimed = await claim_next(session) if claim_next is not None else None
            await session.commit()
        if not answered:  # a hand-off in this turn: the customer is told their place now
            await places.settle_hand_off(self.core, conv)
        return Routed(True, msg.id, claimed)

    async def set_aside(self, item_id: int) -> None:
        """An item that failed every attempt is marked failed, and its customer is not left
        in silence: a conversation the bot was serving goes to the queue for a person."""
        async with self.core.db.session() as session:
            item = await session.get(WorkItem, item_id)
            if item is None or item.status != "pending":
                await session.rollback()
                return
            item.status = "failed"
            item.lease_until = None
            conv = await queue.load(session, item.conversation_id, lock=True)
            msg = await session.get(Message, item.message_id)
            if conv.state == states.BOT and msg is not None:
                await self._bot_unavailable(session, conv, msg, msg.text)
            await session.commit()
        await places.settle_hand_off(self.core, conv)

    async def _bot_unavailable(
        self, session: Any, conv: Conversation, msg: Message, body: str
    ) -> None:
        """Tell the customer the assistant cannot answer, and queue them for a person. The
        message stays listed as unanswered, for the bot to answer if it comes back first."""
        list_unanswered(conv, msg.id)
        language = conv.language
        await self.core.send(
            session, conv, "system", t("bot_unavailable", language), reply_to=msg.id
        )
        down = {"reason": "bot_unavailable", "language": language, "text": body}
        await queue.hand_off(self.core, session, conv, down, reply_to=msg.id)

    async def ask_bot(self, conv: Conversation, body: str) -> BotAnswer:
        # After a cold start, wait for the warm-up parse rather than hand the first
        # customers off while Rasa loads its model.
        await self.health.wait_usable(self.core.settings.bot_ready_wait_s)
        metadata = {
            # Only a customer the site signed for: one the bot's card check or an agent
            # linked is for the agent's view and must not count as a sign-in to the actions.
            "customer_id": bot_customer(conv),
            # None until a message or a choice told it: the bot then greets in both.
            "language": bot_language(conv.context, conv.language),
            "channel": conv.channel,
            "conversation_id": conv.id,
        }
        topic = self.core.thread_topic(conv)
        events.publish(self.core.broker, topic, BOT_TYPING)
        typing = asyncio.create_task(self._typing(topic))
        try:
            answer = BotAnswer.of(await self.rasa.send(rasa_sender(conv), body, metadata))
            if answer.actions_failed:
                await self.health.actions_failed()  # the panels' header shows it at once
            return answer
        except RasaUnavailable as exc:
            log.warning("Rasa unavailable for conversation %s: %s", conv.id, exc)
            return BotAnswer(down=str(exc))
        finally:
            typing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await typing

    async def _typing(self, topic: str) -> None:
        """Keep the customer's "typing" indicator up while the message waits for the bot."""
        while True:
            await asyncio.sleep(TYPING_EVERY_S)
            events.publish(self.core.broker, topic, BOT_TYPING)

    async def _apply(
        self,
        session: Any,
        conv: Conversation,
        msg: Message,
        body: str,
        attachment: str | None,
        answer: BotAnswer | None,
        mood_now: Sentiment | None = None,
        place: places.Place | None = None,
    ) -> None:
        core = self.core
        # Whatever happens to this message now answers it, unless it is listed again below.
        unlist_unanswered(conv, msg.id)
        if conv.state not in (states.BOT, states.WAITING) and unanswered(conv):
            # A person has the conversation now: what the bot left open is theirs to answer,
            # never the bot's again after a later outage.
            conv.context = {**(conv.context or {}), "unanswered": []}
        if attachment:
            await core.send(session, conv, "system", t("text_only", conv.language), reply_to=msg.id)
        elif conv.state == states.BOT:
            if answer is None:
                raise Retry()
            await self._bot_turn(session, conv, msg, body, answer)
        elif conv.state == states.WAITING and withdraws(body):
            await withdraw(core, session, conv, msg)
        elif conv.state == states.WAITING:
            asked = asks_for_person(body)
            if asked:  # from now on they stay with people when the bot comes back
                conv.context = {**(conv.context or {}), "asked_for_person": True}
            replies = await callbacks.handle_waiting_message(core, session, conv, msg, body)
            if not replies and not asked:
                if conv.handoff_reason == "bot_unavailable":
                    # Queued only because the bot was down, with nobody answering yet: if
                    # the bot comes back before a person takes it, it answers this message.
                    list_unanswered(conv, msg.id)
                await places.note_kept_for_agent(core, session, conv, msg.id)
            if not replies and asked:
                if place is None:
                    raise Retry()  # it was not waiting when read: read it again
                # Never silence to "I want a person": tell them where they stand.
                told = await places.tell_position(
                    core, session, conv, first=False, reply_to=msg.id, estimate=place
                )
                if not told:
                    note = t("person_noted", conv.language)
                    await core.send(session, conv, "system", note, reply_to=msg.id)
        elif conv.state in (states.RESOLVED, states.CLOSED):
            # Survey answers and comments (bot.reporting.surveys); never the bot's.
            await surveys.take_answer(core, session, conv, msg, body)
        # assigned: the agent sees the message live; the bot stays out
        if not attachment:
            # With people (waiting or assigned, also the message that was just handed off):
            # the customer's mood, kept on the queue card (bot.handoff.mood).
            await mood.note_customer_message(core, session, conv, msg, body, mood_now)

    async def _bot_turn(
        self, session: Any, conv: Conversation, msg: Message, body: str, answer: BotAnswer
    ) -> None:
        core, language = self.core, conv.language
        asked = asks_for_person(body)
        if answer.down is not None:
            conv.context = {**(conv.context or {}), "asked_for_person": asked}
            await self._bot_unavailable(session, conv, msg, body)
            return
        packet: dict[str, Any] | None = None
        sent = 0
        for reply in [] if answer.actions_failed else answer.replies:
            custom = reply.get("custom")
            if isinstance(custom, dict) and isinstance(custom.get("handoff"), dict):
                packet = dict(custom["handoff"])
                continue
            text_out = reply.get("text")
            if not text_out:
                continue
            await core.send(
                session, conv, "bot", str(text_out), reply_to=msg.id, buttons=reply.get("buttons")
            )
            sent += 1
        if packet is not None:
            if packet.get("language") in ("vi", "en"):
                conv.language = packet["language"]
            reason = str(packet.get("reason") or "customer_request")
            conv.context = {
                **(conv.context or {}),
                "asked_for_person": asked or reason == "customer_request",
            }
            packet["text"] = body
            _set_count(conv, 0)
            await queue.hand_off(core, session, conv, packet, reply_to=msg.id)
        elif sent == 0:
            # No answer to a real message: a failed custom action or a broken turn.
            log.warning(
                "no bot answer in conversation %s (a custom action failed: %s)",
                conv.id,
                answer.actions_failed,
            )
            failures = _count(conv) + 1
            if asked:
                conv.context = {**(conv.context or {}), "asked_for_person": True}
                _set_count(conv, 0)
                packet = {"reason": "customer_request", "language": language, "text": body}
                await queue.hand_off(core, session, conv, packet, reply_to=msg.id)
            elif failures >= core.settings.bot_failed_turns_handoff:
                # Offered a person once already and the bot still cannot act: the customer
                # is not left to press a button or to keep trying; a person takes over.
                _set_count(conv, 0)
                await core.send(
                    session, conv, "system", t("bot_could_not_act", language), reply_to=msg.id
                )
                packet = {"reason": "bot_could_not_act", "language": language, "text": body}
                await queue.hand_off(core, session, conv, packet, reply_to=msg.id)
            else:
                _set_count(conv, failures)
                await core.send(
                    session,
                    conv,
                    "system",
                    t("bot_failed", language),
                    reply_to=msg.id,
                    buttons=PERSON_BUTTONS.get(language, PERSON_BUTTONS["vi"]),
                )
        else:
            _set_count(conv, 0)  # a good turn: only failures in a row lead to a person


def _count(conv: Conversation) -> int:
    return int((conv.context or {}).get("bot_failed_turns", 0))


def _set_count(conv: Conversation, failures: int) -> None:
    if _count(conv) != failures:
        conv.context = {**(conv.context or {}), "bot_failed_turns": failures}
