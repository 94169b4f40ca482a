"""Rasa's tracker id for a hub conversation: what the router sends is what the internal API
reads back, and ids that are not the hub's name no conversation."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.pipeline.router import rasa_sender
from bot.pipeline.sender import RasaSender, sender_conversation
from bot.store.models import Conversation


def _conversation(conv_id: int, episode: int) -> Conversation:
    conv = Conversation(channel="web", channel_key="v1", rasa_episode=episode)
    conv.id = conv_id
    conv.created_at = datetime(2026, 12, 6, 9, 0, 0, 123000, tzinfo=timezone.utc)
    return conv


def test_the_id_the_router_sends_reads_back_as_the_same_conversation_and_episode() -> None:
    conv = _conversation(42, 3)
    sent = rasa_sender(conv)
    assert sent == f"c42-{int(conv.created_at.replace(tzinfo=None).timestamp() * 1000)}-3"
    assert RasaSender.parse(sent) == RasaSender.of(conv)
    assert sender_conversation(sent) == 42


def test_a_new_episode_is_a_new_tracker_of_the_same_conversation() -> None:
    first, second = rasa_sender(_conversation(7, 0)), rasa_sender(_conversation(7, 1))
    assert first != second
    assert sender_conversation(first) == sender_conversation(second) == 7


def test_ids_that_are_not_the_hubs_name_no_conversation() -> None:
    for other in (None, "", "c12", "c12-abc-0", "x12-1-0", "c12-1-0-extra", "default", "c-1-0"):
        assert RasaSender.parse(other) is None
        assert sender_conversation(other) is None
