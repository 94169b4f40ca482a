"""Language detection for the `language` entity."""

import pytest

from nlu.language import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "gặp người thật",
        "Tôi muốn khoá thẻ",
        "gap nguoi that",
        "toi muon khoa the",
        "tai khoan con bao nhieu",
        "the cua toi bi mat",
        "xin chao",
        "cho toi gap nhan vien",
    ],
)
def test_vietnamese(text: str) -> None:
    assert detect_language(text) == "vi"


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a human",
        "my card is lost",
        "what is the annual fee",
        "the card",
        "block my card please",
        # Greetings only an English speaker writes, where a lone "hello" says nothing.
        "hi there",
        "good morning",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", ["ok", "OK!", "👍", "1234", "hello", "  ", "thanks"])
def test_short_or_ambiguous_gives_nothing(text: str) -> None:
    assert detect_language(text) is None
