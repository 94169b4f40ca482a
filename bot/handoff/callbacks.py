"""The call-back ledger: offered, scheduled, reminded, done, or escalated when overdue."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n.texts import text as t
from bot.pipeline.sender import sender_conversation
from bot.realtime import events
from bot.store.models import Alert, Callback, Conversation, Customer, Message, User
from bot.store.serialize import callback_json
from bot.store.times import aware, utc_now
from chattext.phone import normalise_vn_phone
from chattext.when import parse_window_text
from knowledge.text import fold_diacritics

if TYPE_CHECKING:
    from bot.core import Core as Hub

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OPEN_HOUR, CLOSE_HOUR = 8, 20  # call-backs are made during these local hours


def normalise_phone(raw: str) -> str | None:
    """The customer's mobile number in national form (see chattext.phone)."""
    return normalise_vn_phone(raw)


def business_hours(start: datetime, now: datetime | None = None) -> tuple[datetime, datetime]:
    """A one-hour window at `start`, moved into the hours call-backs are made (local time)."""
    now = (now or utc_now()).astimezone(LOCAL_TZ)
    start = start.astimezone(LOCAL_TZ)
    if start < now:
        start = now + timedelta(minutes=30)
    if start.hour < OPEN_HOUR:
        start = start.replace(hour=OPEN_HOUR, minute=0)
    elif start.hour >= CLOSE_HOUR:
        start = (start + timedelta(days=1)).replace(hour=OPEN_HOUR, minute=0)
    start = start.replace(second=0, microsecond=0)
    return start.astimezone(timezone.utc), (start + timedelta(hours=1)).astimezone(timezone.utc)


