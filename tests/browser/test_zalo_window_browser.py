"""The agent sees a Zalo conversation's reply window above the reply box, in a real
browser against a real hub and the local fake of Zalo's OA API: the time and free replies
left, the warning when it is closing, and, once it has closed, why a reply is not sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_panel_labels_browser import sign_in
from tests.channels.fake_platforms import FakeZaloApi, zalo_event
from tests.channels.test_zalo import Agent, move_back, start_zalo_hub
from tests.support.stack import HubProcess

pytestmark = pytest.mark.browser

LONG = 60_000  # ms: bounds a wait on a busy machine, never a speed requirement


@pytest.fixture
def zalo() -> Iterator[FakeZaloApi]:
    server = FakeZaloApi().start()
    yield server
    server.stop()


@pytest.fixture
def hub(tmp_path: Path, shared_index_dir: Path, zalo: FakeZaloApi) -> Iterator[HubProcess]:
    proc = start_zalo_hub(tmp_path, shared_index_dir, zalo)
    yield proc
    proc.stop()


def test_the_agent_sees_the_window_and_why_a_reply_cannot_go(
    hub: HubProcess, zalo: FakeZaloApi, page: Any
) -> None:
    user = "84900000000001"
    assert zalo.post_event(hub.url, zalo_event(user, "Cho tôi gặp nhân viên")).status_code == 200
    zalo.wait_texts(user, 2)  # Rasa is down: an apology and a call-back offer
    agent = Agent(hub, "linh")
    conv_id = agent.conversation_with("Cho tôi gặp nhân viên")["conversation"]["id"]
    agent.http.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    zalo.wait_texts(user, 3)

    sign_in(page, hub.url, "linh", "vi")
    page.locator(f'.q-item[data-id="{conv_id}"]').first.click()
    bar = page.locator("#channel-window")
    page.locator("#channel-window", has_text="5 tin miễn phí").wait_for(timeout=LONG)
    assert "Cửa sổ trả lời Zalo" in bar.inner_text() and bar.get_attribute("data-state") == "open"

    # A reply uses one of the free ones, and the bar counts it.
    page.fill("#reply", "Em chào anh, em là Linh.")
    page.click("#send")
    page.locator("#channel-window", has_text="4 tin miễn phí").wait_for(timeout=LONG)

    # Nearly 48 hours on: closing. The agent is told to offer a call-back or another channel.
    move_back(hub, user, 46)
    page.locator(f'.q-item[data-id="{conv_id}"]').first.click()
    page.locator("#channel-window[data-state=closing]").wait_for(timeout=LONG)
    assert "đề nghị gọi lại" in bar.inner_text()

    # Closed: the reply is not sent, and the agent reads why.
    move_back(hub, user, 3)
    page.fill("#reply", "Anh còn đó không?")
    page.click("#send")
    toast = page.locator(".toast-error", has_text="Đã quá 48 giờ")
    toast.wait_for(timeout=LONG)
    assert "More than 48 hours" in toast.inner_text()  # and in English
    page.locator("#channel-window[data-state=closed]").wait_for(timeout=LONG)
    assert not any("Anh còn đó không?" in t for t in zalo.texts(user))
    assert page.errors == []
