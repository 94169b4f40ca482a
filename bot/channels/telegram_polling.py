"""Run the hub with the Telegram channel in polling mode, for local development.

Usage:
    TANDEM_TELEGRAM_TOKEN=123456:ABC... .venv/bin/python -m bot.channels.telegram_polling

The bot polls Telegram with getUpdates (python-telegram-bot's Updater), so no public address
is needed. It runs inside the hub process rather than on its own: agent replies sent from
the panel are delivered by the hub, so the bot must live where the hub lives.
"""

from __future__ import annotations

import logging
import os
import sys

import uvicorn

from bot.config.settings import get_settings


def main() -> None:
    os.environ["TANDEM_TELEGRAM_MODE"] = "polling"
    get_settings.cache_clear()
    settings = get_settings()
    if not settings.telegram_token:
        sys.exit("Set TANDEM_TELEGRAM_TOKEN to the bot token from @BotFather.")
    log_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=logging.INFO, format=log_format)
    # uvicorn builds the app from its factory's import path: a channel does not import the
    # application that contains it (tests/test_layering.py). The app reads the same
    # settings, polling mode included, from the environment set above.
    uvicorn.run("bot.app:create_app", factory=True, host=settings.hub_host, port=settings.hub_port)


if __name__ == "__main__":
    main()
