"""The sentiment scorer (chattext.sentiment): four writing styles, negation, intensifiers,
profanity and shouting, gibberish, the cues it quotes, and its figure on the frozen set."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.handoff import urgency
from chattext.sentiment import NEGATIVE, NEUTRAL, POSITIVE, score_sentiment
from chattext.sentiment_eval import DEV_SET, TEST_SET, evaluate, load_set, macro_f1
from tandem.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Tôi rất thất vọng, chờ cả tiếng mà không ai trả lời", NEGATIVE),  # vi
        ("toi rat that vong, cho ca tieng ma khong ai tra loi", NEGATIVE),  # vi_plain
        ("chờ mãi ko ai tl, bực ghê", NEGATIVE),  # chat
        ("I'm really disappointed, nobody answers", NEGATIVE),  # en
        ("Cho tôi hỏi lãi suất tiết kiệm 6 tháng", NEUTRAL),
        ("cho toi hoi lai suat tiet kiem 6 thang", NEUTRAL),
        ("ls gửi 6 tháng bn ad", NEUTRAL),
        ("What is the savings rate for 6 months?", NEUTRAL),
        ("Cảm ơn bạn, hỗ trợ rất nhiệt tình", POSITIVE),
        ("cam on ban, ho tro rat nhiet tinh", POSITIVE),
        ("tks ad nhìu nha", POSITIVE),
        ("Thanks, that was really helpful", POSITIVE),
    ],
)
def test_the_four_styles(text: str, label: str) -> None:
    assert score_sentiment(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Tôi hài lòng", POSITIVE),
        ("Tôi không hài lòng", NEGATIVE),
        ("ko hài lòng", NEGATIVE),  # shorthand expanded before negation is read
        ("I am happy with it", POSITIVE),
        ("I am not happy with it", NEGATIVE),
        ("Không tệ chút nào", POSITIVE),
        ("Not bad at all", POSITIVE),
        ("No complaints, everything is fine", POSITIVE),
        # A negator in another clause does not turn the cue round.
        ("Không ai gọi lại, tôi thất vọng", NEGATIVE),
    ],
)
def test_negation(text: str, label: str) -> None:
    assert score_sentiment(text).label == label


def test_intensifiers_strengthen_and_strong_needs_more_than_one_mild_cue() -> None:
    plain, intensified = score_sentiment("tôi thất vọng"), score_sentiment("tôi rất thất vọng")
    assert intensified.raw < plain.raw < 0
    assert not score_sentiment("app hơi chậm").strongly_negative
    assert score_sentiment("Chờ cả tiếng rồi mà không ai trả lời, bực mình quá!").strongly_negative


def test_profanity_and_shouting() -> None:
    swearing = score_sentiment("đm app lỗi hoài")
    assert swearing.label == NEGATIVE and swearing.strongly_negative and "đm" in swearing.cues
    shouted = score_sentiment("TÔI ĐÃ NÓI BAO NHIÊU LẦN RỒI!!!")
    assert shouted.label == NEGATIVE and shouted.strongly_negative
    # Capitals without a complaint are not anger.
    assert score_sentiment("CHO TÔI HỎI PHÍ THẺ VISA").label == NEUTRAL


@pytest.mark.parametrize("text", ["asdkjh qwe", "jjjjjjj", "qưeqưe", "dfghj sdfg!!!"])
def test_gibberish_is_never_negative(text: str) -> None:
    result = score_sentiment(text)
    assert result.label == NEUTRAL and result.score == 0 and result.cues == ()


def test_cues_quote_the_customers_own_words() -> None:
    result = score_sentiment("sao lâu z ad, đợi 30p r, bực ghê")
    assert result.label == NEGATIVE
    assert result.cues[0] == "bực ghê"  # the strongest cue first, as typed
    assert all(cue in "sao lâu z ad, đợi 30p r, bực ghê" for cue in result.cues)
    assert -1 <= result.score < 0


def test_words_that_only_look_like_cues() -> None:
    # "toi" is "tôi" (I), not "tồi"; "tien" is "tiền" (money), not "tiện"; "giải thích"
    # holds "thích"; "trả chậm" is a product.
    assert score_sentiment("toi muon rut tien").label == NEUTRAL
    assert score_sentiment("Giải thích giúp tôi phí trả chậm").label == NEUTRAL


def test_the_bots_frustration_verdict_still_needs_words() -> None:
    # The bot's own verdict (bot/handoff/urgency.py) is untouched by the scorer.
    context = {"intents": ["express_frustration"]}
    assert urgency.assess(Settings(), context, "x", ["asdkjh qwe"]) == (urgency.NORMAL, None)
    assert urgency.assess(Settings(), context, "x", ["chán quá"]) == (urgency.HIGH, None)


def test_macro_f1() -> None:
    assert macro_f1(["negative", "neutral", "positive"], ["negative", "neutral", "positive"]) == 1
    assert macro_f1(["negative", "positive"], ["neutral", "neutral"]) == 0


def test_sets_are_large_balanced_and_apart() -> None:
    test, dev = load_set(TEST_SET), load_set(DEV_SET)
    assert len(test) >= 200 and len(dev) >= 200
    for style in ("vi", "vi_plain", "chat", "en"):
        assert sum(r["style"] == style for r in test) >= 50
    for label in (NEGATIVE, NEUTRAL, POSITIVE):
        assert sum(r["label"] == label for r in test) >= 40
    assert not {r["text"] for r in test} & {r["text"] for r in dev}


def test_the_test_set_is_frozen() -> None:
    digest, rel = (ROOT / "tests/copilot/sentiment/test.sha256").read_text().split()
    data = (ROOT / rel).read_bytes().replace(b"\r\n", b"\n")
    assert hashlib.sha256(data).hexdigest() == digest, (
        f"{rel} is frozen: tune on dev.jsonl; a changed test set is a new set with its own name"
    )


def test_the_figure_on_the_frozen_test_set() -> None:
    result = evaluate(TEST_SET)
    assert result["n"] >= 200
    assert result["macro_f1"] >= 0.8
    assert set(result["by_style"]) == {"vi", "vi_plain", "chat", "en"}
    assert sum(sum(row.values()) for row in result["confusion"].values()) == result["n"]
