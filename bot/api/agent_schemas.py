"""What the agent API (bot/api/agent.py) and the routing API (bot/api/routing.py) answer,
declared so that /openapi.json and the panel (bot/panel/static/queue.js, conversation.js,
supervisor.js, routing.js) read one shape. Conversations, messages and call-backs are the
shared shapes of ``bot.api.schemas``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.api.schemas import CallbackOut, ConversationOut, MessageOut


class StatusOut(BaseModel):
    online: bool


class QueuedConversationOut(ConversationOut):
    """A waiting conversation, with its place in the order routing offers them (1 first)."""

    position: int


class QueueOut(BaseModel):
    waiting: list[QueuedConversationOut]  # in routing's order: panels never re-sort it
    mine: list[ConversationOut]  # assigned to the caller
    assigned: list[ConversationOut]  # assigned to anyone


class ConversationEventOut(BaseModel):
    """One line of a conversation's audit trail (a ``ConversationEvent`` row)."""

    # "from" is a Python keyword: the field reads and writes the key through its alias.
    model_config = ConfigDict(populate_by_name=True)

    kind: str
    from_: str | None = Field(alias="from")
    to: str | None
    actor: str | None
    note: str | None
    at: str


class ConversationDetailOut(BaseModel):
    conversation: ConversationOut
    messages: list[MessageOut]
    events: list[ConversationEventOut]


class CallbackListOut(BaseModel):
    callbacks: list[CallbackOut]


class AlertOut(BaseModel):
    """A staff alert (an ``Alert`` row); it names what it is about."""

    id: int
    kind: str
    text: str
    conversation_id: int | None
    callback_id: int | None
    created_at: str


class AlertListOut(BaseModel):
    alerts: list[AlertOut]  # newest first, the last 200


class MetricsOut(BaseModel):
    """``bot.reporting.metrics.service_metrics``: times in seconds, None when nothing was
    measured."""

    days: int
    conversations: int
    handed_off: int
    first_response_s_median: float | None
    response_s_median: float | None
    response_s_mean: float | None
    handling_s_median: float | None
    csat_mean: float | None
    csat_responses: int
    nps: int | None
    nps_responses: int


class RoutingAgentOut(BaseModel):
    """An agent as routing sees them (``bot.api.routing.agents_json``)."""

    id: int
    username: str
    name: str
    team: str
    present: bool
    capacity: int  # in effect: the agent's own, or the default
    capacity_set: int | None  # None: the default setting
    skills: list[str] | None  # None: every skill
    load: int  # open conversations, offers included
    offers: int  # unacknowledged offers
    missed_offers: int
    last_offer_at: str | None


class RoutingAgentsOut(BaseModel):
    agents: list[RoutingAgentOut]
    default_capacity: int
    skills: list[str]  # the skills a supervisor may give
