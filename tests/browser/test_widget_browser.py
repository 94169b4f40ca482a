"""The website widget in a real browser (Debian Chromium driven by Playwright): open the demo
bank page, chat, ask for a person, get an agent's reply, drop the network, reload, and see
the whole history. A screenshot is kept in tests/artifacts/widget.png."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.stack import DEMO_PASSWORD, HubProcess, RasaStack

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SITE = "demo-bank"


class Agent:
    """An agent working through the panel's HTTP API."""

    def __init__(self, hub_url: str, username: str = "linh") -> None:
        self.http = httpx.Client(base_url=hub_url, timeout=30)
        login = self.http.post(
            "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        )
        login.raise_for_status()
        self.http.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        self.name = login.json()["user"]["display_name"]
        self.http.post("/api/agents/me/status", json={"online": True}).raise_for_status()

    def claim_and_reply(self, conv_id: int, text: str) -> None:
        self.http.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
        reply = self.http.post(f"/api/conversations/{conv_id}/messages", json={"text": text})
        reply.raise_for_status()

    def close(self) -> None:
        self.http.post("/api/agents/me/status", json={"online": False})
        self.http.close()


def widget_thread(page: Any, hub_url: str) -> dict[str, Any]:
    """The conversation behind the page's widget, read the way a reloaded page reads it."""
    # The hub's resume token, which the widget keeps, leads back to the same thread.
    resume = page.evaluate(f"JSON.parse(localStorage.getItem('tandem:{SITE}:resume'))")
    assert resume, "the widget must keep the resume token the hub gave it"
    session = httpx.post(f"{hub_url}/api/widget/session", json={"site": SITE, "resume": resume})
    token = session.json()["token"]
    return dict(
        httpx.get(
            f"{hub_url}/api/widget/history", headers={"Authorization": f"Bearer {token}"}
        ).json()
    )


def wait_for_state(page: Any, hub_url: str, state: str, timeout_s: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        thread = widget_thread(page, hub_url)
        if thread["state"] == state:
            return thread
        time.sleep(0.3)
    raise AssertionError(f"conversation never reached {state!r}: {thread}")


STYLED = """() => {
  const bubble = document.querySelector(".tw-msg--customer .tw-bubble");
  const bar = document.querySelector(".tw-humanbar");
  return Boolean(bubble && bar)
    && getComputedStyle(bubble).backgroundColor === "rgb(11, 93, 75)"
    && getComputedStyle(bar).display === "flex";
}"""


def journey(context: Any, hub_url: str, *, with_bot: bool) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Every address the page asks for: widget tokens must never be part of one.
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    page.goto(f"{hub_url}/demo")

    page.get_by_role("button", name="Mở cửa sổ trò chuyện").click()
    log = page.get_by_role("log")
    box = page.get_by_role("textbox", name="Tin nhắn của bạn")
    box.fill("Xin chào, thẻ <b>Sen Vàng</b> của tôi")
    box.press("Enter")
    # Customer text is shown as typed: the tags are text, not markup.
    customer = page.locator(".tw-msg--customer .tw-bubble").last
    customer.get_by_text("<b>Sen Vàng</b>", exact=False).wait_for()
    assert page.locator(".tw-msg--customer .tw-bubble b").count() == 0
    # Each of the widget's style sheets reaches the page (the base one sets the brand colour,
    # the messages sheet colours the customer's bubble with it, the composer sheet lays out
    # the bar with the "talk to a person" button). They load after the widget opens, so
    # wait for them to apply; a sheet that never loads fails here.
    page.wait_for_function(STYLED)
    if with_bot:
        # The first reply of a fresh stack also warms the embedding model: allow for it.
        page.locator(".tw-msg--bot:not(.tw-msg--welcome)").first.wait_for(timeout=60_000)
    else:
        page.locator(".tw-msg--system").first.wait_for()  # "assistant unavailable, queued"

    page.get_by_role("button", name="Gặp nhân viên").click()
    log.locator(".tw-msg--customer", has_text="Gặp nhân viên").wait_for()
    thread = wait_for_state(page, hub_url, "waiting") if with_bot else widget_thread(page, hub_url)
    conv_id = thread["messages"][-1]["conversation_id"]

    agent = Agent(hub_url)
    try:
        agent.claim_and_reply(conv_id, "Chào anh, em là Linh. Em kiểm tra thẻ giúp anh ngay ạ.")
        reply = page.locator(".tw-msg--agent", has_text="em là Linh")
        reply.wait_for()
        assert agent.name in reply.locator(".tw-who").inner_text()

        # Network drop: the message waits in the outbox and is delivered once on return.
        context.set_offline(True)
        page.wait_for_function("!navigator.onLine")
        box.fill("Tin nhắn gửi lúc mất mạng")
        box.press("Enter")
        page.locator(".tw-msg--pending", has_text="mất mạng").wait_for()
        context.set_offline(False)
        page.locator(".tw-msg--customer:not(.tw-msg--pending)", has_text="mất mạng").wait_for()
    finally:
        agent.close()

    page.reload()
    page.locator(".tw-msg--agent", has_text="em là Linh").wait_for()  # the panel reopens itself
    page.locator(".tw-msg--customer", has_text="mất mạng").wait_for()
    texts = [
        m["text"] for m in widget_thread(page, hub_url)["messages"] if m["sender"] == "customer"
    ]
    assert texts.count("Tin nhắn gửi lúc mất mạng") == 1
    assert page.locator(".tw-msg--agent .tw-who").first.inner_text().startswith(agent.name)
    assert page.locator(".tw-msg--pending").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / ("widget.png" if with_bot else "widget-no-bot.png")))
    assert errors == []
    assert any("/api/widget/ws" in url for url in urls)  # the live connection was used
    assert [url for url in urls if "token" in url] == []


