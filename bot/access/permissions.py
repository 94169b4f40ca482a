"""Who may do what: the one policy behind the HTTP dependencies (bot.access.auth) and the agent
websocket's actions (bot.api.agent_socket), so a push never shows what a GET refuses."""

from __future__ import annotations

from typing import Protocol

from bot.realtime import events


class Person(Protocol):
    id: int
    role: str


STAFF = frozenset({"agent", "knowledge_manager", "supervisor"})
# The queue, conversations, customers' profiles and call-backs.
CONVERSATION_WORKERS = frozenset({"agent", "supervisor"})
KNOWLEDGE_EDITORS = frozenset({"knowledge_manager", "supervisor"})
SUPERVISORS = frozenset({"supervisor"})


def is_staff(user: Person) -> bool:
    return user.role in STAFF


def can_work_conversations(user: Person) -> bool:
    """The queue and every conversation in it (GET /api/queue, /api/conversations/{id})."""
    return user.role in CONVERSATION_WORKERS


def can_view_conversation(user: Person, conversation_id: int) -> bool:
    """Reading one conversation, over HTTP (``require_agent``) or by watching it live.
    Agents see the whole queue (they pick up each other's transfers), so today the answer
    does not depend on the conversation; a per-team rule would go here, for both."""
    del conversation_id
    return can_work_conversations(user)


def can_link_customer(user: Person, assigned_to: int | None) -> bool:
    """Linking or unlinking a conversation's customer: the agent working it (who has
    checked who the customer is), or a supervisor. Reading the queue is not enough."""
    if can_supervise(user):
        return True
    return can_work_conversations(user) and assigned_to == user.id


def can_supervise(user: Person) -> bool:
    return user.role in SUPERVISORS


def can_edit_knowledge(user: Person) -> bool:
    return user.role in KNOWLEDGE_EDITORS


def live_topics(user: Person) -> list[str]:
    """Broker topics an agent websocket subscribes to, each behind its HTTP twin's check:
    ``agents`` carries queue changes and message texts (GET /api/queue), ``supervisors``
    carries alerts (GET /api/alerts)."""
    topics = [events.user(user.id)]
    if can_work_conversations(user):
        topics.append(events.AGENTS)
    if can_supervise(user):
        topics.append(events.SUPERVISORS)
    return topics
