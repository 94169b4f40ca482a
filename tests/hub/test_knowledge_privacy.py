"""What knowledge managers read, against a real hub: no customer's personal data and no
conversation ids in the gap inbox, its report and drafts; every CSV export safe to open in
a spreadsheet; imports and drafts bounded in size and nesting, refused with a clear 4xx."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.clients import Agent, Customer
from tests.support.stack import ROOT, SERVICE_TOKEN, HubProcess

SITE, SITE_SECRET = "demo-bank", "privacy-site-secret-0123456789"
# C001 of the demo data is Nguyễn Văn An, signed in on the bank's site.
PRIVATE = (
    "Em là An, số tài khoản 0123456789, sđt 0912345678, email an.nguyen@example.com, "
    "ngày sinh 14/03/1988. Sao em nợ 38.900.000 ₫ phí quản lý tài khoản ạ?"
)
REDACTED = (
    "Em là [tên khách hàng], số tài khoản [số tài khoản], sđt [số điện thoại], email [email], "
    "ngày sinh [ngày sinh]. Sao em nợ 38.900.000 ₫ phí quản lý tài khoản ạ?"
)
SECRETS = ["0123456789", "0912345678", "an.nguyen@example.com", "14/03/1988", "Em là An"]
FORMULA = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    tmp = tmp_path_factory.mktemp("privacy")
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "knowledge" / "corpus", corpus)
    hub = HubProcess(
        tmp,
        extra_env={
            "TANDEM_CORPUS_DIR": str(corpus),
            "TANDEM_KNOWLEDGE_TICK_S": "1",
            "TANDEM_KNOWLEDGE_SELF_PUBLISH": "true",
            "TANDEM_WIDGET_SITES": json.dumps({SITE: SITE_SECRET}),
        },
    )
    hub.init_db()
    hub.start()
    hub.wait_knowledge()
    yield hub
    hub.stop()


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.status_code, response.text)
    return response.json()


def wait_for(predicate: Any, timeout_s: float = 90, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def signed_in(hub: HubProcess, customer_id: str) -> Customer:
    from bot.api.widget_identity import sign_customer

    return Customer(
        hub.url,
        site=SITE,
        customer_id=customer_id,
        signature=sign_customer(SITE_SECRET, customer_id),
    )


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "a CSV export starts with a BOM for Excel"
    return list(csv.reader(io.StringIO(text[1:])))


def assert_inert(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def assert_private_data_absent(body: str) -> None:
    for secret in SECRETS:
        assert secret not in body, secret
    assert "conversation_id" not in body


def test_knowledge_managers_see_no_personal_data_and_no_conversation(hub: HubProcess) -> None:
    ha, linh = Agent(hub.url, "ha"), Agent(hub.url, "linh")
    said = ok(signed_in(hub, "C001").say(PRIVATE))
    conv_id, message_id = said["conversation_id"], said["message"]["id"]
    # The agent dismisses the suggestion made for it (a gap in the report and the inbox)...
    ok(
        linh.post(
            "/api/suggestions/feedback",
            conversation_id=conv_id,
            message_id=message_id,
            entry_id="fees-annual-fee",
            rank=0,
            event="dismissed",
        )
    )
    # ...and the bot reports the same customer's turn it did not understand.
    turn = "Tôi là Nguyễn Văn An, gọi lại cho tôi số +84 912 345 678 nhé"
    bot = httpx.Client(base_url=hub.url, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    body = {"text": turn, "lang": "vi", "sender_id": f"c{conv_id}-1-0"}
    assert bot.post("/internal/knowledge/gaps", json=body).status_code == 201

    report = ha.http.get("/api/reports/knowledge-gaps")
    assert report.status_code == 200
    (gap,) = [g for g in report.json()["gaps"] if g["message_id"] == message_id]
    assert gap["query"] == REDACTED and gap["dismissed"]
    assert_private_data_absent(report.text)

    def inbox() -> list[dict[str, Any]]:
        clusters = ok(ha.http.get("/api/knowledge/gaps"))
        return [c for c in clusters if REDACTED in c["phrasings"]]

    (cluster,) = wait_for(inbox, what="the customer's question in the inbox")
    everything = ha.http.get("/api/knowledge/gaps").text
    assert_private_data_absent(everything)
    assert "Nguyễn Văn An" not in everything and "912 345 678" not in everything
    assert "[tên khách hàng], gọi lại cho tôi số [số điện thoại] nhé" in everything

    exported = ha.http.get("/api/knowledge/gaps.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert_private_data_absent(exported.text)
    assert REDACTED in exported.text

    draft = ok(ha.post(f"/api/knowledge/gaps/{cluster['id']}/draft"))
    assert_private_data_absent(json.dumps(draft, ensure_ascii=False))
    assert REDACTED in draft["content"]["questions"]["vi"]

    # The stored rows keep what was said: redaction happens when a knowledge manager reads.
    with sqlite3.connect(hub.workdir / "hub.db") as db:
        stored = [t for (t,) in db.execute("SELECT text FROM knowledge_gap_items")]
    assert turn in stored
    # Agents and supervisors still work with the conversation itself.
    assert ha.http.get(f"/api/conversations/{conv_id}").status_code == 403
    assert Agent(hub.url, "quan").http.get(f"/api/conversations/{conv_id}").status_code == 200


def test_every_csv_export_is_inert_in_a_spreadsheet(hub: HubProcess) -> None:
    ha, quan = Agent(hub.url, "ha"), Agent(hub.url, "quan")
    entry = {
        "product": "general",
        "tags": ["-tag"],
        "questions": {"vi": ["+Hỏi gì đó về phí?", "@Phí SUM(A1)"]},
        "answer": {"vi": FORMULA},
    }
    assert ha.http.put("/api/knowledge/entries/formula-entry", json=entry).status_code == 200
    exported = ha.http.get("/api/knowledge/export", params={"format": "csv"})
    assert exported.status_code == 200
    rows = rows_of(exported.text)
    assert rows[0][:2] == ["id", "product"]
    assert_inert(rows)
    (row,) = [r for r in rows if r[0] == "formula-entry"]
    assert row[5] == "'" + FORMULA and row[2] == "'-tag"
    assert "Bấm vào đây" in exported.text  # diacritics as written, behind the BOM
    # The export imports back unchanged: BOM and apostrophes are taken off again.
    lines = exported.text.splitlines()
    (line,) = [x for x in lines if x.startswith("formula-entry,")]
    back = ok(ha.post("/api/knowledge/import", format="csv", text=f"{lines[0]}\n{line}\n"))
    assert back["imported"] == 1
    draft = ok(ha.http.get(f"/api/knowledge/drafts/{back['drafts'][0]}"))
    assert draft["content"]["answer"]["vi"] == FORMULA and draft["content"]["tags"] == ["-tag"]

    # A survey comment starting like a formula, in the supervisors' ratings export.
    said = ok(Customer(hub.url).say("Cho tôi gặp nhân viên"))
    conv_id = said["conversation_id"]

    def rated() -> bool:
        with sqlite3.connect(hub.workdir / "hub.db") as db:
            done = db.execute(
                "UPDATE reporting_conversations SET csat = 1, comment = ?,"
                " csat_at = CURRENT_TIMESTAMP WHERE conversation_id = ?",
                ("@SUM(1+1)*cmd|' /C calc'!A0", conv_id),
            ).rowcount
        return done == 1

    wait_for(rated, what="the conversation's reporting row")
    ratings = quan.http.get("/api/reports/ratings.csv")
    assert ratings.status_code == 200
    rows = rows_of(ratings.text)
    assert_inert(rows)
    assert ["'@SUM(1+1)*cmd|' /C calc'!A0"] == [r[5] for r in rows if r[0] == str(conv_id)]
    for path in ("summary.csv", "breakdown.csv", "series.csv", "live.csv"):
        response = quan.http.get(f"/api/reports/{path}")
        assert response.status_code == 200, path
        assert_inert(rows_of(response.text))
    gaps = ha.http.get("/api/knowledge/gaps.csv")
    assert_inert(rows_of(gaps.text))


def test_imports_refuse_deep_nesting_and_huge_lines_with_the_line(hub: HubProcess) -> None:
    ha = Agent(hub.url, "ha")
    good = {
        "id": "loans-deep-test",
        "product": "loans",
        "questions": {"vi": ["Vay gì?"]},
        "answer": {"vi": "Vay mua nhà."},
    }
    deep = "[" * 100_000 + "]" * 100_000
    text = json.dumps(good, ensure_ascii=False) + "\n\n" + deep + "\n"
    response = ha.post("/api/knowledge/import", format="jsonl", text=text)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["line"] == 3
    assert "line 3" in response.json()["detail"]
    only_open = ha.post("/api/knowledge/import", format="jsonl", text="{" * 100_000)
    assert only_open.status_code == 422 and "line 1" in only_open.json()["detail"]
    yaml_deep = ha.post("/api/knowledge/import", format="yaml", text="- " + "[" * 100_000)
    assert yaml_deep.status_code == 422
    huge = {**good, "answer": {"vi": "x" * 25_000}}
    big_line = json.dumps(good) + "\n" + json.dumps(huge) + "\n"
    response = ha.post("/api/knowledge/import", format="jsonl", text=big_line)
    assert response.status_code == 422 and "line 2" in response.json()["detail"]
    assert "answer.vi" in response.json()["detail"]
    big_csv = "id,product,questions_vi,answer_vi\nloans-deep-test,loans,Vay?," + "y" * 25_000
    response = ha.post("/api/knowledge/import", format="csv", text=big_csv + "\n")
    assert response.status_code == 422 and "line 2" in response.json()["detail"]


def test_entry_sizes_are_bounded_on_every_write(hub: HubProcess) -> None:
    ha = Agent(hub.url, "ha")
    entry = {
        "product": "cards",
        "questions": {"vi": ["Thẻ dài?"]},
        "answer": {"vi": "Ngắn."},
    }
    huge_answer = {**entry, "answer": {"vi": "x" * 10_000_000}}
    response = ha.post("/api/knowledge/drafts", entry_id="cards-huge", content=huge_answer)
    assert response.status_code == 422 and "too large" in response.json()["detail"]
    long_answer = {**entry, "answer": {"vi": "x" * 20_001}}
    response = ha.post("/api/knowledge/drafts", entry_id="cards-huge", content=long_answer)
    assert response.status_code == 422 and "answer.vi" in response.json()["detail"]
    long_question = {**entry, "questions": {"vi": ["q" * 501]}}
    response = ha.post("/api/knowledge/drafts", entry_id="cards-huge", content=long_question)
    assert response.status_code == 422 and "question" in response.json()["detail"]
    many_tags = {**entry, "tags": [f"t{i}" for i in range(31)]}
    response = ha.post("/api/knowledge/drafts", entry_id="cards-huge", content=many_tags)
    assert response.status_code == 422 and "tags" in response.json()["detail"]
    # At the limits it is accepted; an edit past them is refused.
    draft = ok(
        ha.post(
            "/api/knowledge/drafts",
            entry_id="cards-huge",
            content={**entry, "answer": {"vi": "x" * 20_000}},
        )
    )
    edit = ha.http.put(f"/api/knowledge/drafts/{draft['id']}", json={"content": long_answer})
    assert edit.status_code == 422
    direct = ha.http.put("/api/knowledge/entries/cards-huge", json=long_answer)
    assert direct.status_code == 422


def test_a_message_of_only_invisible_characters_is_refused(hub: HubProcess) -> None:
    customer = Customer(hub.url)
    invisible = "\u2060\u2062\u180e\ufff9\U000e0041\u3164\u034f\u115f\u1160\uffa0\u200d"
    response = customer.say(invisible)
    assert 400 <= response.status_code < 500, response.text
    kept = ok(customer.say("Gia đình 👨\u200d👩\u200d👧 và cờ 🏳\ufe0f\u200d🌈\u2060"))
    assert kept["message"]["text"] == "Gia đình 👨\u200d👩\u200d👧 và cờ 🏳\ufe0f\u200d🌈"
