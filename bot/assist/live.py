"""Live assist for one hub: on every customer message, search the knowledge base and decide the
one offer, then push both to the agent panels over the websocket broker.

The hot path (message committed -> suggestions on the websocket) is one knowledge search,
preceded by one read of the conversation's recent customer turns only when the message is
not its own query (a short follow-up, a form answer such as card digits or "yes", a
request for a person: ``build_query`` then searches the customer's problem), and no
database write (reads use the database's reader sessions, which never queue behind
writers): the ``pushed`` feedback rows, the offer decision and the saved assist state come after the
suggestions are published.

Nothing about a conversation is kept in memory: recent turns and flags come from the
stored messages, and what was last suggested and offered is a row in ``assist_states``.
Any hub replica can therefore serve any message, and a panel reconnecting to another
replica gets the same assist.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select

from bot.assist.profiles import load_profile
from bot.assist.query import (
    FLAG_TURNS,
    KEPT_TURNS,
    ConvState,
    Turn,
    build_query,
    stands_alone,
    suggestion_json,
)
from bot.assist.records import write_state, write_turn
from bot.assist.rules_files import RulesFiles
from bot.core import Core
from bot.realtime import events
from bot.search.index import KnowledgeIndex
from bot.store import tables
from bot.store.models import Conversation
from knowledge.crosssell import ConversationSignals, Profile, RuleSet

log = logging.getLogger(__name__)

TOP_K = 3
CANDIDATES_EXTRA = 2  # searched beyond TOP_K for the learner to re-rank
Rerank = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]
# Built once (bound per call), as Core statements on the tables: only columns are read,
# and no ORM object is built for a row that is read once.
_messages = tables.messages
_states = tables.assist_states
# A conversation's latest customer turns, newest first.
_RECENT_TURNS = (
    select(_messages.c.id, _messages.c.text, _messages.c.created_at)
    .where(_messages.c.conversation_id == bindparam("conv_id"), _messages.c.direction == "in")
    .order_by(_messages.c.seq.desc())
    .limit(FLAG_TURNS)
)
# What was last suggested and offered (the columns ``load`` reads).
_SAVED = select(
    _states.c.message_id,
    _states.c.suggestions,
    _states.c.offer,
    _states.c.topics,
    _states.c.shown_rule_id,
    _states.c.shown_offer_id,
).where(_states.c.conversation_id == bindparam("conv_id"))
# The conversation's newest customer message (has the customer written again?).
_NEWEST_TURN = select(func.max(_messages.c.id)).where(
    _messages.c.conversation_id == bindparam("conv_id"), _messages.c.direction == "in"
)


class AssistEngine:
    def __init__(
        self, hub: Core, knowledge: KnowledgeIndex, rules_path: Path | None = None
    ) -> None:
        self.hub = hub
        self.knowledge = knowledge
        self._rules = RulesFiles(rules_path, hub.settings.offers_path)
        # Re-orders a search's hits from agents' past feedback (bot.copilot.feedback), set
        # by the copilot when learning is on; None keeps the retrieval order.
        self.rerank: Rerank | None = None

    def rules(self) -> RuleSet:
        return self._rules.current()

    def asks_for_person(self, text: str) -> bool:
        return self.rules().asks_for_person(text)

    # ---- per-conversation state, from the database ---------------------------------
    async def load(
        self, conv_id: int, rules: RuleSet | None = None, *, saved: bool = True
    ) -> ConvState:
        """Recent customer turns and flags from the stored messages, and what was last
        suggested and offered from ``assist_states`` (unless ``saved`` is False: a
        customer message's assist replaces all of it, and its record reads the one thing
        it needs of it, the offer shown, as it writes: ``records.write_turn``)."""
        state = ConvState()
        stored = None
        # The three columns used, not whole messages: up to FLAG_TURNS rows a message,
        # each an ORM object with its identity-map entry and state, which nothing kept.
        if saved:
            async with self.hub.db.reader() as session:  # both reads in one snapshot
                rows = (await session.execute(_RECENT_TURNS, {"conv_id": conv_id})).all()
                stored = (await session.execute(_SAVED, {"conv_id": conv_id})).one_or_none()
                await session.commit()
        else:
            async with self.hub.db.read_one() as session:
                rows = (await session.execute(_RECENT_TURNS, {"conv_id": conv_id})).all()
                await session.commit()
        rules = rules or self.rules()
        for msg in reversed(rows):
            state.flags |= rules.detect(msg.text)
            at = msg.created_at.replace(tzinfo=msg.created_at.tzinfo or timezone.utc)
            state.turns.append(Turn(msg.id, msg.text, at.timestamp()))
        del state.turns[:-KEPT_TURNS]
        if state.turns:
            state.latest_message_id = state.turns[-1].message_id
        if stored is not None:
            state.topics = [str(t) for t in stored.topics or []]
            if stored.shown_rule_id and stored.shown_offer_id:
                state.shown_offer = (stored.shown_rule_id, stored.shown_offer_id)
            if stored.message_id is not None or stored.offer:
                state.assist = {
                    "message_id": stored.message_id,
                    "suggestions": list(stored.suggestions or []),
                    **(stored.offer or {}),
                }
        return state

    async def _newer_turn(self, conv_id: int, message_id: int) -> bool:
        """True when the customer wrote again after ``message_id`` (on any replica)."""
        async with self.hub.db.read_one() as session:
            newest = await session.scalar(_NEWEST_TURN, {"conv_id": conv_id})
            await session.commit()
        return newest is not None and int(newest) > message_id

    async def _save(
        self, conv_id: int, assist: dict[str, Any], topics: list[str], offer_only: bool = False
    ) -> None:
        """Store the latest assist (``bot.assist.records``) in a transaction of its own."""
        async with self.hub.db.session() as session:
            await write_state(session, conv_id, assist, topics, offer_only)
            await session.commit()

    # ---- the inbound hook ------------------------------------------------------------
    async def on_inbound(self, conv: Conversation, message: dict[str, Any]) -> None:
        """Suggestions first (the agent waits for them), then the offer and the feedback rows.

        A message that stands alone is its own query: it is searched and its suggestions
        published before anything is read. A short one ("còn phí thì sao?"), a form answer
        ("5560", "yes") or a request for a person needs the earlier turns first. Either way
        the panel keeps the suggestions of the newest message, whatever order they arrive
        in; when the customer has written again meanwhile, the offer and the records are
        left to the newer turn.
        """
        text = str(message.get("text", ""))
        if message.get("direction") != "in" or text.startswith("/"):
            return
        message_id = int(message["id"])
        # The rule set once for the whole message (each look checks both files' times).
        rules = self.rules()
        asks_for_person = rules.asks_for_person
        if stands_alone(text, asks_for_person):
            suggestions, topics = await self.suggest(text, conv.language, conv.id)
            self._publish_suggestions(conv.id, message_id, suggestions)
            state = await self.load(conv.id, rules, saved=False)
            if state.latest_message_id > message_id:
                return
            self._add_turn(state, message_id, message, rules)
        else:
            state = await self.load(conv.id, rules, saved=False)
            if state.latest_message_id > message_id:
                return  # a newer message is already being served: never push a stale answer
            self._add_turn(state, message_id, message, rules)
            suggestions, topics = await self.suggest(
                build_query(state.turns, asks_for_person=asks_for_person),
                conv.language,
                conv.id,
            )
            self._publish_suggestions(conv.id, message_id, suggestions)
            if await self._newer_turn(conv.id, message_id):
                return
        state.topics = topics
        try:
            offer_event = await self.offer_for(_snapshot(conv), state, rules)
            state.assist = {"message_id": message_id, "suggestions": suggestions, **offer_event}
            self._publish(conv.id, events.offer_frame(conv.id, offer_event))
            # The saved state and the feedback rows in one transaction (two before): both
            # are this turn's record, and neither waits on anything outside the database.
            async with self.hub.db.session() as session:
                await write_turn(
                    session,
                    conv.id,
                    conv.customer_id,
                    message_id,
                    state.assist,
                    state.topics,
                    offer_event,
                )
                await session.commit()
        except Exception:  # the suggestions are out; a failure here must not lose them
            log.exception("offer decision failed for conversation %s", conv.id)

    def _add_turn(
        self,
        state: ConvState,
        message_id: int,
        message: dict[str, Any],
        rules: RuleSet | None = None,
    ) -> None:
        """Make sure the message is the state's last turn (it always is once intake
        committed; if a read raced ahead of the commit, serve it as given)."""
        if state.turns and state.turns[-1].message_id == message_id:
            return
        text = str(message["text"])
        created = (
            datetime.fromisoformat(message["created_at"]) if message.get("created_at") else None
        )
        state.turns.append(Turn(message_id, text, created.timestamp() if created else time.time()))
        del state.turns[:-KEPT_TURNS]
        state.flags |= (rules or self.rules()).detect(text)

    def _publish_suggestions(
        self, conv_id: int, message_id: int, suggestions: list[dict[str, Any]]
    ) -> None:
        self._publish(
            conv_id,
            events.SuggestionsFrame(
                type="suggestions",
                conversation_id=conv_id,
                message_id=message_id,
                suggestions=suggestions,
            ),
        )

    async def suggest(
        self, query: str, language: str | None, conversation_id: int | None = None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Top answers in the customer's language, and their ids, tags and products (what
        the conversation is about, for the rules' ``topics_any``). The search waits behind
        the bot's own answer searches, and a newer turn of the same conversation replaces
        it while it waits (bot/search/queue.py)."""
        if not query.strip():
            return [], []
        # With the learner on, a few more candidates than shown, so an entry agents keep
        # sending can climb into the top three.
        k = TOP_K + CANDIDATES_EXTRA if self.rerank is not None else TOP_K
        hits = await self.knowledge.search(
            query, language, k, suggestion=True, conversation_id=conversation_id
        )
        if self.rerank is not None:
            hits = await self.rerank(hits)
        hits = hits[:TOP_K]
        topics: list[str] = []
        for hit in hits:
            topics.append(str(hit["id"]))
            topics.extend(str(t) for t in hit.get("tags") or [])
            if hit.get("product"):
                topics.append(str(hit["product"]))
        return [suggestion_json(hit, rank) for rank, hit in enumerate(hits)], topics

    def _publish(self, conv_id: int, frame: events.Frame) -> None:
        events.publish_conversation_event(self.hub.broker, conv_id, frame)

    # ---- offers ----------------------------------------------------------------------
    async def profile(self, customer_id: str) -> Profile | None:
        """Read each time, not cached: an outcome recorded on another replica (a declined
        offer cooling down) must count at once."""
        async with self.hub.db.reader() as session:
            return await load_profile(session, customer_id)

    def forget_profile(self, customer_id: str | None) -> None:
        """Nothing is cached any more (kept for the routes that call it)."""

    async def offer_for(
        self, conv: dict[str, Any], state: ConvState, rules: RuleSet | None = None
    ) -> dict[str, Any]:
        """``{"offer", "churn_risk", "suppressed"}`` for a conversation snapshot, by
        ``rules`` (the customer message's, read once for it) or the current ones."""
        rules = rules or self.rules()
        context = conv.get("context") or {}
        intents = [str(i) for i in context.get("intents") or []]
        flags = set(state.flags) | rules.detect("", intents, conv.get("handoff_reason"))
        signals = ConversationSignals(
            intents=intents,
            entities=list((context.get("slots") or {}).keys()),
            topics=list(state.topics),
            flags=flags,
            transfer_count=int(conv.get("transfer_count") or 0),
            handoff_reason=conv.get("handoff_reason"),
        )
        profile = await self.profile(conv["customer_id"]) if conv.get("customer_id") else None
        decision = rules.decide(profile or Profile(customer_id=""), signals, self._rules.offers)
        if profile is None:
            decision.offer = None  # unknown customer: what they say may signal churn, no offer
        return {
            "offer": decision.offer.to_json() if decision.offer else None,
            "churn_risk": decision.churn_risk,
            "suppressed": decision.suppressed,
        }

    # ---- on demand (panel opened after the push, or reconnected) ----------------------
    async def current(self, conv_id: int) -> dict[str, Any] | None:
        """The latest assist for a conversation, computed now if none is stored."""
        async with self.hub.db.session() as session:
            conv = await session.get(Conversation, conv_id)
            await session.commit()
        if conv is None:
            return None
        state = await self.load(conv_id)
        stored = state.assist
        # The stored assist is the latest only if it answers the latest customer turn: one
        # for that turn may still be on its way to the database (it is pushed first), and
        # an agent who claims in that moment must not get the turn before's.
        if stored is not None and (stored.get("message_id") or 0) >= state.latest_message_id:
            return await self._current_offer(conv, state, stored)
        suggestions, state.topics = await self.suggest(
            build_query(state.turns, asks_for_person=self.asks_for_person), conv.language
        )
        offer_event = await self.offer_for(_snapshot(conv), state)
        message_id = state.turns[-1].message_id if state.turns else None
        assist = {"message_id": message_id, "suggestions": suggestions, **offer_event}
        await self._save(conv_id, assist, state.topics)
        # A customer message may have been served while this ran: the stored one wins.
        return (await self.load(conv_id)).assist or assist

    async def _current_offer(
        self, conv: Conversation, state: ConvState, assist: dict[str, Any]
    ) -> dict[str, Any]:
        """The stored assist with its offer decided again from the conversation as it is
        now. The stored offer was decided when the customer wrote, before the bot had
        classified the message; by the time an agent opens the conversation the intent
        and the hand-off reason are known (a complaint, a cancellation), and they decide."""
        offer_event = await self.offer_for(_snapshot(conv), state)
        if all(assist.get(k) == v for k, v in offer_event.items()):
            return assist
        fresh = {**assist, **offer_event}
        await self._save(conv.id, fresh, state.topics, offer_only=True)
        self._publish(conv.id, events.offer_frame(conv.id, offer_event))
        return fresh

    async def refresh_offer(self, conv_id: int) -> None:
        """After an outcome: the next offer (or none), without a new search."""
        async with self.hub.db.session() as session:
            conv = await session.get(Conversation, conv_id)
            await session.commit()
        if conv is None:
            return
        state = await self.load(conv_id)
        offer_event = await self.offer_for(_snapshot(conv), state)
        assist = {**(state.assist or {"suggestions": [], "message_id": None}), **offer_event}
        await self._save(conv_id, assist, state.topics, offer_only=True)
        self._publish(conv_id, events.offer_frame(conv_id, offer_event))

    async def score_of(self, conv_id: int, entry_id: str) -> float | None:
        assist = (await self.load(conv_id)).assist or {}
        for s in assist.get("suggestions") or []:
            if s["entry_id"] == entry_id:
                return float(s["score"])
        return None


def _snapshot(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "customer_id": conv.customer_id,
        "context": dict(conv.context or {}),
        "transfer_count": conv.transfer_count or 0,
        "handoff_reason": conv.handoff_reason,
    }
