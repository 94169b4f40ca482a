"""The copilot's reply tools as one optional part of the hub: canned replies, smart
replies and the learner that re-ranks suggestions from agents' feedback.

Usage: listed in ``bot.extensions`` after ``bot.assist``; the hub calls
``install(app, wiring)`` when it builds the app.
"""

from __future__ import annotations

from fastapi import FastAPI

from bot.assist.live import AssistEngine
from bot.copilot.canned_routes import router as canned_router
from bot.copilot.feedback import Learner
from bot.copilot.smart_routes import router as smart_router
from bot.wiring import Wiring


def install(app: FastAPI, wiring: Wiring) -> None:
    settings = wiring.settings
    learner = Learner(
        wiring.core.db,
        weight=settings.suggestion_learning_weight,
        enabled=settings.suggestion_learning,
        refresh_s=settings.suggestion_learning_refresh_s,
    )
    wiring.keep("suggestion_learner", learner)
    assist = wiring.part("assist", AssistEngine)
    if assist is not None and settings.suggestion_learning:
        assist.rerank = learner.rerank
    app.include_router(canned_router)
    app.include_router(smart_router)
