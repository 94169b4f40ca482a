"""The realtime events the hub pushes to panels and widgets: their topics and frame shapes,
in one place, and the one fan-out of a conversation's event.

Topics (which panel socket hears which is decided in ``bot.access.permissions``):

- ``agents``: every panel that may work conversations (queue changes, new messages,
  suggestions and offers, presence, the bot's health, call-backs);
- ``supervisors``: supervisors' panels (alerts);
- ``conv(id)`` = ``conv:<id>``: the panels that have that conversation open;
- ``user(id)`` = ``user:<id>``: one agent's panels (assignments, their call-backs);
- ``thread(channel, key)`` = ``thread:<channel>:<key>``: the customer's own widget;
- ``session(id)`` = ``session:<id>``: the panel sockets of one signed-in session (told to
  close when it ends);
- ``knowledge``: between hub replicas, not panels: a new knowledge index version to load.

A conversation's event goes to the panels that have it open and to the queue of every
agent, in that order, through ``publish_conversation_event``; the frames below are what the
panel (``bot/panel/static``) and the widget (``bot/static/widget``) read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict

from bot.realtime.broker import Broker

AGENTS = "agents"
SUPERVISORS = "supervisors"
KNOWLEDGE = "knowledge"


def conv(conversation_id: int) -> str:
    return f"conv:{conversation_id}"


def user(user_id: int) -> str:
    return f"user:{user_id}"


def thread(channel: str, channel_key: str) -> str:
    """A customer's thread on a channel; the widget listens on its own."""
    return f"thread:{channel}:{channel_key}"


def session(session_id: int) -> str:
    """One signed-in session's panel sockets: they close when the session ends."""
    return f"session:{session_id}"


class MessageFrame(TypedDict):
    """A stored message (``bot.store.serialize.message_json``)."""

    type: Literal["message"]
    message: dict[str, Any]


class QueuedMessageFrame(MessageFrame):
    """A message as ``agents`` gets it: with the conversation's state, so a queue row
    updates without a second read."""

    state: str


class ConversationFrame(TypedDict):
    """A conversation's new state (``bot.store.serialize.conversation_json``)."""

    type: Literal["conversation"]
    conversation: dict[str, Any]


class TypingFrame(TypedDict):
    type: Literal["typing"]
    sender: str


class SuggestionsFrame(TypedDict):
    """Answers suggested for a customer's message (``bot.assist``)."""

    type: Literal["suggestions"]
    conversation_id: int
    message_id: int
    suggestions: list[dict[str, Any]]


class PresenceFrame(TypedDict):
    type: Literal["presence"]
    user: str
    online: bool


class HealthFrame(TypedDict):
    """The bot's health (``bot.pipeline.health.BotHealth.snapshot``)."""

    type: Literal["health"]
    bot: dict[str, Any]


class AlertFrame(TypedDict):
    """A staff alert (stored as an ``Alert`` row too); it names what it is about."""

    type: Literal["alert"]
    kind: str
    text: str
    conversation_id: NotRequired[int]
    callback_id: NotRequired[int]


class AssignedFrame(TypedDict):
    """To one agent: a conversation is now theirs, or offered to them to acknowledge."""

    type: Literal["assigned"]
    conversation_id: int
    needs_ack: bool


class CallbackFrame(TypedDict):
    """A call-back booked or changed (``bot.store.serialize.callback_json``)."""

    type: Literal["callback"]
    callback: dict[str, Any]


class RoutingFrame(TypedDict):
    """To supervisors: an agent's capacity or skills changed."""

    type: Literal["routing"]
    agent_id: int


class DeliveryRefusedFrame(TypedDict):
    """A reply the platform would refuse (its window closed), with why in both languages."""

    type: Literal["delivery_refused"]
    conversation_id: int
    message_id: int | None
    code: str
    explanation: dict[str, str]


class SessionEndedFrame(TypedDict):
    """To one session's sockets: it was ended (signed out, revoked); they close."""

    type: Literal["session_ended"]
    reason: str


class ResyncFrame(TypedDict):
    """Events may have been missed (the realtime link was lost): re-read over HTTP."""

    type: Literal["resync"]


class KnowledgeVersionFrame(TypedDict):
    """Between replicas: a knowledge manager's change was saved as this index version."""

    type: Literal["knowledge_version"]
    version: int


# An offer frame is {"type": "offer", "conversation_id": id} plus the offer decision's own
# keys (``bot.assist.live.LiveAssist.offer_for``), so it is built by ``offer_frame``.
Frame = Mapping[str, Any]


def message_frame(message: dict[str, Any]) -> MessageFrame:
    return MessageFrame(type="message", message=message)


def queued_message_frame(message: dict[str, Any], state: str) -> QueuedMessageFrame:
    return QueuedMessageFrame(type="message", message=message, state=state)


def conversation_frame(conversation: dict[str, Any]) -> ConversationFrame:
    return ConversationFrame(type="conversation", conversation=conversation)


def alert_frame(
    kind: str, text: str, *, conversation_id: int | None = None, callback_id: int | None = None
) -> AlertFrame:
    frame = AlertFrame(type="alert", kind=kind, text=text)
    if conversation_id is not None:
        frame["conversation_id"] = conversation_id
    if callback_id is not None:
        frame["callback_id"] = callback_id
    return frame


def offer_frame(conversation_id: int, offer: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "offer", "conversation_id": conversation_id, **offer}


def publish(broker: Broker, topic: str, frame: Frame) -> int:
    """Push one frame on one topic; returns how many subscribers got it."""
    return broker.publish(topic, dict(frame))


def publish_conversation_event(
    broker: Broker, conversation_id: int, frame: Frame, *, agents_frame: Frame | None = None
) -> None:
    """A conversation's event, to the panels that have it open and then to every agent's
    queue (``agents_frame`` when the queue gets more, such as a message with the state)."""
    publish(broker, conv(conversation_id), frame)
    publish(broker, AGENTS, agents_frame if agents_frame is not None else frame)
