"""The learned sentiment model (bot/copilot/sentiment_model.py): the real shipped weights
and the real offline embedder on words the lexicon does not list, the lexicon as fallback
(setting off, weights missing), gibberish staying neutral, the cues it quotes, and the
holdout set frozen."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from bot.copilot import sentiment_model
from bot.copilot.sentiment_model import WEIGHTS_PATH, combine, score_many, score_sentiment
from chattext.sentiment import NEGATIVE, NEUTRAL, POSITIVE
from chattext.sentiment import score_sentiment as lexicon_sentiment
from chattext.sentiment_eval import HOLDOUT_SET, load_set
from tandem.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_weights_are_shipped_small_and_shaped() -> None:
    assert WEIGHTS_PATH.is_file() and WEIGHTS_PATH.stat().st_size < 1_000_000
    with np.load(WEIGHTS_PATH) as w:
        assert w["coef"].shape == (3, 384) and w["intercept"].shape == (3,)
        assert np.allclose(w["lexicon_confusion"].sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # No cue of the lexicon in these: the lexicon alone calls them neutral.
        ("giao đúng hẹn, đóng gói chắc chắn", POSITIVE),
        ("Cho tôi hỏi phí thường niên thẻ Visa Gold là bao nhiêu?", NEUTRAL),
    ],
)
def test_the_learned_model_reads_what_the_lexicon_does_not_list(text: str, label: str) -> None:
    assert lexicon_sentiment(text).label == NEUTRAL
    assert score_sentiment(text).label == label


def test_learned_verdicts_quote_the_lexicon_cues_of_their_label() -> None:
    result = score_sentiment("Chờ cả tiếng rồi mà không ai trả lời, bực mình quá!!!")
    assert result.label == NEGATIVE and result.strongly_negative
    assert result.cues[0] == "bực mình quá"
    assert -1.0 <= result.score < 0
    neutral = score_sentiment("Cho tôi hỏi phí thường niên thẻ Visa Gold là bao nhiêu?")
    assert neutral.label == NEUTRAL and neutral.cues == ()


def test_the_model_cannot_raise_a_priority_by_itself() -> None:
    # The lexicon says neutral: whatever the model says, "strongly negative" needs the
    # lexicon's strong evidence.
    lex = lexicon_sentiment("ừ")
    verdict = combine(lex, np.array([0.98, 0.01, 0.01]))
    assert verdict.label == NEGATIVE and not verdict.strongly_negative and verdict.cues == ()


@pytest.mark.parametrize("text", ["asdkjh qwe zxcv", "", "   ", "/restart"])
def test_gibberish_empty_and_commands_stay_neutral(text: str) -> None:
    assert score_sentiment(text) == lexicon_sentiment(text)
    assert score_sentiment(text).label == NEUTRAL


def test_the_setting_off_is_the_lexicon() -> None:
    text = "giao đúng hẹn, đóng gói chắc chắn"
    assert Settings().sentiment_learned is True
    assert score_sentiment(text).label == POSITIVE
    assert score_sentiment(text, learned=False).label == NEUTRAL
    assert score_sentiment(text, learned=False) == lexicon_sentiment(text)
    assert score_many([text], learned=False) == [lexicon_sentiment(text)]


def test_without_the_weights_file_the_lexicon_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentiment_model, "_weights", None)
    monkeypatch.setattr(sentiment_model, "_weights_missing", True)
    text = "giao đúng hẹn, đóng gói chắc chắn"
    assert score_sentiment(text) == lexicon_sentiment(text)


def test_one_at_a_time_and_in_a_batch_agree() -> None:
    texts = ["bực vãi, ko ai rep", "cảm ơn shop nhiều", "mấy giờ chi nhánh đóng cửa"]
    assert [s.label for s in score_many(texts)] == [score_sentiment(t).label for t in texts]


def test_the_holdout_set_is_frozen_and_balanced() -> None:
    digest, rel = (ROOT / "tests/copilot/sentiment/holdout.sha256").read_text().split()
    data = (ROOT / rel).read_bytes().replace(b"\r\n", b"\n")
    assert hashlib.sha256(data).hexdigest() == digest, (
        f"{rel} is frozen: it was measured once; a changed set is a new set with its own name"
    )
    rows = load_set(HOLDOUT_SET)
    assert len(rows) >= 160
    for style in ("vi", "vi_plain", "chat", "en"):
        assert sum(r["style"] == style for r in rows) >= 40
    for label in (NEGATIVE, NEUTRAL, POSITIVE):
        assert sum(r["label"] == label for r in rows) >= 48
    others = {
        r["text"]
        for name in ("dev", "test")
        for r in load_set(HOLDOUT_SET.with_name(f"{name}.jsonl"))
    }
    assert not {r["text"] for r in rows} & others
