"""The cluster under faults: 3 hub replicas behind HAProxy, 2 Rasa servers, PostgreSQL and
Redis, started by scripts/cluster.sh (what `make cluster` runs).

- a customer on replica A and an agent on replica B talk live;
- a knowledge manager's edit on replica C reaches the suggestions made on replica A;
- kill -9 of a hub: its websockets reconnect through the balancer, nothing is lost or
  duplicated;
- an acknowledgement timeout fires once, not once per replica.

The cluster takes a few minutes to start on a busy machine; every wait is a
deadline on a condition, never a fixed sleep that a slow machine could outrun.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.support.clients import Agent, Customer, wait_for
from tests.support.stack import DEMO_PASSWORD, MODEL, ROOT

# Starting the cluster (two Rasa servers loading their model) takes minutes on a busy
# machine; the module's fixture counts towards its first test.
pytestmark = pytest.mark.timeout(1800)

PORT = int(os.environ.get("TANDEM_TEST_CLUSTER_PORT", "18080"))
BASE = PORT + 20  # replicas: hub-i on BASE + i
HUBS = 3
ACK_TIMEOUT_S = 4
SCRIPT = ROOT / "scripts" / "cluster.sh"
LB = f"http://127.0.0.1:{PORT}"
NEW_ENTRY = {
    "product": "credit-card",
    "tags": ["cards"],
    "questions": {"vi": ["Ngân hàng có phát hành thẻ kim loại Sen Vàng Metal không?"]},
    "answer": {"vi": "Có, thẻ Sen Vàng Metal làm bằng thép không gỉ, phí 2 triệu đồng mỗi năm."},
}


def replica(i: int) -> str:
    return f"http://127.0.0.1:{BASE + i}"


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, str]]:
    if not MODEL.exists():
        pytest.skip("no trained Rasa model (make test trains it first)")
    env = {
        **os.environ,
        "CLUSTER_DIR": str(ROOT / "var" / "test-cluster"),
        "CLUSTER_PORT": str(PORT),
        "CLUSTER_PORT_BASE": str(BASE),
        "CLUSTER_HUBS": str(HUBS),
        "CLUSTER_RASAS": "2",
        "CLUSTER_DB": "tandem_test_cluster",
        "TANDEM_DEMO_PASSWORD": DEMO_PASSWORD,
        "TANDEM_ACK_TIMEOUT_S": str(ACK_TIMEOUT_S),
        "TANDEM_KNOWLEDGE_SELF_PUBLISH": "true",
    }
    # TANDEM_TEST_CLUSTER_KEEP=1 leaves the cluster running afterwards and reuses a running
    # one (while working on these tests); by default each run starts a fresh one.
    keep = os.environ.get("TANDEM_TEST_CLUSTER_KEEP") == "1"
    if not (keep and _up(LB)):
        subprocess.run([str(SCRIPT), "stop"], env=env, check=False, capture_output=True)
        subprocess.run([str(SCRIPT), "start", "--fresh"], env=env, check=True, timeout=1500)
    try:
        yield env
    finally:
        if not keep:
            subprocess.run([str(SCRIPT), "stop"], env=env, check=False, timeout=120)


def cluster_cmd(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(SCRIPT), *args], env=env, check=True, timeout=300)


def widget_socket(url: str, customer: Customer) -> tuple[ClientConnection, str]:
    """An authenticated widget socket, and the replica that serves it."""
    ws = connect(url.replace("http", "ws") + "/api/widget/ws", open_timeout=30, legacy=True)
    ws.send(json.dumps({"type": "auth", "token": customer.token}))
    assert json.loads(ws.recv(timeout=30))["type"] == "ready"
    return ws, ws.response.headers.get("X-Tandem-Replica", "")


def agent_socket(url: str, agent: Agent) -> tuple[ClientConnection, str]:
    cookie = "; ".join(f"{k}={v}" for k, v in agent.http.cookies.items())
    ws = connect(
        url.replace("http", "ws") + "/api/ws/agent",
        additional_headers={"Cookie": cookie},
        open_timeout=30,
        legacy=True,
    )
    wait_event(ws, lambda e: e.get("type") == "ready")
    return ws, ws.response.headers.get("X-Tandem-Replica", "")


def wait_event(ws: ClientConnection, match: Any, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("the expected event did not arrive")
        event = json.loads(ws.recv(timeout=left))
        if match(event):
            return event


def handed_to(agent: Agent, customer: Customer) -> int:
    """The customer asks for a person; the agent is offered the conversation and takes it."""
    conv_id = int(customer.say("cho tôi gặp nhân viên").json()["conversation_id"])
    wait_for(
        lambda: agent.conversation(conv_id)["conversation"]["assigned_to"] == agent.user["id"], 120
    )
    assert agent.post(f"/api/conversations/{conv_id}/ack").status_code == 200
    return conv_id


def test_customer_on_one_replica_and_agent_on_another_talk_live(cluster) -> None:
    agent = Agent(replica(2), "linh")
    agent.online()
    customer = Customer(replica(1))
    agent_ws, _ = agent_socket(replica(2), agent)
    customer_ws, _ = widget_socket(replica(1), customer)
    with agent_ws, customer_ws:
        conv_id = handed_to(agent, customer)
        agent.post(f"/api/conversations/{conv_id}/messages", text="Chào anh, em là Linh.")
        wait_event(
            customer_ws,
            lambda e: (
                e.get("type") == "message" and e["message"]["text"] == "Chào anh, em là Linh."
            ),
        )
        frame = {"type": "message", "text": "Thẻ của tôi bị khoá", "client_id": "c-1"}
        customer_ws.send(json.dumps(frame))
        wait_event(
            agent_ws,
            lambda e: (
                e.get("type") == "message"
                and e["message"]["conversation_id"] == conv_id
                and e["message"]["text"] == "Thẻ của tôi bị khoá"
            ),
        )


def test_knowledge_edit_on_one_replica_reaches_suggestions_on_another(cluster) -> None:
    editor = Agent(replica(3), "ha")
    put = editor.http.put("/api/knowledge/entries/cards-metal-card", json=NEW_ENTRY)
    put.raise_for_status()
    version = put.json()["version"]
    published = time.monotonic()
    wait_for(
        lambda: httpx.get(f"{replica(1)}/healthz").json()["knowledge_version"] == version, 30, 0.05
    )
    # Reported, not asserted: the contract is 1 s, and a busy shared machine says little.
    print(f"version {version} served by replica 1 after {time.monotonic() - published:.2f} s")
    agent = Agent(replica(2), "linh")
    agent_ws, _ = agent_socket(replica(2), agent)
    with agent_ws:
        conv_id = int(
            Customer(replica(1))
            .say("Ngân hàng có phát hành thẻ kim loại Sen Vàng Metal không?")
            .json()["conversation_id"]
        )
        event = wait_event(
            agent_ws,
            lambda e: e.get("type") == "suggestions" and e.get("conversation_id") == conv_id,
        )
    assert event["suggestions"][0]["entry_id"] == "cards-metal-card"
    # What replica 1 suggested is stored, not kept in its memory: replica 3 serves it.
    on_c = Agent(replica(3), "linh")
    stored = wait_for(
        lambda: (
            (a := on_c.http.get(f"/api/conversations/{conv_id}/assist").json())["message_id"]
            == event["message_id"]
            and a
        ),
        30,
    )
    assert stored["suggestions"] == event["suggestions"]


def test_killed_hub_loses_and_duplicates_nothing(cluster) -> None:
    agent = Agent(LB, "linh")
    agent.online()
    customer = Customer(LB)
    conv_id = handed_to(agent, customer)
    agent_ws, agent_on = agent_socket(LB, agent)
    customer_ws, customer_on = widget_socket(LB, customer)
    assert customer_on.startswith("hub-"), "HAProxy names the replica in X-Tandem-Replica"
    cluster_cmd(cluster, "kill", customer_on)
    try:
        # The customer's socket is gone with its replica; the agent's too if it shared it.
        with pytest.raises(ConnectionClosed):
            wait_event(customer_ws, lambda e: False, timeout_s=30)
        sent = [f"tin nhắn số {n}" for n in range(8)]
        for text in sent:
            # As the widget does: a failed send is retried with the same client id.
            retry(partial(customer.say, text, uuid.uuid4().hex))
        for n in range(4):
            path = f"/api/conversations/{conv_id}/messages"
            retry(partial(agent.post, path, text=f"trả lời số {n}"))
        # Reconnect through the balancer: another replica serves the sockets now.
        customer_ws, again_on = widget_socket(LB, customer)
        assert again_on != customer_on
        if agent_on == customer_on:
            agent_ws.close()
            agent_ws, _ = agent_socket(LB, agent)
        with customer_ws, agent_ws:
            agent.post(f"/api/conversations/{conv_id}/messages", text="sau khi kết nối lại")
            wait_event(
                customer_ws,
                lambda e: (
                    e.get("type") == "message" and e["message"]["text"] == "sau khi kết nối lại"
                ),
            )
        texts = [m["text"] for m in customer.history()["messages"]]
        for text in [*sent, *(f"trả lời số {n}" for n in range(4)), "sau khi kết nối lại"]:
            assert texts.count(text) == 1, (text, texts)
        ids = [m["id"] for m in customer.history()["messages"]]
        assert len(ids) == len(set(ids))
        # Every customer message is routed (the dead replica's claims run out and are
        # re-driven elsewhere): the agent's view holds each once.
        seen = wait_for(
            lambda: (
                (msgs := [m["text"] for m in agent.conversation(conv_id)["messages"]])
                and all(t in msgs for t in sent)
                and msgs
            ),
            90,
        )
        assert all(seen.count(t) == 1 for t in sent)
    finally:
        cluster_cmd(cluster, "restart", customer_on)
        restarted = replica(int(customer_on.split("-")[1]))
        wait_for(lambda: _up(restarted), 180, 1)
    # The new process starts from the latest saved index version (the edit above included).
    wait_for(lambda: _healthz(restarted)["knowledge"] == "ready", 180, 1)
    assert _healthz(restarted)["knowledge_version"] == _healthz(LB)["knowledge_version"]


def _healthz(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/healthz", timeout=10).json())


def retry(send: Callable[[], httpx.Response]) -> None:
    """Send until it is accepted (a request to the replica just killed fails)."""

    def accepted() -> bool:
        try:
            return send().status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(accepted, 60, 0.5)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_acknowledgement_timeout_fires_once(cluster) -> None:
    Agent(LB, "linh").online(False)
    agent = Agent(LB, "minh")
    agent.online()
    conv_id = int(Customer(LB).say("cho tôi gặp nhân viên").json()["conversation_id"])
    wait_for(lambda: agent.conversation(conv_id)["conversation"]["assigned_to"], 120)

    def timeouts() -> list[dict[str, Any]]:
        return [
            e
            for e in agent.conversation(conv_id)["events"]
            if e["to"] == "waiting" and "Not acknowledged by minh" in (e["note"] or "")
        ]

    wait_for(timeouts, 60)
    # Every replica runs the scheduler loop; several ticks and a lease's length later the
    # timeout has still fired once.
    time.sleep(ACK_TIMEOUT_S * 3)
    assert len(timeouts()) == 1
