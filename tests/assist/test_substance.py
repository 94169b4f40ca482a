"""Which customer turns say something (chattext.substance): gibberish, form answers and
the query built from a conversation's substantive turns."""

from __future__ import annotations

import pytest

from bot.assist.live import Turn, build_query
from chattext.entry_fit import (
    asks_of_a_sibling,
    entry_keeps_the_question,
    entry_misses_follow_up,
)
from chattext.substance import (
    asks_nothing_new,
    contextual_query,
    follow_up_subject,
    is_substantive,
    looks_like_gibberish,
    points_back,
)


@pytest.mark.parametrize(
    ("text", "gibberish"),
    [
        # Keyboard mashes, random letters, one letter repeated, letters that spell no
        # Vietnamese syllable.
        ("asdkjh qwe", True),
        ("jjjjjj", True),
        ("qưeqưe", True),
        ("asdf", True),
        ("lkjlkj", True),
        ("dfgdfg sdfsdf", True),
        ("zxcvb", True),
        ("fdsa hjkl", True),
        # Chat abbreviations, Vietnamese with and without diacritics, English.
        ("ko dc", False),
        ("uk", False),
        ("sao ko chuyển dc tiền", False),
        ("sao ko chuyen dc tien", False),
        ("wtf is this", False),
        ("tức quá, làm ăn kiểu gì vậy", False),
        ("tuc qua lam an kieu gi vay", False),
        ("ntn vậy ad", False),
        ("I just saw a strange 5 million transaction on my card, it wasn't me", False),
        ("Yesss!!", False),
        ("hmmm", False),
        ("hahaha", False),
        # No letters at all: a form answer or a reaction, not gibberish.
        ("5560", False),
        ("30/01/1985", False),
        ("😡😡", False),
        ("???", False),
    ],
)
def test_looks_like_gibberish(text: str, gibberish: bool) -> None:
    assert looks_like_gibberish(text) is gibberish


@pytest.mark.parametrize(
    ("text", "substantive"),
    [
        ("5560", False),
        ("30/01/1985", False),
        ("ngày 30 tháng 1 năm 1985", False),
        ("0912345678", False),
        ("3 giờ chiều mai", False),
        ("yes", False),
        ("Yesss!!", False),
        ("ok", False),
        ("OK nhé", False),
        ("ừ", False),
        ("uk", False),
        ("ko", False),
        ("Dạ vâng ạ", False),
        ("không phải tôi", False),
        ("yes please", False),
        ("help", False),
        ("/affirm", False),
        ("asdkjh qwe", False),
        ("mất thẻ", True),
        ("sao ko chuyển dc tiền", True),
        ("còn thẻ Platinum thì sao?", True),
        ("and if I'm abroad?", True),
        ("I just saw a strange 5 million transaction on my card, it wasn't me", True),
    ],
)
def test_is_substantive(text: str, substantive: bool) -> None:
    assert is_substantive(text) is substantive


def test_the_query_skips_form_answers_and_carries_the_topic() -> None:
    problem = "I just saw a strange 5 million transaction on my card, it wasn't me"
    assert contextual_query([problem, "5560", "30/01/1985", "yes"]) == problem
    question = "Phí thường niên thẻ Visa Gold là bao nhiêu?"
    follow_up = "còn thẻ Platinum thì sao?"
    assert contextual_query([question, "ok", follow_up]) == f"{question} {follow_up}"
    assert contextual_query(["hello", question]) == question  # a full question stands alone
    assert contextual_query(["and if I'm abroad?"]) == "and if I'm abroad?"
    assert contextual_query(["yes", "5560"]) == ""


def test_the_agents_query_skips_the_request_for_a_person_and_the_form() -> None:
    def asks(text: str) -> bool:
        return "nhân viên" in text

    problem = "Tôi vừa thấy giao dịch lạ 5 triệu trên thẻ, không phải tôi giao dịch"
    texts = [problem, "cho tôi gặp nhân viên", "5560", "30/01/1985", "có"]
    turns = [Turn(i, text, float(i)) for i, text in enumerate(texts)]
    assert build_query(turns, asks_for_person=asks) == problem


def test_the_bot_answers_a_marked_follow_up_with_the_topic_before_it() -> None:
    question = "How much is the annual fee on the Gold card?"
    follow_up = "and what about the Platinum one?"
    assert contextual_query([question, follow_up], answer_latest=True) == f"{question} {follow_up}"
    vi = "Phí thường niên thẻ Visa Gold là bao nhiêu?"
    follow_up = "còn thẻ Platinum thì sao?"  # the same question of another card
    assert contextual_query([vi, "ok", follow_up], answer_latest=True) == f"{vi} {follow_up}"
    # A new, full question stands alone.
    new = "How do I set up fingerprint login in the app on my new phone?"
    assert contextual_query([question, new], answer_latest=True) == new