def parse_window(preferred: str | None, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Turn free text ("chiều mai", "tomorrow 3pm", "9h sáng thứ hai") into a one-hour window.

    Unparseable text gets the next business hour; the agent sees the customer's own words too.
    """
    now = (now or utc_now()).astimezone(LOCAL_TZ)
    parsed = parse_window_text(preferred or "", now=now, tz=LOCAL_TZ.key) if preferred else None
    return business_hours(parsed.start if parsed else now + timedelta(minutes=30), now)


def checked_window(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """A window an agent typed, in UTC; None when it ends before it starts or lies absurdly
    far away. A time without a zone is the bank's local time (as the panel's clock shows),
    so a window may mix both forms without comparing naive with aware times."""
    try:
        start, end = (
            (t if t.tzinfo else t.replace(tzinfo=LOCAL_TZ)).astimezone(timezone.utc)
            for t in (start, end)
        )
    except (OverflowError, ValueError):  # e.g. year 1 or 9999 shifted past the calendar
        return None
    now = utc_now()
    if end <= start or start < now - timedelta(days=1) or end > now + timedelta(days=366):
        return None
    return start, end


def window_text(cb: Callback, language: str) -> str:
    start = aware(cb.window_start).astimezone(LOCAL_TZ)  # type: ignore[union-attr]
    end = aware(cb.window_end).astimezone(LOCAL_TZ)  # type: ignore[union-attr]
    if language == "vi":
        return f"{start:%H:%M}–{end:%H:%M} ngày {start:%d/%m/%Y}"
    return f"{start:%H:%M}–{end:%H:%M} on {start:%d %b %Y}"


async def schedule(
    hub: Hub,
    session: AsyncSession,
    *,
    phone: str,
    preferred_time: str | None,
    customer_id: str | None = None,
    conversation_id: int | None = None,
    sender_id: str | None = None,
    language: str = "vi",
    owner_id: int | None = None,
    window: tuple[datetime, datetime] | None = None,
    note: str | None = None,
) -> Callback:
    start, end = window or parse_window(preferred_time)
    cb = Callback(
        customer_id=customer_id,
        conversation_id=conversation_id,
        sender_id=sender_id,
        phone=phone,
        preferred_time=preferred_time,
        window_start=start,
        window_end=end,
        owner_id=owner_id,
        status="scheduled",
        language=language,
        note=note,
        reminders_sent=0,
    )
    session.add(cb)
    await session.commit()
    events.publish(hub.broker, events.AGENTS, _callback_frame(cb))
    return cb


async def handle_waiting_message(
    hub: Hub, session: AsyncSession, conv: Conversation, msg: Message, body: str
) -> list[dict[str, Any]]:
    """In the queue the bot stays out; the hub itself handles the call-back offer."""
    context = dict(conv.context or {})
    phone = normalise_phone(body)
    wants = body.strip() == "/request_callback" or re.search(
        r"\b(goi lai|call me back|callback)\b", fold_diacritics(body.lower())
    )
    if wants and not phone:
        customer = await session.get(Customer, conv.customer_id) if conv.customer_id else None
        phone = customer.phone if customer else None
        if phone is None:
            context["awaiting_phone"] = True
            conv.context = context
            await session.commit()
            return [
                await hub.send(
                    session, conv, "system", t("ask_phone", conv.language), reply_to=msg.id
                )
            ]
    if phone and (wants or context.get("awaiting_phone")):
        cb = await schedule(
            hub,
            session,
            phone=phone,
            preferred_time=None,
            customer_id=conv.customer_id,
            conversation_id=conv.id,
            sender_id=f"{conv.channel}:{conv.channel_key}",
            language=conv.language,
        )
        context["awaiting_phone"] = False
        context["callback_id"] = cb.id
        conv.context = context
        await session.commit()
        hub.publish_conversation(conv)
        reply = t(
            "callback_scheduled",
            conv.language,
            phone=phone,
            window=window_text(cb, conv.language),
            reference=f"CB-{cb.id}",
        )
        return [await hub.send(session, conv, "system", reply, reply_to=msg.id)]
    return []


async def thread_conversation_ids(session: AsyncSession, sender_id: str) -> list[int]:
    """Conversations on the same customer thread as a Rasa sender id."""
    conv_id = sender_conversation(sender_id)
    if conv_id is None:
        return []
    conv = await session.get(Conversation, conv_id)
    if conv is None:
        return []
    rows = await session.scalars(
        select(Conversation.id).where(
            Conversation.channel == conv.channel, Conversation.channel_key == conv.channel_key
        )
    )
    return list(rows.all())


async def find(
    session: AsyncSession,
    *,
    sender_id: str | None = None,
    customer_id: str | None = None,
    phone: str | None = None,
) -> list[Callback]:
    """Call-backs of one customer, found by any identity the caller has."""
    clauses = []
    if sender_id:
        clauses.append(Callback.sender_id == sender_id)
        thread = await thread_conversation_ids(session, sender_id)
        if thread:
            clauses.append(Callback.conversation_id.in_(thread))
    if customer_id:
        clauses.append(Callback.customer_id == customer_id)
    if phone:
        clauses.append(Callback.phone == (normalise_phone(phone) or phone))
    if not clauses:
        return []
    from sqlalchemy import or_

    rows = await session.scalars(select(Callback).where(or_(*clauses)).order_by(Callback.id.desc()))
    return list(rows.all())


async def move_window(
    hub: Hub, callback_id: int, sender_id: str, window: tuple[datetime, datetime]
) -> Callback:
    """Move a scheduled call-back of this sender's thread to another window (the customer
    corrected the time just after booking). LookupError when it is not theirs or not
    found, ValueError when it is no longer scheduled."""
    async with hub.db.session() as session:
        cb = await session.get(Callback, callback_id)
        theirs = cb is not None and (
            cb.sender_id == sender_id
            or cb.conversation_id in await thread_conversation_ids(session, sender_id)
        )
        if cb is None or not theirs:
            raise LookupError(f"Call-back {callback_id} does not exist.")
        if cb.status != "scheduled":
            raise ValueError(f"Call-back {callback_id} is {cb.status}, not scheduled.")
        cb.window_start, cb.window_end = window
        cb.reminders_sent = 0  # reminders count towards the new window
        cb.escalated_at = None
        await session.commit()
        events.publish(hub.broker, events.AGENTS, _callback_frame(cb))
        return cb


async def set_status(hub: Hub, callback_id: int, status: str, user: User) -> Callback:
    if status not in ("done", "missed", "scheduled"):
        raise ValueError("status must be scheduled, done or missed")
    async with hub.db.session() as session:
        cb = await session.get(Callback, callback_id)
        if cb is None:
            raise LookupError(f"Call-back {callback_id} does not exist.")
        cb.status = status
        cb.done_at = utc_now() if status == "done" else None
        if cb.owner_id is None:
            cb.owner_id = user.id
        await session.commit()
        events.publish(hub.broker, events.AGENTS, _callback_frame(cb))
        return cb


async def sweep(hub: Hub, now: datetime | None = None) -> dict[str, int]:
    """Remind owners before the window; escalate call-backs whose window passed unmet."""
    now = now or utc_now()
    reminded = escalated = 0
    async with hub.db.session() as session:
        rows = (await session.scalars(select(Callback).where(Callback.status == "scheduled"))).all()
        for cb in rows:
            start, end = aware(cb.window_start), aware(cb.window_end)
            assert start is not None and end is not None
            if end < now and cb.escalated_at is None:
                cb.status = "missed"
                cb.escalated_at = now
                text_ = (
                    f"Call-back CB-{cb.id} to {cb.phone} is overdue "
                    f"(window ended {end:%Y-%m-%d %H:%M} UTC)."
                )
                session.add(
                    Alert(
                        kind="callback_overdue",
                        audience="supervisor",
                        callback_id=cb.id,
                        conversation_id=cb.conversation_id,
                        text=text_,
                    )
                )
                events.publish(
                    hub.broker,
                    events.SUPERVISORS,
                    events.alert_frame("callback_overdue", text_, callback_id=cb.id),
                )
                escalated += 1
            elif cb.reminders_sent == 0 and start - now <= timedelta(
                seconds=hub.settings.callback_reminder_before_s
            ):
                cb.reminders_sent += 1
                text_ = f"Reminder: call {cb.phone} (CB-{cb.id}) between {window_text(cb, 'en')}."
                session.add(
                    Alert(
                        kind="callback_reminder",
                        audience="agent" if cb.owner_id else "supervisor",
                        user_id=cb.owner_id,
                        callback_id=cb.id,
                        text=text_,
                    )
                )
                events.publish(
                    hub.broker,
                    events.user(cb.owner_id) if cb.owner_id else events.SUPERVISORS,
                    events.alert_frame("callback_reminder", text_, callback_id=cb.id),
                )
                reminded += 1
        await session.commit()
    return {"reminded": reminded, "escalated": escalated}


def _callback_frame(cb: Callback) -> events.CallbackFrame:
    return events.CallbackFrame(type="callback", callback=callback_json(cb))
