"""Rasa's tracker id for a hub conversation, built and read in one place.

The id is ``c<conversation id>-<creation time in ms>-<episode>``. The creation time makes it
unique beyond this database, so a reset hub never lands on an old (perhaps paused) tracker
in Rasa's store; the episode starts a fresh tracker when a conversation returns to the bot.
What the action server sends back (the internal API's ``sender_id``) is read with ``parse``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.store.models import Conversation

_FORMAT = re.compile(r"c(\d+)-(\d+)-(\d+)")


@dataclass(frozen=True)
class RasaSender:
    conversation_id: int
    created_ms: int
    episode: int

    def __str__(self) -> str:
        return f"c{self.conversation_id}-{self.created_ms}-{self.episode}"

    @classmethod
    def of(cls, conv: Conversation) -> RasaSender:
        created = conv.created_at.replace(tzinfo=None) if conv.created_at else None
        stamp = int(created.timestamp() * 1000) if created else 0
        return cls(conv.id, stamp, conv.rasa_episode)

    @classmethod
    def parse(cls, sender_id: str | None) -> RasaSender | None:
        """The sender a tracker id names, or None for anything else (a test's own id)."""
        match = _FORMAT.fullmatch(sender_id or "")
        if match is None:
            return None
        return cls(*(int(part) for part in match.groups()))


def sender_conversation(sender_id: str | None) -> int | None:
    """The hub conversation a tracker id belongs to, if it is one of the hub's."""
    sender = RasaSender.parse(sender_id)
    return sender.conversation_id if sender else None
