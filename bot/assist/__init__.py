"""Agent assist: live answer suggestions, the one offer (cross-sell or retention) with its
churn-risk flag, feedback and outcome recording, and the customer profile for the panel.

Usage: listed in ``bot.extensions``; the hub calls ``install(app, wiring)`` when it builds
the app.
Every customer message then yields, over the agent websocket (topics ``agents`` and
``conv:<id>``)::

    {"type": "suggestions", "conversation_id", "message_id", "suggestions": [top 3]}
    {"type": "offer", "conversation_id", "offer": {...} | None, "churn_risk", "suppressed"}
"""

from __future__ import annotations

from fastapi import FastAPI

from bot.assist.live import AssistEngine
from bot.assist.routes import router
from bot.wiring import Wiring


def install(app: FastAPI, wiring: Wiring) -> None:
    engine = AssistEngine(wiring.core, wiring.knowledge)
    wiring.keep("assist", engine)
    wiring.hub.inbound_hooks.append(engine.on_inbound)

    async def load_rules() -> None:
        # Read at start-up, not import, so a broken rules file stops the hub with its reason.
        engine.rules()

    wiring.startup.append(load_rules)
    app.include_router(router)
