"""Agents link a conversation to the customer they have checked, or unlink it, each with a
reason that is audited (bot.access.customer_link does the linking; this module is its
routes, mounted with the rest of the agent API by bot.api.agent)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from bot.access import customer_link, permissions
from bot.access.auth import require_agent
from bot.access.deps import CoreDep, DatabaseDep
from bot.api.params import DbId
from bot.api.schemas import ConversationOut
from bot.assist.routes import OptionalEngine
from bot.store.models import Conversation, Customer, User
from bot.store.serialize import conversation_json

router = APIRouter()


class LinkCustomerIn(BaseModel):
    customer_id: str = Field(min_length=1, max_length=32)
    # Why the agent is sure: it is audited, and the panel shows it beside the profile.
    reason: str = Field(min_length=1, max_length=customer_link.MAX_REASON)


class UnlinkCustomerIn(BaseModel):
    reason: str = Field(min_length=1, max_length=customer_link.MAX_REASON)


def _reason(raw: str) -> str:
    reason = " ".join(raw.split())
    if not reason:
        raise HTTPException(422, "Say why (a reason is required).")
    return reason


async def _linkable(session: Any, conv_id: int, user: User) -> Conversation:
    conv = await session.get(Conversation, conv_id)
    if conv is None:
        raise HTTPException(404, "No such conversation.")
    if not permissions.can_link_customer(user, conv.assigned_to):
        raise HTTPException(403, "Only the agent working this conversation, or a supervisor.")
    return conv


@router.post("/conversations/{conv_id}/customer", response_model=ConversationOut)
async def link_customer(
    conv_id: DbId,
    body: LinkCustomerIn,
    assist: OptionalEngine,
    core: CoreDep,
    db: DatabaseDep,
    user: User = Depends(require_agent),
) -> dict[str, Any]:
    """An agent who has checked who the customer is links the conversation to them, with a
    reason. The link is for the agent's view: it never widens what the bot discloses."""
    reason = _reason(body.reason)
    async with db.session() as session:
        conv = await _linkable(session, conv_id, user)
        customer = await session.get(Customer, body.customer_id)
        if customer is None:
            raise HTTPException(404, "No such customer.")
        if conv.customer_id == customer.id:
            raise HTTPException(409, "The conversation is already linked to this customer.")
        await customer_link.link_by_agent(core, session, conv, customer, user, reason)
        await session.commit()
    customer_link.refresh_offer(core, assist, conv_id)
    return conversation_json(conv)


@router.post("/conversations/{conv_id}/customer/unlink", response_model=ConversationOut)
async def unlink_customer(
    conv_id: DbId,
    body: UnlinkCustomerIn,
    assist: OptionalEngine,
    core: CoreDep,
    db: DatabaseDep,
    user: User = Depends(require_agent),
) -> dict[str, Any]:
    """Take the customer off the conversation, with a reason; what the conversation proved
    to the bot is withdrawn with them."""
    reason = _reason(body.reason)
    async with db.session() as session:
        conv = await _linkable(session, conv_id, user)
        if conv.customer_id is None:
            raise HTTPException(409, "The conversation has no customer to unlink.")
        await customer_link.unlink(core, session, conv, user, reason)
        await session.commit()
    customer_link.refresh_offer(core, assist, conv_id)
    return conversation_json(conv)
