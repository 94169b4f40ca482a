"""The copilot's reply tools as one optional part of the hub: canned replies, smart
replies and the learner that re-ranks suggestions from agents' feedback.

Usage: listed in ``bot.extensions`` after ``bot.assist``; the hub calls ``install(app)``
when it builds the app.
"""

from __future__ import annotations

from fastapi import FastAPI

from bot.copilot.canned_routes import router as canned_router
from bot.copilot.feedback import Learner
from bot.copilot.smart_routes import router as smart_router


def install(app: FastAPI) -> None:
    hub = app.state.hub
    settings = hub.settings
    learner = Learner(
        hub.db,
        weight=settings.suggestion_learning_weight,
        enabled=settings.suggestion_learning,
        refresh_s=settings.suggestion_learning_refresh_s,
    )
    app.state.suggestion_learner = learner
    assist = getattr(app.state, "assist", None)
    if assist is not None and settings.suggestion_learning:
        assist.rerank = learner.rerank
    app.include_router(canned_router)
    app.include_router(smart_router)
