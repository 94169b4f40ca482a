"""The knowledge managers' workflow against a real hub: review, history, rollback, audit,
single-language entries, bulk import and export, and the gap inbox fed by the bot's
knowledge look-ups."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.support.clients import Agent, Customer
from tests.support.stack import ROOT, SERVICE_TOKEN, HubProcess

ENTRY_ID = "cards-metal-card"
ENTRY = {
    "product": "credit-card",
    "tags": ["cards"],
    "questions": {"vi": ["Ngân hàng có phát hành thẻ kim loại không?"]},
    "answer": {"vi": "Có, thẻ Sen Vàng Metal làm bằng thép không gỉ."},
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    tmp = tmp_path_factory.mktemp("workflow")
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "knowledge" / "corpus", corpus)
    hub = HubProcess(
        tmp, extra_env={"TANDEM_CORPUS_DIR": str(corpus), "TANDEM_KNOWLEDGE_TICK_S": "1"}
    )
    hub.init_db()
    hub.start()
    hub.wait_knowledge()
    yield hub
    hub.stop()


def bot_side(hub: HubProcess) -> httpx.Client:
    return httpx.Client(
        base_url=hub.url, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}, timeout=30
    )


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.status_code, response.text)
    return response.json()


def wait_for(predicate: Any, timeout_s: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_review_publish_history_and_rollback(hub: HubProcess) -> None:
    ha, quan = Agent(hub.url, "ha"), Agent(hub.url, "quan")
    # Without self-publishing a direct write is refused, and so is approving one's own draft.
    assert ha.http.put(f"/api/knowledge/entries/{ENTRY_ID}", json=ENTRY).status_code == 403
    draft = ok(ha.post("/api/knowledge/drafts", entry_id=ENTRY_ID, content=ENTRY))
    assert draft["status"] == "draft"
    assert draft["missing_translation"] == ["en"] and draft["problems"] is None
    ok(ha.post(f"/api/knowledge/drafts/{draft['id']}/submit"))
    assert ha.post(f"/api/knowledge/drafts/{draft['id']}/approve").status_code == 403
    assert (
        Agent(hub.url, "linh").post(f"/api/knowledge/drafts/{draft['id']}/approve").status_code
        == 403
    )
    published = ok(quan.post(f"/api/knowledge/drafts/{draft['id']}/approve"))
    assert published["status"] == "published" and published["reviewer"] == "quan"

    entry = ok(ha.http.get(f"/api/knowledge/entries/{ENTRY_ID}"))
    assert entry["missing_translation"] == ["en"] and "en" not in entry["answer"]
    hits = ok(
        bot_side(hub).get("/internal/knowledge/answer", params={"q": "thẻ kim loại", "lang": "vi"})
    )
    assert hits["hits"][0]["id"] == ENTRY_ID

    # A second change, then the entry is rolled back to its first version.
    edit = {**ENTRY, "answer": {"vi": "Thẻ kim loại đã ngừng phát hành."}}
    second = ok(ha.post("/api/knowledge/drafts", entry_id=ENTRY_ID, content=edit))
    ok(ha.post(f"/api/knowledge/drafts/{second['id']}/submit"))
    # A second knowledge manager may approve, too.
    ok(Agent(hub.url, "trang").post(f"/api/knowledge/drafts/{second['id']}/approve"))
    history = ok(ha.http.get(f"/api/knowledge/entries/{ENTRY_ID}/history"))
    assert [h["kind"] for h in history] == ["publish", "publish"]
    assert "-  vi: Có, thẻ Sen Vàng Metal" in history[0]["diff"]
    assert "+  vi: Thẻ kim loại đã ngừng phát hành." in history[0]["diff"]
    assert [h["actor"] for h in history] == ["trang", "quan"]
    ok(ha.post(f"/api/knowledge/entries/{ENTRY_ID}/rollback", revision_id=history[1]["id"]))
    answer = ok(
        bot_side(hub).get("/internal/knowledge/answer", params={"q": "thẻ kim loại", "lang": "vi"})
    )
    assert answer["hits"][0]["answer"].startswith("Có, thẻ Sen Vàng Metal")

    # The whole corpus back to the version before the entry existed.
    versions = ok(ha.http.get("/api/knowledge/versions"))
    before = min(v["version"] for v in versions if v["version"] < draft_version(ha, draft["id"]))
    ok(ha.post(f"/api/knowledge/versions/{before}/rollback"))
    assert ha.http.get(f"/api/knowledge/entries/{ENTRY_ID}").status_code == 404
    actions = [a["action"] for a in ok(ha.http.get("/api/knowledge/audit"))]
    for needed in (
        "draft_created",
        "submitted",
        "approved",
        "published",
        "rollback",
        "corpus_rollback",
    ):
        assert needed in actions


def draft_version(client: Agent, draft_id: int) -> int:
    return int(ok(client.http.get(f"/api/knowledge/drafts/{draft_id}"))["version"])


def test_import_reports_every_bad_line_and_export_round_trips(hub: HubProcess) -> None:
    ha = Agent(hub.url, "ha")
    csv_text = (
        "id,product,questions_vi,questions_en,answer_vi,answer_en\n"
        "loans-gold-loan,loans,Vay cầm cố vàng?,,Có cho vay cầm cố vàng.,\n"
        "Bad Id,loans,Câu hỏi?,,Trả lời.,\n"
        "loans-car-loan,loans,Vay mua ô tô?,,,\n"
    )
    result = ok(ha.post("/api/knowledge/import", format="csv", text=csv_text))
    assert result["imported"] == 0
    assert [(e["line"], e["id"]) for e in result["errors"]] == [
        (3, "Bad Id"),
        (4, "loans-car-loan"),
    ]
    assert "vi answer" in result["errors"][1]["message"]
    good = "\n".join(csv_text.splitlines()[:2]) + "\n"
    result = ok(ha.post("/api/knowledge/import", format="csv", text=good))
    assert result["imported"] == 1 and not result["published"]
    (draft,) = [
        d
        for d in ok(ha.http.get("/api/knowledge/drafts?status=in_review"))
        if d["id"] in result["drafts"]
    ]
    assert draft["entry_id"] == "loans-gold-loan"
    exported = ha.http.get("/api/knowledge/export", params={"format": "yaml"})
    assert exported.status_code == 200 and "id: cards-activation" in exported.text
    csv_out = ha.http.get("/api/knowledge/export", params={"format": "csv"}).text
    assert csv_out.splitlines()[0].startswith("\ufeffid,product,tags,questions_vi")


def test_unanswered_questions_cluster_into_a_draft_that_closes_them(hub: HubProcess) -> None:
    ha, quan = Agent(hub.url, "ha"), Agent(hub.url, "quan")
    asked = [
        "Ngân hàng có dịch vụ giữ hộ vàng miếng không?",
        "Tôi muốn gửi vàng miếng ở ngân hàng được không?",
        "Do you offer safekeeping for gold bars?",
        "Can I store my gold bars at the bank?",
        "Ngân hàng có nhận giữ vàng cho khách không?",
    ]
    bot = bot_side(hub)
    for n, text in enumerate(asked):
        hits = ok(
            bot.get(
                "/internal/knowledge/answer", params={"q": text, "sender_id": f"c{900 + n}-1-0"}
            )
        )
        assert not hits["hits"] or not hits["hits"][0]["confident"], text
    clusters = wait_for(
        lambda: [c for c in ok(ha.http.get("/api/knowledge/gaps")) if c["count"] >= 5],
        what="a cluster of the five questions",
    )
    (cluster,) = clusters
    assert set(cluster["phrasings"]) == set(asked)
    assert cluster["languages"] == ["en", "vi"] and cluster["sources"] == {"low_confidence": 5}

    draft = ok(ha.post(f"/api/knowledge/gaps/{cluster['id']}/draft"))
    assert set(draft["content"]["questions"]["vi"]) == {
        q for q in asked if "ng" in q and "gold" not in q
    }
    content = {
        **draft["content"],
        "product": "savings",
        "answer": {
            "vi": "Có, két giữ vàng tại chi nhánh.",
            "en": "Yes, gold is kept in branch vaults.",
        },
    }
    ok(ha.http.put(f"/api/knowledge/drafts/{draft['id']}", json={"content": content}))
    ok(ha.post(f"/api/knowledge/drafts/{draft['id']}/submit"))
    ok(quan.post(f"/api/knowledge/drafts/{draft['id']}/approve"))
    closed = ok(ha.http.get("/api/knowledge/gaps", params={"status": "closed"}))
    assert [c["entry_id"] for c in closed if c["id"] == cluster["id"]] == [draft["entry_id"]]
    hits = ok(
        bot.get(
            "/internal/knowledge/answer",
            params={"q": "Có dịch vụ giữ vàng miếng không?", "sender_id": "c950-1-0"},
        )
    )
    assert hits["hits"][0]["id"] == draft["entry_id"] and hits["hits"][0]["confident"]
    usage = wait_for(
        lambda: [
            u
            for u in ok(ha.http.get("/api/knowledge/usage"))["entries"]
            if u["entry_id"] == draft["entry_id"] and u["bot_answers"]
        ],
        what="the bot's answer counted",
    )
    assert usage[0]["bot_answers"] == 1


def test_scheduled_publication_and_expiry(hub: HubProcess) -> None:
    ha, quan = Agent(hub.url, "ha"), Agent(hub.url, "quan")
    soon = datetime.now(timezone.utc) + timedelta(seconds=3)
    promo = {
        "product": "credit-card",
        "questions": {"vi": ["Khuyến mãi hoàn tiền 20% cuối tuần là gì?"]},
        "answer": {"vi": "Hoàn 20% khi mua sắm cuối tuần, tối đa 300.000 đồng."},
        "expires_at": (soon + timedelta(seconds=3)).isoformat(),
    }
    draft = ok(
        ha.post(
            "/api/knowledge/drafts",
            entry_id="rewards-weekend-promo",
            content=promo,
            publish_at=soon.isoformat(),
        )
    )
    ok(ha.post(f"/api/knowledge/drafts/{draft['id']}/submit"))
    approved = ok(quan.post(f"/api/knowledge/drafts/{draft['id']}/approve"))
    assert approved["status"] == "approved"  # waits for its time
    assert ha.http.get("/api/knowledge/entries/rewards-weekend-promo").status_code == 404
    wait_for(
        lambda: ok(ha.http.get(f"/api/knowledge/drafts/{draft['id']}"))["status"] == "published",
        what="the scheduled publication",
    )
    # (It may already have expired again: its expiry is three seconds later.)
    wait_for(
        lambda: ha.http.get("/api/knowledge/entries/rewards-weekend-promo").status_code == 404,
        what="the promotion to expire",
    )

    # The history is written by the recorder after the index changes: on a busy machine the
    # entry can be gone a moment before its "expire" record lands.
    def kinds() -> list[str]:
        history = ha.http.get("/api/knowledge/entries/rewards-weekend-promo/history")
        return [h["kind"] for h in ok(history)]

    wait_for(lambda: len(kinds()) >= 2, what="the expiry in the history")
    assert kinds() == ["expire", "publish"]


def test_fallback_handoffs_and_dismissed_suggestions_reach_the_inbox(hub: HubProcess) -> None:
    ha, linh = Agent(hub.url, "ha"), Agent(hub.url, "linh")
    # A hand-off because the bot did not understand: the queue stores the packet's reason
    # and failed turns with the conversation (written here as the queue writes them).
    failed = ["Cho tôi hỏi về dịch vụ chuyển tiền kiều hối từ Nhật", "kiều hối từ Nhật về"]
    with sqlite3.connect(hub.workdir / "hub.db") as db:
        db.execute(
            "INSERT INTO conversations (channel, channel_key, language, state, priority, team,"
            " handoff_reason, context, transfer_count, rasa_episode, created_at, next_seq)"
            " VALUES ('web', 'v-fallback', 'vi', 'waiting', 1, 'cards', 'fallback', ?, 0, 0,"
            " CURRENT_TIMESTAMP, 1)",
            (json.dumps({"failed_turns": failed}),),
        )
    # An agent dismisses the suggestion for a customer's question.
    customer = Customer(hub.url)
    said = customer.say("Phí chuyển tiền kiều hối từ Nhật Bản là bao nhiêu?").json()
    ok(
        linh.post(
            "/api/suggestions/feedback",
            conversation_id=said["conversation_id"],
            message_id=said["message"]["id"],
            entry_id="fees-transfer",
            rank=0,
            event="dismissed",
        )
    )
    clusters = wait_for(
        lambda: [
            c
            for c in ok(ha.http.get("/api/knowledge/gaps"))
            if {"fallback_handoff", "dismissed"} <= set(c["sources"])
        ],
        what="one cluster from both sources",
    )
    phrasings = set(clusters[0]["phrasings"])
    assert (
        set(failed) <= phrasings
        and "Phí chuyển tiền kiều hối từ Nhật Bản là bao nhiêu?" in phrasings
    )


def test_turns_the_bot_did_not_understand_are_reported_by_the_fallback_action(
    hub: HubProcess,
) -> None:
    text = "Cho tôi mở tài khoản chứng khoán liên kết được không?"
    body = {"text": text, "lang": "vi", "sender_id": "c77-1-0"}
    assert httpx.post(f"{hub.url}/internal/knowledge/gaps", json=body).status_code == 401
    bot = bot_side(hub)
    assert bot.post("/internal/knowledge/gaps", json={**body, "text": ""}).status_code == 422
    assert bot.post("/internal/knowledge/gaps", json=body).status_code == 201
    clusters = wait_for(
        lambda: [
            c
            for c in ok(Agent(hub.url, "ha").http.get("/api/knowledge/gaps"))
            if text in c["phrasings"]
        ],
        what="the reported turn in the inbox",
    )
    assert clusters[0]["sources"] == {"nlu_fallback": 1}
