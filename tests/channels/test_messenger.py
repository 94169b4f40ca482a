"""The Messenger channel against a real hub process and a local fake of the Graph API's
Send API (tests/channels/fake_platforms.py), which records what the hub sends; webhook
calls are signed like Facebook's (X-Hub-Signature-256).

Covered: the subscription handshake, a signed message stored once and answered once
(Rasa down, and with the trained model), forged calls, echoes and receipts, attachments,
quick replies, and the window: after 24 hours the hub's own messages are refused at
delivery and reported, an agent replies with the HUMAN_AGENT tag, and after 7 days the
agent is told why the reply cannot go. Window rules with a fake clock: test_zalo_window.py.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.store.models import Conversation, Message
from tests.channels.fake_platforms import (
    GRAPH_APP_SECRET,
    GRAPH_PAGE_TOKEN,
    GRAPH_VERIFY_TOKEN,
    PAGE_ID,
    FakeGraphApi,
    messenger_text,
)
from tests.channels.test_telegram import Agent
from tests.support.clients import wait_for
from tests.support.stack import HubProcess, RasaStack

_users = itertools.count(1)


def messenger_env(api: FakeGraphApi) -> dict[str, str]:
    return {
        "TANDEM_MESSENGER_PAGE_TOKEN": GRAPH_PAGE_TOKEN,
        "TANDEM_MESSENGER_APP_SECRET": GRAPH_APP_SECRET,
        "TANDEM_MESSENGER_VERIFY_TOKEN": GRAPH_VERIFY_TOKEN,
        "TANDEM_MESSENGER_GRAPH_BASE": api.base_url,
        "TANDEM_MESSENGER_HUMAN_AGENT": "true",
    }


def start_messenger_hub(
    workdir: Path, index_dir: Path, api: FakeGraphApi, rasa: RasaStack | None = None
) -> HubProcess:
    hub = HubProcess(workdir, index_dir=index_dir, extra_env=messenger_env(api))
    if rasa is not None:
        hub.rasa_url = rasa.url
        hub.extra_env["TANDEM_ACTIONS_URL"] = rasa.actions_url
    hub.init_db()
    return hub.start()


@pytest.fixture(scope="module")
def api() -> Iterator[FakeGraphApi]:
    server = FakeGraphApi().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hub(
    tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path, api: FakeGraphApi
) -> Iterator[HubProcess]:
    proc = start_messenger_hub(tmp_path_factory.mktemp("messenger"), shared_index_dir, api)
    yield proc
    proc.stop()


def new_psid() -> str:
    return f"{7_100_000_000_000_000 + next(_users) * 104_729}"


def texts(api: FakeGraphApi, psid: str) -> list[str]:
    return [c["message"]["text"] for c in api.calls(psid)]


def database(hub: HubProcess) -> Session:
    return Session(create_engine(f"sqlite:///{hub.workdir / 'hub.db'}"))


def customer_texts(hub: HubProcess, psid: str) -> list[str]:
    with database(hub) as session:
        rows = session.scalars(
            select(Message.text)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.channel == "messenger", Conversation.channel_key == psid)
            .where(Message.sender == "customer")
            .order_by(Message.id)
        ).all()
    return list(rows)


def move_back(hub: HubProcess, psid: str, hours: float) -> None:
    """Age the thread's stored messages, as if ``hours`` had passed."""
    with database(hub) as session:
        for msg in session.scalars(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.channel == "messenger", Conversation.channel_key == psid)
        ).all():
            msg.created_at = msg.created_at - timedelta(hours=hours)
        session.commit()


def one_event(psid: str, **fields: Any) -> dict[str, Any]:
    now = int(time.time() * 1000)
    event = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": now, **fields}
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": [event]}]}


