"""The copilot against a real hub process: the hand-off summary is stored and served at
hand-off and again at transfer; supervisors edit the wrap-up codes; resolving checks the
code and records the suggestions with the choice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.clients import Agent, Customer


def _db_path(hub) -> Path:
    return Path(hub.env()["TANDEM_DATABASE_URL"].split("///", 1)[1])


def test_handoff_and_transfer_summaries_trace_to_the_turns(start_hub) -> None:
    hub = start_hub()  # no Rasa: the first message goes to the queue (bot_unavailable)
    customer = Customer(hub.url)
    conv_id = customer.say("Thẻ của tôi bị trừ tiền hai lần ở siêu thị").json()["conversation_id"]
    linh, minh = Agent(hub.url, "linh"), Agent(hub.url, "minh")
    first = linh.http.get(f"/api/conversations/{conv_id}/summary").json()
    assert first["stage"] == "handoff" and first["language"] == "vi"
    messages = {m["id"]: m for m in linh.conversation(conv_id)["messages"]}
    problem = [line for line in first["lines"] if line["part"] == "problem"]
    assert [line["quote"] for line in problem] == ["Thẻ của tôi bị trừ tiền hai lần ở siêu thị"]
    assert messages[int(problem[0]["source"][2:])]["text"] == problem[0]["quote"]
    assert any(
        line["part"] == "wants_now" and line["quote"] == "bot_unavailable"
        for line in first["lines"]
    )
    linh.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    linh.post(
        f"/api/conversations/{conv_id}/transfer", note="Cần tra soát giao dịch", to_agent="minh"
    ).raise_for_status()
    second = minh.http.get(f"/api/conversations/{conv_id}/summary").json()
    assert second["stage"] == "transfer"
    notes = [
        line
        for line in second["lines"]
        if line["source"].startswith("e:") and line["quote"] == "Cần tra soát giao dịch"
    ]
    assert len(notes) == 1 and "Ghi chú chuyển tiếp" in notes[0]["text"]
    assert minh.http.get("/api/conversations/999999/summary").status_code == 404


def test_wrapup_codes_crud_and_the_recorded_choice(start_hub) -> None:
    hub = start_hub()
    linh, quan = Agent(hub.url, "linh"), Agent(hub.url, "quan")
    codes = [c["code"] for c in linh.http.get("/api/wrapup-codes").json()]
    assert codes[:3] == ["answered", "card_blocked", "dispute_opened"] and "other" in codes
    new = {"code": "fee_waived", "description_vi": "Đã miễn phí", "description_en": "Fee waived"}
    assert linh.post("/api/wrapup-codes", **new).status_code == 403
    assert quan.post("/api/wrapup-codes", **new).status_code == 201
    assert quan.post("/api/wrapup-codes", **new).status_code == 409
    assert quan.post("/api/wrapup-codes", **{**new, "code": "Bad Code!"}).status_code == 422
    assert quan.http.patch("/api/wrapup-codes/nope", json={"active": False}).status_code == 404
    changed = quan.http.patch(
        "/api/wrapup-codes/fee_waived", json={"description_en": "Fee refunded"}
    )
    assert changed.json()["description_en"] == "Fee refunded"

    customer = Customer(hub.url)
    conv_id = customer.say("Tôi muốn khiếu nại vì bị tính phí trả chậm").json()["conversation_id"]
    linh.post(f"/api/conversations/{conv_id}/claim").raise_for_status()
    offered = linh.http.get(f"/api/conversations/{conv_id}/wrapup").json()
    assert len(offered["suggested"]) == 3 and offered["suggested"][0] == "complaint"
    assert "fee_waived" in [c["code"] for c in offered["codes"]]
    quan.http.patch("/api/wrapup-codes/fee_waived", json={"active": False}).raise_for_status()
    refused = linh.post(f"/api/conversations/{conv_id}/resolve", code="fee_waived")
    assert refused.status_code == 422
    assert "fee_waived" not in [c["code"] for c in linh.http.get("/api/wrapup-codes").json()]
    every = quan.http.get("/api/wrapup-codes", params={"include_inactive": True}).json()
    assert "fee_waived" in [c["code"] for c in every]
    assert linh.http.get("/api/wrapup-codes", params={"include_inactive": True}).status_code == 403
    linh.post(f"/api/conversations/{conv_id}/resolve", code="complaint").raise_for_status()
    assert linh.conversation(conv_id)["conversation"]["resolution_code"] == "complaint"
    # A code that closed a conversation can be deactivated, not deleted; an unused one goes.
    assert quan.http.delete("/api/wrapup-codes/complaint").status_code == 409
    assert quan.http.delete("/api/wrapup-codes/fee_waived").status_code == 200

    db = sqlite3.connect(_db_path(hub))
    rows = db.execute(
        "select agent_id, suggested, chosen, features from wrapup_choices where conversation_id=?",
        (conv_id,),
    ).fetchall()
    assert len(rows) == 1
    agent_id, suggested, chosen, features = rows[0]
    assert agent_id == linh.user["id"] and chosen == "complaint"
    assert "complaint" in suggested and "kw:complaint" in features
