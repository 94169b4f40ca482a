"""The Zalo OA channel against a real hub process and a local fake of Zalo's OA API
(tests/channels/fake_platforms.py), which records what the hub sends and signs its webhook
calls like Zalo.

Covered: a signed event stored once and answered once (Rasa down, and with the trained
model), redelivery, forged / tampered / stale / replayed events, a sticker, an expired
access token refreshed and the new pair kept, and the window: the 8-reply limit and the
48-hour limit refused to the agent with the reason, and a closing window offered to the
waiting customer. The window rules themselves, with a fake clock: test_windows.py.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.store.models import ChannelToken, Conversation, Message
from tests.channels.fake_platforms import (
    ZALO_APP_ID,
    ZALO_APP_SECRET,
    ZALO_OA_SECRET,
    FakeZaloApi,
    zalo_event,
    zalo_signature,
)
from tests.channels.test_telegram import Agent
from tests.support.clients import wait_for
from tests.support.stack import HubProcess, RasaStack

_users = itertools.count(1)


def zalo_env(api: FakeZaloApi) -> dict[str, str]:
    return {
        "TANDEM_ZALO_APP_ID": ZALO_APP_ID,
        "TANDEM_ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
        "TANDEM_ZALO_APP_SECRET": ZALO_APP_SECRET,
        "TANDEM_ZALO_ACCESS_TOKEN": api.access_token,
        "TANDEM_ZALO_REFRESH_TOKEN": api.refresh_token,
        "TANDEM_ZALO_API_BASE": api.base_url,
        "TANDEM_ZALO_OAUTH_BASE": api.base_url,
        "TANDEM_CHANNEL_WINDOW_CHECK_S": "1",
    }


def start_zalo_hub(
    workdir: Path, index_dir: Path, api: FakeZaloApi, rasa: RasaStack | None = None
) -> HubProcess:
    hub = HubProcess(workdir, index_dir=index_dir, extra_env=zalo_env(api))
    if rasa is not None:
        hub.rasa_url = rasa.url
        hub.extra_env["TANDEM_ACTIONS_URL"] = rasa.actions_url
    hub.init_db()
    return hub.start()


@pytest.fixture(scope="module")
def api() -> Iterator[FakeZaloApi]:
    server = FakeZaloApi().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hub(
    tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path, api: FakeZaloApi
) -> Iterator[HubProcess]:
    proc = start_zalo_hub(tmp_path_factory.mktemp("zalo"), shared_index_dir, api)
    yield proc
    proc.stop()


def new_user() -> str:
    return f"84{next(_users) * 7919:012d}"


def database(hub: HubProcess) -> Session:
    return Session(create_engine(f"sqlite:///{hub.workdir / 'hub.db'}"))


def customer_texts(hub: HubProcess, user: str) -> list[str]:
    with database(hub) as session:
        rows = session.scalars(
            select(Message.text)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.channel == "zalo", Conversation.channel_key == user)
            .where(Message.sender == "customer")
            .order_by(Message.id)
        ).all()
    return list(rows)


def move_back(hub: HubProcess, user: str, hours: float) -> None:
    """Age the thread's stored messages, as if ``hours`` had passed (the hub's clock
    is real; its window is computed from these times)."""
    with database(hub) as session:
        for msg in session.scalars(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.channel == "zalo", Conversation.channel_key == user)
        ).all():
            msg.created_at = msg.created_at - timedelta(hours=hours)
        session.commit()


def window(agent: Agent, conv_id: int) -> dict[str, Any]:
    response = agent.http.get(f"/api/conversations/{conv_id}/window")
    response.raise_for_status()
    return dict(response.json())


# -- inbound -----------------------------------------------------------------------------------
def test_signed_event_is_stored_once_and_answered_once(hub: HubProcess, api: FakeZaloApi) -> None:
    user = new_user()
    event = zalo_event(user, "Chào bạn, thẻ tín dụng của tôi bị khóa")
    assert api.post_event(hub.url, event).status_code == 200
    # Rasa is down here: the hub apologises and offers a call-back, through the OA API.
    replies = api.wait_texts(user, 2)
    assert replies[0].startswith("ℹ️ Xin lỗi, trợ lý tự động")
    assert "• Gọi lại cho tôi" in replies[-1]  # the button, as a title to answer with
    for _ in range(2):  # Zalo retries when it thinks a delivery failed
        assert api.post_event(hub.url, event).status_code == 200
    time.sleep(1)
    assert len(api.texts(user)) == len(replies)
    assert customer_texts(hub, user) == ["Chào bạn, thẻ tín dụng của tôi bị khóa"]
    with api.lock:
        assert all(m["token"] == api.access_token for m in api.sent)

    # Answering with a listed title is pressing that button.
    assert api.post_event(hub.url, zalo_event(user, "gọi lại cho tôi")).status_code == 200
    asked = api.wait_texts(user, len(replies) + 1)[-1]
    assert "số điện thoại" in asked
    assert customer_texts(hub, user)[-1] == "/request_callback"


@pytest.mark.parametrize(
    "forgery",
    ["missing", "wrong_secret", "tampered_body", "hmac_instead_of_sha256", "wrong_app"],
)
def test_forged_events_are_refused_and_nothing_stored(
    hub: HubProcess, api: FakeZaloApi, forgery: str
) -> None:
    import hashlib
    import hmac

    user = new_user()
    event = zalo_event(user, f"forged {forgery}")
    raw = json.dumps(event).encode()
    if forgery == "missing":
        import httpx

        response = httpx.post(f"{hub.url}/zalo/webhook", content=raw, timeout=30)
        assert response.status_code == 401
    elif forgery == "wrong_secret":
        assert api.post_event(hub.url, event, secret="not-the-oa-secret").status_code == 403
    elif forgery == "tampered_body":
        mac = zalo_signature(raw, event["timestamp"])
        tampered = raw.replace(b"forged", b"FORGED")
        assert api.post_event(hub.url, event, mac=mac, raw=tampered).status_code == 403
    elif forgery == "hmac_instead_of_sha256":
        # The mistake many public snippets make: an HMAC keyed with the secret.
        data = ZALO_APP_ID.encode() + raw + event["timestamp"].encode()
        mac = hmac.new(ZALO_OA_SECRET.encode(), data, hashlib.sha256).hexdigest()
        assert api.post_event(hub.url, event, mac=mac).status_code == 403
    else:
        event["app_id"] = "999"
        raw = json.dumps(event).encode()
        mac = hashlib.sha256(b"999" + raw + event["timestamp"].encode() + ZALO_OA_SECRET.encode())
        assert api.post_event(hub.url, event, mac=mac.hexdigest()).status_code == 403
    time.sleep(0.3)
    assert customer_texts(hub, user) == []
    assert api.texts(user) == []


def test_stale_and_replayed_events_are_refused(hub: HubProcess, api: FakeZaloApi) -> None:
    user = new_user()
    an_hour_ago = int(time.time() * 1000) - 3600 * 1000
    stale = zalo_event(user, "cũ rồi", timestamp_ms=an_hour_ago)
    assert api.post_event(hub.url, stale).status_code == 403
    from_the_future = zalo_event(user, "tương lai", timestamp_ms=an_hour_ago + 7200 * 1000)
    assert api.post_event(hub.url, from_the_future).status_code == 403

    # A captured event sent again with a fresh timestamp: the mac covers the timestamp.
    captured = zalo_event(user, "bắt được", timestamp_ms=an_hour_ago)
    old_raw = json.dumps(captured).encode()
    old_mac = zalo_signature(old_raw, captured["timestamp"])
    captured["timestamp"] = str(int(time.time() * 1000))
    assert api.post_event(hub.url, captured, mac=old_mac).status_code == 403
    time.sleep(0.3)
    assert customer_texts(hub, user) == []


def test_malformed_events_get_400(hub: HubProcess) -> None:
    import httpx

    for raw in (b"{not json", b"[1, 2]", b'{"app_id": 5}', b'{"event_name": "user_send_text"}'):
        headers = {"X-ZEvent-Signature": "mac=00", "Content-Type": "application/json"}
        response = httpx.post(f"{hub.url}/zalo/webhook", content=raw, headers=headers, timeout=30)
        assert response.status_code == 400, raw
    assert httpx.get(f"{hub.url}/healthz").status_code == 200


def test_receipts_are_acknowledged_and_not_stored(hub: HubProcess, api: FakeZaloApi) -> None:
    user = new_user()
    seen = zalo_event(user, None, event_name="user_seen_message")
    assert api.post_event(hub.url, seen).status_code == 200
    time.sleep(0.3)
    assert customer_texts(hub, user) == []


def test_sticker_is_kept_and_answered_politely(hub: HubProcess, api: FakeZaloApi) -> None:
    user = new_user()
    assert api.post_event(hub.url, zalo_event(user, "Cho tôi hỏi về thẻ")).status_code == 200
    before = len(api.wait_texts(user, 2))
    sticker = zalo_event(user, None, event_name="user_send_sticker")
    assert api.post_event(hub.url, sticker).status_code == 200
    assert api.post_event(hub.url, sticker).status_code == 200  # redelivered
    reply = api.wait_texts(user, before + 1)[-1]
    assert "chỉ đọc được tin nhắn dạng chữ" in reply
    time.sleep(0.5)
    assert len(api.texts(user)) == before + 1
    assert customer_texts(hub, user) == ["Cho tôi hỏi về thẻ", "[sticker]"]


# -- outbound ------------------------------------------------------------------------------------
def test_expired_token_is_refreshed_once_and_the_new_pair_kept(
    hub: HubProcess, api: FakeZaloApi
) -> None:
    user = new_user()
    assert api.post_event(hub.url, zalo_event(user, "Xin chào")).status_code == 200
    api.wait_texts(user, 2)
    refreshes = len(api.refreshes)
    api.expire_token()
    # A sticker: the hub answers it, whoever has the conversation.
    sticker = zalo_event(user, None, event_name="user_send_sticker")
    assert api.post_event(hub.url, sticker).status_code == 200
    api.wait_texts(user, 3)  # delivered after the refresh, with the new token
    assert len(api.refreshes) == refreshes + 1
    with database(hub) as session:
        row = session.get(ChannelToken, "zalo")
        assert row is not None
        assert (row.access_token, row.refresh_token) == (api.access_token, api.refresh_token)
    with api.lock:
        assert api.sent[-1]["token"] == api.access_token


def test_eight_free_replies_then_the_agent_is_told_why(hub: HubProcess, api: FakeZaloApi) -> None:
    user = new_user()
    assert api.post_event(hub.url, zalo_event(user, "Tôi muốn gặp nhân viên")).status_code == 200
    api.wait_texts(user, 2)
    agent = Agent(hub)
    conv_id = agent.conversation_with("Tôi muốn gặp nhân viên")["conversation"]["id"]
    shown = wait_for(lambda: (w := window(agent, conv_id))["free_replies_left"] == 6 and w, 30)
    assert shown["applies"] and shown["can_reply"] and shown["seconds_left"] > 47 * 3600
    agent.http.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    refused = None
    for n in range(10):
        response = agent.http.post(
            f"/api/conversations/{conv_id}/messages", json={"text": f"Trả lời số {n}"}
        )
        if response.status_code == 409:
            refused = response.json()["detail"]
            break
        response.raise_for_status()
    assert refused is not None and refused["code"] == "reply_limit"
    assert "8 tin trả lời miễn phí" in refused["explanation"]["vi"]
    assert "8 free replies" in refused["explanation"]["en"]
    assert len(api.wait_texts(user, 8)) == 8
    time.sleep(0.5)
    assert len(api.texts(user)) == 8  # never a ninth
    assert window(agent, conv_id)["free_replies_left"] == 0

    # The customer writes again: a new window, with eight free replies.
    assert api.post_event(hub.url, zalo_event(user, "Dạ vâng")).status_code == 200
    wait_for(lambda: window(agent, conv_id)["free_replies_left"] == 8, 30)
    agent.http.post(
        f"/api/conversations/{conv_id}/messages", json={"text": "Cảm ơn anh"}
    ).raise_for_status()
    assert api.wait_texts(user, 9)[-1].endswith("Cảm ơn anh")


def test_after_48_hours_the_reply_is_refused_and_explained(
    hub: HubProcess, api: FakeZaloApi
) -> None:
    user = new_user()
    assert api.post_event(hub.url, zalo_event(user, "Cho tôi gặp nhân viên")).status_code == 200
    api.wait_texts(user, 2)
    agent = Agent(hub)
    conv_id = agent.conversation_with("Cho tôi gặp nhân viên")["conversation"]["id"]
    agent.http.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    api.wait_texts(user, 3)  # "an adviser joined"

    # 46 hours on: the window is closing, the agent sees it and the customer is offered a
    # call-back or another channel, once.
    move_back(hub, user, 46)
    shown = wait_for(lambda: (w := window(agent, conv_id))["closing"] and w, 30)
    assert shown["can_reply"] and shown["seconds_left"] < 3 * 3600
    offer = api.wait_texts(user, 4)[-1]
    assert "sắp đóng" in offer and "Gọi lại cho tôi" in offer
    time.sleep(2.5)  # several passes of the check
    assert len(api.texts(user)) == 4

    # 49 hours on: closed. The reply is not stored, not sent, and the agent is told why.
    move_back(hub, user, 3)
    response = agent.http.post(
        f"/api/conversations/{conv_id}/messages", json={"text": "Anh còn đó không?"}
    )
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail["code"] == "window_closed"
    assert "48 giờ" in detail["explanation"]["vi"] and "48 hours" in detail["explanation"]["en"]
    assert detail["window"]["can_reply"] is False
    time.sleep(0.5)
    assert len(api.texts(user)) == 4
    messages = agent.http.get(f"/api/conversations/{conv_id}").json()["messages"]
    assert not any("Anh còn đó không?" in m["text"] for m in messages)


def test_a_reply_the_platform_refuses_is_reported_not_dropped(
    hub: HubProcess, api: FakeZaloApi
) -> None:
    user = new_user()
    assert api.post_event(hub.url, zalo_event(user, "Nhân viên ơi")).status_code == 200
    api.wait_texts(user, 2)
    agent = Agent(hub)
    conv_id = agent.conversation_with("Nhân viên ơi")["conversation"]["id"]
    agent.http.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    api.wait_texts(user, 3)
    with api.lock:
        api.fail_code, api.fail_count = -230, 1  # Zalo: the user cannot be messaged now
    agent.http.post(
        f"/api/conversations/{conv_id}/messages", json={"text": "Em gửi anh thông tin"}
    ).raise_for_status()

    def reported() -> list[dict[str, Any]]:
        events = agent.http.get(f"/api/conversations/{conv_id}").json()["events"]
        return [e for e in events if e["kind"] == "delivery_refused"]

    events = wait_for(reported, 30)
    assert "-230" in events[0]["note"]

    def statuses() -> list[str]:
        with database(hub) as session:
            from bot.store.models import OutboxEntry

            return list(
                session.scalars(
                    select(OutboxEntry.status).where(OutboxEntry.conversation_id == conv_id)
                ).all()
            )

    # Kept, marked, never silently dropped. The refusal is reported as the channel answers
    # and the row marked just after, in the sender's next write: read until it is.
    assert "failed" in wait_for(lambda: (found := statuses()) and "failed" in found and found, 30)


def test_an_agent_links_the_zalo_user_to_a_bank_customer(hub: HubProcess, api: FakeZaloApi) -> None:
    user = new_user()
    assert (
        api.post_event(hub.url, zalo_event(user, "Tôi là Bích, cần gặp nhân viên")).status_code
        == 200
    )
    api.wait_texts(user, 2)
    agent = Agent(hub)
    conv_id = agent.conversation_with("Tôi là Bích, cần gặp nhân viên")["conversation"]["id"]
    agent.http.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    linked = agent.http.post(
        f"/api/conversations/{conv_id}/customer",
        json={"customer_id": "C002", "reason": "Đã gọi số đăng ký, khách xác nhận"},
    )
    linked.raise_for_status()
    assert linked.json()["customer_id"] == "C002" and linked.json()["verified_by"] == "agent"
    # The Zalo conversation is now in the customer's history, beside their other channels.
    profile = wait_for(
        lambda: (p := agent.http.get("/api/customers/C002/profile")).status_code == 200 and p,
        60,
    ).json()
    assert conv_id in [c["id"] for c in profile["conversations"]]


# -- with the trained dialogue model ----------------------------------------------------------
@pytest.mark.rasa
def test_vietnamese_conversation_with_the_bot(
    live_stack: tuple[HubProcess, RasaStack],
    tmp_path: Path,
    shared_index_dir: Path,
    api: FakeZaloApi,
) -> None:
    _, rasa = live_stack
    hub = start_zalo_hub(tmp_path, shared_index_dir, api, rasa=rasa)
    try:
        user = new_user()
        event = zalo_event(user, "Xin chào")
        assert api.post_event(hub.url, event).status_code == 200
        greeting = api.wait_texts(user, 1, timeout_s=60)
        assert not greeting[0].startswith("ℹ️")  # the bot answered, not the fallback
        time.sleep(2)
        answered = len(api.texts(user))
        assert api.post_event(hub.url, event).status_code == 200  # redelivered
        time.sleep(1)
        assert len(api.texts(user)) == answered
        assert customer_texts(hub, user) == ["Xin chào"]
    finally:
        hub.stop()
