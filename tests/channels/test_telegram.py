"""The Telegram channel against a real hub process: python-telegram-bot inside the hub talks
to a local Bot-API-compatible server (tests/channels/fake_bot_api.py) through its base_url.

Covered: a conversation into the human queue and an agent's reply, a redelivered update,
forged webhook calls, non-text messages, bad text, polling mode, and (with the trained
model) a Vietnamese conversation with the real bot."""

from __future__ import annotations

import itertools
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.channels.fake_bot_api import TOKEN, FakeBotApi
from tests.support.clients import wait_for
from tests.support.stack import DEMO_PASSWORD, HubProcess, RasaStack

SECRET = "test-telegram-webhook-secret-0123"
_ids = itertools.count(1)


def _telegram_env(api: FakeBotApi, mode: str) -> dict[str, str]:
    return {
        "TANDEM_TELEGRAM_MODE": mode,
        "TANDEM_TELEGRAM_TOKEN": TOKEN,
        "TANDEM_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TANDEM_TELEGRAM_BASE_URL": api.base_url,
    }


@pytest.fixture(scope="module")
def api() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    yield server
    server.stop()


def start_hub(
    workdir: Path, index_dir: Path, api: FakeBotApi, mode: str, rasa: RasaStack | None = None
) -> HubProcess:
    hub = HubProcess(workdir, index_dir=index_dir, extra_env=_telegram_env(api, mode))
    if rasa is not None:
        hub.rasa_url = rasa.url
        hub.extra_env["TANDEM_ACTIONS_URL"] = rasa.actions_url
    if mode == "webhook":
        hub.extra_env["TANDEM_TELEGRAM_WEBHOOK_URL"] = f"{hub.url}/telegram/webhook"
    hub.init_db()
    return hub.start()


@pytest.fixture(scope="module")
def hub(
    tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path, api: FakeBotApi
) -> Iterator[HubProcess]:
    proc = start_hub(tmp_path_factory.mktemp("telegram"), shared_index_dir, api, "webhook")
    yield proc
    proc.stop()


# -- Telegram updates, as Telegram sends them -----------------------------------------------------
def new_chat() -> int:
    return 700_000_000 + next(_ids) * 17


def text_update(
    update_id: int, chat_id: int, text: str, language_code: str = "vi"
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "An"},
            "from": {
                "id": chat_id,
                "is_bot": False,
                "first_name": "An",
                "language_code": language_code,
            },
            "text": text,
        },
    }


def sticker_update(update_id: int, chat_id: int) -> dict[str, Any]:
    update = text_update(update_id, chat_id, "")
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "CAACAgIAAxkBAAEB",
        "file_unique_id": "AgADBAAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    return update


def button_update(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cbq-{update_id}",
            "chat_instance": "42",
            "from": {"id": chat_id, "is_bot": False, "first_name": "An", "language_code": "vi"},
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "...",
            },
            "data": data,
        },
    }


def post_update(
    hub: HubProcess, update: dict[str, Any], secret: str | None = SECRET
) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return httpx.post(f"{hub.url}/telegram/webhook", json=update, headers=headers, timeout=30)


