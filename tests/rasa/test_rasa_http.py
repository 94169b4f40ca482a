"""Conversations over HTTP with the real Rasa server, action server and hub.

Usage (in the Rasa environment, after `rasa train --out models/rasa`):
    .venv-rasa/bin/python -m pytest tests/rasa --confcutdir tests/rasa -m rasa

Messages go through Rasa's REST channel exactly as the hub sends them (with its
metadata); a handoff comes back as the `custom` payload the hub queues.
"""

from __future__ import annotations

import os
import signal
import subprocess
import unicodedata
import urllib.error
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

requests = pytest.importorskip("requests")

from tests.actions.processes import (  # noqa: E402
    ROOT,
    SERVICE_TOKEN,
    TANDEM,
    Hub,
    free_port,
    get_json,
    wait_until,
)

pytestmark = pytest.mark.rasa

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL_DIR = ROOT / "models" / "rasa"


def _model() -> Path | None:
    models = sorted(MODEL_DIR.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


class Bot:
    """The Rasa server and action server, pointed at one hub."""

    def __init__(self, workdir: Path, hub_url: str, model: Path) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.action_port = free_port()
        self.workdir = workdir
        self.model = model
        self.env = {
            **os.environ,
            "TANDEM_HUB_URL": hub_url,
            "TANDEM_SERVICE_TOKEN": SERVICE_TOKEN,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONPATH": str(ROOT),
        }
        self.procs: list[subprocess.Popen] = []

    def start(self) -> None:
        # In-memory tracker store: tests must not write into var/.
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(
            f"action_endpoint:\n  url: http://127.0.0.1:{self.action_port}/webhook\n",
            encoding="utf-8",
        )
        self.procs.append(
            self._spawn(
                "actions.log",
                [
                    str(RASA),
                    "run",
                    "actions",
                    "--port",
                    str(self.action_port),
                    "--actions",
                    "actions",
                ],
            )
        )
        self.procs.append(
            self._spawn(
                "rasa.log",
                [
                    str(RASA),
                    "run",
                    "-m",
                    str(self.model),
                    "--enable-api",
                    "--port",
                    self.url.rsplit(":", 1)[1],
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(ROOT / "credentials.yml"),
                ],
            )
        )
        actions_up = wait_until(
            lambda: get_json(f"http://127.0.0.1:{self.action_port}/health"), 120, self.procs[0]
        )
        rasa_up = wait_until(self._model_loaded, 300, self.procs[1])
        if not (actions_up and rasa_up):
            self.stop()
            raise RuntimeError(f"Rasa did not start; see logs in {self.workdir}")

    def _model_loaded(self) -> bool:
        try:
            return bool(get_json(f"{self.url}/status"))
        except urllib.error.HTTPError as exc:
            if exc.code == 409:  # up, but the model failed to load: waiting will not help
                raise RuntimeError(f"Rasa could not load {self.model}; see {self.workdir}") from exc
            raise

    def _spawn(self, log: str, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=(self.workdir / log).open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        self.procs = []


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    model = _model()
    if not RASA.exists() or model is None:
        pytest.skip("needs .venv-rasa and a trained model in models/rasa")
    if not TANDEM.exists():
        pytest.skip(f"{TANDEM} is absent: the hub is needed for the actions")
    workdir = tmp_path_factory.mktemp("bot")
    hub = Hub(workdir)
    hub.start()
    running = Bot(workdir, hub.url, model)
    running.hub = hub  # type: ignore[attr-defined]
    try:
        running.start()
        yield running
    finally:
        running.stop()
        hub.stop()


class Chat:
    """One conversation: a fresh sender id and the hub's metadata on every message."""

    def __init__(self, bot: Bot, customer_id: str | None = None, language: str | None = None):
        self.bot = bot
        # A signed-in customer talks in a hub conversation the site signed for them: the
        # hub shows account data only to that conversation (or after a one-time code).
        self.sender = (
            bot.hub.signed_in_sender(customer_id)  # type: ignore[attr-defined]
            if customer_id
            else f"test-{uuid.uuid4().hex[:12]}"
        )
        self.metadata = {
            "customer_id": customer_id,
            "language": language,
            "channel": "web",
            "conversation_id": None,
        }

    def say(self, text: str) -> list[dict[str, Any]]:
        response = requests.post(
            f"{self.bot.url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text, "metadata": self.metadata},
            timeout=60,
        )
        assert response.status_code == 200, response.text[:500]
        replies = response.json()
        assert isinstance(replies, list)
        return replies


def said(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def handoff(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and "handoff" in custom:
            return custom["handoff"]
    return None


def test_greeting_in_both_languages(bot: Bot) -> None:
    assert "Sen Vàng" in said(Chat(bot).say("xin chào"))
    assert "Golden Lotus" in said(Chat(bot, language="en").say("hello there"))


def test_lost_card_is_blocked_in_vietnamese(bot: Bot) -> None:
    chat = Chat(bot)
    assert "số điện thoại đã đăng ký" in said(chat.say("tôi bị mất thẻ tín dụng"))
    assert "4 số cuối" in said(chat.say("0901 234 567"))
    assert "ngày sinh" in said(chat.say("4821"))
    reply = said(chat.say("14/03/1988"))
    assert "đã được khoá" in reply and "BLK-" in reply


def test_handoff_in_the_middle_of_a_form_sends_the_packet(bot: Bot) -> None:
    chat = Chat(bot, language="en")
    assert "phone number registered" in said(chat.say("I lost my card"))
    assert "last 4 digits" in said(chat.say("0934567890"))
    chat.say("5560")
    replies = chat.say("talk to an agent")
    packet = handoff(replies)
    assert packet is not None, replies
    assert packet["reason"] == "form_abandoned"
    assert packet["slots"]["card_last4"] == "5560"
    assert packet["language"] == "en"
    assert "connecting you with a person" in said(replies)
    # The bot is paused: the hub routes the next messages to the agent.
    assert chat.say("hello?") == []


def test_signed_in_customer_gets_the_due_date(bot: Bot) -> None:
    chat = Chat(bot, customer_id="C002", language="vi")
    reply = said(chat.say("khi nào đến hạn thanh toán thẻ của tôi"))
    assert "10/12/2026" in reply and "38.900.000 ₫" in reply


def test_call_back_is_recorded_and_checked(bot: Bot) -> None:
    chat = Chat(bot)
    chat.say("gọi lại cho tôi")
    chat.say("0901234567")
    booked = said(chat.say("chiều mai"))
    assert "CB-" in booked
    reference = booked.split("(mã ")[1].split(")")[0]
    assert reference in said(chat.say("lịch gọi lại của tôi thế nào rồi"))


def test_fallback_ladder_ends_with_a_person(bot: Bot) -> None:
    chat = Chat(bot)
    first = chat.say("thời tiết hôm nay thế nào")
    assert said(first) and handoff(first) is None
    second = chat.say("kể chuyện cười đi")
    assert any(r.get("buttons") for r in second), second
    third = chat.say("kết quả bóng đá tối qua thế nào")
    packet = handoff(third)
    assert packet is not None and packet["reason"] == "fallback"
    assert packet["failed_turns"][:2] == ["thời tiết hôm nay thế nào", "kể chuyện cười đi"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a" * 100_000,
        "giao dịch lạ trên thẻ " * 5000,
        "🙂",
        unicodedata.normalize("NFD", "tôi muốn hỏi phí thường niên"),
        "<img src=x onerror=alert(1)><b>hi</b>",
    ],
    ids=["empty", "100kB", "100kB-words", "emoji", "nfd", "html"],
)
def test_bad_input_gets_an_answer_and_nothing_crashes(bot: Bot, text: str) -> None:
    chat = Chat(bot)
    replies = chat.say(text)
    if text:
        assert replies, "every non-empty message gets a reply"
    # The conversation still works afterwards, and a person is still one message away.
    assert handoff(chat.say("cho tôi gặp nhân viên")) is not None


def test_one_message_call_back_is_booked_and_the_window_confirmed(bot: Bot) -> None:
    chat = Chat(bot, language="en")
    reply = said(chat.say("Could you call me back? My number is 0934567890, tomorrow at 3pm"))
    assert "Your call-back is booked" in reply, reply
    assert "0934567890" in reply and "between 15:00 and 16:00" in reply


def test_fraud_report_ends_with_the_card_blocked_and_an_urgent_handoff(bot: Bot) -> None:
    chat = Chat(bot)
    offer = chat.say(
        "Tôi vừa thấy giao dịch lạ 5 triệu trên thẻ, không phải tôi giao dịch, chắc bị lừa đảo rồi"
    )
    assert "khoá thẻ" in said(offer) and any(r.get("buttons") for r in offer), offer
    assert "số điện thoại đã đăng ký" in said(chat.say("/affirm"))
    assert "4 số cuối" in said(chat.say("0901234567"))
    chat.say("4821")
    replies = chat.say("14/03/1988")
    assert "Thẻ đuôi 4821 đã được khoá" in said(replies), replies
    packet = handoff(replies)
    assert packet is not None and packet["reason"] == "fraud"
    assert packet["slots"]["card_blocked"] is True
    assert chat.say("alo?") == []


def test_gibberish_never_changes_the_language(bot: Bot) -> None:
    chat = Chat(bot, language="vi")
    for text in ("asdkj qwe", "hjhj xkcd"):
        reply = said(chat.say(text))
        assert reply and "Sorry" not in reply and "Would you like" not in reply, reply
    assert "Mình đang chuyển bạn tới nhân viên" in said(chat.say("ok cho gặp nhân viên"))


def test_thanks_bye_closes_politely(bot: Bot) -> None:
    assert "Goodbye" in said(Chat(bot, language="en").say("thanks, bye"))
    assert "Tạm biệt" in said(Chat(bot).say("cảm ơn, tạm biệt"))