@pytest.mark.rasa
def test_widget_with_bot_agent_reply_and_reload(
    live_stack: tuple[HubProcess, RasaStack], browser_context: Any
) -> None:
    hub, _ = live_stack
    journey(browser_context, hub.url, with_bot=True)


def test_widget_when_the_bot_is_down(hub_without_rasa: HubProcess, browser_context: Any) -> None:
    journey(browser_context, hub_without_rasa.url, with_bot=False)


# A browser on a network that blocks websockets: every connection attempt fails at once.
NO_WEBSOCKETS = """
window.WebSocket = function () {
  var socket = { readyState: 3, send: function () {}, close: function () {} };
  setTimeout(function () { if (socket.onclose) socket.onclose({ code: 1006 }); }, 10);
  return socket;
};
window.WebSocket.OPEN = 1;
"""


def test_widget_falls_back_to_http_on_a_phone_in_english(
    hub_without_rasa: HubProcess, browser_context: Any
) -> None:
    hub_url = hub_without_rasa.url
    page = browser_context.new_page()
    page.set_viewport_size({"width": 390, "height": 780})
    page.add_init_script(NO_WEBSOCKETS)
    page.goto(f"{hub_url}/demo")
    page.get_by_role("button", name="Mở cửa sổ trò chuyện").click()
    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("button", name="Talk to a person").wait_for()
    page.locator("#tandem-widget[data-connection='fallback']").wait_for()

    box = page.get_by_role("textbox", name="Your message")
    box.fill("My card was declined")
    box.press("Enter")
    page.locator(".tw-msg--system", has_text="Sorry").wait_for()  # the HTTP reply

    conv_id = widget_thread(page, hub_url)["messages"][0]["conversation_id"]
    agent = Agent(hub_url, "minh")
    try:
        agent.claim_and_reply(conv_id, "Hi, this is Minh. Let me check the decline reason.")
        page.locator(".tw-msg--agent", has_text="this is Minh").wait_for()  # found by polling
    finally:
        agent.close()
    assert page.locator(".tw-msg--customer", has_text="declined").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-mobile-en.png"))


def test_widget_says_it_is_reconnecting_while_the_hub_is_down(
    hub_without_rasa: HubProcess, browser_context: Any
) -> None:
    """Connected only while the hub answers: on the HTTP fallback as on the websocket."""
    hub = hub_without_rasa
    status = "#tandem-widget .tw-status"
    # Two pages: one whose network blocks websockets (the HTTP fallback), one live.
    fallback = browser_context.new_page()
    fallback.add_init_script(NO_WEBSOCKETS)
    live = browser_context.new_page()
    fallback.goto(f"{hub.url}/demo")
    fallback.get_by_role("button", name="Mở cửa sổ trò chuyện").click()
    live.goto(f"{hub.url}/demo")  # opens itself: the pages share the site's storage
    live.locator("#tandem-widget[data-state='open']").wait_for()
    fallback.locator("#tandem-widget[data-connection='fallback']").wait_for()
    assert fallback.locator(status).inner_text() == "Đã kết nối (chế độ dự phòng)"
    live.locator("#tandem-widget[data-connection='online']").wait_for()

    hub.stop()
    for page in (fallback, live):
        page.locator("#tandem-widget[data-connection='reconnecting']").wait_for(timeout=60_000)
        assert page.locator(status).inner_text() == "Đang kết nối lại…"
        assert "Đã kết nối" not in page.locator(status).inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    fallback.screenshot(path=str(ARTIFACTS / "widget-reconnecting.png"))

    hub.start()  # the same port and database: both pages come back on their own
    fallback.locator("#tandem-widget[data-connection='fallback']").wait_for(timeout=60_000)
    live.locator("#tandem-widget[data-connection='online']").wait_for(timeout=90_000)


def _switch_language_in_open_conversation(page: Any, hub_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{hub_url}/demo")
    page.get_by_role("button", name="Mở cửa sổ trò chuyện").click()
    box = page.get_by_role("textbox", name="Tin nhắn của bạn")
    box.fill("Thẻ của tôi bị từ chối")
    box.press("Enter")
    page.locator(".tw-msg--system").first.wait_for()  # the bot is down: queued for a person
    conv_id = widget_thread(page, hub_url)["messages"][0]["conversation_id"]
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    page.get_by_role("button", name="Switch to English").click()
    # The widget's own labels switch at once, in the same document.
    page.get_by_role("textbox", name="Your message").wait_for()
    page.get_by_role("button", name="Talk to a person").wait_for()
    page.get_by_role("button", name="Chuyển sang tiếng Việt").wait_for()
    # The hub took it: the open conversation is now in English, as the panel shows it.
    page.locator("#tandem-widget[data-hub-lang='en']").wait_for()
    assert page.evaluate("window.__sameDocument === true")
    agent = Agent(hub_url)
    try:
        conv = agent.http.get(f"/api/conversations/{conv_id}").json()["conversation"]
        assert conv["language"] == "en"
    finally:
        agent.close()
    assert errors == []


def test_language_button_switches_the_open_conversation_at_once(
    hub_without_rasa: HubProcess, browser_context: Any
) -> None:
    _switch_language_in_open_conversation(browser_context.new_page(), hub_without_rasa.url)


def test_language_button_switches_the_conversation_over_http_too(
    hub_without_rasa: HubProcess, browser_context: Any
) -> None:
    page = browser_context.new_page()
    page.add_init_script(NO_WEBSOCKETS)
    _switch_language_in_open_conversation(page, hub_without_rasa.url)