# -- the subscription handshake ---------------------------------------------------------------
def test_handshake_echoes_the_challenge_only_for_the_verify_token(hub: HubProcess) -> None:
    url = f"{hub.url}/messenger/webhook"
    ok = httpx.get(
        url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": GRAPH_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = httpx.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert wrong.status_code == 403
    assert httpx.get(url, params={"hub.verify_token": GRAPH_VERIFY_TOKEN}).status_code == 400


# -- inbound -----------------------------------------------------------------------------------
def test_signed_message_is_stored_once_and_answered_once(
    hub: HubProcess, api: FakeGraphApi
) -> None:
    psid = new_psid()
    event = messenger_text(psid, "Chào bạn, thẻ tín dụng của tôi bị khóa")
    assert api.post_event(hub.url, event).status_code == 200
    calls = api.wait_calls(psid, 2)
    assert calls[0]["message"]["text"].startswith("ℹ️ Xin lỗi, trợ lý tự động")
    assert all(c["messaging_type"] == "RESPONSE" and "tag" not in c for c in calls)
    quick = calls[-1]["message"]["quick_replies"]
    assert quick == [
        {"content_type": "text", "title": "Gọi lại cho tôi", "payload": "/request_callback"}
    ]
    for _ in range(2):  # Facebook redelivers when it did not see a 200 in time
        assert api.post_event(hub.url, event).status_code == 200
    time.sleep(1)
    assert len(api.calls(psid)) == len(calls)
    assert customer_texts(hub, psid) == ["Chào bạn, thẻ tín dụng của tôi bị khóa"]

    # A tap on the quick reply comes back with its payload.
    tap = one_event(
        psid,
        message={"mid": "m_tap_1", "text": "Gọi lại cho tôi", "quick_reply": quick[0]},
    )
    assert api.post_event(hub.url, tap).status_code == 200
    assert "số điện thoại" in api.wait_calls(psid, len(calls) + 1)[-1]["message"]["text"]
    assert customer_texts(hub, psid)[-1] == "/request_callback"


@pytest.mark.parametrize("forgery", ["missing", "wrong_secret", "tampered", "sha1_only"])
def test_forged_calls_are_refused_and_nothing_stored(
    hub: HubProcess, api: FakeGraphApi, forgery: str
) -> None:
    psid = new_psid()
    raw = json.dumps(messenger_text(psid, f"forged {forgery}")).encode()
    headers = {"Content-Type": "application/json"}
    good = hmac.new(GRAPH_APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    if forgery == "wrong_secret":
        bad = hmac.new(b"not-the-app-secret", raw, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature-256"] = f"sha256={bad}"
    elif forgery == "tampered":
        headers["X-Hub-Signature-256"] = f"sha256={good}"
        raw = raw.replace(b"forged", b"FORGED")
    elif forgery == "sha1_only":  # the old header Rasa's connector checks
        sha1 = hmac.new(GRAPH_APP_SECRET.encode(), raw, hashlib.sha1).hexdigest()
        headers["X-Hub-Signature"] = f"sha1={sha1}"
    response = httpx.post(f"{hub.url}/messenger/webhook", content=raw, headers=headers)
    assert response.status_code == (401 if forgery in ("missing", "sha1_only") else 403)
    time.sleep(0.3)
    assert customer_texts(hub, psid) == [] and api.calls(psid) == []


def test_malformed_signed_bodies_get_400(hub: HubProcess) -> None:
    for raw in (b"{not json", b"[1]", b'{"object": "page"}', b'{"object": "user", "entry": []}'):
        mac = hmac.new(GRAPH_APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        headers = {"X-Hub-Signature-256": f"sha256={mac}", "Content-Type": "application/json"}
        response = httpx.post(f"{hub.url}/messenger/webhook", content=raw, headers=headers)
        assert response.status_code == 400, raw


def test_echoes_and_receipts_are_not_customer_messages(hub: HubProcess, api: FakeGraphApi) -> None:
    psid = new_psid()
    echo = one_event(psid, message={"mid": "m_echo_1", "text": "from the page", "is_echo": True})
    delivery = one_event(psid, delivery={"mids": ["m_x"], "watermark": 1})
    read = one_event(psid, read={"watermark": 1})
    for event in (echo, delivery, read):
        assert api.post_event(hub.url, event).status_code == 200
    time.sleep(0.3)
    assert customer_texts(hub, psid) == [] and api.calls(psid) == []


def test_an_image_is_kept_and_answered_politely(hub: HubProcess, api: FakeGraphApi) -> None:
    psid = new_psid()
    assert api.post_event(hub.url, messenger_text(psid, "Cho tôi hỏi về thẻ")).status_code == 200
    before = len(api.wait_calls(psid, 2))
    image = one_event(
        psid,
        message={
            "mid": f"m_img_{psid}",
            "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}],
        },
    )
    assert api.post_event(hub.url, image).status_code == 200
    assert api.post_event(hub.url, image).status_code == 200  # redelivered
    reply = api.wait_calls(psid, before + 1)[-1]["message"]["text"]
    assert "chỉ đọc được tin nhắn dạng chữ" in reply
    time.sleep(0.5)
    assert len(api.calls(psid)) == before + 1
    assert customer_texts(hub, psid) == ["Cho tôi hỏi về thẻ", "[image]"]


# -- the window ---------------------------------------------------------------------------------
def test_after_24_hours_only_a_person_replies_with_the_tag_until_7_days(
    hub: HubProcess, api: FakeGraphApi
) -> None:
    psid = new_psid()
    assert (
        api.post_event(hub.url, messenger_text(psid, "Tôi muốn gặp nhân viên")).status_code == 200
    )
    api.wait_calls(psid, 2)
    agent = Agent(hub)
    conv_id = agent.conversation_with("Tôi muốn gặp nhân viên")["conversation"]["id"]

    move_back(hub, psid, 25)
    shown = agent.http.get(f"/api/conversations/{conv_id}/window").json()
    assert shown["applies"] and shown["can_reply"] and shown["seconds_left"] == 0
    assert shown["agent_tag_needed"] == "HUMAN_AGENT" and shown["free_replies_left"] is None
    assert 5 * 86400 < shown["agent_seconds_left"] < 6 * 86400

    # The hub's own "an adviser joined" is not a person's reply: refused and reported.
    agent.http.post(f"/api/conversations/{conv_id}/claim").raise_for_status()

    def refused() -> list[dict[str, Any]]:
        events = agent.http.get(f"/api/conversations/{conv_id}").json()["events"]
        return [e for e in events if e["kind"] == "delivery_refused"]

    assert "only a person may reply" in wait_for(refused, 30)[0]["note"]
    agent.http.post(
        f"/api/conversations/{conv_id}/messages", json={"text": "Em là Linh, em giúp anh nhé."}
    ).raise_for_status()
    sent = api.wait_calls(psid, 3)[-1]
    assert sent["messaging_type"] == "MESSAGE_TAG" and sent["tag"] == "HUMAN_AGENT"
    assert sent["message"]["text"].endswith("Em là Linh, em giúp anh nhé.")

    move_back(hub, psid, 6 * 24)  # 7 days and an hour since the customer wrote
    response = agent.http.post(
        f"/api/conversations/{conv_id}/messages", json={"text": "Anh còn cần hỗ trợ không?"}
    )
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail["code"] == "window_closed"
    assert "Messenger" in detail["explanation"]["vi"] and "Messenger" in detail["explanation"]["en"]
    time.sleep(0.5)
    assert len(api.calls(psid)) == 3


def test_a_send_the_platform_refuses_is_reported_not_dropped(
    hub: HubProcess, api: FakeGraphApi
) -> None:
    psid = new_psid()
    with api.lock:
        api.fail_error = {"message": "outside window", "code": 10, "error_subcode": 2018278}
        api.fail_count = 1
    assert api.post_event(hub.url, messenger_text(psid, "Nhân viên ơi")).status_code == 200
    agent = Agent(hub)
    conv_id = wait_for(lambda: agent.conversation_with("Nhân viên ơi"), 30)["conversation"]["id"]

    def refused() -> list[dict[str, Any]]:
        events = agent.http.get(f"/api/conversations/{conv_id}").json()["events"]
        return [e for e in events if e["kind"] == "delivery_refused"]

    assert "2018278" in wait_for(refused, 30)[0]["note"]
    assert len(api.wait_calls(psid, 1)) == 1  # the next message still goes out


# -- with the trained dialogue model ----------------------------------------------------------
@pytest.mark.rasa
def test_vietnamese_conversation_with_the_bot(
    live_stack: tuple[HubProcess, RasaStack],
    tmp_path: Path,
    shared_index_dir: Path,
    api: FakeGraphApi,
) -> None:
    _, rasa = live_stack
    hub = start_messenger_hub(tmp_path, shared_index_dir, api, rasa=rasa)
    try:
        psid = new_psid()
        event = messenger_text(psid, "Xin chào")
        assert api.post_event(hub.url, event).status_code == 200
        greeting = api.wait_calls(psid, 1, timeout_s=60)
        assert not greeting[0]["message"]["text"].startswith("ℹ️")  # the bot, not the fallback
        time.sleep(2)
        answered = len(api.calls(psid))
        assert api.post_event(hub.url, event).status_code == 200  # redelivered
        time.sleep(1)
        assert len(api.calls(psid)) == answered
        assert customer_texts(hub, psid) == ["Xin chào"]
    finally:
        hub.stop()
