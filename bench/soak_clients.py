"""The people the soak benchmark plays: widget customers (HTTP and websocket), raw Rasa
customers (the webhook channels' customers are in soak_webhooks.py, the agents in
soak_agents.py).

Every customer sends its messages one after another, waits for an answer (or gives up
after a bounded wait), pauses as a person typing would, and retries a message the hub did
not acknowledge with the same client id (as the widget and Telegram do), so a restarted
hub must neither lose nor duplicate it. What each client saw is kept in `Sent` records;
the benchmark compares them with the hub's database afterwards.

How a widget session token travels is in `WidgetAuth` (bench/widget_auth.py) only, so a
change of the widget API is one edit there.
"""

from __future__ import annotations

import contextlib
import functools
import json
import queue
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect
from widget_auth import WidgetAuth

SITE = "demo-bank"
AGENT_TEXT = {
    "vi": "Dạ, em là nhân viên Sen Vàng, em đã nhận câu hỏi và hỗ trợ anh/chị ngay ạ.",
    "en": "Hello, this is Golden Lotus Bank; I have your question and will help now.",
}
AGENT_TEXT_STARTS = tuple(AGENT_TEXT.values())
# A person reading the answer and typing the next message.
THINK_S = (0.3, 1.0)
RETRY_S = 0.5


@dataclass
class Sent:
    """One customer message as its client saw it."""

    key: str  # the id the client gave it (widget client id, Telegram update id)
    channel: str  # web-http | web-ws | telegram | raw-rasa
    customer: int
    text: str
    t_sent: float = 0.0  # monotonic time of the first attempt
    wall_sent: float = 0.0
    acked: bool = False
    message_id: int | None = None
    t_reply: float | None = None  # first bot or agent reply to it the client saw
    reply_sender: str | None = None  # "bot" or "agent"
    # The hub's own notices ("the assistant has a problem", a queue position) answer
    # nothing: the first one is kept apart, by kind (bot/i18n/texts.py key).
    t_notice: float | None = None
    notice_kind: str | None = None

    @property
    def latency_ms(self) -> float | None:
        return None if self.t_reply is None else (self.t_reply - self.t_sent) * 1000

    def see(self, sender: str | None, text: str | None = None) -> None:
        """Note an outbound message that addresses this one: a bot or agent reply answers
        it; anything else is a notice."""
        if sender in ("bot", "agent"):
            if self.t_reply is None:
                self.t_reply, self.reply_sender = time.monotonic(), sender
        elif self.t_notice is None:
            self.t_notice, self.notice_kind = time.monotonic(), notice_kind(text or "")


@functools.cache
def _notice_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Every hub text (bot/i18n/texts.py) as a pattern: its placeholders match anything, so a
    notice that starts with one ("{agent} joined") is known too. A template with too few
    words of its own to tell it from a bot answer is left out."""
    from bot.i18n.texts import TEXTS

    patterns = []
    for key, variants in TEXTS.items():
        for text in variants.values():
            literal = re.sub(r"\{[^{}]*\}", "", text)
            if len(literal.strip()) < 12:
                continue
            parts = re.split(r"\{[^{}]*\}", text.strip())
            pattern = ".+?".join(re.escape(p) for p in parts)
            patterns.append((re.compile(pattern, re.S), key))
    return tuple(patterns)


def notice_kind(text: str) -> str:
    """The hub notice a text is (its bot/i18n/texts.py key), else "other"."""
    for pattern, key in _notice_patterns():
        if pattern.match(text):
            return key
    return "other"


@dataclass
class Shared:
    """What every client thread reports into, and the run's deadline."""

    hub_url: str
    deadline: float
    reply_wait_s: float
    records: list[Sent] = field(default_factory=list)
    http_5xx: int = 0
    http_5xx_by_status: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    progress: int = 0  # messages acknowledged so far (drives --kill)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sent: Sent) -> Sent:
        with self.lock:
            self.records.append(sent)
        return sent

    def status(self, code: int) -> None:
        if code >= 500:
            with self.lock:
                self.http_5xx += 1
                self.http_5xx_by_status[code] = self.http_5xx_by_status.get(code, 0) + 1

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def acked(self) -> None:
        with self.lock:
            self.progress += 1

    def left(self) -> float:
        return self.deadline - time.monotonic()


def think(shared: Shared, rng: random.Random) -> None:
    time.sleep(max(0.0, min(rng.uniform(*THINK_S), shared.left())))


