"""Who a conversation's customer is, and how the hub knows it: the one place that links
and unlinks a conversation's customer after intake.

The customer is what the agent sees (the queue card's name, the profile). How they are
known decides what the bot may disclose, so it is stored beside them
(``Conversation.customer_verified_by``):

- ``signed``: the site's signature (or a channel's own proof), set at intake;
- ``otp``: the bot's card check, then a one-time code sent to the registered phone;
- ``card_dob``: the bot's card check alone (card digits and date of birth);
- ``agent``: an agent linked them, with a reason (``customer_linked_by``, ``_reason``).

Linking for the agent's view must not raise what the bot discloses: only ``signed`` is
sent to the bot as the signed-in customer (``bot_customer``), and the account endpoint
trusts only ``signed`` or a fresh passed code in ``identity_checks``, never ``card_dob``
or ``agent``. Every change is audited as a conversation event and pushed to the panels
after the caller's commit; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Literal, Protocol

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import Core
from bot.store.models import Conversation, Customer, IdentityCheck, User

Link = Literal["signed", "otp", "card_dob", "agent"]
SIGNED: Link = "signed"
OTP: Link = "otp"
CARD_DOB: Link = "card_dob"
AGENT: Link = "agent"
# A bot check only ever raises how the same customer is known; a code beats the card
# check it follows, and a site's signature beats both.
RANK: dict[str | None, int] = {None: 0, AGENT: 1, CARD_DOB: 2, OTP: 3, SIGNED: 4}
NOTES = {
    CARD_DOB: "verified by card digits and date of birth",
    OTP: "verified by one-time code",
}
MAX_REASON = 300  # the column's length; the panel's field says so too


def bot_customer(conv: Conversation) -> str | None:
    """The customer the bot may treat as signed in: only one the site signed for."""
    return conv.customer_id if conv.customer_verified_by == SIGNED else None


def _set(
    conv: Conversation,
    customer: Customer | None,
    how: Link | None,
    by: str | None = None,
    reason: str | None = None,
) -> None:
    conv.customer_id = customer.id if customer else None
    conv.customer_name = customer.name if customer else None
    conv.customer_verified_by = how
    conv.customer_linked_by = by
    conv.customer_link_reason = reason


async def link_verified(
    core: Core, session: AsyncSession, conv: Conversation, customer: Customer, how: Link
) -> bool:
    """The bot's identity check passed for ``customer``: link the conversation, in the
    caller's transaction. Never lowers how the same customer is known, and never replaces
    the customer a site signed for. Returns whether anything changed."""
    current = conv.customer_verified_by
    if conv.customer_id == customer.id and RANK.get(current, 0) >= RANK[how]:
        return False
    if conv.customer_id not in (None, customer.id) and current == SIGNED:
        return False
    await core.record_event(
        session,
        conv,
        "customer_verified",
        actor="bot",
        note=NOTES.get(how, how),
        data={"customer_id": customer.id, "verified_by": how, "previous": conv.customer_id},
    )
    _set(conv, customer, how)
    core.publish_after_commit(session, conv)
    return True


async def link_by_agent(
    core: Core,
    session: AsyncSession,
    conv: Conversation,
    customer: Customer,
    user: User,
    reason: str,
) -> None:
    """An agent who has checked who the customer is links them, saying why."""
    await core.record_event(
        session,
        conv,
        "customer_linked",
        actor=user.username,
        note=reason,
        data={
            "customer_id": customer.id,
            "agent_id": user.id,
            "previous": conv.customer_id,
            "previous_verified_by": conv.customer_verified_by,
        },
    )
    _set(conv, customer, AGENT, user.username, reason)
    core.publish_after_commit(session, conv)


async def unlink(
    core: Core, session: AsyncSession, conv: Conversation, user: User, reason: str
) -> None:
    """An agent takes the customer off the conversation, saying why. What the conversation
    proved to the bot goes too: an agent who doubts the person must not leave the bot
    disclosing to them."""
    await core.record_event(
        session,
        conv,
        "customer_unlinked",
        actor=user.username,
        note=reason,
        data={
            "customer_id": conv.customer_id,
            "agent_id": user.id,
            "previous_verified_by": conv.customer_verified_by,
        },
    )
    await session.execute(delete(IdentityCheck).where(IdentityCheck.conversation_id == conv.id))
    _set(conv, None, None)
    core.publish_after_commit(session, conv)


class OfferRefresher(Protocol):
    """What re-ranks the offer beside a conversation (the assist engine, bot.assist.live)."""

    def refresh_offer(self, conv_id: int) -> Coroutine[Any, Any, None]: ...


def refresh_offer(core: Core, assist: OfferRefresher | None, conv_id: int) -> None:
    """After a link or unlink, in the background: the offer the agent sees depends on who
    the customer is. ``assist`` is None when the hub runs without that part."""
    if assist is not None:
        core.spawn(assist.refresh_offer(conv_id))
