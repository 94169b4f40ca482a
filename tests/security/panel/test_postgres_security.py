"""Sessions and sign-in throttling on a real PostgreSQL server: the throttle's upserts and
atomic counters, and session revocation, work there as on SQLite."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.security.panel.helpers import cookie_header, sign_in, with_cookie
from tests.support.stack import DEMO_PASSWORD, HubProcess

pytestmark = pytest.mark.postgres


def test_sessions_and_throttling_on_postgres(
    start_hub: Callable[..., HubProcess], postgres_url: str
) -> None:
    hub = start_hub(
        database_url=postgres_url,
        signin_free_failures="3",
        signin_lockout_failures="3",
        signin_base_delay_s="0",
    )
    agent = sign_in(hub, "linh")
    copy = with_cookie(hub, cookie_header(agent))
    agent.post("/api/auth/logout").raise_for_status()
    assert copy.get("/api/auth/me").status_code == 401

    login = {"username": "minh", "password": "wrong"}
    # Generous timeouts: each wrong password costs an Argon2 verification, slow on a busy
    # machine (httpx's default of 5 s is not enough there).
    statuses = [
        httpx.post(f"{hub.url}/api/auth/login", json=login, timeout=60).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    right = {"username": "minh", "password": DEMO_PASSWORD}
    assert httpx.post(f"{hub.url}/api/auth/login", json=right, timeout=60).status_code == 429
    supervisor = sign_in(hub, "quan")
    assert [a["kind"] for a in supervisor.get("/api/alerts").json()["alerts"]] == ["brute_force"]
