"""Sign-in resists guessing: growing delays and a lockout per account from one address and
per address, kept in the database (a restarted hub remembers), supervisors alerted; a
guesser elsewhere never locks the owner out, unless many addresses attack one account; an
address spraying usernames leaves bounded state; Argon2 runs in bounded worker threads, and
an unknown username costs the same verification as a real one."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import bot.access.passwords
from bot.access import signin
from bot.access.passwords import PasswordWorker, hash_password
from bot.app import create_app
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.seed import load_demo_data, seed_users
from tandem.settings import Settings
from tests.security.panel.helpers import agent_socket, next_frame, rows, sign_in
from tests.support.stack import DEMO_PASSWORD, HubProcess


def login(hub: HubProcess, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{hub.url}/api/auth/login", json={"username": username, "password": password}, timeout=30
    )


def after_the_delay(hub: HubProcess, username: str, password: str) -> httpx.Response:
    """Retry while the hub answers 429 (a deadline on a condition, not a timing check)."""
    deadline = time.monotonic() + 30
    while True:
        response = login(hub, username, password)
        if response.status_code != 429 or time.monotonic() > deadline:
            return response
        time.sleep(0.25)


def test_wrong_passwords_slow_down_then_lock_the_account(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub(
        signin_free_failures="2",
        signin_lockout_failures="4",
        signin_base_delay_s="2",
        signin_max_delay_s="4",
    )
    supervisor = sign_in(hub, "quan")
    with agent_socket(hub, supervisor) as ws:
        assert login(hub, "linh", "guess-1").status_code == 401
        assert login(hub, "linh", "guess-2").status_code == 401
        slowed = login(hub, "linh", "guess-3")
        assert slowed.status_code == 429
        assert 1 <= int(slowed.headers["Retry-After"]) <= 2
        assert slowed.json()["retry_after"] == int(slowed.headers["Retry-After"])
        assert after_the_delay(hub, "linh", "guess-3").status_code == 401
        assert 1 <= int(login(hub, "linh", "guess-4").headers["Retry-After"]) <= 4  # doubled
        assert after_the_delay(hub, "linh", "guess-4").status_code == 401

        locked = login(hub, "linh", DEMO_PASSWORD)  # the right password, too late
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) > 60  # the lockout window, not a delay
        alert = next_frame(ws, lambda f: f.get("type") == "alert")[-1]
    assert alert["kind"] == "brute_force" and "'linh'" in alert["text"]
    stored = supervisor.get("/api/alerts").json()["alerts"]
    assert [a["kind"] for a in stored] == ["brute_force"]

    # Another account from the same address is not affected.
    sign_in(hub, "minh")
    # The state is in the database: a restarted hub (or another process) keeps the lock.
    assert rows(hub, "SELECT failures FROM signin_throttle WHERE key = 'linh'") == [(4,)]
    hub.restart()
    assert login(hub, "linh", DEMO_PASSWORD).status_code == 429


def test_one_address_guessing_many_accounts_is_locked_out(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub(
        signin_address_free_failures="2",
        signin_address_lockout_failures="3",
        signin_base_delay_s="0",
    )
    supervisor = sign_in(hub, "quan")
    for name in ("admin", "root", "linh"):
        assert after_the_delay(hub, name, "123456").status_code == 401
    refused = login(hub, "minh", DEMO_PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60
    texts = [a["text"] for a in supervisor.get("/api/alerts").json()["alerts"]]
    assert any("address '127.0.0.1'" in text for text in texts), texts


class VerifySpy:
    """Wraps the real Argon2 verification and records where and on what it ran."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, str]] = []
        self.active = 0
        self.most_active = 0
        self._lock = threading.Lock()
        real = bot.access.passwords.verify_password

        def spy(password_hash: str, password: str) -> bool:
            with self._lock:
                self.calls.append((password_hash, threading.current_thread().name))
                self.active += 1
                self.most_active = max(self.most_active, self.active)
            try:
                return real(password_hash, password)
            finally:
                with self._lock:
                    self.active -= 1

        monkeypatch.setattr(bot.access.passwords, "verify_password", spy)


def argon2_parameters(password_hash: str) -> str:
    return password_hash.split("$")[3]  # $argon2id$v=19$m=...,t=...,p=...$salt$hash


async def test_an_unknown_username_goes_through_the_same_verification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    async with db.session() as session:
        await seed_users(session, load_demo_data(), DEMO_PASSWORD, hash_password=hash_password)
    await db.dispose()
    app = create_app(Settings(database_url=url, index_dir=tmp_path / "index"))
    spy = VerifySpy(monkeypatch)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        unknown = await client.post(
            "/api/auth/login", json={"username": "nobody", "password": "guess"}
        )
        known = await client.post("/api/auth/login", json={"username": "linh", "password": "guess"})
    await app.state.wiring.core.db.dispose()

    assert unknown.status_code == known.status_code == 401
    assert unknown.json() == known.json()
    (dummy, dummy_thread), (real, real_thread) = spy.calls
    assert dummy == app.state.wiring.passwords.dummy_hash()
    assert real != dummy
    assert argon2_parameters(dummy) == argon2_parameters(real)  # the same cost
    assert dummy_thread.startswith("argon2") and real_thread.startswith("argon2")
    # Both count as failures the same way, so throttling tells nothing either.
    with sqlite3.connect(tmp_path / "hub.db") as conn:
        throttle = conn.execute(
            "SELECT scope, key, failures FROM signin_throttle ORDER BY scope, key"
        ).fetchall()
    assert throttle == sorted(
        [
            ("account", "linh", 1),
            ("account", "nobody", 1),
            ("address", "198.51.100.7", 2),
            ("pair", signin.Attempt("linh", "198.51.100.7").pair, 1),
            ("pair", signin.Attempt("nobody", "198.51.100.7").pair, 1),
        ]
    )


