"""Panel sessions live in the database and end when they should: sign-out, a password
change, a supervisor's "sign out everywhere", the idle and absolute limits; an open agent
websocket closes with a reason when its session ends."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from websockets.exceptions import ConnectionClosed

from tests.security.panel.helpers import (
    agent_socket,
    cookie_header,
    execute,
    rows,
    sign_in,
    with_cookie,
)
from tests.support.stack import DEMO_PASSWORD, HubProcess

NEW_PASSWORD = "a-new-and-long-password-42"


def _sql_time(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def test_a_cookie_copied_before_sign_out_no_longer_works(hub: HubProcess) -> None:
    agent = sign_in(hub, "linh")
    stolen = with_cookie(hub, cookie_header(agent))
    assert stolen.get("/api/queue").status_code == 200

    assert agent.post("/api/auth/logout").status_code == 200

    assert stolen.get("/api/queue").status_code == 401
    assert stolen.get("/api/auth/me").status_code == 401
    assert agent.get("/api/auth/me").status_code == 401


def test_the_cookie_is_a_random_token_stored_only_as_a_hash(hub: HubProcess) -> None:
    agent = sign_in(hub, "linh")
    token = agent.cookies["tandem_session"]
    assert len(token) >= 40  # 32 random bytes, url-safe
    stored = rows(hub, "SELECT token_hash, revoked_at FROM agent_sessions")
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(), None)]
    assert not rows(hub, "SELECT 1 FROM agent_sessions WHERE token_hash = ?", token)


def test_a_password_change_ends_every_session_and_keeps_this_browser_signed_in(
    hub: HubProcess,
) -> None:
    here, laptop = sign_in(hub, "linh"), sign_in(hub, "linh")
    old_token = here.cookies["tandem_session"]

    wrong = here.post(
        "/api/auth/password",
        json={"current_password": "not-my-password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 403
    assert laptop.get("/api/auth/me").status_code == 200  # nothing changed yet

    changed = here.post(
        "/api/auth/password",
        json={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    assert laptop.get("/api/auth/me").status_code == 401
    assert with_cookie(hub, f"tandem_session={old_token}").get("/api/auth/me").status_code == 401

    # This browser got a new session and a new CSRF token, and works with them.
    assert here.cookies["tandem_session"] != old_token
    here.headers["X-CSRF-Token"] = changed.json()["csrf_token"]
    assert here.get("/api/auth/me").json()["csrf_token"] == changed.json()["csrf_token"]
    assert here.post("/api/agents/me/status", json={"online": False}).status_code == 200

    assert (
        here.post(
            "/api/auth/login", json={"username": "linh", "password": DEMO_PASSWORD}
        ).status_code
        == 401
    )
    sign_in(hub, "linh", NEW_PASSWORD)


def test_a_short_new_password_is_refused(hub: HubProcess) -> None:
    agent = sign_in(hub, "linh")
    short = agent.post(
        "/api/auth/password", json={"current_password": DEMO_PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 422
    assert agent.get("/api/auth/me").status_code == 200


def test_a_supervisor_signs_one_person_or_everyone_out_everywhere(hub: HubProcess) -> None:
    desk, phone, editor = sign_in(hub, "linh"), sign_in(hub, "linh"), sign_in(hub, "ha")
    supervisor = sign_in(hub, "quan")

    assert desk.post("/api/users/ha/sessions/revoke").status_code == 403
    assert editor.post("/api/sessions/revoke").status_code == 403
    listed = {u["username"]: u["sessions"] for u in supervisor.get("/api/sessions").json()["users"]}
    assert listed == {"linh": 2, "ha": 1, "quan": 1}

    ended = supervisor.post("/api/users/linh/sessions/revoke")
    assert ended.status_code == 200 and ended.json() == {"ended": 2}
    assert desk.get("/api/queue").status_code == 401
    assert phone.get("/api/queue").status_code == 401
    assert editor.get("/api/auth/me").status_code == 200
    assert supervisor.post("/api/users/nobody/sessions/revoke").status_code == 404

    everyone = supervisor.post("/api/sessions/revoke")
    assert everyone.status_code == 200 and everyone.json() == {"ended": 1}
    assert editor.get("/api/auth/me").status_code == 401
    assert supervisor.get("/api/auth/me").status_code == 200  # the supervisor's own browser stays


def test_sessions_end_after_the_idle_timeout_and_the_absolute_lifetime(hub: HubProcess) -> None:
    idle, old = sign_in(hub, "linh"), sign_in(hub, "quan")
    now = datetime.now(timezone.utc)
    # Default limits: one idle hour, twelve hours in all. Age the rows instead of waiting.
    idle_hash = hashlib.sha256(idle.cookies["tandem_session"].encode()).hexdigest()
    old_hash = hashlib.sha256(old.cookies["tandem_session"].encode()).hexdigest()
    execute(
        hub,
        "UPDATE agent_sessions SET last_seen_at = ? WHERE token_hash = ?",
        _sql_time(now - timedelta(minutes=61)),
        idle_hash,
    )
    execute(
        hub,
        "UPDATE agent_sessions SET created_at = ? WHERE token_hash = ?",
        _sql_time(now - timedelta(hours=12, minutes=1)),
        old_hash,
    )
    assert idle.get("/api/queue").status_code == 401
    assert old.get("/api/queue").status_code == 401
    reasons = dict(rows(hub, "SELECT token_hash, revoked_reason FROM agent_sessions"))
    assert reasons == {idle_hash: "idle", old_hash: "expired"}


def test_limits_are_settings(start_hub: Callable[..., HubProcess]) -> None:
    hub = start_hub(session_idle_timeout_s="120")
    agent = sign_in(hub, "linh")
    execute(
        hub,
        "UPDATE agent_sessions SET last_seen_at = ?",
        _sql_time(datetime.now(timezone.utc) - timedelta(minutes=3)),
    )
    assert agent.get("/api/auth/me").status_code == 401


def _close_of(ws: object) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=20)  # type: ignore[attr-defined]
    assert closed.value.rcvd is not None, "the hub closed the socket without a close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_signing_out_closes_the_open_websocket_with_a_reason(hub: HubProcess) -> None:
    agent = sign_in(hub, "linh")
    with agent_socket(hub, agent) as ws:
        agent.post("/api/auth/logout").raise_for_status()
        code, reason = _close_of(ws)
    assert code == 4401
    assert "signed_out" in reason


def test_a_session_ended_by_another_process_closes_the_websocket(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub(session_recheck_s="0.5")
    agent = sign_in(hub, "linh")
    with agent_socket(hub, agent) as ws:
        # Another hub process revoked it: nothing is published in this one.
        execute(
            hub,
            "UPDATE agent_sessions SET revoked_at = ?, revoked_reason = 'revoked_by_supervisor'",
            _sql_time(datetime.now(timezone.utc)),
        )
        code, reason = _close_of(ws)
    assert code == 4401
    assert "revoked_by_supervisor" in reason


def test_a_supervisor_revocation_closes_that_persons_websocket(hub: HubProcess) -> None:
    agent, supervisor = sign_in(hub, "linh"), sign_in(hub, "quan")
    with agent_socket(hub, agent) as ws:
        supervisor.post("/api/users/linh/sessions/revoke").raise_for_status()
        code, reason = _close_of(ws)
    assert code == 4401 and "revoked_by_supervisor" in reason
