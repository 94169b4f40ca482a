"""The widget's HTTP and websocket API against a real hub process (Rasa down, so every new
conversation lands in the human queue): sessions, signed identity, history after a reload,
idempotent resend, and bad input over both transports."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from bot.api.widget_identity import sign_customer
from tests.support.clients import Agent
from tests.support.stack import HubProcess

SITE = "demo-bank"
SITE_SECRET = "test-site-secret-0123456789"
STATIC = Path(__file__).resolve().parents[2] / "bot" / "static"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path) -> Iterator[HubProcess]:
    proc = HubProcess(
        tmp_path_factory.mktemp("widget"),
        index_dir=shared_index_dir,
        extra_env={"TANDEM_WIDGET_SITES": json.dumps({SITE: SITE_SECRET})},
    )
    proc.init_db()
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def client(hub: HubProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.url, timeout=30) as http:
        yield http


def open_session(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/widget/session", json={"site": SITE, **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def history(client: httpx.Client, token: str) -> list[dict[str, Any]]:
    response = client.get("/api/widget/history", headers=bearer(token))
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def post(
    client: httpx.Client, token: str, text: Any, client_id: str | None = None
) -> httpx.Response:
    return client.post(
        "/api/widget/messages",
        json={"text": text, "client_id": client_id or uuid.uuid4().hex},
        headers=bearer(token),
    )


def raw_socket(hub: HubProcess) -> ClientConnection:
    return connect(f"{hub.url.replace('http', 'ws')}/api/widget/ws", open_timeout=10)


@contextmanager
def socket(hub: HubProcess, token: str) -> Iterator[ClientConnection]:
    """A widget websocket, authenticated the way the widget does: token in the first frame."""
    with raw_socket(hub) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(ws.recv(timeout=10))
        assert ready["type"] == "ready", ready
        yield ws


def frames_until(ws: ClientConnection, done: Any, timeout_s: float = 15) -> list[dict[str, Any]]:
    """Frames received until one satisfies ``done``."""
    seen = []
    while True:
        frame = json.loads(ws.recv(timeout=timeout_s))
        seen.append(frame)
        if done(frame):
            return seen


# -- sessions, identity, history ---------------------------------------------------------------
def test_reload_resumes_the_same_conversation(client: httpx.Client) -> None:
    first = open_session(client)
    reply = post(client, first["token"], "Thẻ của tôi bị khóa", "c-1")
    assert reply.status_code == 200
    body = reply.json()
    assert body["message"]["text"] == "Thẻ của tôi bị khóa"
    # Rasa is down: the customer is told so and queued, nothing is lost.
    assert body["replies"] and body["replies"][0]["sender"] == "system"

    # A reloaded page comes back with the resume token the hub issued, not an id of its own.
    reloaded = open_session(client, resume=first["resume"])
    messages = history(client, reloaded["token"])
    assert [m["text"] for m in messages][0] == "Thẻ của tôi bị khóa"
    assert {m["conversation_id"] for m in messages} == {body["conversation_id"]}
    assert (
        client.get("/api/widget/history", headers=bearer(reloaded["token"])).json()["state"]
        == "waiting"
    )

    stranger = open_session(client)
    assert history(client, stranger["token"]) == []


def test_signed_customer_identity_is_accepted(client: httpx.Client) -> None:
    session = open_session(client, customer_id="C001", signature=sign_customer(SITE_SECRET, "C001"))
    assert session["customer_id"] == "C001"
    other_device = open_session(
        client, customer_id="C001", signature=sign_customer(SITE_SECRET, "C001")
    )
    post(client, session["token"], "Hello, when is my card payment due?", "signed-1")
    # The customer's thread follows the customer, not the browser.
    assert [m["text"] for m in history(client, other_device["token"])][0].startswith("Hello")


@pytest.mark.parametrize(
    "fields",
    [
        {"customer_id": "C001", "signature": sign_customer("wrong-secret", "C001")},
        {"customer_id": "C002", "signature": sign_customer(SITE_SECRET, "C001")},
        {"customer_id": "C001"},
        {"customer_id": "C001", "signature": ""},
    ],
    ids=["wrong-secret", "other-customer", "missing", "empty"],
)
def test_forged_customer_identity_is_rejected(client: httpx.Client, fields: dict[str, str]) -> None:
    response = client.post("/api/widget/session", json={"site": SITE, **fields})
    assert response.status_code == 403
    assert "token" not in response.json()


def test_unknown_site_and_bad_tokens_are_rejected(client: httpx.Client, hub: HubProcess) -> None:
    assert client.post("/api/widget/session", json={"site": "evil-bank"}).status_code == 404
    assert client.get("/api/widget/history", headers=bearer("forged.token")).status_code == 401
    assert post(client, "forged.token", "hi").status_code == 401
    # A forged token in the auth frame: the socket is closed with a reason.
    with raw_socket(hub) as ws:
        ws.send(json.dumps({"type": "auth", "token": "forged.token"}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    assert "token" in closed.value.rcvd.reason


# -- idempotent intake --------------------------------------------------------------------------
def test_resent_message_is_stored_once(client: httpx.Client, hub: HubProcess) -> None:
    token = open_session(client)["token"]
    first = post(client, token, "Phí thường niên bao nhiêu?", "same-id").json()
    again = post(client, token, "Phí thường niên bao nhiêu?", "same-id").json()
    assert again["duplicate"] is True
    assert again["message"]["id"] == first["message"]["id"]
    # A resend after a drop may come over the other transport: still one message.
    with socket(hub, token) as ws:
        ws.send(
            json.dumps(
                {"type": "message", "text": "Phí thường niên bao nhiêu?", "client_id": "same-id"}
            )
        )
        ack = frames_until(ws, lambda f: f["type"] == "ack")[-1]
    assert ack["duplicate"] is True and ack["message"]["id"] == first["message"]["id"]
    customer = [m for m in history(client, token) if m["sender"] == "customer"]
    assert [m["client_id"] for m in customer] == ["same-id"]


def test_websocket_pushes_replies_and_acks(client: httpx.Client, hub: HubProcess) -> None:
    token = open_session(client, language="en")["token"]
    with socket(hub, token) as ws:
        ws.send(json.dumps({"type": "message", "text": "I lost my card", "client_id": "ws-1"}))
        frames = frames_until(ws, lambda f: f["type"] == "ack")
        ack = frames[-1]
        # Stored and acknowledged first; typing and the hub's replies follow on the socket.
        frames += frames_until(
            ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "system"
        )
    senders = [f["message"]["sender"] for f in frames if f["type"] == "message"]
    assert senders[0] == "customer" and "system" in senders
    assert "typing" in [f["type"] for f in frames]
    system = next(
        f["message"]
        for f in frames
        if f["type"] == "message" and f["message"]["sender"] == "system"
    )
    assert system["text"].startswith("Sorry")
    assert ack["client_id"] == "ws-1" and ack["message"]["text"] == "I lost my card"


# -- bad input ----------------------------------------------------------------------------------
BAD_TEXT = [
    ("", 422),
    ("   \n\t ", 422),
    ("\x00\x01\x7f", 422),
    ("x" * 4001, 413),
    ("x" * 200_000, 413),
    (12345, 422),
    (None, 422),
    (["a list"], 422),
]


@pytest.mark.parametrize(("text", "status"), BAD_TEXT, ids=lambda v: repr(v)[:20])
def test_bad_text_over_http_is_refused_and_nothing_stored(
    client: httpx.Client, text: Any, status: int
) -> None:
    token = open_session(client)["token"]
    response = post(client, token, text)
    assert response.status_code == status
    assert response.json()["detail"]
    assert history(client, token) == []


def test_malformed_requests_get_a_clear_4xx(client: httpx.Client) -> None:
    broken = client.post(
        "/api/widget/messages",
        content=b'{"token": "x", "text": ',
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and broken.json()["detail"]
    assert client.post("/api/widget/session", json={"language": "vi"}).status_code == 422
    assert client.post("/api/widget/session", json={"site": "<script>"}).status_code == 422
    assert client.get("/healthz").status_code == 200  # still serving


def test_bad_frames_over_websocket_keep_the_socket_open(
    client: httpx.Client, hub: HubProcess
) -> None:
    token = open_session(client)["token"]
    with socket(hub, token) as ws:
        ws.send("{not json")
        assert json.loads(ws.recv(timeout=10))["code"] == "malformed"
        ws.send(json.dumps({"type": "shout", "text": "hi"}))
        assert json.loads(ws.recv(timeout=10))["code"] == "malformed"
        ws.send(json.dumps(["message"]))
        assert json.loads(ws.recv(timeout=10))["code"] == "malformed"
        for text, code in [
            ("", "empty"),
            ("\u200b\x07", "empty"),
            ("y" * 5000, "too_long"),
            (42, "not_text"),
        ]:
            ws.send(json.dumps({"type": "message", "text": text, "client_id": f"bad-{code}"}))
            error = json.loads(ws.recv(timeout=10))
            assert (error["type"], error["code"], error["client_id"]) == (
                "error",
                code,
                f"bad-{code}",
            )
        ws.send(json.dumps({"type": "message", "text": "Còn kết nối không?", "client_id": "good"}))
        ack = frames_until(ws, lambda f: f["type"] == "ack")[-1]
    assert ack["message"]["text"] == "Còn kết nối không?"
    assert [m["client_id"] for m in history(client, token) if m["sender"] == "customer"] == ["good"]


def test_markup_nfd_and_control_characters_are_stored_as_clean_text(client: httpx.Client) -> None:
    token = open_session(client)["token"]
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    nfd = unicodedata.normalize("NFD", "Tôi muốn gặp nhân viên")
    assert nfd != "Tôi muốn gặp nhân viên"
    stored = [
        post(client, token, script).json()["message"]["text"],
        post(client, token, nfd).json()["message"]["text"],
        post(client, token, "Số\x07 thẻ\x1b 4821\u200b").json()["message"]["text"],
    ]
    assert stored == [script, "Tôi muốn gặp nhân viên", "Số thẻ 4821"]
    assert [m["text"] for m in history(client, token) if m["sender"] == "customer"] == stored


# -- assets and demo page -------------------------------------------------------------------------
def test_widget_assets_and_demo_pages(client: httpx.Client) -> None:
    script = client.get("/widget/tandem-widget.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/widget/tandem-widget.css").headers["content-type"].startswith("text/css")
    # Message text is rendered as text; markup from customers or agents never runs.
    assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text

    page = client.get("/demo").text
    assert page.count("<script src=") == 1 and 'data-site="demo-bank"' in page
    # One hotline everywhere: the page shows the number the bot gives (TANDEM_HOTLINE).
    assert "<strong>1900 6868</strong>" in page and "1900 0000" not in page

    signed = client.get("/demo/signed-in").text
    match = re.search(r'data-customer-id="(\w+)" data-signature="([0-9a-f]{64})"', signed)
    assert match, "the signed-in page must carry a signed customer id"
    assert SITE_SECRET not in signed
    session = open_session(client, customer_id=match.group(1), signature=match.group(2))
    assert session["customer_id"] == "C001"


# -- the language button -----------------------------------------------------------------------
def _conversation_language(hub: HubProcess, conv_id: int) -> str:
    """The conversation's language as the agent panel reads it."""
    return str(Agent(hub.url, "linh").conversation(conv_id)["conversation"]["language"])