class InProcessHub:
    """The hub's app in this process, reached from any client address (ASGI transport)."""

    def __init__(self, app: Any, db_path: Path) -> None:
        self.app = app
        self.db_path = db_path

    async def login(self, address: str, username: str, password: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app, client=(address, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return await client.post(
                "/api/auth/login", json={"username": username, "password": password}
            )

    def throttle_rows(self) -> int:
        with sqlite3.connect(self.db_path) as conn:
            return int(conn.execute("SELECT count(*) FROM signin_throttle").fetchone()[0])

    def alerts(self) -> list[str]:
        with sqlite3.connect(self.db_path) as conn:
            return [text for (text,) in conn.execute("SELECT text FROM alerts ORDER BY id")]


@pytest.fixture
async def in_process(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Factory: the app with the given sign-in settings over a fresh demo database."""
    apps: list[Any] = []

    async def make(**settings: Any) -> InProcessHub:
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        async with db.session() as session:
            await seed_users(session, load_demo_data(), DEMO_PASSWORD, hash_password=hash_password)
        await db.dispose()
        app = create_app(Settings(database_url=url, index_dir=tmp_path / "index", **settings))
        apps.append(app)
        return InProcessHub(app, tmp_path / "hub.db")

    yield make
    for app in apps:
        await app.state.wiring.core.db.dispose()
        app.state.wiring.passwords.close()


async def test_a_guesser_elsewhere_does_not_lock_the_owner_out(
    in_process: Callable[..., Any],
) -> None:
    hub = await in_process(signin_base_delay_s=0)
    attacker, owner = "203.0.113.66", "198.51.100.7"
    statuses = [(await hub.login(attacker, "linh", f"guess-{n}")).status_code for n in range(12)]
    assert statuses == [401] * 10 + [429] * 2  # locked out, from the attacker's address
    assert (await hub.login(attacker, "linh", DEMO_PASSWORD)).status_code == 429
    assert (await hub.login(owner, "linh", DEMO_PASSWORD)).status_code == 200
    assert any("'linh' from address '203.0.113.66'" in text for text in hub.alerts())


async def test_an_address_spraying_usernames_leaves_bounded_state(
    in_process: Callable[..., Any],
) -> None:
    hub = await in_process(
        signin_base_delay_s=0, signin_address_free_failures=3, signin_address_lockout_failures=5
    )
    sprayer = "203.0.113.9"
    statuses = [(await hub.login(sprayer, f"user{n}", "123456")).status_code for n in range(40)]
    assert statuses == [401] * 5 + [429] * 35
    # One row for the address, and one per account and per (account, address) for the five
    # attempts it was allowed; the 35 refused ones wrote nothing.
    assert hub.throttle_rows() == 1 + 5 + 5
    # A real and an unknown name get the same answers from a throttled address.
    assert (await hub.login(sprayer, "linh", "123456")).json() == (
        await hub.login(sprayer, "nobody-here", "123456")
    ).json()
    assert hub.throttle_rows() == 11
    # Another address is not affected.
    assert (await hub.login("198.51.100.7", "minh", DEMO_PASSWORD)).status_code == 200


async def test_many_addresses_against_one_account_lock_it_everywhere(
    in_process: Callable[..., Any],
) -> None:
    hub = await in_process(
        signin_base_delay_s=0,
        signin_free_failures=3,
        signin_lockout_failures=3,
        signin_global_lockout_failures=9,
    )
    for host in (1, 2, 3):  # each stops at its own lockout; together they reach the global one
        statuses = [
            (await hub.login(f"203.0.113.{host}", "linh", f"guess-{n}")).status_code
            for n in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
    refused = await hub.login("198.51.100.7", "linh", DEMO_PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60
    assert any("account 'linh' from many addresses" in text for text in hub.alerts())
    # Other accounts are not affected.
    assert (await hub.login("198.51.100.7", "minh", DEMO_PASSWORD)).status_code == 200


async def test_password_work_runs_in_a_bounded_pool_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = VerifySpy(monkeypatch)
    worker = PasswordWorker(concurrency=2)
    stored = await asyncio.to_thread(hash_password, "right")
    try:
        results = await asyncio.gather(
            *[worker.verify(stored, "wrong") for _ in range(5)],
            worker.verify(stored, "right"),
            worker.verify(None, "right"),
        )
    finally:
        worker.close()
    assert results == [False] * 5 + [True, False]
    assert len(spy.calls) == 7
    assert {name.split("_")[0] for _, name in spy.calls} == {"argon2"}
    assert threading.main_thread().name not in {name for _, name in spy.calls}
    assert 1 <= spy.most_active <= 2
