"""How urgent a hand-off is, from why the customer is handed over and what they asked.

Levels as the panel shows them: 2 urgent, 1 high, 0 normal. Urgency comes from these
rules, never from how often a conversation was requeued.
"""

from __future__ import annotations

from collections.abc import Iterable

URGENT, HIGH, NORMAL = 2, 1, 0

# Money is at risk now: fraud and a lost or stolen card go first.
_URGENT_REASONS = frozenset({"fraud"})
_URGENT_INTENTS = frozenset({"report_fraud", "report_lost_card"})
# A customer the bot failed, who is upset, complaining, or about to leave.
_HIGH_REASONS = frozenset({"fallback", "frustration", "bot_unavailable", "complaint", "churn_risk"})
_HIGH_INTENTS = frozenset({"complaint", "cancel_card", "express_frustration"})


def handoff_priority(reason: str | None, intents: Iterable[str] = ()) -> int:
    """The queue priority of a conversation handed over for `reason` after `intents`."""
    seen = set(intents)
    if reason in _URGENT_REASONS or seen & _URGENT_INTENTS:
        return URGENT
    if reason in _HIGH_REASONS or seen & _HIGH_INTENTS:
        return HIGH
    return NORMAL
