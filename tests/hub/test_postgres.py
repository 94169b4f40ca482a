"""The hub on a real PostgreSQL server (the URL comes from scripts/test_services.sh)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.support.clients import Agent, Customer
from tests.support.races import RACE_LIMITS, customer_and_agent_race

pytestmark = pytest.mark.postgres


def test_hub_on_postgres_stores_routes_and_survives_restart(start_hub, postgres_url: str) -> None:
    hub = start_hub(database_url=postgres_url)
    customer = Customer(hub.url)
    first = customer.say("Tôi bị mất thẻ", client_id="pg-1").json()
    assert customer.say("Tôi bị mất thẻ", client_id="pg-1").json()["duplicate"] is True
    agent = Agent(hub.url)
    conv_id = first["conversation_id"]
    agent.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    agent.post(
        f"/api/conversations/{conv_id}/messages", text="Em khoá thẻ giúp anh ngay."
    ).raise_for_status()
    hub.restart()
    texts = customer.texts()
    assert texts[0] == ("customer", "Tôi bị mất thẻ")
    assert texts[-1] == ("agent", "Em khoá thẻ giúp anh ngay.")
    assert sum(1 for s, t in texts if t == "Tôi bị mất thẻ") == 1


def test_racing_customer_and_agent_on_postgres(start_hub, postgres_url: str) -> None:
    """Row locks and SKIP LOCKED claims instead of SQLite's single writer."""
    hub = start_hub(database_url=postgres_url, **RACE_LIMITS)
    conv_id = customer_and_agent_race(hub.url)
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            pending = conn.execute(
                text("SELECT count(*) FROM work_items WHERE conversation_id=:c AND status!='done'"),
                {"c": conv_id},
            ).scalar()
    finally:
        engine.dispose()
    assert pending == 0