class Agent:
    def __init__(self, hub: HubProcess, username: str = "linh") -> None:
        self.http = httpx.Client(base_url=hub.url, timeout=30)
        login = self.http.post(
            "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        )
        login.raise_for_status()
        self.http.headers["X-CSRF-Token"] = login.json()["csrf_token"]

    def conversation_with(self, text: str) -> dict[str, Any]:
        """The queued conversation whose transcript contains ``text``."""
        queue = self.http.get("/api/queue").json()
        for conv in queue["waiting"] + queue["assigned"]:
            detail = self.http.get(f"/api/conversations/{conv['id']}").json()
            if any(text in m["text"] for m in detail["messages"]):
                return dict(detail)
        raise AssertionError(f"no queued conversation contains {text!r}")


# -- webhook mode ---------------------------------------------------------------------------------
def test_webhook_registered_at_startup(hub: HubProcess, api: FakeBotApi) -> None:
    assert "getMe" in api.methods() and "setWebhook" in api.methods()
    registered = next(c.params for c in api.calls if c.method == "setWebhook")
    assert registered["url"] == f"{hub.url}/telegram/webhook"
    assert registered["secret_token"] == SECRET


def test_conversation_goes_to_the_queue_and_an_agent_answers(
    hub: HubProcess, api: FakeBotApi
) -> None:
    chat = new_chat()
    assert (
        post_update(
            hub, text_update(1001, chat, "Chào bạn, thẻ tín dụng của tôi bị khóa")
        ).status_code
        == 200
    )
    # Rasa is down here: the hub apologises, queues the customer and offers a call-back.
    first = api.wait_sent(chat, 2)
    assert first[0]["text"].startswith("ℹ️ Xin lỗi, trợ lý tự động")
    markup = first[-1]["reply_markup"]
    button = markup["inline_keyboard"][0][0]
    assert button["text"] == "Gọi lại cho tôi"

    assert post_update(hub, button_update(1002, chat, button["callback_data"])).status_code == 200
    asked = api.wait_sent(chat, 3)[-1]
    assert "số điện thoại" in asked["text"]
    assert any(c.method == "answerCallbackQuery" for c in api.calls)

    agent = Agent(hub)
    conv = agent.conversation_with("thẻ tín dụng của tôi bị khóa")
    assert conv["conversation"]["channel"] == "telegram"
    assert [m["text"] for m in conv["messages"] if m["sender"] == "customer"] == [
        "Chào bạn, thẻ tín dụng của tôi bị khóa",
        "/request_callback",
    ]
    conv_id = conv["conversation"]["id"]
    agent.http.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    agent.http.post(
        f"/api/conversations/{conv_id}/messages",
        json={"text": "Em là Linh, em mở khóa thẻ giúp anh nhé."},
    ).raise_for_status()
    replies = api.wait_sent(chat, 5)
    assert "đã tham gia" in replies[3]["text"]
    assert replies[4]["text"] == "👤 Linh Đỗ (nhân viên):\nEm là Linh, em mở khóa thẻ giúp anh nhé."


def test_redelivered_update_is_stored_and_answered_once(hub: HubProcess, api: FakeBotApi) -> None:
    chat = new_chat()
    update = text_update(2001, chat, "Phí thường niên thẻ Classic là bao nhiêu?")
    assert post_update(hub, update).status_code == 200
    answered = len(api.wait_sent(chat, 2))
    for _ in range(2):  # Telegram retries when it thinks a delivery failed
        assert post_update(hub, update).status_code == 200
    time.sleep(1)
    assert len(api.sent(chat)) == answered
    conv = Agent(hub).conversation_with("Phí thường niên thẻ Classic")
    assert [m["text"] for m in conv["messages"] if m["sender"] == "customer"] == [
        update["message"]["text"]
    ]


@pytest.mark.parametrize(
    ("secret", "status"),
    [(None, 401), ("", 401), ("wrong-secret", 403), (SECRET[:-1], 403), (SECRET + "x", 403)],
    ids=["missing", "empty", "wrong", "prefix", "longer"],
)
def test_forged_webhook_is_rejected_and_nothing_stored(
    hub: HubProcess, api: FakeBotApi, secret: str | None, status: int
) -> None:
    chat = new_chat()
    response = post_update(
        hub, text_update(3000 + chat % 1000, chat, "forged hello"), secret=secret
    )
    assert response.status_code == status
    time.sleep(0.3)
    assert api.sent(chat) == []
    with pytest.raises(AssertionError):
        Agent(hub).conversation_with("forged hello")


def test_malformed_webhook_bodies_get_400(hub: HubProcess) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    for body in (b"{not json", b"[1, 2]", b'"text"', b'{"message": {}}'):
        response = httpx.post(f"{hub.url}/telegram/webhook", content=body, headers=headers)
        assert response.status_code == 400, body
    assert httpx.get(f"{hub.url}/healthz").status_code == 200


def test_sticker_gets_a_polite_reply_and_is_kept(hub: HubProcess, api: FakeBotApi) -> None:
    chat = new_chat()
    assert post_update(hub, text_update(4001, chat, "Cho tôi hỏi về thẻ")).status_code == 200
    before = len(api.wait_sent(chat, 2))
    assert post_update(hub, sticker_update(4002, chat)).status_code == 200
    assert post_update(hub, sticker_update(4002, chat)).status_code == 200  # redelivered
    reply = api.wait_sent(chat, before + 1)[-1]
    assert "chỉ đọc được tin nhắn dạng chữ" in reply["text"]
    time.sleep(0.5)
    assert len(api.sent(chat)) == before + 1
    conv = Agent(hub).conversation_with("Cho tôi hỏi về thẻ")
    assert [m["text"] for m in conv["messages"] if m["sender"] == "customer"][-1] == "[sticker]"


def test_bad_text_is_cleaned_or_politely_refused(hub: HubProcess, api: FakeBotApi) -> None:
    chat = new_chat()
    nfd = unicodedata.normalize("NFD", "Tôi muốn gặp nhân viên <b>ngay</b>\x07")
    assert post_update(hub, text_update(5001, chat, nfd)).status_code == 200
    api.wait_sent(chat, 2)  # the apology and the call-back offer: all its replies are out
    conv = Agent(hub).conversation_with("Tôi muốn gặp nhân viên")
    assert conv["messages"][0]["text"] == "Tôi muốn gặp nhân viên <b>ngay</b>"
    count = len(api.sent(chat))

    assert post_update(hub, text_update(5002, chat, "x" * 4096)).status_code == 200
    assert post_update(hub, text_update(5003, chat, "\u200b\x07")).status_code == 200
    replies = api.wait_sent(chat, count + 2)[count:]
    assert "dài quá" in replies[0]["text"] and "chưa thấy nội dung" in replies[1]["text"]
    # Outbound text is plain: no parse mode, so tags are never interpreted by Telegram.
    assert all("parse_mode" not in m for m in api.sent(chat))


def group_update(update_id: int, chat_id: int, text: str, kind: str) -> dict[str, Any]:
    update = text_update(update_id, chat_id, text)
    update["message"]["chat"] = {"id": chat_id, "type": kind, "title": "Nhóm gia đình"}
    update["message"]["from"]["id"] = 424242
    return update


@pytest.mark.parametrize("kind", ["group", "supergroup", "channel"])
def test_group_chats_are_refused_once_and_nothing_is_routed(
    hub: HubProcess, api: FakeBotApi, kind: str
) -> None:
    chat = -new_chat()  # groups have negative ids
    first = 12_000 + next(_ids) * 10
    opening = group_update(first, chat, "Số dư thẻ của tôi?", kind)
    assert post_update(hub, opening).status_code == 200
    refusal = api.wait_sent(chat, 1)
    assert "trò chuyện riêng" in refusal[0]["text"]
    for offset, text in enumerate(["Cho tôi gặp nhân viên", "/start"], start=1):
        update = group_update(first + offset, chat, text, kind)
        assert post_update(hub, update).status_code == 200
    sticker = sticker_update(first + 3, chat)
    sticker["message"]["chat"] = {"id": chat, "type": kind, "title": "Nhóm gia đình"}
    assert post_update(hub, sticker).status_code == 200
    time.sleep(0.5)
    assert len(api.sent(chat)) == 1  # one polite reply, not one per message
    agent = Agent(hub)
    for text in ("Số dư thẻ của tôi?", "Cho tôi gặp nhân viên"):
        with pytest.raises(AssertionError):
            agent.conversation_with(text)


def test_malformed_updates_with_the_right_secret_get_400(hub: HubProcess, api: FakeBotApi) -> None:
    chat = new_chat()
    message_is_a_string = {"update_id": 13_001, "message": "just a string"}
    no_chat = text_update(13_002, chat, "không có chat")
    del no_chat["message"]["chat"]
    integer_text = text_update(13_003, chat, "")
    integer_text["message"]["text"] = 12345
    button_without_sender = button_update(13_004, chat, "m1:0")
    del button_without_sender["callback_query"]["from"]
    for update in (message_is_a_string, no_chat, integer_text, button_without_sender):
        response = post_update(hub, update)
        assert response.status_code == 400, (update, response.text)
    time.sleep(0.3)
    assert api.sent(chat) == []
    # The channel still works for well-formed updates.
    good = text_update(13_005, chat, "Xin chào, tôi cần hỗ trợ")
    assert post_update(hub, good).status_code == 200
    assert api.wait_sent(chat, 1)[0]["text"].startswith("ℹ️ Xin lỗi")


# -- polling mode ----------------------------------------------------------------------------------
def test_polling_mode_uses_the_same_hub(tmp_path: Path, shared_index_dir: Path) -> None:
    api = FakeBotApi().start()
    hub = start_hub(tmp_path, shared_index_dir, api, "polling")
    try:
        chat = new_chat()
        api.push_update(text_update(9001, chat, "Xin chào, tôi cần hỗ trợ"))
        replies = api.wait_sent(chat, 2)
        assert replies[0]["text"].startswith("ℹ️ Xin lỗi")
        assert "deleteWebhook" in api.methods() and "getUpdates" in api.methods()
        time.sleep(1.5)  # later polls carry the offset: the update is not handled again
        assert len(api.sent(chat)) == 2
    finally:
        hub.stop()
        api.stop()


# -- with the trained dialogue model ----------------------------------------------------------
@pytest.mark.rasa
def test_vietnamese_conversation_with_the_bot(
    live_stack: tuple[HubProcess, RasaStack],
    tmp_path: Path,
    shared_index_dir: Path,
    api: FakeBotApi,
) -> None:
    _, rasa = live_stack
    hub = start_hub(tmp_path, shared_index_dir, api, "webhook", rasa=rasa)
    try:
        chat = new_chat()
        assert post_update(hub, text_update(8001, chat, "Xin chào")).status_code == 200
        greeting = api.wait_sent(chat, 1, timeout_s=40)
        assert not greeting[0]["text"].startswith("ℹ️")  # the bot answered, not the fallback
        count = len(greeting)
        assert (
            post_update(hub, text_update(8002, chat, "Tôi muốn gặp nhân viên")).status_code == 200
        )
        api.wait_sent(chat, count + 1, timeout_s=40)
        # Replies go out through the outbox, so the state is checked, not the reply count.
        wait_for(
            lambda: (
                Agent(hub).conversation_with("Tôi muốn gặp nhân viên")["conversation"]["state"]
                == "waiting"
            ),
            40,
        )
    finally:
        hub.stop()
