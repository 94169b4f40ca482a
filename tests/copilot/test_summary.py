"""The hand-off summary as a pure function: facts come from turns and events, every line
traces to its source, form answers never count as the problem, labels follow the
conversation's language."""

from __future__ import annotations

from bot.copilot.summary import Record, summarise, trace


def _record(language: str = "vi", **extra) -> Record:
    messages = [
        {"id": 11, "seq": 1, "sender": "customer", "text": "Tôi bị mất thẻ tín dụng ở sân bay"},
        {
            "id": 12,
            "seq": 2,
            "sender": "bot",
            "text": "Bạn cho mình xin 4 số cuối của thẻ nhé.",
            "reply_to": 11,
        },
        {"id": 13, "seq": 3, "sender": "customer", "text": "4821"},
        {"id": 14, "seq": 4, "sender": "customer", "text": "30/01/1985"},
        {"id": 15, "seq": 5, "sender": "customer", "text": "có"},
        {
            "id": 16,
            "seq": 6,
            "sender": "bot",
            "reply_to": 15,
            "text": "Thẻ đuôi 4821 đã được khoá (mã tham chiếu BLK-00017).",
        },
        {
            "id": 17,
            "seq": 7,
            "sender": "customer",
            "text": "Tôi muốn làm lại thẻ gấp trước thứ Hai",
        },
        {"id": 18, "seq": 8, "sender": "customer", "text": "cho tôi gặp nhân viên"},
    ]
    events = [
        {"id": 3, "kind": "customer_verified", "data": {"verified_by": "card_dob"}},
        {"id": 4, "kind": "state", "to_state": "waiting", "note": "lost_card", "data": {}},
    ]
    return Record(
        language=language,
        handoff_reason="lost_card",
        context={"intents": ["report_lost_card"], "form": None},
        messages=messages,
        events=events,
        callbacks=[{"id": 9, "window": "14:00–16:00 07/12", "status": "scheduled"}],
        **extra,
    )


def test_the_summary_holds_the_facts_each_traced_to_its_source() -> None:
    record = _record()
    lines = summarise(record)
    by_source = {line["source"]: line for line in lines}
    assert by_source["m:11"]["part"] == "problem"
    assert by_source["m:11"]["quote"] == "Tôi bị mất thẻ tín dụng ở sân bay"
    assert by_source["m:16"]["quote"] == "BLK-00017"
    assert by_source["e:3"]["quote"] == "card_dob"
    assert by_source["m:17"]["quote"] == "Tôi muốn làm lại thẻ gấp trước thứ Hai"
    assert [line["quote"] for line in lines if line["source"] == "cb:9"] == [
        "CB-9",
        "14:00–16:00 07/12",
    ]
    assert any(line["source"] == "e:4" and line["quote"] == "lost_card" for line in lines)
    assert all(trace(record, line) for line in lines)
    parts = [line["part"] for line in lines]
    assert parts == sorted(parts, key=["problem", "bot_did", "wants_now", "promises"].index)


def test_form_answers_yes_no_and_requests_for_a_person_are_never_the_problem() -> None:
    quoted = {
        line["quote"] for line in summarise(_record()) if line["part"] in ("problem", "wants_now")
    }
    assert not quoted & {"4821", "30/01/1985", "có", "cho tôi gặp nhân viên"}


def test_a_line_whose_quote_is_not_in_its_source_is_caught() -> None:
    record = _record()
    line = summarise(record)[0]
    assert not trace(record, {**line, "quote": "Tôi bị mất ví"})
    assert not trace(record, {**line, "source": "m:999"})
    assert not trace(record, {**line, "source": "x:11"})


def test_labels_follow_the_conversation_language() -> None:
    vi = summarise(_record("vi"))
    en = summarise(_record("en"))
    assert vi[0]["text"].startswith("Vấn đề: ") and en[0]["text"].startswith("Problem: ")
    assert any("mã tham chiếu" in line["label"] for line in vi)
    assert any("reference" in line["label"] for line in en)
    # The quotes are the customer's words in both: only the fixed templates change.
    assert [line["quote"] for line in vi] == [line["quote"] for line in en]


def test_a_transfer_note_is_quoted_from_its_event() -> None:
    record = _record()
    record["events"].append(
        {
            "id": 7,
            "kind": "transfer",
            "actor": "linh",
            "note": "Khách cần thẻ mới gửi về công ty",
            "data": {},
        }
    )
    note = [line for line in summarise(record) if line["source"] == "e:7"]
    assert note and note[0]["quote"] == "Khách cần thẻ mới gửi về công ty"
    assert "(linh)" in note[0]["label"]


def test_an_empty_conversation_summarises_to_nothing_invented() -> None:
    assert summarise(Record(language="en", messages=[], events=[])) == []
