"""Copilot API: a conversation's hand-off summary and suggested wrap-up codes (agents), and
the wrap-up code list (agents read the active codes; supervisors read all and edit)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import func, select

from bot.access import permissions
from bot.access.auth import require_agent, require_supervisor
from bot.access.deps import DatabaseDep
from bot.api.params import DbId
from bot.copilot import summary_store, wrapup_store
from bot.store.copilot_models import WrapupChoice, WrapupCode
from bot.store.models import Conversation, User
from bot.store.times import utc_now
from bot.wiring import Wiring

router = APIRouter(prefix="/api", tags=["copilot"])

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$"),
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SummaryLineOut(BaseModel):
    part: str
    kind: str = ""
    label: str
    shown: str = ""
    text: str
    quote: str
    source: str
    turn: int | None = None


class SummaryOut(BaseModel):
    conversation_id: int
    language: str
    stage: str | None
    lines: list[SummaryLineOut]
    updated_at: str | None = None


class WrapupCodeOut(BaseModel):
    code: str
    description_vi: str
    description_en: str
    active: bool
    position: int


class WrapupCodeIn(BaseModel):
    code: Code
    description_vi: Description
    description_en: Description
    active: bool = True
    position: int = Field(0, ge=0, le=10_000)


class WrapupCodeUpdate(BaseModel):
    description_vi: Description | None = None
    description_en: Description | None = None
    active: bool | None = None
    position: int | None = Field(None, ge=0, le=10_000)


class WrapupSuggestionOut(BaseModel):
    conversation_id: int
    suggested: list[str]
    codes: list[WrapupCodeOut]


def _code_json(row: WrapupCode) -> dict[str, Any]:
    return {
        "code": row.code,
        "description_vi": row.description_vi,
        "description_en": row.description_en,
        "active": row.active,
        "position": row.position,
    }


async def _conversation(session: Any, conv_id: int, user: User) -> Conversation:
    if not permissions.can_view_conversation(user, conv_id):
        raise HTTPException(403, "You may not see this conversation.")
    conv = await session.get(Conversation, conv_id)
    if conv is None:
        raise HTTPException(404, f"Conversation {conv_id} does not exist.")
    return conv


@router.get("/conversations/{conv_id}/summary", response_model=SummaryOut)
async def summary(
    conv_id: DbId, db: DatabaseDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    """The stored hand-off summary (empty lines before the first hand-off)."""
    async with db.session() as session:
        conv = await _conversation(session, conv_id, user)
        row = await summary_store.stored(session, conv.id)
        if row is None:
            return {
                "conversation_id": conv.id,
                "language": conv.language,
                "stage": None,
                "lines": [],
            }
        return summary_store.summary_frame(conv.id, row)


@router.get("/conversations/{conv_id}/wrapup", response_model=WrapupSuggestionOut)
async def suggestions(
    conv_id: DbId, db: DatabaseDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    """The three suggested codes for resolving this conversation, and every active code."""
    async with db.session() as session:
        conv = await _conversation(session, conv_id, user)
        suggested, _ = await wrapup_store.suggest(session, conv)
        active = await wrapup_store.codes(session)
        return {
            "conversation_id": conv.id,
            "suggested": suggested,
            "codes": [_code_json(c) for c in active],
        }


@router.get("/wrapup-codes", response_model=list[WrapupCodeOut])
async def list_codes(
    db: DatabaseDep, include_inactive: bool = False, user: User = Depends(require_agent)
) -> list[dict[str, Any]]:
    """Active codes for agents; a supervisor may ask for the inactive ones too."""
    if include_inactive and not permissions.can_supervise(user):
        raise HTTPException(403, "Only supervisors see inactive wrap-up codes.")
    async with db.session() as session:
        rows = await wrapup_store.codes(session, active_only=not include_inactive)
        return [_code_json(r) for r in rows]


@router.post("/wrapup-codes", response_model=WrapupCodeOut, status_code=201)
async def create_code(
    body: WrapupCodeIn, db: DatabaseDep, user: User = Depends(require_supervisor)
) -> dict[str, Any]:
    async with db.session() as session:
        if await session.get(WrapupCode, body.code) is not None:
            raise HTTPException(409, f"The wrap-up code {body.code!r} exists already.")
        row = WrapupCode(**body.model_dump(), updated_by=user.username, updated_at=utc_now())
        session.add(row)
        await session.commit()
        return _code_json(row)


@router.patch("/wrapup-codes/{code}", response_model=WrapupCodeOut)
async def update_code(
    code: Code, body: WrapupCodeUpdate, db: DatabaseDep, user: User = Depends(require_supervisor)
) -> dict[str, Any]:
    """Reword, reorder, or (de)activate a code; a code in use is deactivated, not deleted."""
    async with db.session() as session:
        row = await session.get(WrapupCode, code)
        if row is None:
            raise HTTPException(404, f"No wrap-up code {code!r}.")
        for key, value in body.model_dump(exclude_none=True).items():
            setattr(row, key, value)
        row.updated_by = user.username
        row.updated_at = utc_now()
        await session.commit()
        return _code_json(row)


@router.delete("/wrapup-codes/{code}", response_model=WrapupCodeOut)
async def delete_code(
    code: Code, db: DatabaseDep, user: User = Depends(require_supervisor)
) -> dict[str, Any]:
    """Delete a code no conversation was closed with (one in use can only be deactivated);
    answers with the deleted code."""
    async with db.session() as session:
        row = await session.get(WrapupCode, code)
        if row is None:
            raise HTTPException(404, f"No wrap-up code {code!r}.")
        used = await session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.resolution_code == code)
        )
        chosen = await session.scalar(
            select(func.count()).select_from(WrapupChoice).where(WrapupChoice.chosen == code)
        )
        if used or chosen:
            raise HTTPException(409, f"{code!r} has closed conversations; deactivate it instead.")
        out = _code_json(row)
        await session.delete(row)
        await session.commit()
        return out


def install(app: FastAPI, _: Wiring) -> None:
    app.include_router(router)
