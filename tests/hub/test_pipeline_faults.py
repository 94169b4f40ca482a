"""The pipeline under races and crashes, against real hub processes and their databases:
every message stored once, in order, answered once, and nobody assigned to an absent agent.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from websockets.sync.client import connect

from tests.support.clients import Agent, Customer, wait_for
from tests.support.faults import DelayProxy
from tests.support.races import RACE_LIMITS, customer_and_agent_race
from tests.support.stack import HubProcess


def _rows(hub: HubProcess, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(Path(hub.workdir) / "hub.db") as conn:
        return conn.execute(sql, args).fetchall()


def test_customer_and_agent_racing_on_one_conversation(start_hub) -> None:
    """All stored, unique sequence numbers, no 5xx (tests/support/races.py)."""
    hub = start_hub(**RACE_LIMITS)
    conv_id = customer_and_agent_race(hub.url)
    # Every customer message was routed (the work queue is empty for this conversation).
    pending = _rows(
        hub, "SELECT count(*) FROM work_items WHERE conversation_id=? AND status!='done'", conv_id
    )
    assert pending == [(0,)]


def test_crash_between_storing_and_answering(start_hub) -> None:
    """kill -9 while the message waits for the bot; after the restart it is answered once."""
    # Messages to the bot are accepted and never answered; health checks pass through.
    hung = DelayProxy("http://127.0.0.1:9", delay_s=3600, paths=("/webhooks/",)).start()
    try:
        hub = start_hub(rasa_url=hung.url, work_lease_s="3", widget_reply_wait_s="0.5")
        customer = Customer(hub.url)
        sent = customer.say("Phí thường niên thẻ Classic là bao nhiêu?", client_id="crash-1")
        assert sent.status_code == 200 and sent.json()["replies"] == []
        msg_id = sent.json()["message"]["id"]
        wait_for(lambda: hung.delayed > 0, 30)  # the worker is now waiting on the bot
        assert hub.proc is not None
        hub.proc.kill()  # SIGKILL: no shutdown code runs
        hub.proc.wait()
        hub.rasa_url = "http://127.0.0.1:9"  # the bot is down after the restart
        hub.start()
        replies = wait_for(
            lambda: _rows(hub, "SELECT id, sender FROM messages WHERE reply_to=?", msg_id), 60
        )
        assert replies and all(sender == "system" for _, sender in replies)

        # The redelivered message is a duplicate: stored once, its earlier replies returned
        # (polled: the queue's position message follows the first reply by a moment).
        def duplicate_matches() -> bool:
            again = customer.say("Phí thường niên thẻ Classic là bao nhiêu?", client_id="crash-1")
            assert again.json()["duplicate"] is True
            rows = _rows(hub, "SELECT id FROM messages WHERE reply_to=? ORDER BY seq", msg_id)
            return [r["id"] for r in again.json()["replies"]] == [i for (i,) in rows]

        wait_for(duplicate_matches, 30)
        wait_for(
            lambda: (
                _rows(hub, "SELECT status FROM work_items WHERE message_id=?", msg_id)
                == [("done",)]
            ),
            30,
        )
        stored = [t for s, t in customer.texts() if s == "customer"]
        assert stored == ["Phí thường niên thẻ Classic là bao nhiêu?"]
        unavailable = [t for s, t in customer.texts() if "sự cố" in t]
        assert len(unavailable) == 1  # answered once, not once per attempt
    finally:
        hung.stop()


def test_a_restarted_embedded_hub_does_not_wait_out_its_predecessors_leases(start_hub) -> None:
    """On SQLite the hub is the only process: after kill -9 the message its predecessor
    held is re-driven at start, not after the lease (an hour here) runs out."""
    hung = DelayProxy("http://127.0.0.1:9", delay_s=3600, paths=("/webhooks/",)).start()
    try:
        hub = start_hub(rasa_url=hung.url, work_lease_s="3600", widget_reply_wait_s="0.5")
        customer = Customer(hub.url)
        sent = customer.say("Phí thường niên thẻ Gold là bao nhiêu?", client_id="orphan-1")
        msg_id = sent.json()["message"]["id"]
        wait_for(lambda: hung.delayed > 0, 30)
        leased = _rows(hub, "SELECT lease_owner FROM work_items WHERE message_id=?", msg_id)
        assert leased and leased[0][0] is not None  # held by the worker about to be killed
        assert hub.proc is not None
        hub.proc.kill()
        hub.proc.wait()
        hub.rasa_url = "http://127.0.0.1:9"  # the bot is down after the restart
        hub.start()
        # Answered (by the "bot unavailable" notice) long before the hour-long lease ends.
        replies = wait_for(
            lambda: _rows(hub, "SELECT id, sender FROM messages WHERE reply_to=?", msg_id), 120
        )
        assert replies and all(sender == "system" for _, sender in replies)
    finally:
        hung.stop()


def _panel(hub_url: str, agent: Agent):  # type: ignore[no-untyped-def]
    cookie = "; ".join(f"{k}={v}" for k, v in agent.http.cookies.items())
    ws_url = hub_url.replace("http://", "ws://") + "/api/ws/agent"
    return connect(ws_url, additional_headers={"Cookie": cookie}, open_timeout=30, legacy=True)


def _online(agent: Agent) -> bool:
    return bool(agent.http.get("/api/auth/me").json()["user"]["online"])


def test_agent_who_closes_the_panel_gets_no_new_assignments(start_hub) -> None:
    hub = start_hub(presence_timeout_s="3")
    linh, minh = Agent(hub.url, "linh"), Agent(hub.url, "minh")
    linh_panel = _panel(hub.url, linh)
    minh_panel = _panel(hub.url, minh)
    linh.online()
    minh.online()
    minh_panel.close()  # minh closes the laptop; linh keeps working
    wait_for(lambda: not _online(minh), 30)
    # linh's panel has been open longer than the presence timeout: still present.
    assert _online(linh)
    first = Customer(hub.url).say("cho tôi gặp nhân viên").json()["conversation_id"]
    taken = wait_for(lambda: (c := linh.conversation(first)["conversation"])["assigned_to"] and c)
    assert taken["assigned_to"] == linh.user["id"]
    linh_panel.close()
    wait_for(lambda: not _online(linh), 30)
    customer = Customer(hub.url)
    second = customer.say("cho tôi gặp nhân viên").json()
    conv = linh.conversation(second["conversation_id"])
    assert conv["conversation"]["state"] == "waiting"
    assert not any(e["kind"] == "state" and e["to"] == "assigned" for e in conv["events"])
    # Nobody is present, so the customer is not promised a wait; a call-back is offered.
    assert any(r["buttons"] for r in second["replies"])
    assert not any("phút" in r["text"] for r in second["replies"])


def test_asking_for_a_person_while_waiting_is_never_met_with_silence(start_hub) -> None:
    hub = start_hub()
    customer = Customer(hub.url)
    first = customer.say("Thẻ của tôi bị trừ tiền hai lần").json()
    assert Agent(hub.url).conversation(first["conversation_id"])["conversation"]["state"] == (
        "waiting"
    )
    again = customer.say("cho tôi gặp nhân viên").json()
    assert again["replies"] and all(r["sender"] == "system" for r in again["replies"])
    context = Agent(hub.url).conversation(first["conversation_id"])["conversation"]["context"]
    assert context["asked_for_person"] is True  # so it stays with people when the bot is back


def test_a_message_that_finds_the_database_locked_is_refused_busy_and_stored_once_later(
    start_hub,
) -> None:
    """Another writer holds SQLite's write lock past the busy timeout: the customer's
    message gets a clear 503 "busy" (never a 500), nothing is half-stored, and the same
    message sent again once the lock is gone is stored exactly once."""
    hub = start_hub(sqlite_busy_timeout_ms="300")
    customer = Customer(hub.url)
    # With so short a timeout the hub's own writers can make even this first message wait
    # too long on a loaded machine; a client retries "busy", as this one does.
    wait_for(lambda: customer.say("xin chào", client_id="busy-0").status_code == 200 or None, 60)
    holder = sqlite3.connect(Path(hub.workdir) / "hub.db", isolation_level=None, timeout=60)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held by someone else
        refused = customer.say("Phí thường niên thẻ Gold là bao nhiêu?", client_id="busy-1")
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "busy"
        assert refused.headers["Retry-After"] == "5"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    again = wait_for(
        lambda: (
            r
            if (
                r := customer.say("Phí thường niên thẻ Gold là bao nhiêu?", client_id="busy-1")
            ).status_code
            == 200
            else None
        ),
        60,
    )
    assert again.json()["message"]["text"] == "Phí thường niên thẻ Gold là bao nhiêu?"
    stored = _rows(hub, "SELECT count(*) FROM messages WHERE channel_message_id LIKE ?", "%:busy-1")
    assert stored == [(1,)]
