"""Customers' identity checks cannot be guessed (the real hub, its internal API as the
action server calls it, and real widget conversations).

The attack this answers: a visitor guesses card digits and a birth date, opening a new
widget session whenever the bot's per-conversation limit ends the last one. Now every
check names its target, is throttled per visitor, address and target across sessions, and
a card check alone never shows balances: that needs the signed-in identity or a one-time
code sent to the customer's registered phone.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.access import identity_throttle as identity
from bot.api.widget_identity import sign_customer
from bot.channels import sms
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import IdentityAttempt
from tandem.settings import DEMO_SECRET, Settings
from tests.support.clients import Agent
from tests.support.fake_sms import CODE, FakeSmsGateway
from tests.support.stack import SERVICE_TOKEN, HubProcess

C002_PHONE = "0912345678"  # demo customer C002: card 7305, born 1992-11-02
RIGHT = {"card_last4": "7305", "dob": "1992-11-02"}


@pytest.fixture
def sms_gateway() -> Iterator[FakeSmsGateway]:
    gateway = FakeSmsGateway().start()
    yield gateway
    gateway.stop()


def service(hub: HubProcess) -> httpx.Client:
    return httpx.Client(
        base_url=hub.url, timeout=30, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
    )


def new_conversation(hub: HubProcess, address: str = "127.0.0.1", **identity_: Any) -> str:
    """A new widget session (from the given loopback address) with one message; returns the
    Rasa sender id the action server would see for its conversation."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=hub.url, timeout=30, transport=transport) as widget:
        session = widget.post("/api/widget/session", json={"site": "demo-bank", **identity_})
        assert session.status_code == 200, session.text
        sent = widget.post(
            "/api/widget/messages",
            json={"text": "dư nợ thẻ của tôi bao nhiêu", "client_id": uuid.uuid4().hex},
            headers={"Authorization": f"Bearer {session.json()['token']}"},
        )
        assert sent.status_code == 200, sent.text
        return f"c{sent.json()['conversation_id']}-0-0"


def verify(internal: httpx.Client, sender: str, **fields: str) -> httpx.Response:
    return internal.post("/internal/identity/verify", json={"sender_id": sender, **fields})


def test_a_check_must_name_its_target(start_hub: Callable[..., HubProcess]) -> None:
    hub = start_hub()
    with service(hub) as internal:
        sender = new_conversation(hub)
        # The old behaviour: any customer whose digits and birth date matched.
        assert verify(internal, sender, **RIGHT).status_code == 422
        assert verify(internal, sender, phone="12", **RIGHT).status_code == 422
        assert (
            verify(internal, sender, phone=C002_PHONE, card_last4="7305", dob="x").status_code
            == 422
        )
        # An unknown number and wrong digits for a real one get the same answer.
        unknown = verify(internal, sender, phone="0999999999", **RIGHT)
        wrong = verify(
            internal, new_conversation(hub), phone=C002_PHONE, card_last4="0000", dob="1992-11-02"
        )
        assert unknown.status_code == wrong.status_code == 200
        assert (
            unknown.json()
            == wrong.json()
            == {
                "verified": False,
                "customer_id": None,
                "name": None,
                "level": None,
                "locked": False,
            }
        )
        # Named by the phone in any usual form, the right customer passes the card check.
        right = verify(
            internal, new_conversation(hub, "127.0.0.2"), phone="+84 912 345 678", **RIGHT
        )
        assert right.json()["verified"] is True
        assert right.json()["customer_id"] == "C002" and right.json()["level"] == "card_dob"


