"""HTTP routes for searching and editing the knowledge base (mounted by the hub).

Reads are open to any caller the hub lets through; changes need the ``require_editor``
dependency the hub passes in (the knowledge-manager role).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query
from pydantic import BaseModel

from knowledge.corpus import CorpusError, missing_languages
from knowledge.service import KnowledgeService


class HitOut(BaseModel):
    """One entry found for a query (``knowledge.retriever.Hit``)."""

    id: str
    question: str
    answer: str
    lang: str
    score: float
    confident: bool
    product: str
    tags: list[str]


class EntryOut(BaseModel):
    """An entry as the corpus stores it (``knowledge.corpus.Entry`` dumped to JSON, so
    times are ISO 8601 text and a date it does not have is left out), with the languages it
    still lacks. The routes answer with ``response_model_exclude_none``: a missing
    ``review_at`` or ``expires_at`` stays missing, as in the corpus files."""

    id: str
    product: str
    tags: list[str]
    updated_at: str
    review_at: str | None = None
    expires_at: str | None = None
    questions: dict[str, list[str]]
    answer: dict[str, str]
    missing_translation: list[str]


def build_router(
    get_service: Callable[[], KnowledgeService],
    require_editor: Callable[..., Any],
    require_reader: Callable[..., Any] | None = None,
    writes: bool = True,
) -> APIRouter:
    """Entries are the knowledge managers' (require_editor); search is for any signed-in
    staff member (require_reader), e.g. an agent looking something up by hand.

    ``writes=False`` leaves out the routes that change entries directly: the hub mounts
    its reviewed workflow (bot/kb) in their place."""
    router = APIRouter(prefix="/api/knowledge", tags=["knowledge"])
    readers = [Depends(require_reader)] if require_reader else []

    @router.get("/search", dependencies=readers, response_model=list[HitOut])
    def search(
        q: str = Query(..., min_length=1, max_length=1000),
        lang: str | None = Query(None, pattern="^(vi|en)$"),
        k: int = Query(3, ge=1, le=20),
    ) -> list[dict[str, Any]]:
        """Best matching entries, in the query's language."""
        return [asdict(h) for h in get_service().search(q, lang=lang, k=k)]  # type: ignore[arg-type]

    @router.get(
        "/entries",
        dependencies=[Depends(require_editor)],
        response_model=list[EntryOut],
        response_model_exclude_none=True,
    )
    def entries() -> list[dict[str, Any]]:
        """All entries, sorted by id, each with the languages it still lacks."""
        return [{**e, "missing_translation": missing_languages(e)} for e in get_service().entries()]

    @router.get(
        "/entries/{entry_id}",
        dependencies=[Depends(require_editor)],
        response_model=EntryOut,
        response_model_exclude_none=True,
    )
    def get_entry(entry_id: str) -> dict[str, Any]:
        """One entry."""
        entry = get_service().get(entry_id)
        if entry is None:
            raise HTTPException(404, f"no entry with id {entry_id!r}")
        return {**entry, "missing_translation": missing_languages(entry)}

    if not writes:
        return router

    @router.put("/entries/{entry_id}", dependencies=[Depends(require_editor)])
    def put_entry(entry_id: str, entry: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """Create or update an entry; it is searchable as soon as this returns."""
        if entry.get("id", entry_id) != entry_id:
            raise HTTPException(422, f"id in the body ({entry.get('id')!r}) differs from the URL")
        service = get_service()
        try:
            service.upsert({**entry, "id": entry_id})
        except CorpusError as err:
            raise HTTPException(422, str(err)) from None
        return {"entry": service.get(entry_id), "version": service.version}

    @router.delete("/entries/{entry_id}", dependencies=[Depends(require_editor)])
    def delete_entry(entry_id: str) -> dict[str, Any]:
        """Delete an entry."""
        service = get_service()
        try:
            service.delete(entry_id)
        except KeyError:
            raise HTTPException(404, f"no entry with id {entry_id!r}") from None
        return {"deleted": entry_id, "version": service.version}

    @router.post("/reload", dependencies=[Depends(require_editor)])
    def reload() -> dict[str, Any]:
        """Apply edits made to the corpus files."""
        service = get_service()
        try:
            changes = service.reload()
        except CorpusError as err:
            raise HTTPException(422, str(err)) from None
        return {"changes": changes, "version": service.version}

    return router
