"""Smart replies API.

- ``POST /api/smart-replies/mine``: find new candidates in resolved conversations (editors).
- ``GET /api/smart-replies?status=pending``: candidates to review (editors); the customer
  words they answered are redacted, as in every report knowledge managers read.
- ``POST /api/smart-replies/{id}/review``: approve or reject (editors).
- ``GET /api/conversations/{id}/smart-replies``: up to three approved replies for the
  customer's latest message (agents).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel
from sqlalchemy import select

from bot.access.auth import require_agent, require_editor
from bot.access.deps import DatabaseDep, KnowledgeDep
from bot.api.params import DbId
from bot.copilot.smart_reply import mine, nearest, reply_json
from bot.kb.privacy import customer_names, redact_many
from bot.store.canned_models import SmartReply
from bot.store.models import Conversation, Message, User
from bot.store.times import utc_now

router = APIRouter(prefix="/api", tags=["copilot"])
Agent = Annotated[User, Depends(require_agent)]
Editor = Annotated[User, Depends(require_editor)]
Status = Literal["pending", "approved", "rejected"]


class SmartReplyOut(BaseModel):
    id: int
    language: str
    customer_text: str
    reply_text: str
    support: int
    status: str
    similarity: float | None


class SmartListOut(BaseModel):
    replies: list[SmartReplyOut]


class MinedOut(BaseModel):
    added: int


class ReviewIn(BaseModel):
    decision: Literal["approve", "reject"]


class ForConversationOut(BaseModel):
    conversation_id: int
    message_id: int | None
    replies: list[SmartReplyOut]


@router.post("/smart-replies/mine", response_model=MinedOut)
async def mine_replies(db: DatabaseDep, user: Editor) -> dict[str, Any]:
    async with db.session() as session:
        added = await mine(session)
        await session.commit()
    return {"added": added}


@router.get("/smart-replies", response_model=SmartListOut)
async def list_replies(
    db: DatabaseDep, user: Editor, status: Annotated[Status, Query()] = "pending"
) -> dict[str, Any]:
    async with db.session() as session:
        rows = (
            await session.scalars(
                select(SmartReply)
                .where(SmartReply.status == status)
                .order_by(SmartReply.support.desc(), SmartReply.id)
                .limit(500)
            )
        ).all()
        names = await customer_names(session, (r.source_conversation_id for r in rows))
        await session.commit()
    redacted = await redact_many(
        [(r.customer_text, names.get(r.source_conversation_id or 0, []), None) for r in rows]
    )
    return {
        "replies": [
            {**reply_json(r), "customer_text": text} for r, text in zip(rows, redacted, strict=True)
        ]
    }


@router.post("/smart-replies/{reply_id}/review", response_model=SmartReplyOut)
async def review(reply_id: DbId, body: ReviewIn, db: DatabaseDep, user: Editor) -> dict[str, Any]:
    async with db.session() as session:
        row = await session.get(SmartReply, reply_id)
        if row is None:
            raise HTTPException(404, "No such smart reply.")
        row.status = "approved" if body.decision == "approve" else "rejected"
        row.reviewed_by = user.username
        row.reviewed_at = utc_now()
        await session.commit()
        out = reply_json(row)
    return out


@router.get("/conversations/{conv_id}/smart-replies", response_model=ForConversationOut)
async def for_conversation(
    conv_id: DbId, knowledge: KnowledgeDep, db: DatabaseDep, user: Agent
) -> dict[str, Any]:
    async with db.session() as session:
        conv = await session.get(Conversation, conv_id)
        if conv is None:
            raise HTTPException(404, "No such conversation.")
        last = await session.scalar(
            select(Message)
            .where(Message.conversation_id == conv_id, Message.sender == "customer")
            .order_by(Message.seq.desc())
            .limit(1)
        )
        approved = (
            await session.scalars(
                select(SmartReply).where(
                    SmartReply.status == "approved", SmartReply.language == conv.language
                )
            )
        ).all()
        await session.commit()
    empty: dict[str, Any] = {
        "conversation_id": conv_id,
        "message_id": last.id if last else None,
        "replies": [],
    }
    if last is None or not approved:
        return empty
    # One batch on the search threads: the customer's message and any answered message
    # not embedded before (approved replies change rarely; their vectors are kept).
    todo = [r.customer_text for r in approved if r.customer_text not in _VECTORS]
    vectors = await knowledge.embed([last.text, *todo])
    if vectors is None:
        return empty
    vectors = np.asarray(vectors)
    if len(_VECTORS) + len(todo) > _KEPT_VECTORS:
        _VECTORS.clear()
    _VECTORS.update(zip(todo, vectors[1:], strict=True))
    options = np.stack([_VECTORS[r.customer_text] for r in approved])
    found = nearest(vectors[0], options)
    return {**empty, "replies": [reply_json(approved[i], sim) for i, sim in found]}


_KEPT_VECTORS = 5000
_VECTORS: dict[str, np.ndarray] = {}  # answered customer message -> its query vector