def test_language_button_switches_the_open_conversation(
    client: httpx.Client, hub: HubProcess
) -> None:
    token = open_session(client, language="vi")["token"]
    conv_id = post(client, token, "Tôi bị mất thẻ").json()["conversation_id"]
    assert _conversation_language(hub, conv_id) == "vi"

    switched = client.post("/api/widget/language", json={"language": "en"}, headers=bearer(token))
    assert switched.status_code == 200, switched.text
    assert (switched.json()["language"], switched.json()["conversation_id"]) == ("en", conv_id)
    assert _conversation_language(hub, conv_id) == "en"
    # The token handed back speaks for the same thread, now in English.
    assert {m["conversation_id"] for m in history(client, switched.json()["token"])} == {conv_id}

    # Another visitor's token reaches only its own thread, which has no open conversation.
    other = open_session(client, language="en")["token"]
    theirs = client.post("/api/widget/language", json={"language": "vi"}, headers=bearer(other))
    assert theirs.status_code == 200 and theirs.json()["conversation_id"] is None
    assert _conversation_language(hub, conv_id) == "en"


@pytest.mark.parametrize("body", [{"language": "fr"}, {"language": ""}, {"language": 5}, {}])
def test_language_switch_refuses_bad_values(
    client: httpx.Client, hub: HubProcess, body: Any
) -> None:
    token = open_session(client, language="vi")["token"]
    conv_id = post(client, token, "Cho tôi hỏi phí thường niên").json()["conversation_id"]
    refused = client.post("/api/widget/language", json=body, headers=bearer(token))
    assert refused.status_code == 422 and refused.json()["detail"]
    unsigned = client.post("/api/widget/language", json={"language": "en"})
    assert unsigned.status_code == 401
    assert _conversation_language(hub, conv_id) == "vi"


def test_language_frame_over_websocket(client: httpx.Client, hub: HubProcess) -> None:
    token = open_session(client, language="vi")["token"]
    conv_id = post(client, token, "Thẻ của tôi bị khoá").json()["conversation_id"]
    with socket(hub, token) as ws:
        ws.send(json.dumps({"type": "language", "language": "de"}))
        error = frames_until(ws, lambda f: f["type"] == "error")[-1]
        assert error["code"] == "invalid"
        ws.send(json.dumps({"type": "language", "language": "en"}))
        frames = frames_until(ws, lambda f: f["type"] == "token")
    done = next(f for f in frames if f["type"] == "language")
    assert (done["language"], done["conversation_id"]) == ("en", conv_id)
    assert _conversation_language(hub, conv_id) == "en"
    assert history(client, frames[-1]["token"])  # the pushed token reads the same thread
