"""Text messages to a customer's registered phone (one-time codes).

Usage:
    await send_sms(settings, "0901234567", "...")

With `TANDEM_SMS_URL` set, the message is POSTed as JSON `{"to": phone, "text": text}` to
that HTTP gateway (with `Authorization: Bearer TANDEM_SMS_TOKEN` when a token is set). In
demo mode without a gateway the message goes to the log and to `<var_dir>/sms-outbox.jsonl`,
so whoever runs the demo can read the code. Outside demo mode without a gateway there is
no SMS: `SmsUnavailable`, and the bot offers a person instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx

from bot.config.settings import Settings
from bot.store.times import utc_now

log = logging.getLogger(__name__)

OUTBOX = "sms-outbox.jsonl"


class SmsUnavailable(Exception):
    """No way to send a text: no gateway configured, or the gateway refused it."""


def outbox_path(settings: Settings) -> Path:
    return Path(settings.var_dir) / OUTBOX


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def available(settings: Settings) -> bool:
    return bool(settings.sms_url) or settings.mode == "demo"


async def send_sms(settings: Settings, to: str, text: str) -> None:
    """Send one text; raises SmsUnavailable when it cannot be sent. Call it with no
    database transaction open: the gateway may take seconds."""
    if settings.sms_url:
        headers = {"Authorization": f"Bearer {settings.sms_token}"} if settings.sms_token else {}
        try:
            async with httpx.AsyncClient(timeout=settings.sms_timeout_s) as client:
                response = await client.post(
                    settings.sms_url, json={"to": to, "text": text}, headers=headers
                )
                response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("SMS gateway failed for …%s: %s", to[-3:], exc)
            raise SmsUnavailable(str(exc)) from exc
        return
    if settings.mode != "demo":
        raise SmsUnavailable("no SMS gateway configured (TANDEM_SMS_URL)")
    # Demo only: the message (with its code) is readable by whoever runs the demo.
    log.warning("Demo SMS to %s: %s", to, text)
    line = json.dumps({"to": to, "text": text, "at": utc_now().isoformat()}, ensure_ascii=False)
    await asyncio.to_thread(_append, outbox_path(settings), line)