def test_a_question_that_points_back_is_asked_of_the_topic_before() -> None:
    # "for that" / "cho việc đó" name no subject: the one before is the subject, for the
    # bot's answer and for the agent's suggestions.
    loan = "I want to apply for a loan"
    docs = "what documents do I need for that?"
    assert contextual_query([loan, docs], answer_latest=True) == f"{loan} {docs}"
    assert contextual_query([loan, docs]) == f"{loan} {docs}"
    vi = "Tôi muốn mở tài khoản tiết kiệm online"
    how_long = "làm việc đó mất bao lâu vậy?"
    assert contextual_query([vi, how_long], answer_latest=True) == f"{vi} {how_long}"
    # "it" alone points nowhere in particular, and a long new question stands alone.
    block = "I lost my card, can you block it?"
    assert contextual_query([loan, block], answer_latest=True) == block
    assert points_back("is that free?") and points_back("cái đó có mất phí không")
    assert points_back("can I do that online?") and not points_back("can you block it?")
    # Here "that" is the follow-up's own new subject, which it asks about alone.
    late = "And what about paying late, is there a fee for that?"
    assert not points_back(late)
    assert (
        contextual_query([loan, late], answer_latest=True) == "paying late is there a fee for that"
    )


def test_a_new_question_that_starts_with_and_stands_alone() -> None:
    before = "what are your branch opening hours?"
    new = "and where is the nearest branch?"
    assert contextual_query([before, new], answer_latest=True) == new


def test_a_follow_up_with_words_of_its_own_asks_them_without_its_framing() -> None:
    # A new question on the same subject: the topic before would bury it, and "thì sao"
    # would match entries phrased "… thì sao?".
    loan = "Vay tín chấp lãi suất bao nhiêu?"
    assert contextual_query([loan, "Còn trả trước hạn thì sao?"], answer_latest=True) == (
        "trả trước hạn"
    )
    atm = "Phí rút tiền ATM là bao nhiêu?"
    assert contextual_query([atm, "vậy còn phí chuyển khoản thì sao"], answer_latest=True) == (
        "phí chuyển khoản"
    )
    assert (
        contextual_query(
            ["Can I use my card abroad?", "and what about cash withdrawals at the airport?"],
            answer_latest=True,
        )
        == "cash withdrawals at the airport"
    )


def test_without_framing_and_new_words() -> None:
    from chattext.substance import new_words, without_framing

    assert without_framing("Còn rút trước hạn thì sao?") == "rút trước hạn"
    assert without_framing("and what about the Platinum one?") == "the Platinum one"
    assert without_framing("thì sao?") == "thì sao?"  # nothing else left: kept
    # Only the framing's own words go: "thẻ" folds like the "thế" of "thế còn".
    assert without_framing("thế còn thẻ ghi nợ quốc tế?") == "thẻ ghi nợ quốc tế"
    assert new_words("the Platinum one", "annual fee on the Gold card") == ["Platinum"]


ANNUAL_FEE = (
    "Phí thường niên thẻ tín dụng là bao nhiêu? Phí thường niên là 300.000 VND với thẻ "
    "Classic, 600.000 VND với thẻ Gold và 1.500.000 VND với thẻ Platinum."
)
SAVINGS_RATES = (
    "Online savings currently pay 3.2% a year for 1 month, 4.5% for 6 months and 5.3% for "
    "12 months."
)


@pytest.mark.parametrize(
    ("follow_up", "before", "entry", "misses"),
    [
        # The debit card is not what the credit card's fee entry prices.
        ("còn thẻ ghi nợ thì sao", "phí thường niên thẻ tín dụng bao nhiêu vậy", ANNUAL_FEE, True),
        ("con the ghi no thi sao", "phi thuong nien the tin dung bao nhieu", ANNUAL_FEE, True),
        ("còn thẻ Platinum thì sao?", "phí thường niên thẻ Gold bao nhiêu", ANNUAL_FEE, False),
        # A follow-up that adds no word of its own asks the same question again.
        ("vậy còn phí thì sao?", "phí thường niên thẻ tín dụng bao nhiêu", ANNUAL_FEE, False),
        # Plurals and figures: "6 months" is in "for 6 months".
        ("and for 6 months?", "what's the rate on a 12 month deposit", SAVINGS_RATES, False),
        ("what about the car loan?", "what's the rate on a 12 month deposit", SAVINGS_RATES, True),
    ],
)
def test_an_entry_found_with_the_topic_before_must_name_what_the_follow_up_adds(
    follow_up: str, before: str, entry: str, misses: bool
) -> None:
    assert entry_misses_follow_up(follow_up, before, entry) is misses


