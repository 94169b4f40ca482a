"""The NPS question: who is asked, and how it looks on each channel."""

from __future__ import annotations

from bot.channels.telegram import keyboard
from bot.reporting.survey_answers import NPS_BUTTONS
from bot.reporting.surveys import TEXTS, sampled


def test_sample_is_a_fixed_share_of_conversations() -> None:
    ids = range(1, 20_001)
    share = sum(sampled(i, 0.3) for i in ids) / len(ids)
    assert abs(share - 0.3) < 0.01
    assert [sampled(i, 0.3) for i in ids[:50]] == [sampled(i, 0.3) for i in ids[:50]]
    assert not any(sampled(i, 0.0) for i in ids) and all(sampled(i, 1.0) for i in ids)


def test_question_has_eleven_buttons_in_both_languages() -> None:
    assert [b["payload"] for b in NPS_BUTTONS] == [f"/nps {n}" for n in range(11)]
    for key in ("nps_question", "nps_comment"):
        assert TEXTS[key]["vi"] and TEXTS[key]["en"] and TEXTS[key]["vi"] != TEXTS[key]["en"]


def test_telegram_shows_the_scale_as_an_inline_keyboard() -> None:
    markup = keyboard({"id": 42, "text": TEXTS["nps_question"]["vi"], "buttons": NPS_BUTTONS})
    assert markup is not None
    rows = markup.inline_keyboard
    keys = [k for row in rows for k in row]
    assert [k.text for k in keys] == [str(n) for n in range(11)]
    assert all(len(row) <= 3 for row in rows)
    assert keys[9].callback_data == "m42:9"  # points at the stored message, not the payload
