"""What one bot turn came to, as the router reads Rasa's reply: its replies, Rasa down, or
a custom action that could not run (Rasa says so in the reply, nlu/action_results.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The key of the custom message Rasa adds to a turn whose custom action could not run
# (nlu/action_results.py writes it): whatever else the turn said is not an answer.
ACTION_FAILED = "action_failed"


def says_action_failed(reply: dict[str, Any]) -> bool:
    """Whether a reply is that word rather than something for the customer."""
    custom = reply.get("custom")
    return isinstance(custom, dict) and bool(custom.get(ACTION_FAILED))


@dataclass
class BotAnswer:
    replies: list[dict[str, Any]] = field(default_factory=list)
    down: str | None = None  # why Rasa counts as down for this message
    # A custom action of the turn could not run: whatever Rasa said instead (often its
    # generic fallback) is not an answer.
    actions_failed: bool = False

    @classmethod
    def of(cls, replies: list[dict[str, Any]]) -> BotAnswer:
        kept = [r for r in replies if not says_action_failed(r)]
        return cls(replies=kept, actions_failed=len(kept) < len(replies))

    @property
    def may_hand_off(self) -> bool:
        """True when this turn can end with the conversation handed to a person: Rasa
        down, the actions down, a hand-off asked, or no text to send (``_bot_turn``)."""
        return (
            self.down is not None
            or self.actions_failed
            or any(isinstance((r.get("custom") or {}).get("handoff"), dict) for r in self.replies)
            or not any(r.get("text") for r in self.replies)
        )
