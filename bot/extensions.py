"""Optional parts of the hub (Telegram channel, agent panel, knowledge API, widget assets).

Each part exposes ``install(app)``; this module is the one list of them.
"""

from __future__ import annotations

import importlib
import logging

from fastapi import FastAPI

log = logging.getLogger(__name__)

PARTS = (
    "bot.channels.telegram",
    "bot.channels.widget_assets",
    "bot.panel",
    "bot.knowledge_api",
    "bot.assist",
)


def install(app: FastAPI) -> None:
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # part not present in this build
            raise
        module.install(app)
