"""Short yes/no replies in every style, read exactly (chattext.replies)."""

from __future__ import annotations

import unicodedata

import pytest

from chattext.replies import chosen_index, read_reply


@pytest.mark.parametrize(
    "text",
    [
        "yes, block it",
        "ừ khoá đi",
        "ok khoa luon di",
        "uk",
        "được",
        "đc",
        "ok",
        "oke",
        "chuẩn",
        "đúng rồi",
        "dung roi",
        "yes block my card",
        "sure, go ahead",
        "vâng ạ",
        "có",
        "dạ",
        "Yes please",
    ],
)
def test_yes(text: str) -> None:
    assert read_reply(text) == "yes"


@pytest.mark.parametrize(
    "text",
    [
        "ko cần",
        "thôi",
        "thôi khỏi",
        "không",
        "no thanks",
        "k cần đâu",
        "đừng khoá",
        "dạ không cần",
        "dừng lại",
        "nope",
        "khum",
    ],
)
def test_no(text: str) -> None:
    assert read_reply(text) == "no"


@pytest.mark.parametrize(
    "text",
    [
        "không nhận được mã OTP",  # a problem, not a refusal
        "ok nhưng phí bao nhiêu?",  # a question
        "ok thanks",  # thanks, left to the classifier
        "3342",
        "no, connect me with a person",
        "tôi muốn gặp nhân viên",
        "dung khoa",  # without accents: "don't block" or "right, block": unsure
        "khoá thẻ",  # a request of its own unless a block was just offered
        "",
        "ừ " * 10,  # too long to be a plain reply
    ],
)
def test_not_a_reply(text: str) -> None:
    assert read_reply(text) is None


def test_naming_the_offered_action_is_a_yes_only_when_asked() -> None:
    assert read_reply("khoá luôn đi") is None
    assert read_reply("khoá luôn đi", accept_action=True) == "yes"
    assert read_reply("block it now", accept_action=True) == "yes"
    assert read_reply("dung khoa", accept_action=True) is None


def test_decomposed_vietnamese_reads_the_same() -> None:
    assert read_reply(unicodedata.normalize("NFD", "đừng khoá")) == "no"
    assert read_reply(unicodedata.normalize("NFD", "đúng rồi")) == "yes"


def test_a_change_of_mind_said_first_is_a_refusal_whatever_follows() -> None:
    from chattext.replies import starts_with_refusal

    for text in (
        "Thôi khỏi, để tôi tự gọi tổng đài",
        "thoi khoi, de toi tu khoa tren app",
        "never mind, I'll do it in the app",
        "không cần nữa đâu",
    ):
        assert starts_with_refusal(text), text
    for text in ("thôi cho tôi gặp nhân viên", "thời hạn thẻ là bao lâu", "thôi"):
        assert not starts_with_refusal(text), text


def test_let_me_try_again_is_a_yes() -> None:
    for text in ("Thử lại", "thu lai", "try again"):
        assert read_reply(text) == "yes", text
    assert read_reply("làm lại thẻ") is None  # a request of its own


def test_a_remark_about_the_conversation_is_no_reply() -> None:
    from chattext.replies import conversation_remark

    for text in ("thôi mình off đây", "ok bye nhé", "e đi đây ad", "tạm biệt shop"):
        assert conversation_remark(text) == "leaving", text
    for text in ("bot trả lời sai hết", "you replied wrong", "rep kém quá"):
        assert conversation_remark(text) == "bot_wrong", text
    for text in ("sai rồi", "không phải", "thôi khỏi", "rep nhanh giúp mình", "ừ khoá đi"):
        assert conversation_remark(text) is None, text


def test_who_a_reply_is_addressed_to_does_not_change_it() -> None:
    assert read_reply("ko cần đâu shop") == "no"
    assert read_reply("oke admin") == "yes"


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("ừ câu đầu", 0),
        ("yes the first one", 0),
        ("cai dau tien", 0),
        ("số 2 ad", 1),
        ("cái thứ hai", 1),
        ("the second", 1),
        ("ok cái cuối", -1),
        ("yes", None),  # names no choice
        ("không phải đâu", None),  # "đâu" (at all) is not "đầu" (the first)
        ("cái đầu hay cái thứ hai", None),  # names two
    ],
)
def test_the_choice_a_short_reply_names(text: str, index: int | None) -> None:
    assert chosen_index(text) == index
