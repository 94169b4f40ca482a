"""Messaging windows: when a platform still takes the bank's replies to a customer.

Zalo OA: free consultation messages within 48 hours of the customer's last message, at
most 8 of them before the customer writes again. Messenger: any reply within 24 hours of
the customer's last message; after that only a person, with the HUMAN_AGENT tag, for up to
7 days, and only when the page is approved for the tag. The widget and Telegram have no
window (``rules_for`` gives None).

The window is computed from what is stored (the customer's last message on the thread and
the replies delivered since), never from a counter kept in one process, so every replica
agrees. ``now`` is always passed in: tests give a fake clock.

Usage:
    rules = rules_for(conv.channel, settings)
    window = await window_of(session, conv.channel_key, rules)
    verdict = window.verdict("agent", now)   # allowed? with which tag? why not?

The hub's uses of it are here too: the check of each outbox row at delivery (a refused row
is reported to the panel and raised as DeliveryRefused, which the outbox marks failed), the
check of an agent's reply before it is stored (``WindowClosed``, a 409 for the panel), the
panel's view, and the offer of a call-back when the window of a waiting customer closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.settings import Settings
from bot.core import Core
from bot.i18n.texts import CALLBACK_BUTTONS
from bot.pipeline.outbox import DeliveryRefused
from bot.realtime import events
from bot.store import states
from bot.store.models import Conversation, Message, OutboxEntry
from bot.store.times import aware, iso, utc_now

HOUR = 3600.0
DAY = 24 * HOUR

TEXTS = {
    "window_closed": {
        "vi": "Đã quá {limit} kể từ tin nhắn cuối của khách trên {platform}, nên nền tảng "
        "không nhận thêm tin trả lời. Hãy hẹn gọi lại cho khách hoặc mời khách nhắn lại.",
        "en": "More than {limit} have passed since the customer's last message on "
        "{platform}, so the platform no longer takes replies. Offer a call-back, or ask the "
        "customer to write again.",
    },
    "reply_limit": {
        "vi": "Đã gửi đủ {count} tin trả lời miễn phí trên {platform} kể từ tin nhắn cuối của "
        "khách; tin tiếp theo sẽ bị từ chối. Hãy chờ khách nhắn lại hoặc hẹn gọi lại.",
        "en": "All {count} free replies on {platform} since the customer's last message are "
        "used; the next one would be refused. Wait for the customer to write, or offer a "
        "call-back.",
    },
    "agent_only": {
        "vi": "Đã quá {limit}: trên {platform} chỉ nhân viên mới được trả lời (thẻ HUMAN_AGENT), "
        "trong {days} ngày kể từ tin nhắn cuối của khách.",
        "en": "More than {limit} have passed: on {platform} only a person may reply (the "
        "HUMAN_AGENT tag), within {days} days of the customer's last message.",
    },
    "no_customer_message": {
        "vi": "Khách chưa nhắn tin nào trên {platform}, nên chưa thể trả lời.",
        "en": "The customer has not written on {platform} yet, so no reply can be sent.",
    },
    "closing": {
        "vi": "Cửa sổ trả lời trên {platform} sắp đóng. Nếu bạn cần thêm thời gian, mình có "
        "thể hẹn nhân viên gọi lại, hoặc bạn tiếp tục qua tổng đài {hotline} hay trò chuyện "
        "trên trang web của ngân hàng.",
        "en": "The reply window on {platform} is about to close. If you need more time, we "
        "can arrange a call-back, or you can continue on our hotline {hotline} or the chat "
        "on the bank's website.",
    },
}
PLATFORMS = {"zalo": "Zalo", "messenger": "Messenger"}


@dataclass(frozen=True)
class Rules:
    """One platform's window: free replies for ``free_s`` after the customer's last
    message (at most ``max_free`` of them, None for no limit), and for a person only,
    with ``agent_tag``, until ``agent_s``."""

    channel: str
    free_s: float
    max_free: int | None = None
    agent_s: float = 0.0
    agent_tag: str | None = None


ZALO = Rules("zalo", 48 * HOUR, max_free=8)


def messenger_rules(human_agent_approved: bool) -> Rules:
    if human_agent_approved:
        return Rules("messenger", DAY, agent_s=7 * DAY, agent_tag="HUMAN_AGENT")
    return Rules("messenger", DAY)


def rules_for(channel: str, settings: Settings) -> Rules | None:
    if channel == "zalo":
        return ZALO
    if channel == "messenger":
        return messenger_rules(settings.messenger_human_agent)
    return None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    tag: str | None = None  # a message tag the platform needs (HUMAN_AGENT)
    # why not: window_closed | agent_only | reply_limit | no_customer_message
    code: str | None = None

    def explain(self, rules: Rules) -> dict[str, str]:
        """The reason, in Vietnamese and English, for the agent."""
        key = self.code or "window_closed"
        # After the agent-only window, that is the limit passed; otherwise the free one.
        limit_s = rules.agent_s if key == "window_closed" and rules.agent_s else rules.free_s
        out = {}
        for lang in ("vi", "en"):
            out[lang] = TEXTS[key][lang].format(
                platform=PLATFORMS.get(rules.channel, rules.channel),
                limit=_duration(limit_s, lang),
                count=rules.max_free or 0,
                days=int(rules.agent_s // DAY),
            )
        return out


def _duration(seconds: float, language: str) -> str:
    if seconds > 2 * DAY and seconds % DAY == 0:
        return f"{int(seconds // DAY)} {'ngày' if language == 'vi' else 'days'}"
    return f"{int(seconds // HOUR)} {'giờ' if language == 'vi' else 'hours'}"


@dataclass(frozen=True)
class Window:
    rules: Rules
    last_customer_at: datetime | None
    replies_since: int  # replies sent, or waiting to be sent, since that message

    @property
    def closes_at(self) -> datetime | None:
        if self.last_customer_at is None:
            return None
        return self.last_customer_at + timedelta(seconds=self.rules.free_s)

    @property
    def agent_until(self) -> datetime | None:
        if self.last_customer_at is None or not self.rules.agent_s:
            return None
        return self.last_customer_at + timedelta(seconds=self.rules.agent_s)

    @property
    def free_left(self) -> int | None:
        if self.rules.max_free is None:
            return None
        return max(0, self.rules.max_free - self.replies_since)

    def verdict(self, sender: str, now: datetime) -> Verdict:
        """Whether one more reply from ``sender`` (bot, agent, system) would be taken."""
        closes_at, agent_until = self.closes_at, self.agent_until
        if closes_at is None:
            return Verdict(False, code="no_customer_message")
        if now < closes_at:
            if self.free_left == 0:
                return Verdict(False, code="reply_limit")
            return Verdict(True)
        if agent_until is not None and now < agent_until:
            if sender == "agent":
                return Verdict(True, tag=self.rules.agent_tag)
            return Verdict(False, code="agent_only")
        return Verdict(False, code="window_closed")

    def as_json(self, now: datetime, warn_s: float) -> dict[str, Any]:
        """What the panel shows: time and free replies left, and whether it is closing."""
        closes_at, agent_until = self.closes_at, self.agent_until
        left = (closes_at - now).total_seconds() if closes_at else None
        agent_left = (agent_until - now).total_seconds() if agent_until else None
        verdict = self.verdict("agent", now)
        open_left = max(left or 0.0, agent_left or 0.0)
        return {
            "channel": self.rules.channel,
            "last_customer_at": iso(self.last_customer_at),
            "closes_at": iso(closes_at),
            "seconds_left": max(0.0, left) if left is not None else None,
            "free_replies_left": self.free_left,
            "agent_until": iso(agent_until),
            "agent_seconds_left": max(0.0, agent_left) if agent_left is not None else None,
            "agent_tag_needed": verdict.tag,
            "can_reply": verdict.allowed,
            "closing": verdict.allowed and open_left < warn_s,
            "reason": verdict.code,
            "explanation": None if verdict.allowed else verdict.explain(self.rules),
        }


async def window_of(
    session: AsyncSession, key: str, rules: Rules, *, delivered_only: bool = False
) -> Window:
    """The window of the channel thread ``key`` (on ``rules.channel``), from the stored
    messages.

    Replies counted against the free ones are those sent since the customer's last
    message, and (unless ``delivered_only``: the sender asking about the row it is about
    to send) those still waiting in the outbox; refused ones never reached the customer.
    """
    thread = (Conversation.channel == rules.channel) & (Conversation.channel_key == key)
    last_in = await session.scalar(
        select(func.max(Message.created_at))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(thread, Message.direction == "in", Message.sender == "customer")
    )
    last_in = aware(last_in)
    count = 0
    if last_in is not None:
        statuses = ("sent",) if delivered_only else ("sent", "pending")
        count = (
            await session.scalar(
                select(func.count(OutboxEntry.id))
                .join(Message, Message.id == OutboxEntry.message_id)
                .join(Conversation, Conversation.id == OutboxEntry.conversation_id)
                .where(thread, Message.created_at > last_in, OutboxEntry.status.in_(statuses))
            )
            or 0
        )
    return Window(rules, last_in, int(count))


# -- the hub's uses -------------------------------------------------------------------------------
CHANNELS = ("zalo", "messenger")


class WindowClosed(Exception):
    """An agent's reply the platform would refuse now; ``detail`` says why, for the panel."""

    def __init__(self, detail: dict[str, Any]) -> None:
        super().__init__(detail.get("message", ""))
        self.detail = detail


