"""What the soak reads back from the hub's database after a run, and how it counts:
stored, lost, duplicated, answered, hand-offs by reason, notices, per channel."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import yaml
from soak_clients import Sent


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def read_store(database_url: str) -> dict[str, list[dict[str, Any]]]:
    """Customer messages, outbound messages and hand-offs from the hub's database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    queries = {
        "inbound": "SELECT id, conversation_id, seq, channel, channel_message_id, created_at "
        "FROM messages WHERE sender = 'customer'",
        "outbound": "SELECT id, conversation_id, seq, sender, reply_to, text "
        "FROM messages WHERE direction = 'out'",
        "handoffs": "SELECT conversation_id, note, created_at FROM conversation_events "
        "WHERE kind = 'state' AND to_state = 'waiting'",
        # Conversations given back to the bot when it recovered (bot.pipeline.router).
        "returns": "SELECT conversation_id, created_at FROM conversation_events "
        "WHERE kind = 'state' AND to_state = 'bot' AND note = 'bot is back'",
    }
    try:
        with engine.connect() as conn:
            return {
                name: [dict(row._mapping) for row in conn.execute(text(sql))]
                for name, sql in queries.items()
            }
    finally:
        engine.dispose()


def store_report(store: dict[str, list[dict[str, Any]]], records: list[Sent]) -> dict[str, Any]:
    """The clients' records against what the hub stored (``read_store``)."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for row in store["inbound"]:
        # Widget ids are stored as "<thread>:<client id>", Telegram's as the update id.
        key = (row["channel_message_id"] or "").rsplit(":", 1)[-1]
        by_key.setdefault(key, []).append(row)
    replied = {row["reply_to"] for row in store["outbound"] if row["reply_to"] is not None}
    # A notice from the hub answers a message only while people own the conversation.
    answered_by = {
        row["reply_to"]
        for row in store["outbound"]
        if row["reply_to"] is not None and row["sender"] in ("bot", "agent")
    }
    returned: dict[int, list[float]] = {}
    for row in store["returns"]:
        returned.setdefault(row["conversation_id"], []).append(_timestamp(row["created_at"]))
    agent_seq: dict[int, int] = {}
    for row in store["outbound"]:
        if row["sender"] == "agent":
            cid = row["conversation_id"]
            agent_seq[cid] = max(agent_seq.get(cid, 0), row["seq"])
    counts = {"sent": 0, "acked": 0, "stored": 0, "lost": 0, "duplicated": 0, "answered": 0}
    stored_by_channel: dict[str, int] = {}
    for sent in records:
        counts["sent"] += 1
        counts["acked"] += sent.acked
        rows = by_key.get(sent.key, [])
        if not rows:
            counts["lost"] += sent.acked
            continue
        counts["stored"] += 1
        stored_by_channel[sent.channel] = stored_by_channel.get(sent.channel, 0) + 1
        counts["duplicated"] += len(rows) - 1
        first = min(rows, key=lambda r: r["id"])
        back_to_bot = any(
            at >= _timestamp(first["created_at"])
            for at in returned.get(first["conversation_id"], [])
        )
        noticed = first["id"] in replied and not back_to_bot
        if (
            first["id"] in answered_by
            or noticed
            or agent_seq.get(first["conversation_id"], 0) > first["seq"]
        ):
            counts["answered"] += 1
    counts["unanswered"] = counts["stored"] - counts["answered"]
    counts["handoffs"] = len(store["handoffs"])
    return {**counts, "stored_by_channel": stored_by_channel}


def _timestamp(at: Any) -> float:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=timezone.utc)
    return float(at.timestamp())


# The soak scripts hold FAQ questions, greetings and requests for a person, and no intent in
# them requires a hand-off. A request for a person is handed over as "customer_request", or
# as "form_abandoned" when a form was open (actions/handoff.py gives that reason only to a
# request for a person).
ASKED_REASONS = frozenset({"customer_request", "form_abandoned"})


def handoff_report(store: dict[str, list[dict[str, Any]]], records: list[Sent]) -> dict[str, Any]:
    """Hand-offs by reason, the ones the scripts asked for, and the false ones: every
    hand-off the customer did not ask for, whatever the cause (a bot failure while Rasa
    was killed is one too: the customer still ends up in the queue without asking)."""
    by_reason: dict[str, int] = {}
    for row in store["handoffs"]:
        reason = str(row["note"] or "unknown")
        by_reason[reason] = by_reason.get(reason, 0) + 1
    human = set(yaml.safe_load((Path(__file__).parent / "soak_messages.yaml").read_text())["human"])
    asked_customers = {
        s.customer for s in records if s.acked and s.text in human and s.channel != "raw-rasa"
    }
    # An "asked" reason beyond the requests the scripts made is false too: the label alone
    # cannot make a hand-off the customer did not ask for count as asked.
    asked = sum(n for reason, n in by_reason.items() if reason in ASKED_REASONS)
    false = sum(n for reason, n in by_reason.items() if reason not in ASKED_REASONS)
    false += max(0, asked - len(asked_customers))
    return {
        "handoffs_by_reason": dict(sorted(by_reason.items())),
        "expected_handoffs": len(asked_customers),
        "false_handoffs": false,
    }


def notice_counts(store: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """The hub's notices stored during the run, by kind (bot/i18n/texts.py key)."""
    from soak_clients import notice_kind

    counts: dict[str, int] = {}
    for row in store["outbound"]:
        if row["sender"] in ("bot", "agent"):
            continue
        kind = notice_kind(str(row["text"] or ""))
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def channel_report(records: list[Sent], stored: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Per way in (web-http, web-ws, telegram, zalo, messenger): sent, stored, answered as
    the client saw it, and the bot's first-reply latency with its n."""
    out: dict[str, dict[str, Any]] = {}
    for channel in sorted({s.channel for s in records}):
        mine = [s for s in records if s.channel == channel]
        ms = [s.latency_ms for s in mine if s.latency_ms is not None and s.reply_sender == "bot"]
        out[channel] = {
            "sent": len(mine),
            "stored": stored.get(channel, 0),
            "answered": sum(1 for s in mine if s.acked and s.reply_sender in ("bot", "agent")),
            "p50_ms": percentile(ms, 0.5),
            "p95_ms": percentile(ms, 0.95),
            "n": len(ms),
        }
    return out


def niceness(hub_url: str) -> dict[str, Any]:
    """What the hub asked for and got (GET /healthz), as every benchmark reports it."""
    try:
        return dict(httpx.get(f"{hub_url}/healthz", timeout=10).json().get("niceness") or {})
    except (httpx.HTTPError, ValueError):
        return {}
