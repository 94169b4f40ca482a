"""The realtime topics and frames are declared in one module (bot/realtime/events.py), and a
conversation's event reaches both its open panels and the agents' queue through one
function."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from bot.realtime import events
from bot.realtime.broker import Broker

BOT = Path(__file__).resolve().parents[2] / "bot"
TOPIC_PREFIXES = ("conv:", "user:", "thread:", "session:")
TOPIC_NAMES = {"agents", "supervisors", "knowledge"}
PUBLISHERS = ("publish", "publish_confirmed")


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


def _hand_built_frames(path: Path) -> list[str]:
    """``publish`` calls whose frame is a dict literal instead of a declared frame (a
    ``TypedDict`` of bot.realtime.events, or one of its helpers such as ``alert_frame``)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in PUBLISHERS
            and any(isinstance(arg, ast.Dict) for arg in node.args)
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def _modules() -> list[tuple[str, Path]]:
    return [
        (path.relative_to(BOT.parent).as_posix(), path)
        for path in sorted(BOT.rglob("*.py"))
        if path.relative_to(BOT.parent).as_posix() != "bot/realtime/events.py"
    ]


def test_topics_are_spelled_only_in_bot_events() -> None:
    found = {name: hits for name, path in _modules() if (hits := _hand_typed_topics(path))}
    assert found == {}


def test_frames_are_published_only_as_declared_frames() -> None:
    found = {name: hits for name, path in _modules() if (hits := _hand_built_frames(path))}
    assert found == {}


def test_the_topic_reader_finds_hand_typed_topics(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'broker.publish("agents", {})\nbroker.publish(f"conv:{cid}", {})\n', encoding="utf-8"
    )
    assert len(_hand_typed_topics(sample)) == 2
    assert len(_hand_built_frames(sample)) == 2


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