# -- the widget ------------------------------------------------------------------------------
def open_widget_session(shared: Shared, http: httpx.Client, visitor: str, mode: str) -> WidgetAuth:
    while shared.left() > 0:
        try:
            response = http.post("/api/widget/session", json={"site": SITE})
            shared.status(response.status_code)
            if response.status_code == 200:
                return WidgetAuth(response.json()["token"], mode)
        except httpx.HTTPError:
            shared.error("session")
        time.sleep(RETRY_S)
    raise TimeoutError("no widget session before the deadline")


def answers(event_msg: dict[str, Any], sent: Sent, own_seq: int | None) -> bool:
    """Is this outbound message an answer to `sent`? Bot and system replies name the message
    they answer; an agent's reply answers whatever the customer wrote before it."""
    if event_msg.get("sender") in (None, "customer"):
        return False
    if sent.message_id is not None and event_msg.get("reply_to") == sent.message_id:
        return True
    return (
        event_msg.get("sender") == "agent"
        and own_seq is not None
        and int(event_msg.get("seq") or 0) > own_seq
    )


class HttpCustomer:
    """Sends over `POST /api/widget/messages`; reads answers from the response or, when the
    response carries none, from `GET /api/widget/history`."""

    channel = "web-http"

    def __init__(self, shared: Shared, n: int, script: list[str], auth_mode: str) -> None:
        self.shared, self.n, self.script, self.auth_mode = shared, n, script, auth_mode
        self.rng = random.Random(n)

    def run(self) -> None:
        http = httpx.Client(base_url=self.shared.hub_url, timeout=60)
        auth = open_widget_session(self.shared, http, f"soak-http-{self.n}", self.auth_mode)
        for text in self.script:
            if self.shared.left() <= 0:
                return
            sent = self.shared.add(Sent(uuid.uuid4().hex, self.channel, self.n, text))
            sent.t_sent, sent.wall_sent = time.monotonic(), time.time()
            own_seq = None
            while not sent.acked and self.shared.left() > 0:
                try:
                    response = http.post(
                        "/api/widget/messages",
                        json=auth.body({"text": text, "client_id": sent.key}),
                        headers=auth.headers(),
                    )
                    self.shared.status(response.status_code)
                    if response.status_code == 200:
                        body = response.json()
                        sent.acked, sent.message_id = True, int(body["message"]["id"])
                        own_seq = body["message"].get("seq")
                        self.shared.acked()
                        for reply in body.get("replies") or []:
                            if answers(reply, sent, own_seq):
                                sent.see(reply["sender"], reply.get("text"))
                        continue
                except httpx.HTTPError:
                    self.shared.error("widget-http")
                time.sleep(RETRY_S)
            self._wait_answer(http, auth, sent, own_seq)
            think(self.shared, self.rng)

    def _wait_answer(
        self, http: httpx.Client, auth: WidgetAuth, sent: Sent, own_seq: int | None
    ) -> None:
        until = time.monotonic() + min(self.shared.reply_wait_s, max(0.0, self.shared.left()))
        while sent.acked and sent.t_reply is None and time.monotonic() < until:
            try:
                response = http.get(
                    "/api/widget/history", params=auth.params(), headers=auth.headers()
                )
                self.shared.status(response.status_code)
                if response.status_code == 200:
                    for msg in response.json().get("messages") or []:
                        if answers(msg, sent, own_seq):
                            sent.see(msg["sender"], msg.get("text"))
                    if sent.t_reply is not None:
                        return
            except httpx.HTTPError:
                self.shared.error("widget-history")
            time.sleep(0.3)


