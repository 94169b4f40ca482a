"""Mounts the knowledge managers' API on the hub's one live index: reading and searching
(knowledge/api.py), and the reviewed workflow for changing it (bot/kb)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException

from bot import kb
from bot.access.auth import current_user, require_editor


def install(app: FastAPI) -> None:
    from knowledge.api import build_router

    def get_service():  # type: ignore[no-untyped-def]
        service = app.state.knowledge.service
        if service is None:
            raise HTTPException(
                503, app.state.knowledge.error or "The knowledge index is still loading."
            )
        return service

    # The workflow's routes first: they own the writes to /api/knowledge/entries.
    kb.install(app)
    app.include_router(build_router(get_service, require_editor, current_user, writes=False))
