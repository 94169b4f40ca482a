"""The workspace's guard rails, checked over HTTP against a real hub: who may call what,
CSRF on every change, the page's security headers, and customer HTML kept as text."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.support.stack import DEMO_PASSWORD, HubProcess

STATIC = Path(__file__).resolve().parents[2] / "bot" / "panel" / "static"
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script><b>hi</b>'

# (method, path, body): a supervisor-only or editor-only call for each kind of endpoint.
SUPERVISOR_ONLY = [
    ("GET", "/api/alerts", None),
    ("GET", "/api/reports/offers", None),
    ("POST", "/api/conversations/1/assign", {"username": "linh"}),
    ("GET", "/api/reports/summary", None),
    ("GET", "/api/reports/breakdown", None),
    ("GET", "/api/reports/series", None),
    ("GET", "/api/reports/live", None),
    ("GET", "/api/reports/ratings", None),
    ("GET", "/api/reports/breakdown.csv", None),
    ("GET", "/api/reports/identity-lockouts", None),
    ("POST", "/api/reports/identity-lockouts/1/clear", None),
]
EDITOR_ONLY = [
    ("GET", "/api/knowledge/entries", None),
    ("GET", "/api/knowledge/entries/cards-activation", None),
    ("PUT", "/api/knowledge/entries/cards-activation", {"id": "cards-activation"}),
    ("DELETE", "/api/knowledge/entries/cards-activation", None),
    ("GET", "/api/reports/knowledge-gaps", None),
    ("GET", "/api/knowledge/gaps.csv", None),
]
AGENT_ONLY = [
    ("GET", "/api/queue", None),
    ("GET", "/api/conversations/1", None),
    ("GET", "/api/reports/me", None),
]


def sign_in(hub: HubProcess, username: str) -> httpx.Client:
    client = httpx.Client(base_url=hub.url, timeout=30)
    response = client.post(
        "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
    )
    response.raise_for_status()
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def mounted(hub: HubProcess) -> list[str]:
    """Routes the hub serves; endpoints of optional parts are checked once they are there."""
    return list(httpx.get(f"{hub.url}/openapi.json", timeout=10).json()["paths"])


def is_mounted(path: str, routes: list[str]) -> bool:
    pattern = {
        route: re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", route) + "$") for route in routes
    }
    return any(rx.match(path) for rx in pattern.values())


def call(client: httpx.Client, method: str, path: str, body: object) -> int:
    return client.request(method, path, json=body).status_code


@pytest.fixture
def hub(hub_without_rasa: HubProcess) -> HubProcess:
    hub_without_rasa.wait_knowledge()  # the knowledge routes answer 503 while it loads
    return hub_without_rasa


def test_roles_decide_what_each_account_reaches(hub: HubProcess) -> None:
    routes = mounted(hub)
    agent, editor, supervisor = sign_in(hub, "linh"), sign_in(hub, "ha"), sign_in(hub, "quan")

    for method, path, body in SUPERVISOR_ONLY + EDITOR_ONLY:
        if is_mounted(path, routes):
            assert call(agent, method, path, body) == 403, f"an agent reached {method} {path}"
    for method, path, body in SUPERVISOR_ONLY:
        if is_mounted(path, routes):
            assert call(editor, method, path, body) == 403, f"an editor reached {method} {path}"
    for method, path, body in AGENT_ONLY:
        assert call(editor, method, path, body) == 403, f"an editor reached {method} {path}"

    assert agent.get("/api/queue").status_code == 200
    assert supervisor.get("/api/alerts").status_code == 200
    assert supervisor.get("/api/queue").status_code == 200
    if is_mounted("/api/knowledge/entries", routes):
        assert editor.get("/api/knowledge/entries").status_code == 200

    anonymous = httpx.Client(base_url=hub.url, timeout=10)
    assert anonymous.get("/api/queue").status_code == 401
    assert anonymous.get("/api/auth/me").status_code == 401


def test_changes_need_the_csrf_token_and_wrong_passwords_fail(hub: HubProcess) -> None:
    agent = sign_in(hub, "linh")
    token = agent.headers.pop("X-CSRF-Token")
    assert agent.post("/api/agents/me/status", json={"online": False}).status_code == 403
    wrong = agent.post(
        "/api/agents/me/status", json={"online": False}, headers={"X-CSRF-Token": "x"}
    )
    assert wrong.status_code == 403
    ok = agent.post(
        "/api/agents/me/status", json={"online": False}, headers={"X-CSRF-Token": token}
    )
    assert ok.status_code == 200

    bad = httpx.post(f"{hub.url}/api/auth/login", json={"username": "linh", "password": "nope"})
    assert bad.status_code == 401


def test_panel_is_served_with_a_strict_policy_and_no_outside_assets(hub: HubProcess) -> None:
    page = httpx.get(f"{hub.url}/panel", timeout=10)
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert httpx.get(f"{hub.url}/", timeout=10).headers.get("location") == "/panel"
    # Every asset, the ES modules panel.js imports included, is served with the same headers.
    for asset in sorted(p.name for p in STATIC.iterdir() if p.suffix in (".js", ".css")):
        response = httpx.get(f"{hub.url}/panel/assets/{asset}", timeout=10)
        assert response.status_code == 200, asset
        assert "content-security-policy" in response.headers
    # Every style sheet is linked from the page, the colours' sheet first.
    linked = re.findall(r'<link rel="stylesheet" href="/panel/assets/([\w-]+\.css)">', page.text)
    assert linked[0] == "panel.css"
    assert sorted(linked) == sorted(p.name for p in STATIC.glob("*.css"))
    for source in STATIC.iterdir():
        text = source.read_text(encoding="utf-8")
        # No CDN or outside origin: the page works on an intranet with no internet access.
        assert not re.search(r"(src|href)=[\"']?https?://", text), source.name
        assert "@import url(http" not in text, source.name


def test_customer_html_is_stored_verbatim_and_never_parsed_by_the_panel(hub: HubProcess) -> None:
    session = httpx.post(f"{hub.url}/api/widget/session", json={"site": "demo-bank"}).json()
    sent = httpx.post(
        f"{hub.url}/api/widget/messages",
        json={"text": HOSTILE, "client_id": "xss-1"},
        headers={"Authorization": f"Bearer {session['token']}"},
        timeout=30,
    ).json()
    agent = sign_in(hub, "linh")
    messages = agent.get(f"/api/conversations/{sent['conversation_id']}").json()["messages"]
    assert HOSTILE in [m["text"] for m in messages]  # escaping is the renderer's job

    # The renderer never turns strings into markup: no HTML sinks anywhere in the panel.
    sinks = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function"
    )
    for script in STATIC.glob("*.js"):
        assert not sinks.search(script.read_text(encoding="utf-8")), script.name
    dom = (STATIC / "dom.js").read_text(encoding="utf-8")
    assert "document.createTextNode(String(child))" in dom
