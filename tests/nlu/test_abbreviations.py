"""Chat abbreviations: expanded from the data file, in context, never in English."""

from __future__ import annotations

from pathlib import Path

import pytest

from chattext.abbreviations import (
    AbbreviationsError,
    expand_abbreviations,
    load_abbreviations,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ko dc", "khong duoc"),
        ("hk bik j hết", "không biết gì hết"),
        ("hok có đc ko", "không có được không"),
        ("e muốn hỏi ntn", "em muốn hỏi như thế nào"),
        ("a ơi c cần gặp ad", "anh ơi chị cần gặp admin"),
        ("mik muốn hỏi phí", "mình muốn hỏi phí"),
        ("mk muốn hỏi phí", "mình muốn hỏi phí"),
        # "mk" next to account words is a password.
        ("quen mk app thi lam j", "quen mat khau app thi lam gi"),
        ("e quên mk đăng nhập", "em quên mật khẩu đăng nhập"),
        ("đổi mk ntn", "đổi mật khẩu như thế nào"),
        # After what one owns it is "my", before what one does it is "I", whatever else
        # the message holds.
        ("sđt mk đổi r", "số điện thoại mình đổi rồi"),
        ("the cua mk bi khoa", "the cua minh bi khoa"),
        ("mk muốn đổi mk", "mình muốn đổi mật khẩu"),
        ("mk quen mk app", "minh quen mat khau app"),
    ],
)
def test_vietnamese_shorthand_is_expanded(text: str, expected: str) -> None:
    assert expand_abbreviations(text) == expected


@pytest.mark.parametrize(
    "text", ["I want a card", "can I get a new card", "is this a scam", "chuyển 500 k"]
)
def test_english_and_amounts_are_left_alone(text: str) -> None:
    assert expand_abbreviations(text) == text


def test_knowledge_managers_extend_the_file(tmp_path: Path) -> None:
    path = tmp_path / "abbreviations.yaml"
    path.write_text("abbreviations:\n  gd: giao dịch\n  ĐT: điện thoại\n", encoding="utf-8")
    extra = load_abbreviations(path)
    assert extra.expand("gd lạ trên thẻ") == "giao dịch lạ trên thẻ"
    assert extra.expand("gọi dt cho tôi") == "gọi điện thoại cho tôi"


def test_a_broken_file_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "abbreviations.yaml"
    path.write_text("contextual:\n  mk: [{then: mật khẩu}]\n", encoding="utf-8")
    with pytest.raises(AbbreviationsError, match="mk"):
        load_abbreviations(path)
    # A rule that both looks around the word and at the whole message is ambiguous.
    path.write_text(
        "contextual:\n  mk: [{then: mình, after_any: [thẻ], when_any: [quên]}]\n",
        encoding="utf-8",
    )
    with pytest.raises(AbbreviationsError, match="one of when_any"):
        load_abbreviations(path)


def test_a_rule_reads_the_word_before_or_after(tmp_path: Path) -> None:
    path = tmp_path / "abbreviations.yaml"
    path.write_text(
        "abbreviations:\n  ck: chuyển khoản\n"
        "contextual:\n  ck:\n    - after_any: [đồng]\n      then: chẵn\n"
        "    - before_any: [lẻ]\n      then: chẵn\n",
        encoding="utf-8",
    )
    rules = load_abbreviations(path)
    assert rules.expand("năm đồng ck") == "năm đồng chẵn"
    assert rules.expand("ck lẻ") == "chẵn lẻ"
    assert rules.expand("ck đồng") == "chuyển khoản đồng"
    assert rules.expansion("ck", "ck lẻ") == "chuyển khoản"  # no neighbours given


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The courtesy particle "ạ" folds to the key "a" (anh) but is no abbreviation.
        ("cho em hỏi phí thường niên ạ", "cho em hỏi phí thường niên ạ"),
        ("dạ vâng ạ, a ơi", "dạ vâng ạ, anh ơi"),
        ("cảm ơn ạ", "cảm ơn ạ"),
        # Chat words customers type in confirmations and requests.
        ("uk khoá đi", "ừ khoá đi"),
        ("ok thui", "ok thoi"),
        ("mún khoá thẻ z", "muốn khoá thẻ vậy"),
    ],
)
def test_marked_words_match_only_keys_spelt_with_their_marks(text: str, expected: str) -> None:
    assert expand_abbreviations(text) == expected


def test_a_key_written_with_marks_is_matched_as_written(tmp_path: Path) -> None:
    path = tmp_path / "abbreviations.yaml"
    path.write_text("abbreviations:\n  mún: muốn\n  a: anh\n", encoding="utf-8")
    extra = load_abbreviations(path)
    assert extra.expand("em mún hỏi ạ") == "em muốn hỏi ạ"
    assert extra.expand("em mun hoi a") == "em muon hoi anh"
    # Other marks on the same letters are another word ("mùn"), left alone.
    assert extra.expand("mùn cưa") == "mùn cưa"