class WsCustomer:
    """Sends frames over `/api/widget/ws` and reads acknowledgements and answers pushed on
    the same socket; reconnects and resends unacknowledged messages when it drops."""

    channel = "web-ws"

    def __init__(self, shared: Shared, n: int, script: list[str], auth_mode: str) -> None:
        self.shared, self.n, self.script, self.auth_mode = shared, n, script, auth_mode
        self.rng = random.Random(n)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ws: ClientConnection | None = None

    def _connect(self, auth: WidgetAuth) -> ClientConnection | None:
        try:
            ws = connect(auth.ws_url(self.shared.hub_url), open_timeout=10)
            auth.ws_hello(ws)
            return ws
        except (OSError, WebSocketException, TimeoutError):
            self.shared.error("widget-ws-connect")
            return None

    def _recv(self, timeout: float) -> dict[str, Any] | None:
        if self.ws is None:
            return None
        try:
            raw = self.ws.recv(timeout=max(0.05, timeout))
        except TimeoutError:
            return None
        except (OSError, WebSocketException):
            self.shared.error("widget-ws-drop")
            self._close()
            return None
        try:
            event = json.loads(raw)
        except ValueError:
            return None
        return event if isinstance(event, dict) else None

    def _close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close()
        self.ws = None

    def run(self) -> None:
        http = httpx.Client(base_url=self.shared.hub_url, timeout=60)
        auth = open_widget_session(self.shared, http, f"soak-ws-{self.n}", self.auth_mode)
        try:
            for text in self.script:
                if self.shared.left() <= 0:
                    return
                sent = self.shared.add(Sent(uuid.uuid4().hex, self.channel, self.n, text))
                sent.t_sent, sent.wall_sent = time.monotonic(), time.time()
                self._exchange(auth, sent)
                think(self.shared, self.rng)
        finally:
            self._close()

    def _history(self, auth: WidgetAuth) -> list[dict[str, Any]]:
        """The conversation's outbound messages so far (GET /api/widget/history)."""
        try:
            with httpx.Client(base_url=self.shared.hub_url, timeout=30) as http:
                response = http.get(
                    "/api/widget/history", params=auth.params(), headers=auth.headers()
                )
            self.shared.status(response.status_code)
            if response.status_code == 200:
                messages = response.json().get("messages") or []
                return [m for m in messages if m.get("sender") != "customer"]
        except httpx.HTTPError:
            self.shared.error("widget-history")
        return []

    def _exchange(self, auth: WidgetAuth, sent: Sent) -> None:
        own_seq: int | None = None
        pending: list[dict[str, Any]] = []  # outbound messages seen before our message id
        answer_until: float | None = None
        frame = json.dumps({"type": "message", "text": sent.text, "client_id": sent.key})
        resend_at = 0.0
        while self.shared.left() > 0:
            now = time.monotonic()
            if sent.acked and answer_until is None:
                answer_until = now + self.shared.reply_wait_s
            if sent.acked and (sent.t_reply is not None or now >= (answer_until or now)):
                return
            if not sent.acked and now >= resend_at:
                if self.ws is None:
                    self.ws = self._connect(auth)
                if self.ws is not None:
                    with contextlib.suppress(OSError, WebSocketException):
                        self.ws.send(frame)
                resend_at = now + 15  # no acknowledgement by then: send again
            elif sent.acked and self.ws is None:
                # Dropped after the acknowledgement (a hub restart): like the widget,
                # reconnect and catch up on what was pushed meanwhile from the history.
                self.ws = self._connect(auth)
                if self.ws is None:
                    time.sleep(RETRY_S)
                    continue
                for reply in self._history(auth):
                    if sent.message_id is not None and answers(reply, sent, own_seq):
                        sent.see(reply["sender"], reply.get("text"))
                continue
            event = self._recv(0.5)
            if event is None:
                if self.ws is None:
                    time.sleep(RETRY_S)
                    resend_at = 0.0
                continue
            msg = event.get("message") if isinstance(event.get("message"), dict) else None
            if event.get("type") == "ack" and event.get("client_id") == sent.key and msg:
                if not sent.acked:
                    sent.acked, sent.message_id = True, int(msg["id"])
                    own_seq = msg.get("seq")
                    self.shared.acked()
            elif event.get("type") == "message" and msg:
                if msg.get("client_id") == sent.key and msg.get("sender") == "customer":
                    sent.message_id, own_seq = int(msg["id"]), msg.get("seq")
                elif msg.get("sender") != "customer":
                    pending.append(msg)
            if sent.message_id is not None and sent.t_reply is None:
                for reply in pending:
                    if answers(reply, sent, own_seq):
                        sent.see(reply["sender"], reply.get("text"))
                pending.clear()


# -- raw Rasa --------------------------------------------------------------------------------
class RawRasaCustomer:
    """The same script straight to Rasa's REST channel, with its own sender id."""

    channel = "raw-rasa"

    def __init__(self, shared: Shared, n: int, script: list[str], rasa_url: str, run: str) -> None:
        self.shared, self.n, self.script, self.rasa_url = shared, n, script, rasa_url
        self.rng = random.Random(n)
        self.sender = f"soak-raw-{run}-{n}"

    def run(self) -> None:
        http = httpx.Client(timeout=60)
        for i, text in enumerate(self.script):
            if self.shared.left() <= 0:
                return
            sent = self.shared.add(Sent(f"{self.sender}-{i}", self.channel, self.n, text))
            sent.t_sent, sent.wall_sent = time.monotonic(), time.time()
            try:
                response = http.post(
                    f"{self.rasa_url}/webhooks/rest/webhook",
                    json={
                        "sender": self.sender,
                        "message": text,
                        "metadata": {"channel": "web", "language": None, "customer_id": None},
                    },
                )
                sent.acked = response.status_code == 200
                if sent.acked and response.json():
                    sent.t_reply, sent.reply_sender = time.monotonic(), "bot"
            except httpx.HTTPError:
                self.shared.error("raw-rasa")
            think(self.shared, self.rng)
