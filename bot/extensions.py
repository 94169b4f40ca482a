"""Optional parts of the hub (Telegram, Zalo and Messenger channels, agent panel,
knowledge API, widget assets).

Each part exposes ``install(app, wiring)`` (``bot.wiring``); this module is the one list
of them.
"""

from __future__ import annotations

import importlib
import logging

from fastapi import FastAPI

from bot.wiring import Wiring

log = logging.getLogger(__name__)

PARTS = (
    "bot.api.errors",
    "bot.channels.telegram",
    "bot.channels.zalo",
    "bot.channels.messenger",
    "bot.channels.widget_assets",
    "bot.panel",
    "bot.kb.mount",
    "bot.assist",
    "bot.copilot.replies",
    "bot.copilot.routes",
    "bot.reporting.setup",
    "bot.api.identity_lockouts",
)


def install(app: FastAPI, wiring: Wiring) -> None:
    for name in PARTS:
        importlib.import_module(name).install(app, wiring)
