"""The folding tokenizer: folded, unabbreviated tokens, and a bounded cost per message."""

from __future__ import annotations

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.e5_featurizer import E5Featurizer
from nlu.tokenizer import FoldingTokenizer


def tokenizer(**config: object) -> FoldingTokenizer:
    return FoldingTokenizer({**FoldingTokenizer.get_default_config(), **config})


def test_tokens_are_folded_and_abbreviations_expanded() -> None:
    tokens = tokenizer().tokenize(Message(data={TEXT: "Quên mk app thì làm j"}), TEXT)
    assert [t.text for t in tokens] == ["quen", "mat", "khau", "app", "thi", "lam", "gi"]
    # An expansion keeps the span of the abbreviation it replaces.
    assert (tokens[1].start, tokens[1].end) == (5, 7) == (tokens[2].start, tokens[2].end)


def test_a_huge_message_is_read_only_up_to_max_chars() -> None:
    huge = "giao dịch lạ trên thẻ " * 5000  # about 110 kB
    tokens = tokenizer(max_chars=2000).tokenize(Message(data={TEXT: huge}), TEXT)
    assert tokens and max(t.end for t in tokens) <= 2000
    assert len(tokens) < 500
    # The message itself is left whole: the hub and the tracker keep what was sent.
    message = Message(data={TEXT: huge})
    tokenizer(max_chars=2000).process([message])
    assert message.get(TEXT) == huge


def test_the_default_bound_is_two_thousand_characters() -> None:
    assert FoldingTokenizer.get_default_config()["max_chars"] == 2000
    assert E5Featurizer.get_default_config()["max_chars"] == 2000


def test_the_sentence_model_reads_the_same_bounded_prefix() -> None:
    featurizer = E5Featurizer.__new__(E5Featurizer)
    featurizer._config = {**E5Featurizer.get_default_config(), "max_chars": 100}
    view = featurizer._view("ko dc " * 1000)
    # 100 characters of shorthand, expanded: a bounded text whatever the message length.
    assert len(view) < 200 and view.startswith("khong duoc khong duoc")
