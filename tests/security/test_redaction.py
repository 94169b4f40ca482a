"""The one redaction function (chattext.redact): what a knowledge manager may read of a
customer's words. Vietnamese and English, with and without diacritics, and what must stay."""

from __future__ import annotations

import pytest

from chattext.redact import redact

NAMES = ["Nguyễn Văn An"]  # C001 of the demo data: a given name that is also a word

REDACTED = [
    # account numbers, 8-19 digits, with or without spaces
    ("Số tài khoản của tôi là 0123456789", "Số tài khoản của tôi là [số tài khoản]"),
    ("so tai khoan 0123 4567 8901 23 nhe", "so tai khoan [số tài khoản] nhe"),
    ("stk 19034567890123456", "stk [số tài khoản]"),
    ("My account 12345678 is locked", "My account [account number] is locked"),
    # phone numbers
    ("gọi cho em số 0901234567 nhé", "gọi cho em số [số điện thoại] nhé"),
    ("sdt 090 123 4567", "sdt [số điện thoại]"),
    ("sđt em: 090.123.4567", "sđt em: [số điện thoại]"),
    ("Please call +84 901 234 567 today", "Please call [phone number] today"),
    ("so ban 024 3826 8888", "so ban [số điện thoại]"),
    # card numbers, whole or masked
    ("thẻ 4111 1111 1111 1111 bị khóa", "thẻ [số thẻ] bị khóa"),
    ("the 4111111111111111 bi khoa", "the [số thẻ] bi khoa"),
    ("thẻ 4111 **** **** 1234 bị trừ tiền", "thẻ [số thẻ] bị trừ tiền"),
    ("card 411111******1234 was charged", "card [card number] was charged"),
    ("the xxxx xxxx xxxx 1234 cua toi", "the [số thẻ] cua toi"),
    # e-mail addresses
    ("email của em là an.nguyen@example.com.vn", "email của em là [email]"),
    ("write to an_nguyen+bank@gmail.com please", "write to [email] please"),
    # dates of birth and other dates
    ("ngày sinh 30/01/1985", "ngày sinh [ngày sinh]"),
    ("ngay sinh: 30-1-85", "ngay sinh: [ngày sinh]"),
    ("tôi sinh ngày 1985-01-30", "tôi sinh ngày [ngày sinh]"),
    ("my date of birth is 30/01/1985", "my date of birth is [date of birth]"),
    ("giao dịch ngày 02/11/2026 bị lỗi", "giao dịch ngày [ngày] bị lỗi"),
    # the signed-in customer's name: whole, given name, with or without diacritics
    ("Tôi là Nguyễn Văn An, cần hỏi", "Tôi là [tên khách hàng], cần hỏi"),
    ("toi la nguyen van an can hoi", "toi la [tên khách hàng] can hoi"),
    ("NGUYEN VAN AN day", "[tên khách hàng] day"),
    ("Em là An, cho em hỏi", "Em là [tên khách hàng], cho em hỏi"),
    ("em la an, cho em hoi", "em la [tên khách hàng], cho em hoi"),
    ("Văn An đây ạ", "[tên khách hàng] đây ạ"),
    ("Hi, this is An, my card was charged", "Hi, this is [customer name], my card was charged"),
]

KEPT = [
    "tôi nợ 38.900.000 ₫ mà chưa trả",
    "chuyển 5 triệu mất phí bao nhiêu",
    "sao bị trừ 1.500.000đ",
    "I owe 38,900,000 VND",
    "phí 50 000 000 đ một năm",
    "chờ 3 ngày rồi chưa thấy",
    "thẻ hết hạn năm 2027",
    "gọi 1900 6868 không được",
    "ở đây có an toàn không",  # "an" is a word, not the customer named An
    "anh ơi cho em hỏi",
    "mã OTP 123456 không tới",
    "lãi suất 6,5% một năm",
    "xxxx xxxx xxxx hay quá",
    "mật khẩu **** 12 không đúng",
]


@pytest.mark.parametrize(("text", "expected"), REDACTED)
def test_personal_data_is_replaced_by_typed_placeholders(text: str, expected: str) -> None:
    assert redact(text, NAMES) == expected


@pytest.mark.parametrize("text", KEPT)
def test_amounts_short_numbers_and_ordinary_words_stay(text: str) -> None:
    assert redact(text, NAMES) == text


def test_one_message_with_everything() -> None:
    text = (
        "Em là An, số tài khoản 0123456789, sđt 0912345678, email an@example.com, "
        "ngày sinh 14/03/1988. Sao em nợ 38.900.000 ₫?"
    )
    assert redact(text, NAMES) == (
        "Em là [tên khách hàng], số tài khoản [số tài khoản], sđt [số điện thoại], "
        "email [email], ngày sinh [ngày sinh]. Sao em nợ 38.900.000 ₫?"
    )


def test_names_are_only_the_given_customers() -> None:
    assert redact("Tôi là Bình", NAMES) == "Tôi là Bình"
    assert redact("Tôi là Bình", ["Trần Thanh Bình"]) == "Tôi là [tên khách hàng]"
    assert redact("toi la binh", ["Trần Thanh Bình"]) == "toi la [tên khách hàng]"


def test_placeholder_language_follows_the_text_or_is_given() -> None:
    assert redact("0901234567", lang="en") == "[phone number]"
    assert redact("0901234567", lang="vi") == "[số điện thoại]"
    assert redact("") == ""
