"""Verified means linked, and linked never means disclosed (the real hub on SQLite, its
internal API as the action server calls it, the panel's API and websocket as agents use
them).

What went wrong: the fraud form verified a customer by card digits and date of birth, yet
the queue showed a guest, the panel no profile, and the agent could not link anyone. Now a
passed check links the conversation, recording how; an agent links or unlinks with a
reason. How the customer is known decides what the bot may disclose: only a site's
signature or a fresh one-time code opens balances, never the card check or an agent's link.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.access.customer_link import bot_customer
from bot.api.widget_identity import sign_customer
from bot.store.migrate import alembic_config, upgrade
from bot.store.models import Conversation
from tandem.settings import DEMO_SECRET
from tests.security.panel.helpers import agent_socket, next_frame
from tests.security.test_identity_checks import (
    C002_PHONE,
    RIGHT,
    new_conversation,
    service,
    verify,
)
from tests.support.clients import Agent, wait_for
from tests.support.fake_sms import FakeSmsGateway
from tests.support.stack import HubProcess

C002_NAME = "Trần Thị Bích"


@pytest.fixture
def sms_gateway() -> Iterator[FakeSmsGateway]:
    gateway = FakeSmsGateway().start()
    yield gateway
    gateway.stop()


def conv_id_of(sender: str) -> int:
    return int(sender[1:].split("-", 1)[0])


def account(internal: httpx.Client, sender: str, customer_id: str = "C002") -> httpx.Response:
    return internal.get(f"/internal/customers/{customer_id}/account", params={"sender_id": sender})


def conversation(agent: Agent, conv_id: int) -> dict[str, Any]:
    return dict(agent.conversation(conv_id)["conversation"])


def events(agent: Agent, conv_id: int, kind: str) -> list[dict[str, Any]]:
    return [e for e in agent.conversation(conv_id)["events"] if e["kind"] == kind]


def waiting(agent: Agent, conv_id: int) -> dict[str, Any] | None:
    """The conversation's card in the waiting queue (Rasa is down in these hubs, so every
    conversation is queued for a person once its first message is routed)."""
    return next((c for c in agent.queue()["waiting"] if c["id"] == conv_id), None)


def test_a_passed_card_check_links_the_conversation_but_shows_no_balance(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub()
    agent = Agent(hub.url)
    with service(hub) as internal:
        sender = new_conversation(hub)
        conv_id = conv_id_of(sender)
        card = wait_for(lambda: waiting(agent, conv_id))
        assert card["customer_id"] is None and card["verified_by"] is None

        with agent_socket(hub, agent.http) as ws:
            assert verify(internal, sender, phone=C002_PHONE, **RIGHT).json()["verified"] is True
            # The panels are told at once: the queue card gets the name, the profile loads.
            pushed = next_frame(
                ws,
                lambda f: (
                    f.get("type") == "conversation"
                    and f["conversation"]["id"] == conv_id
                    and f["conversation"]["customer_id"] == "C002"
                ),
                timeout_s=60,
            )[-1]["conversation"]
        assert pushed["verified_by"] == "card_dob" and pushed["customer_name"] == C002_NAME

        card = waiting(agent, conv_id)
        assert card is not None
        assert (card["customer_id"], card["customer_name"], card["verified_by"]) == (
            "C002",
            C002_NAME,
            "card_dob",
        )
        assert conversation(agent, conv_id)["verified_by"] == "card_dob"
        assert agent.http.get("/api/customers/C002/profile").status_code == 200
        audited = events(agent, conv_id, "customer_verified")
        assert [(e["actor"], e["note"]) for e in audited] == [
            ("bot", "verified by card digits and date of birth")
        ]

        # Linked for the agent's view; the bot still may not disclose balances.
        refused = account(internal, sender)
        assert refused.status_code == 403 and "statement_balance" not in refused.text
        # ...and the customer is not sent to the bot as a signed-in one.
        assert bot_customer(_stored(hub, conv_id)) is None

        # The same check again changes nothing and is not audited twice.
        assert verify(internal, sender, phone=C002_PHONE, **RIGHT).json()["verified"] is True
        assert len(events(agent, conv_id, "customer_verified")) == 1


def _stored(hub: HubProcess, conv_id: int) -> Conversation:
    """How the hub stored the conversation's customer, as the router reads it for Rasa."""
    with sqlite3.connect(hub.workdir / "hub.db") as db:
        row = db.execute(
            "SELECT customer_id, customer_verified_by FROM conversations WHERE id = ?",
            (conv_id,),
        ).fetchone()
    assert row is not None
    return Conversation(customer_id=row[0], customer_verified_by=row[1])


