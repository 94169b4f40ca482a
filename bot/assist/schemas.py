"""What the assist API's reads answer (bot/assist/routes.py): the customer card of the
agent panel (``bot.assist.profiles.profile_json``, read by bot/panel/static/profile.js)
and the offer and knowledge-gap reports, declared for /openapi.json."""

from __future__ import annotations

from pydantic import BaseModel

from bot.api.schemas import CallbackOut


class CustomerCardOut(BaseModel):
    id: str
    name: str | None
    segment: str
    tenure_years: float  # 0.0 when the customer's start date is unknown
    language: str
    products: list[str]
    phone: str | None


class SpendOut(BaseModel):
    """``bot.assist.profiles.spend_view``: months in order, each category's amount per
    month (in the months' order) and each category's share of the total."""

    months: list[str]
    categories: dict[str, list[int]]
    shares: dict[str, float]


class PastConversationOut(BaseModel):
    id: int
    created_at: str | None
    resolution_code: str | None
    csat: int | None
    summary: str  # empty when none was made


class CsatPointOut(BaseModel):
    at: str | None
    score: int


class ProfileOut(BaseModel):
    customer: CustomerCardOut
    spend: SpendOut
    conversations: list[PastConversationOut]  # newest first, the last 50
    callbacks: list[CallbackOut]  # the scheduled ones, soonest first
    csat: list[CsatPointOut]  # oldest first
    churn_risk: bool


class OfferRuleOut(BaseModel):
    rule_id: str
    shown: int  # once per conversation, and never fewer than the outcomes recorded
    accepted: int
    declined: int
    not_relevant: int
    acceptance_rate: float | None  # accepted / shown; None when never shown


class OffersReportOut(BaseModel):
    since: str | None
    rules: list[OfferRuleOut]  # by rule id


class WeakAnswerOut(BaseModel):
    """A customer question the knowledge base answered weakly (redacted for the reader)."""

    message_id: int
    query: str
    top_entry_id: str
    top_score: float | None
    weak: bool  # the top suggestion scored under the threshold
    dismissed: bool  # an agent dismissed it
    at: str | None


class KnowledgeGapsReportOut(BaseModel):
    threshold: float
    gaps: list[WeakAnswerOut]  # newest first
