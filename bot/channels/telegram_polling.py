"""Run the hub with the Telegram channel in polling mode, for local development.

Usage:
    TANDEM_TELEGRAM_TOKEN=123456:ABC... .venv/bin/python -m bot.channels.telegram_polling

The bot polls Telegram with getUpdates (python-telegram-bot's Updater), so no public address
is needed. It runs inside the hub process rather than on its own: agent replies sent from
the panel are delivered by the hub, so the bot must live where the hub lives.
"""

from __future__ import annotations

import logging
import sys

import uvicorn

from bot.app import create_app
from tandem.settings import get_settings


def main() -> None:
    settings = get_settings().model_copy(update={"telegram_mode": "polling"})
    if not settings.telegram_token:
        sys.exit("Set TANDEM_TELEGRAM_TOKEN to the bot token from @BotFather.")
    log_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=logging.INFO, format=log_format)
    uvicorn.run(create_app(settings), host=settings.hub_host, port=settings.hub_port)


if __name__ == "__main__":
    main()
