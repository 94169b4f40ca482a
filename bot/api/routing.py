"""Routing API: an agent declines an offer; a supervisor sees each agent's capacity, load,
offers and missed offers, and sets their capacity and skills (bot.handoff.routing)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field, StringConstraints

from bot.access.auth import require_agent, require_supervisor
from bot.access.deps import BrokerDep, CoreDep, DatabaseDep, SettingsDep
from bot.api.agent_schemas import RoutingAgentOut, RoutingAgentsOut
from bot.api.params import DbId
from bot.api.schemas import ConversationOut
from bot.config.settings import Settings
from bot.handoff import dispatch, routing
from bot.realtime import events
from bot.store.db import Database
from bot.store.models import User
from bot.store.serialize import conversation_json
from bot.store.times import iso, utc_now

router = APIRouter(tags=["routing"])

Skill = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z_]+$")
]


@router.post("/conversations/{conv_id}/decline", response_model=ConversationOut)
async def decline(
    conv_id: DbId, core: CoreDep, user: User = Depends(require_agent)
) -> dict[str, Any]:
    """Decline an offer: it goes to the next eligible agent (and back to this one only
    after the cool-down)."""
    try:
        conv = await dispatch.decline(core, conv_id, user)
    except LookupError as exc:
        raise HTTPException(404, f"Conversation {conv_id} does not exist.") from exc
    except PermissionError as exc:
        raise HTTPException(409, str(exc)) from exc
    return conversation_json(conv)


async def agents_json(db: Database, settings: Settings) -> list[dict[str, Any]]:
    now = utc_now()
    rules = routing.Rules.from_settings(settings)
    async with db.session() as session:
        _, agents, users = await dispatch.snapshot(session, settings, now)
        await session.commit()
    out = []
    for agent in sorted(agents, key=lambda a: a.id):
        user = users[agent.id]
        out.append(
            {
                "id": user.id,
                "username": user.username,
                "name": user.display_name,
                "team": user.team,
                "present": agent.present,
                "capacity": routing.capacity_of(agent, rules),
                "capacity_set": user.capacity,  # null: the default setting
                "skills": sorted(user.skills) if user.skills is not None else None,
                "load": agent.load,
                "offers": agent.offers,
                "missed_offers": user.missed_offers or 0,
                "last_offer_at": iso(user.last_offer_at),
            }
        )
    return out


@router.get("/routing/agents", response_model=RoutingAgentsOut)
async def list_agents(
    db: DatabaseDep, settings: SettingsDep, user: User = Depends(require_supervisor)
) -> dict[str, Any]:
    return {
        "agents": await agents_json(db, settings),
        "default_capacity": settings.routing_default_capacity,
        "skills": sorted({routing.GENERAL, *settings.routing_reason_skills.values()}),
    }


class RoutingIn(BaseModel):
    # Null capacity: the default setting. Null skills: every skill.
    capacity: int | None = Field(default=None, ge=1, le=20)
    skills: list[Skill] | None = Field(default=None, max_length=20)


@router.put("/routing/agents/{user_id}", response_model=RoutingAgentOut)
async def set_agent(
    user_id: DbId,
    body: RoutingIn,
    core: CoreDep,
    db: DatabaseDep,
    settings: SettingsDep,
    broker: BrokerDep,
    user: User = Depends(require_supervisor),
) -> dict[str, Any]:
    async with db.session() as session:
        agent = await session.get(User, user_id)
        if agent is None or agent.role != "agent":
            raise HTTPException(404, f"No agent with id {user_id}.")
        agent.capacity = body.capacity
        agent.skills = sorted(set(body.skills)) if body.skills is not None else None
        await session.commit()
        # More capacity or a new skill may let a waiting conversation be offered now.
        await dispatch.auto_assign(core, session)
    events.publish(
        broker, events.SUPERVISORS, events.RoutingFrame(type="routing", agent_id=user_id)
    )
    return next(a for a in await agents_json(db, settings) if a["id"] == user_id)
