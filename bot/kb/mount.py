"""Mounts the knowledge managers' API on the hub's one live index: reading and searching
(knowledge/api.py), and the reviewed workflow for changing it (bot/kb)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException

from bot import kb
from bot.access.auth import current_user, require_editor
from bot.wiring import Wiring


def install(app: FastAPI, wiring: Wiring) -> None:
    from knowledge.api import build_router

    knowledge = wiring.knowledge

    def get_service():  # type: ignore[no-untyped-def]
        service = knowledge.service
        if service is None:
            raise HTTPException(503, knowledge.error or "The knowledge index is still loading.")
        return service

    # The workflow's routes first: they own the writes to /api/knowledge/entries.
    kb.install(app, wiring)
    app.include_router(build_router(get_service, require_editor, current_user, writes=False))