def test_guessing_across_new_sessions_is_refused(start_hub: Callable[..., HubProcess]) -> None:
    """The reproduced attack: each guess from a new widget session. After the target's
    free failure and one more, the next check is refused without being made, even with
    the right answer."""
    hub = start_hub()
    with service(hub) as internal:
        outcomes = []
        for last4 in ("1111", "2222", "7305"):
            response = verify(
                internal,
                new_conversation(hub),
                phone=C002_PHONE,
                card_last4=last4,
                dob=RIGHT["dob"],
            )
            outcomes.append(response)
        assert [r.status_code for r in outcomes] == [200, 200, 429]
        assert outcomes[1].json()["verified"] is False
        refused = outcomes[2].json()
        assert refused["verified"] is False and refused["retry_after"] >= 1
        assert int(outcomes[2].headers["Retry-After"]) == refused["retry_after"]
        # Another customer, from the same address and a new session, is not held up.
        other = verify(
            internal, new_conversation(hub), phone="0901234567", card_last4="4821", dob="14/03/1988"
        )
        assert other.json()["verified"] is True


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_lockout_is_seen_and_lifted_by_a_supervisor_only(
    start_hub: Callable[..., HubProcess], request: pytest.FixtureRequest, database: str
) -> None:
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    # No waits between failures, so the lockout comes after 5 of them without a clock.
    hub = start_hub(database_url=url, identity_base_delay_s="0")
    with service(hub) as internal:
        answers = [
            verify(
                internal,
                new_conversation(hub, f"127.0.1.{n}"),
                phone=C002_PHONE,
                card_last4=f"{n:04d}",
                dob=RIGHT["dob"],
            ).json()
            for n in range(1, 6)
        ]
        assert [a["verified"] for a in answers] == [False] * 5
        assert [a["locked"] for a in answers] == [False] * 4 + [True]
        locked = verify(internal, new_conversation(hub, "127.0.2.1"), phone=C002_PHONE, **RIGHT)
        assert locked.status_code == 429 and locked.json()["locked"] is True

        supervisor = Agent(hub.url, "quan")
        listed = supervisor.http.get("/api/reports/identity-lockouts")
        assert listed.status_code == 200, listed.text
        rows = [r for r in listed.json()["lockouts"] if r["scope"] == "customer"]
        assert [(r["customer_id"], r["failures"]) for r in rows] == [("C002", 5)]
        alerts = supervisor.http.get("/api/alerts").json()["alerts"]
        assert any("identity checks" in a["text"] and "C002" in a["text"] for a in alerts)
        for name in ("linh", "ha"):  # an agent, a knowledge manager
            other = Agent(hub.url, name)
            assert other.http.get("/api/reports/identity-lockouts").status_code == 403
            clear = f"/api/reports/identity-lockouts/{rows[0]['id']}/clear"
            assert other.http.post(clear).status_code == 403

        cleared = supervisor.http.post(f"/api/reports/identity-lockouts/{rows[0]['id']}/clear")
        assert cleared.status_code == 200, cleared.text
        assert (
            supervisor.http.post(
                f"/api/reports/identity-lockouts/{rows[0]['id']}/clear"
            ).status_code
            == 404
        )
        alerts = supervisor.http.get("/api/alerts").json()["alerts"]
        assert any(a["text"].startswith("quan lifted the identity lockout") for a in alerts)
        after = verify(internal, new_conversation(hub, "127.0.2.2"), phone=C002_PHONE, **RIGHT)
        assert after.json()["verified"] is True


def test_one_address_is_locked_across_targets(start_hub: Callable[..., HubProcess]) -> None:
    """Guessing many customers from one address: the address scope locks."""
    hub = start_hub(
        identity_base_delay_s="0",
        identity_address_free_failures="2",
        identity_address_lockout_failures="3",
    )
    with service(hub) as internal:
        phones = ("0901234567", "0987654321", "0934567890")
        for phone in phones:
            sender = new_conversation(hub, "127.0.3.9")
            assert (
                verify(
                    internal, sender, phone=phone, card_last4="0000", dob="2000-01-01"
                ).status_code
                == 200
            )
        blocked = verify(internal, new_conversation(hub, "127.0.3.9"), phone=C002_PHONE, **RIGHT)
        assert blocked.status_code == 429 and blocked.json()["locked"] is True
        # The same customer from another address is fine: only the address is locked.
        elsewhere = verify(internal, new_conversation(hub, "127.0.3.10"), phone=C002_PHONE, **RIGHT)
        assert elsewhere.json()["verified"] is True


