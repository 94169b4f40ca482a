"""Load the fictional demo customers and panel accounts into the database."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Application, Card, Conversation, Customer, Message, User
from bot.store.times import utc_now

DEMO_DATA = Path(__file__).with_name("demo_data.yaml")


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load_demo_data(path: Path = DEMO_DATA) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


async def seed_customers(session: AsyncSession, data: dict[str, Any]) -> int:
    """Insert or refresh the demo customers, their cards, applications and past conversations."""
    now = utc_now()
    for raw in data["customers"]:
        cid = raw["id"]
        await session.execute(delete(Card).where(Card.customer_id == cid))
        await session.execute(delete(Application).where(Application.customer_id == cid))
        customer = await session.get(Customer, cid) or Customer(id=cid)
        customer.name = raw["name"]
        customer.dob = _date(raw["dob"])  # type: ignore[assignment]
        customer.phone = raw["phone"]
        customer.language = raw.get("language", "vi")
        customer.customer_since = _date(raw["customer_since"])  # type: ignore[assignment]
        customer.segment = raw.get("segment", "mass")
        customer.products = list(raw.get("products", []))
        customer.spend = {str(k): v for k, v in (raw.get("spend") or {}).items()}
        session.add(customer)
        for card in raw.get("cards", []):
            session.add(
                Card(
                    customer_id=cid,
                    last4=card["last4"],
                    product=card["product"],
                    kind=card.get("kind", "credit"),
                    status=card.get("status", "active"),
                    payment_due_date=_date(card.get("payment_due_date")),
                    statement_balance=card.get("statement_balance"),
                    minimum_payment=card.get("minimum_payment"),
                )
            )
        for app in raw.get("applications", []):
            session.add(
                Application(
                    customer_id=cid,
                    product=app["product"],
                    status=app["status"],
                    submitted_at=_date(app["submitted_at"]),
                )
            )
        existing = await session.scalar(
            select(Conversation.id).where(
                Conversation.customer_id == cid, Conversation.channel_key == f"history-{cid}"
            )
        )
        if existing is None:
            for item in raw.get("history", []):
                started = now - timedelta(days=item["days_ago"])
                conv = Conversation(
                    channel="web",
                    channel_key=f"history-{cid}",
                    customer_id=cid,
                    language=customer.language,
                    state="closed",
                    resolution_code=item["code"],
                    csat=item.get("csat"),
                    nps=item.get("nps"),
                    created_at=started,
                    resolved_at=started + timedelta(minutes=9),
                    next_seq=2,
                    context={"summary": item.get("summary", "")},
                )
                session.add(conv)
                await session.flush()
                session.add(
                    Message(
                        conversation_id=conv.id,
                        seq=1,
                        direction="in",
                        sender="customer",
                        channel="web",
                        text=item.get("summary", ""),
                        created_at=started,
                    )
                )
    await session.commit()
    return len(data["customers"])


async def seed_users(
    session: AsyncSession,
    data: dict[str, Any],
    password: str | None = None,
    *,
    hash_password: Callable[[str], str],
) -> dict[str, str]:
    """Create or reset the demo panel accounts. Returns username -> password.

    The caller passes the sign-in code's hasher (bot.access.passwords.hash_password): the store
    keeps the hash and imports nothing above it."""
    password = password or secrets.token_urlsafe(9)
    credentials: dict[str, str] = {}
    for raw in data["users"]:
        user = await session.scalar(select(User).where(User.username == raw["username"]))
        if user is None:
            user = User(username=raw["username"])
            session.add(user)
        user.display_name = raw["display_name"]
        user.role = raw["role"]
        user.team = raw.get("team", "cards")
        user.password_hash = hash_password(password)
        credentials[raw["username"]] = password
    await session.commit()
    return credentials