CAR_LOAN = "Vay mua xe được bao nhiêu? Vay mua ô tô có lãi suất từ 8,5%/năm, thời hạn đến 7 năm."
ATM_ABROAD = (
    "Dùng thẻ ghi nợ ở nước ngoài có được không? Thẻ ghi nợ quốc tế và thẻ tín dụng rút được "
    "tiền tại ATM ở nước ngoài; phí rút tiền là 4%."
)


@pytest.mark.parametrize(
    ("follow_up", "before", "entry", "keeps"),
    [
        # The car loan's entry gives its rate: the question before, of the new subject.
        ("còn vay mua xe thì sao", "lãi suất vay mua nhà bao nhiêu", CAR_LOAN, True),
        ("con vay mua xe thi sao", "lai suat vay mua nha bn vay ad", CAR_LOAN, True),
        # A debit card entry that names a fee, but not the annual fee asked before.
        ("còn thẻ ghi nợ thì sao", "phí thường niên thẻ tín dụng bao nhiêu", ATM_ABROAD, False),
        ("and the car loan?", "what is the rate of the home loan", CAR_LOAN, True),
    ],
)
def test_an_entry_found_for_the_follow_ups_subject_must_answer_the_question_before(
    follow_up: str, before: str, entry: str, keeps: bool
) -> None:
    found = follow_up_subject([before, follow_up])
    assert found is not None and found[1] == before
    assert entry_keeps_the_question(before, found[0], entry) is keeps


def test_only_a_follow_up_with_a_subject_of_its_own_is_searched_on_it() -> None:
    assert follow_up_subject(["lãi suất vay mua nhà", "giờ phải làm sao?"]) is None
    assert follow_up_subject(["lãi suất vay mua nhà", "còn nữa không?"]) is None
    assert follow_up_subject(["lãi suất vay mua nhà", "where is the nearest branch?"]) is None


@pytest.mark.parametrize(
    ("text", "nothing_new"),
    [
        ("what should I do?", True),
        ("vậy giờ phải làm sao?", True),
        ("h e phai lam gi", True),  # chat shorthand: "giờ em phải làm gì"
        ("then what?", True),
        ("giờ làm sao mở lại", False),  # "mở lại": what it asks
        ("phí bao nhiêu?", False),
        ("hmm", False),  # asks nothing at all
        ("ok thanks", False),
    ],
)
def test_a_question_that_names_nothing_of_its_own(text: str, nothing_new: bool) -> None:
    assert asks_nothing_new(text) is nothing_new


def test_a_question_that_names_nothing_is_asked_about_the_turn_before() -> None:
    turns = ["I was charged twice for the same purchase", "what should I do?"]
    assert contextual_query(turns, answer_latest=True) == " ".join(turns)
    # Alone, it is only itself.
    assert contextual_query(turns[1:], answer_latest=True) == "what should I do?"


@pytest.mark.parametrize(
    ("subject", "before", "sibling"),
    [
        ("thẻ ghi nợ quốc tế", "phí thường niên thẻ tín dụng bao nhiêu", True),
        ("vay mua xe", "lai suat vay mua nha bn vay ad", True),
        ("6 tháng", "lãi suất tiết kiệm 12 tháng", True),
        ("the debit card", "what is the annual fee of a credit card?", True),
        (
            "han muc chuyen toi da mot ngay",
            "phi chuyen khoan sang ngan hang khac la bao nhieu",
            False,
        ),
        ("rút tiền ở Nhật", "rút tiền ở ATM ngân hàng khác có mất phí không", False),
    ],
)
def test_a_follow_up_asks_the_question_before_of_a_sibling(
    subject: str, before: str, sibling: bool
) -> None:
    assert asks_of_a_sibling(subject, before) is sibling


def test_then_what_about_is_a_follow_up() -> None:
    from chattext.substance import asks_about_the_same, follow_up_subject

    assert asks_about_the_same("thế còn thẻ ghi nợ quốc tế?")
    assert asks_about_the_same("vay con the ghi no")
    assert not asks_about_the_same("còn tiền trong tài khoản không?")
    texts = ["phí thường niên thẻ tín dụng bao nhiêu", "thế còn thẻ ghi nợ quốc tế?"]
    assert follow_up_subject(texts) == ("thẻ ghi nợ quốc tế", texts[0])
