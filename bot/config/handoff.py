"""The hand-off settings: urgency rules, customer sentiment, routing and queue waits.

A group of `bot.config.settings.Settings` (which inherits it), read from the same environment
variables (prefix TANDEM_).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class HandoffSettings(BaseSettings):
    # Urgency rules (bot.handoff.urgency): intents and patterns on diacritic-folded text.
    urgent_intents: dict[str, str] = Field(
        default_factory=lambda: {
            "report_lost_card": "lost card",
            "report_fraud": "fraud",
            "cancel_card": "churn risk",
        }
    )
    urgent_patterns: dict[str, str] = Field(
        default_factory=lambda: {
            "fraud": r"\b(lua dao|gian lan|fraud|scam|bi hack|giao dich la|unauthori[sz]ed)\b",
            "lost card": r"\b(mat the|lost (my )?card|stolen card|bi trom)\b",
            "churn risk": r"\b(huy the|dong tai khoan|cancel (my )?card|close (my )?account)\b",
        }
    )
    # Hand-off reasons the bot gives that are urgent by themselves.
    urgent_reasons: dict[str, str] = Field(
        default_factory=lambda: {
            "fraud": "fraud",
            "lost_card": "lost card",
            "churn_risk": "churn risk",
        }
    )
    high_priority_reasons: list[str] = Field(
        default_factory=lambda: ["fallback", "frustration", "complaint", "bot_could_not_act"]
    )
    high_priority_intents: list[str] = Field(
        default_factory=lambda: ["complaint", "express_frustration"]
    )
    urgent_wait_s: float = 600.0
    # Customer sentiment (bot/handoff/mood.py): the lexicon plus a learned model over the
    # offline e5 embedding (bot/copilot/sentiment_model.py, ~15-80 ms of one thread per
    # message, in a worker thread). False: the lexicon alone (about a millisecond).
    sentiment_learned: bool = True
    # Routing (bot/handoff/routing.py): concurrent chats per agent unless a supervisor
    # set theirs; a class's rise per step of waiting (normal -> high -> urgent); the wait
    # before a conversation whose skill nobody present has goes to general agents; how
    # long an agent who missed an offer is not offered that conversation again; how long
    # an away agent's acknowledged but unanswered conversations stay theirs.
    routing_default_capacity: int = Field(default=3, ge=1, le=20)
    routing_ageing_step_s: float = Field(default=300.0, gt=0)
    routing_overflow_after_s: float = Field(default=120.0, ge=0)
    routing_offer_cooldown_s: float = Field(default=120.0, ge=0)
    routing_away_grace_s: float = Field(default=120.0, ge=0)
    # An urgent offer waits this long for acknowledgement (at most ack_timeout_s): with
    # the full minute, every missed urgent offer alone broke the urgent service level.
    routing_urgent_ack_timeout_s: float = Field(default=20.0, gt=0)
    # The skill each hand-off reason (or urgency rule: "lost card" is lost_card) needs;
    # other reasons need "general".
    routing_reason_skills: dict[str, str] = Field(
        default_factory=lambda: {"fraud": "fraud", "churn_risk": "retention", "lost_card": "cards"}
    )
    # Target wait per class; a conversation waiting past it raises a live alert.
    routing_service_level_s: dict[str, float] = Field(
        default_factory=lambda: {"urgent": 60.0, "high": 180.0, "normal": 300.0}
    )
    # A waiting customer is told a new estimate when it moved by this share and a minute.
    routing_estimate_change_share: float = Field(default=0.5, ge=0)