async def delivery_verdict(
    core: Core, channel: str, key: str, out: dict[str, Any], now: datetime | None = None
) -> Verdict:
    """Whether the platform takes this outbox row (to thread ``key``) now; a refused row
    is reported to the panel and raised as DeliveryRefused (the outbox marks it failed)."""
    rules = rules_for(channel, core.settings)
    if rules is None:
        return Verdict(True)
    async with core.db.reader() as session:
        window = await window_of(session, key, rules, delivered_only=True)
    verdict = window.verdict(str(out.get("sender") or "bot"), now or utc_now())
    if verdict.allowed:
        return verdict
    explanation = verdict.explain(rules)
    conv_id = int(out["conversation_id"])
    await report_refused(core, conv_id, out, verdict.code or "window_closed", explanation)
    raise DeliveryRefused(verdict.code or "window_closed", explanation["en"])


async def report_refused(
    core: Core, conv_id: int, out: dict[str, Any], code: str, explanation: dict[str, str]
) -> None:
    """Tell the panel (and the audit trail) that a stored reply was not delivered, and why."""
    async with core.db.session() as session:
        stored = await session.get(Conversation, conv_id)
        if stored is not None:
            await core.record_event(
                session,
                stored,
                "delivery_refused",
                actor="hub",
                note=explanation["en"],
                data={"message_id": out.get("id"), "code": code},
            )
        await session.commit()
    frame = events.DeliveryRefusedFrame(
        type="delivery_refused",
        conversation_id=conv_id,
        message_id=out.get("id"),
        code=code,
        explanation=explanation,
    )
    events.publish_conversation_event(core.broker, conv_id, frame)