def test_a_one_time_code_links_with_otp_and_an_unlink_takes_it_back(
    start_hub: Callable[..., HubProcess], sms_gateway: FakeSmsGateway
) -> None:
    hub = start_hub(sms_url=sms_gateway.url)
    agent = Agent(hub.url)
    with service(hub) as internal:
        sender = new_conversation(hub)
        conv_id = conv_id_of(sender)
        wait_for(lambda: waiting(agent, conv_id))
        assert verify(internal, sender, phone=C002_PHONE, **RIGHT).json()["verified"] is True
        assert internal.post("/internal/identity/otp", json={"sender_id": sender}).json()["sent"]
        code = sms_gateway.wait_code(C002_PHONE)
        passed = internal.post(
            "/internal/identity/otp/verify", json={"sender_id": sender, "code": code}
        )
        assert passed.json()["level"] == "otp"

        linked = conversation(agent, conv_id)
        assert (linked["customer_id"], linked["verified_by"]) == ("C002", "otp")
        notes = [e["note"] for e in events(agent, conv_id, "customer_verified")]
        assert notes == [
            "verified by card digits and date of birth",
            "verified by one-time code",
        ]
        assert account(internal, sender).status_code == 200

        # The agent doubts the person: unlinking clears the link, its level and what the
        # conversation proved to the bot.
        assert agent.post(f"/api/conversations/{conv_id}/claim").status_code == 200
        unlinked = agent.post(
            f"/api/conversations/{conv_id}/customer/unlink", reason="Giọng nói không khớp"
        )
        assert unlinked.status_code == 200, unlinked.text
        body = unlinked.json()
        assert (body["customer_id"], body["verified_by"], body["customer_name"]) == (
            None,
            None,
            None,
        )
        assert account(internal, sender).status_code == 403
        audited = events(agent, conv_id, "customer_unlinked")
        assert [(e["actor"], e["note"]) for e in audited] == [("linh", "Giọng nói không khớp")]
        # Nothing left to unlink.
        again = agent.post(f"/api/conversations/{conv_id}/customer/unlink", reason="lại")
        assert again.status_code == 409


def test_an_agent_link_needs_a_reason_is_audited_and_opens_nothing_to_the_bot(
    start_hub: Callable[..., HubProcess],
) -> None:
    hub = start_hub()
    linh, minh = Agent(hub.url, "linh"), Agent(hub.url, "minh")
    manager, supervisor = Agent(hub.url, "ha"), Agent(hub.url, "quan")
    with service(hub) as internal:
        sender = new_conversation(hub)
        conv_id = conv_id_of(sender)
        wait_for(lambda: waiting(linh, conv_id))
        link = f"/api/conversations/{conv_id}/customer"
        reason = "Khách đọc đúng số CCCD và địa chỉ qua điện thoại"

        # Nobody links a conversation nobody is working on but a supervisor...
        assert linh.post(link, customer_id="C002", reason=reason).status_code == 403
        assert linh.post(f"/api/conversations/{conv_id}/claim").status_code == 200
        # ...nor one another agent works, nor may a knowledge manager.
        assert minh.post(link, customer_id="C002", reason=reason).status_code == 403
        assert manager.post(link, customer_id="C002", reason=reason).status_code == 403
        assert manager.post(f"{link}/unlink", reason=reason).status_code == 403

        # A reason is required, and bounded; an unknown customer is a clear 404.
        assert linh.post(link, customer_id="C002").status_code == 422
        assert linh.post(link, customer_id="C002", reason=" \n ").status_code == 422
        assert linh.post(link, customer_id="C002", reason="x" * 301).status_code == 422
        assert linh.post(link, customer_id="C999", reason=reason).status_code == 404
        assert (
            linh.post(
                "/api/conversations/2147483000/customer", customer_id="C002", reason=reason
            ).status_code
            == 404
        )
        assert conversation(linh, conv_id)["customer_id"] is None

        linked = linh.post(link, customer_id="C002", reason=reason)
        assert linked.status_code == 200, linked.text
        body = linked.json()
        assert (body["customer_id"], body["customer_name"], body["verified_by"]) == (
            "C002",
            C002_NAME,
            "agent",
        )
        assert (body["linked_by"], body["link_reason"]) == ("linh", reason)
        audited = events(linh, conv_id, "customer_linked")
        assert [(e["actor"], e["note"]) for e in audited] == [("linh", reason)]
        assert linh.post(link, customer_id="C002", reason=reason).status_code == 409

        # An agent's link is for the agent's view: the bot discloses nothing more.
        assert account(internal, sender).status_code == 403
        assert bot_customer(_stored(hub, conv_id)) is None

        # A supervisor may relink a conversation another agent works.
        relinked = supervisor.post(link, customer_id="C003", reason="Nhầm khách, đã gọi lại")
        assert relinked.status_code == 200, relinked.text
        assert (relinked.json()["customer_id"], relinked.json()["linked_by"]) == ("C003", "quan")

        unlinked = linh.post(f"{link}/unlink", reason="Khách không phải chủ thẻ")
        assert unlinked.status_code == 200, unlinked.text
        assert conversation(linh, conv_id)["customer_id"] is None
        assert conversation(linh, conv_id)["verified_by"] is None


