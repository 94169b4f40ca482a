"""The realtime topics are named in one module (bot/events.py), and a conversation's event
reaches both its open panels and the agents' queue through one function."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from bot import events
from bot.realtime import Broker

BOT = Path(__file__).resolve().parents[2] / "bot"
TOPIC_PREFIXES = ("conv:", "user:", "thread:")
TOPIC_NAMES = {"agents", "supervisors"}
# Modules that still spell topics by hand, being rewritten beside this change; each should
# take its topics from bot.events (events.conv, events.user, events.AGENTS, ...).
NOT_YET_MOVED = {
    "bot/handoff/queue.py",
    "bot/handoff/callbacks.py",
    "bot/handoff/dispatch.py",
    "bot/api/agent.py",
    "bot/api/routing.py",
    "bot/pipeline/windows.py",
}


def _hand_typed_topics(path: Path) -> list[str]:
    """String constants that spell a topic: a ``conv:``/``user:``/``thread:`` prefix
    anywhere, or ``"agents"``/``"supervisors"`` as the topic of a ``publish`` call."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(TOPIC_PREFIXES):
                found.append(f"{node.lineno}: {node.value!r}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("publish", "publish_confirmed", "subscribe")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in TOPIC_NAMES
        ):
            found.append(f"{node.lineno}: {node.args[0].value!r}")
    return found


def test_topics_are_spelled_only_in_bot_events() -> None:
    found = {}
    for path in sorted(BOT.rglob("*.py")):
        name = path.relative_to(BOT.parent).as_posix()
        if name == "bot/events.py" or name in NOT_YET_MOVED:
            continue
        if hits := _hand_typed_topics(path):
            found[name] = hits
    assert found == {}


def test_the_topic_reader_finds_hand_typed_topics(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'broker.publish("agents", {})\nbroker.publish(f"conv:{cid}", {})\n', encoding="utf-8"
    )
    assert len(_hand_typed_topics(sample)) == 2


def test_a_conversation_event_reaches_its_panels_and_the_queue() -> None:
    async def scenario() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        broker = Broker()
        async with (
            broker.subscribe(events.conv(7)) as panel,
            broker.subscribe(events.AGENTS) as queue,
        ):
            message = {"id": 1, "conversation_id": 7, "text": "xin chào"}
            events.publish_conversation_event(
                broker,
                7,
                events.message_frame(message),
                agents_frame=events.queued_message_frame(message, "queued"),
            )
            events.publish_conversation_event(
                broker, 7, events.conversation_frame({"id": 7, "state": "queued"})
            )
            return (
                [panel.get_nowait() for _ in range(panel.qsize())],
                [queue.get_nowait() for _ in range(queue.qsize())],
            )

    panel, queue = asyncio.run(scenario())
    assert [f["type"] for f in panel] == ["message", "conversation"]
    assert "state" not in panel[0]
    assert [f["type"] for f in queue] == ["message", "conversation"]
    assert queue[0]["state"] == "queued"
    assert events.conv(7) == "conv:7" and events.user(3) == "user:3"
    assert events.thread("web", "demo-bank:v:abc") == "thread:web:demo-bank:v:abc"
