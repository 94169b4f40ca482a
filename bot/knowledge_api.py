"""Mounts the knowledge managers' API (knowledge/api.py) on the hub's one live index."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException

from bot.auth import current_user, require_editor


def install(app: FastAPI) -> None:
    from knowledge.api import build_router

    def get_service():  # type: ignore[no-untyped-def]
        service = app.state.knowledge.service
        if service is None:
            raise HTTPException(
                503, app.state.knowledge.error or "The knowledge index is still loading."
            )
        return service

    app.include_router(build_router(get_service, require_editor, current_user))