async def agent_reply_refusal(core: Core, conv_id: int, now: datetime | None = None) -> None:
    """Raise WindowClosed when the platform would refuse an agent's reply now."""
    async with core.db.reader() as session:
        conv = await session.get(Conversation, conv_id)
        if conv is None:
            return  # the reply path answers 404 itself
        rules = rules_for(conv.channel, core.settings)
        if rules is None:
            return
        window = await window_of(session, conv.channel_key, rules)
    now = now or utc_now()
    verdict = window.verdict("agent", now)
    if verdict.allowed:
        return
    explanation = verdict.explain(rules)
    raise WindowClosed(
        {
            "code": verdict.code,
            "message": f"{explanation['vi']} / {explanation['en']}",
            "explanation": explanation,
            "window": window.as_json(now, core.settings.channel_window_warn_s),
        }
    )


async def window_view(core: Core, conv_id: int) -> dict[str, Any] | None:
    """The panel's view of a conversation's window (``applies`` false on channels without
    one); None when there is no such conversation."""
    async with core.db.reader() as session:
        conv = await session.get(Conversation, conv_id)
        if conv is None:
            return None
        rules = rules_for(conv.channel, core.settings)
        if rules is None:
            return {"applies": False, "channel": conv.channel}
        window = await window_of(session, conv.channel_key, rules)
    return {"applies": True, **window.as_json(utc_now(), core.settings.channel_window_warn_s)}


async def last_buttons(core: Core, channel: str, key: str) -> list[dict[str, Any]]:
    """The buttons of the last message sent on a thread (a channel without tappable
    buttons reads a customer's answer against their titles)."""
    async with core.db.reader() as session:
        last = await session.scalar(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.channel == channel,
                Conversation.channel_key == key,
                Message.direction == "out",
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
    return list((last.payload or {}).get("buttons") or []) if last is not None else []


async def offer_before_closing(core: Core, now: datetime | None = None) -> int:
    """Offer a call-back or another channel to customers still waiting for a person whose
    window is closing; once per window (a new customer message opens a new one)."""
    now = now or utc_now()
    warn_s = core.settings.channel_window_warn_s
    offered = 0
    async with core.db.session() as session:
        convs = (
            await session.scalars(
                select(Conversation).where(
                    Conversation.channel.in_(CHANNELS),
                    Conversation.state.in_((states.WAITING, states.ASSIGNED)),
                )
            )
        ).all()
        for conv in convs:
            rules = rules_for(conv.channel, core.settings)
            if rules is None:
                continue
            window = await window_of(session, conv.channel_key, rules)
            view = window.as_json(now, warn_s)
            if not view["closing"] or not window.verdict("system", now).allowed:
                continue
            if (conv.context or {}).get("window_offer_for") == view["closes_at"]:
                continue
            conv.context = {**(conv.context or {}), "window_offer_for": view["closes_at"]}
            language = conv.language if conv.language in ("vi", "en") else "vi"
            body = TEXTS["closing"][language].format(
                platform=PLATFORMS[conv.channel], hotline=core.settings.hotline
            )
            await core.send(session, conv, "system", body, buttons=CALLBACK_BUTTONS[language])
            await core.record_event(
                session, conv, "window_closing", actor="hub", data={"window": view}
            )
            offered += 1
        await session.commit()
    return offered
