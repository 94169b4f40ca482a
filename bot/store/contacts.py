"""Contacts: a customer id that a site vouched for with a valid signature, but that the
hub's records do not hold yet, becomes a customer row with unknown profile fields, so the
conversation can carry the verified id (as Chatwoot creates a contact for an identified
visitor). Agents see the bare id; the bank's records fill it in later."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.models import Customer


async def ensure_contact(db: Database, customer_id: str, language: str | None) -> bool:
    """Create the contact if the id is new; True when one was created."""
    async with db.session() as session:
        if await session.get(Customer, customer_id) is not None:
            return False
        session.add(
            Customer(
                id=customer_id,
                language=language or "vi",
                segment="unknown",
                spend={},
                products=[],
            )
        )
        try:
            await session.commit()
        except IntegrityError:  # another request created it at the same moment
            await session.rollback()
            return False
    return True