def test_a_signed_in_customer_stays_signed_in(start_hub: Callable[..., HubProcess]) -> None:
    """The site's signature is the strongest proof: a card check in chat (for anyone) does
    not lower or replace it, and only it makes the bot treat the customer as signed in."""
    hub = start_hub()
    agent = Agent(hub.url)
    with service(hub) as internal:
        signed = new_conversation(
            hub, customer_id="C002", signature=sign_customer(DEMO_SECRET, "C002")
        )
        conv_id = conv_id_of(signed)
        assert conversation(agent, conv_id)["verified_by"] == "signed"
        assert bot_customer(_stored(hub, conv_id)) == "C002"
        assert verify(internal, signed, customer_id="C002", **RIGHT).json()["verified"] is True
        other = verify(
            internal, signed, phone="0901234567", card_last4="4821", dob="14/03/1988"
        ).json()
        assert other["verified"] is True and other["customer_id"] != "C002"
        after = conversation(agent, conv_id)
        assert (after["customer_id"], after["verified_by"]) == ("C002", "signed")
        assert events(agent, conv_id, "customer_verified") == []
        assert account(internal, signed).status_code == 200


def test_the_migration_labels_existing_conversations(tmp_path: Path) -> None:
    """Before 0010 a conversation got a customer from a signature or an agent's link, so
    the upgrade labels each exactly; and the revision can be taken back."""
    from alembic import command

    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "0009")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO customers (id, name, language, segment, spend, products) "
            "VALUES ('C002', 'Trần Thị Bích', 'vi', 'mass', '{}', '[]')"
        )
        for conv_id, customer in ((1, "C002"), (2, "C002"), (3, None)):
            db.execute(
                "INSERT INTO conversations (id, channel, channel_key, customer_id, language,"
                " state, priority, team, context, transfer_count, rasa_episode, next_seq,"
                " created_at) VALUES (?, 'web', ?, ?, 'vi', 'bot', 0, 'cards', '{}', 0, 0, 1,"
                " '2026-12-01 00:00:00')",
                (conv_id, f"k{conv_id}", customer),
            )
        db.execute(
            "INSERT INTO conversation_events (conversation_id, kind, actor, data, created_at)"
            " VALUES (2, 'customer_linked', 'linh', '{}', '2026-12-01 00:00:00')"
        )
    upgrade(url)
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT id, customer_verified_by, customer_name FROM conversations ORDER BY id"
        ).fetchall()
    assert rows == [(1, "signed", C002_NAME), (2, "agent", C002_NAME), (3, None, None)]
    command.downgrade(alembic_config(url), "0009")
    with sqlite3.connect(path) as db:
        columns = {r[1] for r in db.execute("PRAGMA table_info(conversations)")}
    assert "customer_verified_by" not in columns and "customer_id" in columns
