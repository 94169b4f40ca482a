"""Form answers typed in any common form are taken whatever intent the classifier gave
them, and a form that cannot get an answer stops and hands over (no hub needed)."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("rasa_sdk")

from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.fraud import ValidateFraudForm  # noqa: E402
from actions.identity_answers import MAX_INVALID_ANSWERS, typed_answer  # noqa: E402
from actions.lost_card import ValidateLostCardForm  # noqa: E402
from tests.actions.trackers import DOMAIN, make_tracker, user  # noqa: E402


@pytest.mark.parametrize(
    ("slot", "text", "intent", "expected"),
    [
        ("card_last4", "đuôi 3342", "ask_faq", "3342"),
        ("card_last4", "3 3 4 2", "nlu_fallback", "3342"),
        ("dob", "30 tháng 1 năm 1985", "ask_faq", "1985-01-30"),
        ("dob", "Jan 30 1985", "out_of_scope", "1985-01-30"),
        ("dob", "30-1-85", "inform", "1985-01-30"),
        ("phone", "+84 912 345 678", "nlu_fallback", "0912345678"),
    ],
)
def test_the_requested_value_is_read_whatever_the_intent(
    slot: str, text: str, intent: str, expected: str
) -> None:
    tracker = make_tracker([user(text, intent)], slots={"requested_slot": slot})
    assert typed_answer(tracker, slot) == {slot: expected}


def test_a_request_for_a_person_or_a_stop_is_never_taken_as_a_value() -> None:
    for intent in ("request_human", "deny", "express_frustration"):
        tracker = make_tracker(
            [user("thôi cho gặp nhân viên, thẻ đuôi 3342", intent)],
            slots={"requested_slot": "card_last4"},
        )
        assert typed_answer(tracker, "card_last4") == {}


def test_only_the_slot_asked_for_is_read() -> None:
    tracker = make_tracker(
        [user("năm 2025 tôi mở thẻ", "ask_faq")], slots={"requested_slot": "dob"}
    )
    assert typed_answer(tracker, "card_last4") == {}


def _required(form, slots):  # type: ignore[no-untyped-def]
    tracker = make_tracker([user("???", "nlu_fallback")], slots=slots)
    return asyncio.run(
        form.required_slots(["phone", "card_last4", "dob"], CollectingDispatcher(), tracker, DOMAIN)
    )


def test_a_protective_form_stops_asking_after_repeated_invalid_answers() -> None:
    for form in (ValidateFraudForm(), ValidateLostCardForm()):
        assert _required(form, {"invalid_answers": MAX_INVALID_ANSWERS - 1}) == [
            "phone",
            "card_last4",
            "dob",
        ]
        assert _required(form, {"invalid_answers": MAX_INVALID_ANSWERS}) == []


def test_invalid_answers_are_counted_and_a_valid_one_resets_the_count() -> None:
    form = ValidateFraudForm()
    tracker = make_tracker([user("không nhớ", "nlu_fallback")], slots={"invalid_answers": 1})
    dispatcher = CollectingDispatcher()
    bad = asyncio.run(form.validate_card_last4("không nhớ", dispatcher, tracker, DOMAIN))
    assert bad == {"card_last4": None, "invalid_answers": 2}
    good = asyncio.run(form.validate_card_last4("3342", dispatcher, tracker, DOMAIN))
    assert good == {"card_last4": "3342", "invalid_answers": 0}


def test_a_card_found_again_ends_the_lost_card_form_without_a_block() -> None:
    from actions.lost_card import ActionBlockCard, found_again
    from tests.actions.trackers import run, slot_events

    for text in ("à mình tìm thấy thẻ rồi", "tim thay the roi", "never mind, found it"):
        tracker = make_tracker(
            [user(text, "inform")], slots={"requested_slot": "card_last4", "language": "vi"}
        )
        assert found_again(tracker), text
        assert _required(ValidateLostCardForm(), {}) != []
        dispatcher = CollectingDispatcher()
        required = asyncio.run(
            ValidateLostCardForm().required_slots(
                ["phone", "card_last4", "dob"], dispatcher, tracker, DOMAIN
            )
        )
        assert required == []
        dispatcher, events = run(ActionBlockCard(), tracker)
        assert "tìm lại được thẻ" in dispatcher.messages[0]["text"]
        assert "handoff" not in str(dispatcher.messages)
        assert slot_events(events)["card_last4"] is None


def test_a_card_still_missing_is_not_found_again() -> None:
    from actions.lost_card import found_again

    for text in ("hic mk lm rơi thẻ đâu r ko tìm thấy", "chưa tìm thấy", "I have not found it"):
        assert not found_again(make_tracker([user(text, "report_lost_card")])), text


def test_a_question_instead_of_the_value_is_answered_and_not_counted(knowledge_hub) -> None:
    form = ValidateLostCardForm()
    tracker = make_tracker(
        [user("mà làm lại thẻ mới thì phí bao nhiêu vậy?", "nlu_fallback")],
        slots={"requested_slot": "card_last4", "invalid_answers": 1, "language": "vi"},
        active_loop="lost_card_form",
    )
    dispatcher = CollectingDispatcher()
    update = asyncio.run(
        form.validate_card_last4(
            "mà làm lại thẻ mới thì phí bao nhiêu vậy?", dispatcher, tracker, DOMAIN
        )
    )
    said = " ".join(m.get("text") or "" for m in dispatcher.messages)
    assert "100.000" in said and "quay lại việc khoá thẻ bị mất" in said
    assert "4 chữ số" not in said  # no "invalid digits" hint for a question
    assert update == {"card_last4": None}  # not counted as a miss


def test_what_now_in_a_form_is_told_what_the_form_does(knowledge_hub) -> None:
    # "what now?" names nothing of its own: led by the problem ("the atm ate my card") the
    # search finds an ATM entry about cash, which is not what the customer asked. The form
    # says what it is doing instead, with no "invalid phone" hint, and asks again.
    form = ValidateLostCardForm()
    tracker = make_tracker(
        [user("the atm ate my card", "report_lost_card"), user("what now?", "ask_faq")],
        slots={"requested_slot": "phone", "invalid_answers": 1, "language": "en"},
        active_loop="lost_card_form",
    )
    dispatcher = CollectingDispatcher()
    update = asyncio.run(form.validate_phone("what now?", dispatcher, tracker, DOMAIN))
    said = " ".join(m.get("text") or "" for m in dispatcher.messages)
    assert said == "I'm blocking your lost card for you; I just need the detail below."
    # A miss all the same: asked again and again, the form hands over.
    assert update == {"phone": None, "invalid_answers": 2}


def test_what_now_read_as_a_question_in_a_form_is_told_what_the_form_does() -> None:
    # Read as a question ("ask_faq"), the rule runs the FAQ answer in the middle of the
    # form: it says what the form is doing, searches nothing, and the form asks again.
    from actions.faq import ActionAnswerFaq
    from tests.actions.trackers import responses, run, texts

    tracker = make_tracker(
        [
            user("my wallet is gone, the card was in it", "report_lost_card"),
            user("so what happens now?", "ask_faq"),
        ],
        slots={"requested_slot": "phone", "language": "en"},
        active_loop="lost_card_form",
    )
    dispatcher, events = run(ActionAnswerFaq(), tracker)
    assert texts(dispatcher) == "I'm blocking your lost card for you; I just need the detail below."
    assert responses(dispatcher) == [] and events == []


@pytest.mark.parametrize(
    ("typed", "slot", "value", "said"),
    [
        ("4821", "card_last4", "4821", "the card's last four digits"),
        ("12/05/1990", "dob", "1990-05-12", "your date of birth"),
    ],
)
def test_a_detail_given_where_the_phone_was_asked_is_kept_and_not_a_miss(
    typed: str, slot: str, value: str, said: str
) -> None:
    # The form used to ask the card's digits and the birth date first: a customer who
    # gives them where the phone is asked is told why the phone is still needed.
    form = ValidateLostCardForm()
    tracker = make_tracker(
        [user("my card was stolen at the market", "report_lost_card"), user(typed, "inform")],
        slots={"requested_slot": "phone", "language": "en"},
        active_loop="lost_card_form",
    )
    extracted = getattr(form, f"extract_{slot}")
    assert asyncio.run(extracted(CollectingDispatcher(), tracker, DOMAIN)) == {slot: value}
    dispatcher = CollectingDispatcher()
    update = asyncio.run(form.validate_phone(typed, dispatcher, tracker, DOMAIN))
    assert update == {"phone": None}  # no miss counted
    text = " ".join(m.get("text") or "" for m in dispatcher.messages)
    assert said in text and "phone number registered" in text
    assert "doesn't look like a valid" not in text


def test_a_wrong_phone_number_is_still_a_wrong_phone_number() -> None:
    form = ValidateLostCardForm()
    tracker = make_tracker(
        [user("my card was stolen", "report_lost_card"), user("091234567", "inform")],
        slots={"requested_slot": "phone", "language": "en"},
        active_loop="lost_card_form",
    )
    dispatcher = CollectingDispatcher()
    update = asyncio.run(form.validate_phone("091234567", dispatcher, tracker, DOMAIN))
    assert update["phone"] is None and update["invalid_answers"] == 1
    assert "doesn't look like a valid" in dispatcher.messages[0]["text"]
