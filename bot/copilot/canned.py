"""Canned replies' variables: which exist, the values the hub knows for one conversation,
and the filling of a text. A variable with no value stays as written (``{{card.last4}}``)
so the composer can flag it and the hub refuses to send it (``unfilled``).

Values come from what the hub stores about the conversation: the linked customer's profile
(name, cards), the card the customer named in a form (the ``card_last4`` slot), the latest
call-back booked for it, and the agent writing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.copilot.placeholders import PLACEHOLDER, VARIABLE
from bot.handoff.callbacks import window_text
from bot.store.models import Callback, Card, Conversation, Customer, User

# The variables a reply may use, with what fills them (shown in the knowledge workspace).
VARIABLES: dict[str, dict[str, str]] = {
    "customer.name": {"vi": "Tên khách hàng", "en": "Customer's name"},
    "card.last4": {"vi": "4 số cuối thẻ", "en": "Card's last 4 digits"},
    "card.product": {"vi": "Tên sản phẩm thẻ", "en": "Card product"},
    "card.due_date": {"vi": "Hạn thanh toán thẻ", "en": "Card payment due date"},
    "callback.window": {"vi": "Khung giờ gọi lại", "en": "Call-back window"},
    "agent.name": {"vi": "Tên nhân viên", "en": "Agent's name"},
    "conversation.id": {"vi": "Số hồ sơ", "en": "Case number"},
}


def variables_in(text: str) -> list[str]:
    """The variable names a text uses, in order of first use."""
    seen: list[str] = []
    for match in VARIABLE.finditer(text):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def unknown_variables(text: str) -> list[str]:
    """Placeholders in a reply that no value can ever fill (a typo a manager should fix)."""
    known = [m.group(0) for m in VARIABLE.finditer(text) if m.group(1) in VARIABLES]
    return [p for p in PLACEHOLDER.findall(text) if p not in known]


@dataclass
class Filled:
    text: str
    missing: list[str]  # variable names left as placeholders


def fill(text: str, values: dict[str, str]) -> Filled:
    missing: list[str] = []

    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value:
            return value
        if match.group(1) not in missing:
            missing.append(match.group(1))
        return match.group(0)

    return Filled(VARIABLE.sub(one, text), missing)


def _card_of(customer: Customer | None, slots: dict[str, Any]) -> Card | None:
    """The card the conversation is about: the one the customer named in a form, else the
    customer's only card. With several cards and none named, no card is guessed."""
    if customer is None:
        return None
    named = str(slots.get("card_last4") or "").strip()
    if named:
        return next((c for c in customer.cards if c.last4 == named), None)
    return customer.cards[0] if len(customer.cards) == 1 else None


async def values_for(session: AsyncSession, conv: Conversation, agent: User) -> dict[str, str]:
    """Every variable the hub can fill for this conversation, in its language."""
    lang = conv.language if conv.language in ("vi", "en") else "vi"
    slots = dict((conv.context or {}).get("slots") or {})
    customer = await session.get(Customer, conv.customer_id) if conv.customer_id else None
    values: dict[str, str] = {
        "agent.name": agent.display_name,
        "conversation.id": f"#{conv.id}",
    }
    name = conv.customer_name or (customer.name if customer else None)
    if name:
        values["customer.name"] = name
    card = _card_of(customer, slots)
    named = str(slots.get("card_last4") or "").strip()
    if card is not None:
        values["card.last4"] = card.last4
        values["card.product"] = card.product
        if card.payment_due_date is not None:
            values["card.due_date"] = card.payment_due_date.strftime("%d/%m/%Y")
    elif re.fullmatch(r"\d{4}", named):
        values["card.last4"] = named  # said by the customer, not on a linked profile
    callback = await session.scalar(
        select(Callback)
        .where(Callback.conversation_id == conv.id, Callback.status == "scheduled")
        .order_by(Callback.id.desc())
        .limit(1)
    )
    if callback is not None:
        values["callback.window"] = window_text(callback, lang)
    return values
