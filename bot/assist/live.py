"""Live assist for one hub: on every customer message, search the knowledge base and decide the
one offer, then push both to the agent panels over the websocket broker.

The hot path (message committed -> suggestions on the websocket) does one knowledge search
and no database write: the ``shown`` feedback rows and the offer decision come after the
suggestions are published. Recent customer turns and the flags raised so far are kept in
memory per conversation, and re-read from the database after a restart.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.assist.profiles import load_profile
from bot.store.models import Conversation, Message, OfferEvent, SuggestionEvent
from knowledge.crosssell import RULES_PATH, ConversationSignals, Profile, RuleSet, load_rules

log = logging.getLogger(__name__)

TOP_K = 3
CONTEXT_TURNS = 2  # earlier customer turns that may join a short last turn
KEPT_TURNS = 6  # turns kept per conversation: the problem may precede a request for a person
SHORT_TURN_WORDS = 6  # "còn phí thì sao?" needs the turn before it; a full question does not
CONTEXT_MAX_S = 300.0  # older turns are stale: the customer has moved on
MAX_CONVERSATIONS = 5000  # in-memory state is a cache; the oldest conversations drop out
PROFILE_TTL_S = 60.0


@dataclass
class Turn:
    message_id: int
    text: str
    at: float  # time.time() of the stored message


@dataclass
class ConvState:
    turns: list[Turn] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    latest_message_id: int = 0
    assist: dict[str, Any] | None = None
    topics: list[str] = field(default_factory=list)  # of the answers last suggested
    shown_offer: tuple[str, str] | None = None  # (rule_id, offer_id) last recorded as shown
    loaded: bool = False


def build_query(
    turns: list[Turn],
    now: float | None = None,
    asks_for_person: Callable[[str], bool] | None = None,
) -> str:
    """The last customer turn, led by the turn before it when the last one is too short to
    stand alone ("còn phí thì sao?") and the earlier one is recent.

    Turns that only ask for a person ("cho tôi gặp nhân viên") are skipped: the agent needs
    answers to the customer's problem, which an earlier turn stated, however long ago.
    """
    if asks_for_person is not None:
        problem = [t for t in turns if not t.text.startswith("/") and not asks_for_person(t.text)]
        if problem and len(problem) < len(turns) and asks_for_person(turns[-1].text):
            turns = problem
            now = problem[-1].at  # the problem turn is what counts, not its age
    if not turns:
        return ""
    now = now if now is not None else time.time()
    last = turns[-1]
    parts = [last.text]
    if len(last.text.split()) < SHORT_TURN_WORDS:
        for turn in reversed(turns[-1 - CONTEXT_TURNS : -1]):
            if now - turn.at > CONTEXT_MAX_S or turn.text.startswith("/"):
                break
            parts.insert(0, turn.text[:200])
            if sum(len(p.split()) for p in parts) >= SHORT_TURN_WORDS:
                break
    return " ".join(parts)


def suggestion_json(hit: dict[str, Any], rank: int) -> dict[str, Any]:
    return {
        "entry_id": hit["id"],
        "question": hit.get("question", ""),
        "answer": hit.get("answer", ""),
        "score": round(float(hit.get("score", 0.0)), 4),
        "confident": bool(hit.get("confident")),
        "lang": hit.get("lang"),
        "rank": rank,  # 0 is the top suggestion
    }


class AssistEngine:
    def __init__(self, hub: Any, knowledge: Any, rules_path: Path | None = None) -> None:
        self.hub = hub
        self.knowledge = knowledge
        self.rules_path = rules_path or RULES_PATH
        self.offers_path: Path | None = getattr(hub.settings, "offers_path", None)
        self._rules: RuleSet | None = None
        self._rules_stamp: tuple[float, float] = (0.0, 0.0)
        self._offers: dict[str, Any] = {}
        self._convs: OrderedDict[int, ConvState] = OrderedDict()
        self._profiles: dict[str, tuple[float, Profile | None]] = {}

    # ---- rules and offers, re-read when their files change ---------------------------
    def rules(self) -> RuleSet:
        stamp = (_mtime(self.rules_path), _mtime(self.offers_path))
        if self._rules is None or stamp != self._rules_stamp:
            offers = self._load_offers()
            try:
                self._rules = load_rules(self.rules_path, offer_ids=offers or None)
                self._offers = offers
            except ValueError:
                if self._rules is None:
                    raise
                log.exception("cross-sell rules not reloaded; keeping the last good ones")
            self._rules_stamp = stamp
        return self._rules

    def _load_offers(self) -> dict[str, Any]:
        try:
            from knowledge.offers import load_offers
        except ImportError:  # catalogue not installed: titles fall back to offer ids
            return {}
        try:
            return dict(load_offers(self.offers_path))
        except Exception:
            log.exception("offer catalogue could not be read")
            return {}

    def asks_for_person(self, text: str) -> bool:
        """True when the text asks for a person (knowledge/rules.yaml `person_request`)."""
        return "person_request" in self.rules().detect(text)

    # ---- per-conversation memory -----------------------------------------------------
    def state(self, conv_id: int) -> ConvState:
        state = self._convs.get(conv_id)
        if state is None:
            state = self._convs[conv_id] = ConvState()
            while len(self._convs) > MAX_CONVERSATIONS:
                self._convs.popitem(last=False)
        else:
            self._convs.move_to_end(conv_id)
        return state

    async def _ensure_loaded(self, conv_id: int, state: ConvState) -> None:
        """After a restart, rebuild recent turns and flags from the stored messages."""
        if state.loaded:
            return
        state.loaded = True
        async with self.hub.db.session() as session:
            rows = (
                await session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conv_id, Message.direction == "in")
                    .order_by(Message.seq.desc())
                    .limit(50)
                )
            ).all()
        rules = self.rules()
        known = {t.message_id for t in state.turns}
        for msg in reversed(rows):
            state.flags |= rules.detect(msg.text)
            if msg.id not in known:
                at = msg.created_at.replace(tzinfo=msg.created_at.tzinfo or timezone.utc)
                state.turns.append(Turn(msg.id, msg.text, at.timestamp()))
        state.turns.sort(key=lambda t: t.message_id)
        del state.turns[:-KEPT_TURNS]
        if state.turns:
            state.latest_message_id = max(state.latest_message_id, state.turns[-1].message_id)

    # ---- the inbound hook ------------------------------------------------------------
    async def on_inbound(self, conv: Conversation, message: dict[str, Any]) -> None:
        """Suggestions first (the agent waits for them), then the offer and the feedback rows."""
        if message.get("direction") != "in" or str(message.get("text", "")).startswith("/"):
            return
        state = self.state(conv.id)
        state.latest_message_id = max(state.latest_message_id, int(message["id"]))
        created = (
            datetime.fromisoformat(message["created_at"]) if message.get("created_at") else None
        )
        state.turns.append(
            Turn(
                int(message["id"]),
                str(message["text"]),
                created.timestamp() if created else time.time(),
            )
        )
        del state.turns[:-KEPT_TURNS]
        rules = self.rules()
        state.flags |= rules.detect(str(message["text"]))
        suggestions, state.topics = await self.suggest(
            build_query(state.turns, asks_for_person=self.asks_for_person), conv.language
        )
        if state.latest_message_id != message["id"]:
            return  # a newer message is already being served: never push a stale answer
        event = {
            "type": "suggestions",
            "conversation_id": conv.id,
            "message_id": message["id"],
            "suggestions": suggestions,
        }
        self._publish(conv.id, event)
        try:
            await self._ensure_loaded(conv.id, state)
            offer_event = await self.offer_for(_snapshot(conv), state)
            state.assist = {"message_id": message["id"], "suggestions": suggestions, **offer_event}
            self._publish(conv.id, {"type": "offer", "conversation_id": conv.id, **offer_event})
            await self._record_shown(conv, message["id"], suggestions, offer_event)
        except Exception:  # the suggestions are out; a failure here must not lose them
            log.exception("offer decision failed for conversation %s", conv.id)

    async def suggest(
        self, query: str, language: str | None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Top answers in the customer's language, and their ids, tags and products (what
        the conversation is about, for the rules' ``topics_any``)."""
        if not query.strip():
            return [], []
        hits = (await self.knowledge.search(query, language, TOP_K))[:TOP_K]
        topics: list[str] = []
        for hit in hits:
            topics.append(str(hit["id"]))
            topics.extend(str(t) for t in hit.get("tags") or [])
            if hit.get("product"):
                topics.append(str(hit["product"]))
        return [suggestion_json(hit, rank) for rank, hit in enumerate(hits)], topics

    def _publish(self, conv_id: int, event: dict[str, Any]) -> None:
        self.hub.broker.publish("agents", event)
        self.hub.broker.publish(f"conv:{conv_id}", event)

    # ---- offers ----------------------------------------------------------------------
    async def profile(self, customer_id: str) -> Profile | None:
        cached = self._profiles.get(customer_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        async with self.hub.db.session() as session:
            profile = await load_profile(session, customer_id)
        self._profiles[customer_id] = (time.monotonic() + PROFILE_TTL_S, profile)
        return profile

    def forget_profile(self, customer_id: str | None) -> None:
        if customer_id:
            self._profiles.pop(customer_id, None)

    async def offer_for(self, conv: dict[str, Any], state: ConvState) -> dict[str, Any]:
        """``{"offer", "churn_risk", "suppressed"}`` for a conversation snapshot."""
        rules = self.rules()
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
        decision = rules.decide(profile or Profile(customer_id=""), signals, self._offers)
        if profile is None:
            decision.offer = None  # unknown customer: what they say may signal churn, no offer
        return {
            "offer": decision.offer.to_json() if decision.offer else None,
            "churn_risk": decision.churn_risk,
            "suppressed": decision.suppressed,
        }

    async def _record_shown(
        self,
        conv: Conversation,
        message_id: int,
        suggestions: list[dict[str, Any]],
        offer_event: dict[str, Any],
    ) -> None:
        state = self.state(conv.id)
        offer: dict[str, Any] | None = offer_event.get("offer")
        key = (offer["rule_id"], offer["offer_id"]) if offer is not None else None
        async with self.hub.db.session() as session:
            for s in suggestions:
                session.add(
                    SuggestionEvent(
                        conversation_id=conv.id,
                        message_id=message_id,
                        entry_id=s["entry_id"],
                        rank=s["rank"],
                        score=s["score"],
                        event="shown",
                    )
                )
            if offer is not None and key != state.shown_offer:
                session.add(
                    OfferEvent(
                        conversation_id=conv.id,
                        customer_id=conv.customer_id,
                        rule_id=offer["rule_id"],
                        offer_id=offer["offer_id"],
                        outcome="shown",
                    )
                )
            await session.commit()
        if key is not None:
            state.shown_offer = key

    # ---- on demand (panel opened after the push, or reconnected) ----------------------
    async def current(self, conv_id: int) -> dict[str, Any] | None:
        """The latest assist for a conversation, computed now if none is cached."""
        state = self.state(conv_id)
        if state.assist is not None:
            return state.assist
        async with self.hub.db.session() as session:
            conv = await session.get(Conversation, conv_id)
        if conv is None:
            return None
        await self._ensure_loaded(conv_id, state)
        suggestions, state.topics = await self.suggest(
            build_query(state.turns, asks_for_person=self.asks_for_person), conv.language
        )
        offer_event = await self.offer_for(_snapshot(conv), state)
        message_id = state.turns[-1].message_id if state.turns else None
        latest = state.assist
        if latest is not None and (latest.get("message_id") or 0) >= (message_id or 0):
            # A customer message arrived while this ran and its push is newer: keep that.
            return latest
        state.assist = {"message_id": message_id, "suggestions": suggestions, **offer_event}
        return state.assist

    async def refresh_offer(self, conv_id: int) -> None:
        """After an outcome: the next offer (or none), without a new search."""
        state = self.state(conv_id)
        async with self.hub.db.session() as session:
            conv = await session.get(Conversation, conv_id)
        if conv is None:
            return
        await self._ensure_loaded(conv_id, state)
        offer_event = await self.offer_for(_snapshot(conv), state)
        state.assist = {**(state.assist or {"suggestions": [], "message_id": None}), **offer_event}
        self._publish(conv_id, {"type": "offer", "conversation_id": conv_id, **offer_event})

    def score_of(self, conv_id: int, entry_id: str) -> float | None:
        assist = self.state(conv_id).assist or {}
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


def _mtime(path: Path | None) -> float:
    try:
        return path.stat().st_mtime if path else 0.0
    except OSError:
        return 0.0
