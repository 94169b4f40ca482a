"""Train the custom components on a handful of examples, persist, load and predict.

Uses the real components (folding tokenizer, Rasa's CountVectorsFeaturizer, the e5
featurizer with the bundled model, the classifier) and Rasa's model storage.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.classifier import LinearIntentClassifier
from nlu.e5_featurizer import E5Featurizer, E5LatentTermsFeaturizer
from nlu.extractors import LanguageDetector, PatternEntityExtractor
from nlu.tokenizer import FoldingTokenizer

EXAMPLES = {
    "block_card": ["khoá thẻ của tôi", "tôi bị mất thẻ", "please block my card", "I lost my card"],
    "check_balance": [
        "số dư tài khoản",
        "tài khoản còn bao nhiêu tiền",
        "what is my balance",
        "how much money do I have",
    ],
    "request_human": [
        "tôi muốn gặp người thật",
        "cho tôi gặp nhân viên",
        "talk to a human",
        "connect me to an agent",
    ],
    "oos": ["thời tiết hôm nay", "tell me a joke", "hát một bài đi"],
}


@pytest.fixture()
def components(tmp_path: Path) -> tuple:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = FoldingTokenizer(FoldingTokenizer.get_default_config())
    words = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config()}, storage, Resource("words"), context
    )
    e5 = E5Featurizer(
        {**E5Featurizer.get_default_config(), "cache_dir": str(tmp_path / "cache")}, "e5"
    )
    latent = E5LatentTermsFeaturizer.create(
        {"cache_dir": str(tmp_path / "cache")}, storage, Resource("latent"), context
    )
    clf = LinearIntentClassifier.create(
        LinearIntentClassifier.get_default_config(), storage, Resource("clf"), context
    )
    return storage, context, tokenizer, words, e5, latent, clf


def test_folding_tokenizer_makes_spelling_variants_equal() -> None:
    tokenizer = FoldingTokenizer(FoldingTokenizer.get_default_config())
    accented = Message(data={"text": "Gặp Người thật"})
    plain = Message(data={"text": "gap nguoi that"})
    tokenizer.process([accented, plain])
    assert [t.text for t in accented.get("text_tokens")] == ["gap", "nguoi", "that"]
    assert [t.lemma for t in plain.get("text_tokens")] == ["gap", "nguoi", "that"]
    # Offsets still index the original text.
    first = accented.get("text_tokens")[1]
    assert "Gặp Người thật"[first.start : first.end] == "Người"


def test_train_persist_load_predict(components: tuple) -> None:
    storage, context, tokenizer, words, e5, latent, clf = components
    data = TrainingData(
        [Message(data={"text": t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts]
    )
    tokenizer.process_training_data(data)
    words.train(data)
    words.process_training_data(data)
    e5.process_training_data(data)
    latent.process_training_data(data)
    clf.train(data)
    # The latent terms are a block of their own, not mixed into the n-gram counts.
    assert clf.model.latent_width == latent._embedder.latent_dim > 0

    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("clf"), context
    )
    queries = {
        "gap nguoi that": "request_human",
        "khoa the giup toi": "block_card",
        "what's my account balance": "check_balance",
    }
    messages = [Message(data={"text": q}) for q in queries]
    for component in (tokenizer, words, e5, latent, loaded):
        component.process(messages)
    for message, expected in zip(messages, queries.values(), strict=True):
        intent = message.get("intent")
        assert intent["name"] == expected
        assert 0.0 < intent["confidence"] <= 1.0
        ranking = message.get("intent_ranking")
        assert ranking[0]["name"] == expected
        assert ranking == sorted(ranking, key=lambda r: -r["confidence"])


def test_extractors_add_entities() -> None:
    message = Message(data={"text": "the cuoi 1234, sdt 0912345678"})
    PatternEntityExtractor().process([message])
    LanguageDetector().process([message])
    entities = {e["entity"]: e["value"] for e in message.get("entities")}
    assert entities == {"card_last4": "1234", "phone": "0912345678", "language": "vi"}
    assert all(e["extractor"] for e in message.get("entities"))
    silent = Message(data={"text": "ok"})
    LanguageDetector().process([silent])
    assert not silent.get("entities")
