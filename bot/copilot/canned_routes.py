"""Canned replies API: knowledge managers (and supervisors) write them, agents read them
filled for the conversation they are in.

- ``GET /api/canned-replies``: every reply, both languages (staff).
- ``POST /api/canned-replies``, ``PUT|DELETE /api/canned-replies/{id}``: knowledge editors.
- ``GET /api/conversations/{id}/canned-replies``: active replies in the conversation's
  language, with the variables the hub could fill filled and the others listed as missing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.access import permissions
from bot.access.auth import require, require_agent, require_editor
from bot.access.deps import DatabaseDep
from bot.api.params import DbId
from bot.copilot.canned import VARIABLES, fill, unknown_variables, values_for, variables_in
from bot.store.canned_models import CannedReply
from bot.store.models import Conversation, User
from bot.store.times import iso, utc_now

router = APIRouter(prefix="/api", tags=["copilot"])
Staff = Annotated[User, Depends(require(permissions.is_staff, permissions.STAFF))]
Agent = Annotated[User, Depends(require_agent)]
Editor = Annotated[User, Depends(require_editor)]

Shortcut = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$"),
]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class CannedIn(BaseModel):
    shortcut: Shortcut
    title_vi: Title
    title_en: Title
    text_vi: Body
    text_en: Body
    active: bool = True


class CannedOut(BaseModel):
    id: int
    shortcut: str
    title_vi: str
    title_en: str
    text_vi: str
    text_en: str
    active: bool
    variables: list[str]
    updated_by: str | None
    updated_at: str | None


class VariableOut(BaseModel):
    name: str
    vi: str
    en: str


class CannedListOut(BaseModel):
    replies: list[CannedOut]
    variables: list[VariableOut]


class FilledOut(BaseModel):
    id: int
    shortcut: str
    title: str
    text: str  # filled where the hub knows the value
    missing: list[str]  # variables still to fill by hand


class FilledListOut(BaseModel):
    conversation_id: int
    language: str
    replies: list[FilledOut]


def _out(row: CannedReply) -> dict[str, Any]:
    return {
        "id": row.id,
        "shortcut": row.shortcut,
        "title_vi": row.title_vi,
        "title_en": row.title_en,
        "text_vi": row.text_vi,
        "text_en": row.text_en,
        "active": row.active,
        "variables": variables_in(f"{row.text_vi}\n{row.text_en}"),
        "updated_by": row.updated_by,
        "updated_at": iso(row.updated_at),
    }


def _check(body: CannedIn) -> None:
    """A placeholder no value can fill would block every send of the reply: refuse it now."""
    bad = unknown_variables(body.text_vi) + unknown_variables(body.text_en)
    if bad:
        raise HTTPException(
            422,
            f"Unknown variable(s): {', '.join(sorted(set(bad)))}. "
            f"Known: {', '.join('{{' + v + '}}' for v in VARIABLES)}.",
        )


@router.get("/canned-replies", response_model=CannedListOut)
async def list_replies(db: DatabaseDep, user: Staff) -> dict[str, Any]:
    async with db.session() as session:
        rows = (await session.scalars(select(CannedReply).order_by(CannedReply.shortcut))).all()
    return {
        "replies": [_out(r) for r in rows],
        "variables": [{"name": k, **v} for k, v in VARIABLES.items()],
    }


@router.post("/canned-replies", response_model=CannedOut, status_code=201)
async def create_reply(body: CannedIn, db: DatabaseDep, user: Editor) -> dict[str, Any]:
    _check(body)
    now = utc_now()
    row = CannedReply(**body.model_dump(), updated_by=user.username, created_at=now, updated_at=now)
    async with db.session() as session:
        session.add(row)
        try:
            await session.commit()
        except IntegrityError as exc:
            raise HTTPException(409, f"The shortcut {body.shortcut!r} is taken.") from exc
    return _out(row)


@router.put("/canned-replies/{reply_id}", response_model=CannedOut)
async def update_reply(
    reply_id: DbId, body: CannedIn, db: DatabaseDep, user: Editor
) -> dict[str, Any]:
    _check(body)
    async with db.session() as session:
        row = await session.get(CannedReply, reply_id)
        if row is None:
            raise HTTPException(404, "No such canned reply.")
        for key, value in body.model_dump().items():
            setattr(row, key, value)
        row.updated_by = user.username
        row.updated_at = utc_now()
        try:
            await session.commit()
        except IntegrityError as exc:
            raise HTTPException(409, f"The shortcut {body.shortcut!r} is taken.") from exc
    return _out(row)


class DeletedOut(BaseModel):
    id: int
    deleted: bool


@router.delete("/canned-replies/{reply_id}", response_model=DeletedOut)
async def delete_reply(reply_id: DbId, db: DatabaseDep, user: Editor) -> dict[str, Any]:
    async with db.session() as session:
        row = await session.get(CannedReply, reply_id)
        if row is None:
            raise HTTPException(404, "No such canned reply.")
        await session.delete(row)
        await session.commit()
    return {"id": reply_id, "deleted": True}


@router.get("/conversations/{conv_id}/canned-replies", response_model=FilledListOut)
async def filled_replies(conv_id: DbId, db: DatabaseDep, user: Agent) -> dict[str, Any]:
    async with db.session() as session:
        conv = await session.get(Conversation, conv_id)
        if conv is None:
            raise HTTPException(404, "No such conversation.")
        values = await values_for(session, conv, user)
        rows = (
            await session.scalars(
                select(CannedReply)
                .where(CannedReply.active.is_(True))
                .order_by(CannedReply.shortcut)
            )
        ).all()
        await session.commit()
    lang = "en" if conv.language == "en" else "vi"
    replies = []
    for row in rows:
        filled = fill(row.text_en if lang == "en" else row.text_vi, values)
        replies.append(
            {
                "id": row.id,
                "shortcut": row.shortcut,
                "title": row.title_en if lang == "en" else row.title_vi,
                "text": filled.text,
                "missing": filled.missing,
            }
        )
    return {"conversation_id": conv_id, "language": lang, "replies": replies}