def test_card_check_blocks_a_card_but_shows_no_balance(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub()
    with service(hub) as internal:
        sender = new_conversation(hub)
        assert verify(internal, sender, phone=C002_PHONE, **RIGHT).json()["level"] == "card_dob"
        account = internal.get("/internal/customers/C002/account", params={"sender_id": sender})
        assert account.status_code == 403
        assert "38900000" not in account.text and "statement_balance" not in account.text
        assert internal.get("/internal/customers/C002/account").status_code == 422
        blocked = internal.post(
            "/internal/cards/block",
            json={"customer_id": "C002", "card_last4": "7305", "reason": "lost"},
        )
        assert blocked.status_code == 200 and blocked.json()["blocked"] is True


def test_signed_in_customer_reads_only_their_own_account(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub()
    with service(hub) as internal:
        signed = new_conversation(
            hub, customer_id="C002", signature=sign_customer(DEMO_SECRET, "C002")
        )
        own = internal.get("/internal/customers/C002/account", params={"sender_id": signed})
        assert own.status_code == 200 and own.json()["cards"][0]["statement_balance"] == 38_900_000
        other = internal.get("/internal/customers/C001/account", params={"sender_id": signed})
        assert other.status_code == 403


def test_one_time_code_unlocks_the_account(
    start_hub: Callable[..., HubProcess], sms_gateway: FakeSmsGateway
) -> None:
    hub = start_hub(sms_url=sms_gateway.url)
    with service(hub) as internal:
        sender = new_conversation(hub)
        # No code before the card check has passed in this conversation.
        assert internal.post("/internal/identity/otp", json={"sender_id": sender}).json() == {
            "sent": False,
            "reason": "not_verified",
            "expires_in": None,
            "tries": None,
        }
        assert verify(internal, sender, phone=C002_PHONE, **RIGHT).json()["verified"] is True
        sent = internal.post("/internal/identity/otp", json={"sender_id": sender}).json()
        assert sent["sent"] is True and sent["tries"] == 3
        code = sms_gateway.wait_code(C002_PHONE)
        wrong = f"{(int(code) + 1) % 10**6:06d}"

        def check(value: str) -> dict[str, Any]:
            response = internal.post(
                "/internal/identity/otp/verify", json={"sender_id": sender, "code": value}
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

        assert check(wrong) == {
            "verified": False,
            "customer_id": None,
            "level": None,
            "reason": "wrong",
            "tries_left": 2,
            "locked": False,
        }
        assert (
            internal.get(
                "/internal/customers/C002/account", params={"sender_id": sender}
            ).status_code
            == 403
        )
        assert check(code)["level"] == "otp"
        account = internal.get("/internal/customers/C002/account", params={"sender_id": sender})
        assert account.status_code == 200
        assert account.json()["cards"][0]["statement_balance"] == 38_900_000
        # A code works once, and only for its own conversation.
        assert check(code)["reason"] == "expired"
        stranger = new_conversation(hub)
        assert (
            internal.get(
                "/internal/customers/C002/account", params={"sender_id": stranger}
            ).status_code
            == 403
        )


def test_wrong_codes_run_out(
    start_hub: Callable[..., HubProcess], sms_gateway: FakeSmsGateway
) -> None:
    hub = start_hub(sms_url=sms_gateway.url, identity_base_delay_s="0")
    with service(hub) as internal:
        sender = new_conversation(hub)
        assert verify(internal, sender, phone=C002_PHONE, **RIGHT).json()["verified"] is True
        assert internal.post("/internal/identity/otp", json={"sender_id": sender}).json()["sent"]
        code = sms_gateway.wait_code(C002_PHONE)
        wrong = f"{(int(code) + 7) % 10**6:06d}"
        results = [
            internal.post(
                "/internal/identity/otp/verify", json={"sender_id": sender, "code": wrong}
            ).json()
            for _ in range(3)
        ]
        assert [r["tries_left"] for r in results] == [2, 1, 0]
        assert results[-1]["reason"] == "expired"
        # The right code no longer works once the tries are used up.
        late = internal.post(
            "/internal/identity/otp/verify", json={"sender_id": sender, "code": code}
        )
        assert late.json()["verified"] is False


def test_demo_mode_without_a_gateway_writes_the_outbox(
    start_hub: Callable[..., HubProcess], tmp_path: Path
) -> None:
    var_dir = tmp_path / "var"
    hub = start_hub(var_dir=str(var_dir))
    with service(hub) as internal:
        sender = new_conversation(hub)
        assert verify(internal, sender, phone=C002_PHONE, **RIGHT).json()["verified"] is True
        assert internal.post("/internal/identity/otp", json={"sender_id": sender}).json()["sent"]
        line = json.loads((var_dir / sms.OUTBOX).read_text(encoding="utf-8").splitlines()[-1])
        assert line["to"] == C002_PHONE
        match = CODE.search(line["text"])
        assert match, line
        code = match.group(1)
        verified = internal.post(
            "/internal/identity/otp/verify", json={"sender_id": sender, "code": code}
        )
        assert verified.json()["level"] == "otp"


def test_no_gateway_outside_demo_mode_means_no_code(tmp_path: Path) -> None:
    settings = Settings(mode="production", var_dir=tmp_path)
    assert not sms.available(settings)
    with pytest.raises(sms.SmsUnavailable):
        asyncio.run(sms.send_sms(settings, C002_PHONE, "code"))
    assert not (tmp_path / sms.OUTBOX).exists()


def test_throttle_rows_expire(tmp_path: Path) -> None:
    """Failures are forgotten after their window, and their rows deleted: the table holds
    only what is still counting."""
    url = f"sqlite:///{tmp_path / 'throttle.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url, identity_window_s=3600, identity_lockout_s=600, identity_base_delay_s=0
    )
    start = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

    async def scenario() -> list[int]:
        db = Database(url)
        counts = []
        try:
            for n in range(5):
                scopes = identity.Scopes(f"web:v{n}", "10.0.0.1", "C002")
                await identity.charge(db, settings, scopes, start)
                await identity.failed(db, settings, scopes, start)
            async with db.session() as session:
                counts.append(await session.scalar(select(func.count(IdentityAttempt.id))))
            # The customer scope is locked; a pass two windows later deletes every row.
            later = start + timedelta(hours=2)
            async with db.session() as session:
                assert [r.key for r in await identity.active_lockouts(session, start)] == ["C002"]
                assert await identity.active_lockouts(session, later) == []
            await identity.charge(db, settings, identity.Scopes("web:new", None, None), later)
            await identity.failed(db, settings, identity.Scopes("web:new", None, None), later)
            async with db.session() as session:
                keys = (await session.scalars(select(IdentityAttempt.key))).all()
                counts.append(len(keys))
                assert keys == ["web:new"]
        finally:
            await db.dispose()
        return counts

    assert asyncio.run(scenario()) == [7, 1]  # 5 visitors + 1 address + 1 customer; then 1
