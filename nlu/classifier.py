"""Rasa intent classifier wrapping `nlu.intent_model.IntentModel`.

Reads the sentence-level sparse features (CountVectorsFeaturizer n-gram counts and
E5LatentTermsFeaturizer latent terms) and dense features (E5Featurizer) of each message
and sets `intent` and `intent_ranking`. The confidences are damped for messages unlike
any training example, so `FallbackClassifier` with one threshold catches both unsure and
out-of-scope messages; a keyboard mash gets no confidence at all. With
`calibration_folds`, each intent's confidences are calibrated against its own threshold
learnt by cross-validation before the fallback reads them, and the ranking (the two
likeliest intents first) is ordered by the calibrated confidences.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from chattext.substance import looks_like_gibberish
from nlu.intent_model import IntentModel, IntentModelConfig

logger = logging.getLogger(__name__)
_FILE = "intent_model.npz"


def _stack_sparse(rows: list[sp.spmatrix | None], width: int) -> sp.csr_matrix | None:
    if not width:
        return None
    return sp.vstack(
        [sp.csr_matrix(r) if r is not None else sp.csr_matrix((1, width)) for r in rows],
        format="csr",
    )


def _features(
    messages: list[Message], latent_origins: Collection[str] = ()
) -> tuple[sp.csr_matrix | None, np.ndarray | None, sp.csr_matrix | None]:
    """Stack the sentence features of all messages (missing ones become zero rows).

    Returns (counts, dense, latent): sparse features from featurizers named in
    `latent_origins` are kept apart from the n-gram counts, since they are weights to be
    normalised as one block, not counts to be TF-IDF weighted.
    """
    count_rows: list[sp.spmatrix | None] = []
    latent_rows: list[sp.spmatrix | None] = []
    dense_rows: list[np.ndarray | None] = []
    for message in messages:
        row_counts: list[sp.spmatrix] = []
        row_latent: list[sp.spmatrix] = []
        for feature in message.features:
            if (
                feature.attribute == TEXT
                and feature.type == FEATURE_TYPE_SENTENCE
                and feature.is_sparse()
            ):
                kept = row_latent if feature.origin in latent_origins else row_counts
                kept.append(feature.features)
        count_rows.append(sp.hstack(row_counts, format="csr") if row_counts else None)
        latent_rows.append(sp.hstack(row_latent, format="csr") if row_latent else None)
        _, dense_sentence = message.get_dense_features(TEXT)
        dense_rows.append(dense_sentence.features if dense_sentence is not None else None)

    def width(rows: list[Any]) -> int:
        return next((r.shape[-1] for r in rows if r is not None), 0)

    dense_width = width(dense_rows)
    dense = None
    if dense_width:
        dense = np.vstack(
            [
                np.asarray(r).reshape(1, -1) if r is not None else np.zeros((1, dense_width))
                for r in dense_rows
            ]
        ).astype(np.float32)
    counts = _stack_sparse(count_rows, width(count_rows))
    latent = _stack_sparse(latent_rows, width(latent_rows))
    return counts, dense, latent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Linear SVM on sparse + dense features with similarity-damped confidences."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        defaults = IntentModelConfig()
        return {
            "C": defaults.C,
            "scale": defaults.scale,
            "dense_weight": defaults.dense_weight,
            "latent_weight": defaults.latent_weight,
            "nearest_weight": defaults.nearest_weight,
            # Margin of a virtual "none of these" class (None: off); see IntentModel.
            "none_margin": defaults.none_margin,
            # The winner's confidence from the in-scope mass; see IntentModel.
            "scope_confidence": defaults.scope_confidence,
            # Which intents count towards that mass (None: all in scope); see IntentModel.
            "scope_neighbour_share": defaults.scope_neighbour_share,
            "scope_neighbours": defaults.scope_neighbours,
            # Sparse featurizers (by alias) whose features are latent terms, not counts.
            "latent_featurizers": ["e5_latent_terms"],
            "max_iter": defaults.max_iter,
            "sim_floor": defaults.sim_floor,
            "sim_full": defaults.sim_full,
            "oos_labels": list(defaults.oos_labels),
            # Per-intent thresholds from out-of-fold confidences (0 folds: off); see
            # IntentModel.calibrate. `fallback_threshold` must be FallbackClassifier's.
            "calibration_folds": defaults.calibration_folds,
            "fallback_threshold": defaults.fallback_threshold,
            "calibration_quantile": defaults.calibration_quantile,
            "calibration_floor": defaults.calibration_floor,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: IntentModel | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.model = model

    def _model_config(self) -> IntentModelConfig:
        c = self._config
        return IntentModelConfig(
            C=float(c["C"]),
            scale=float(c["scale"]),
            dense_weight=float(c["dense_weight"]),
            latent_weight=float(c["latent_weight"]),
            nearest_weight=float(c["nearest_weight"]),
            none_margin=None if c["none_margin"] is None else float(c["none_margin"]),
            scope_confidence=bool(c["scope_confidence"]),
            scope_neighbour_share=(
                None if c["scope_neighbour_share"] is None else float(c["scope_neighbour_share"])
            ),
            scope_neighbours=int(c["scope_neighbours"]),
            max_iter=int(c["max_iter"]),
            sim_floor=float(c["sim_floor"]),
            sim_full=float(c["sim_full"]),
            oos_labels=tuple(c["oos_labels"]),
            calibration_folds=int(c["calibration_folds"]),
            fallback_threshold=float(c["fallback_threshold"]),
            calibration_quantile=float(c["calibration_quantile"]),
            calibration_floor=float(c["calibration_floor"]),
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            logger.debug("No intent examples; the intent classifier is left untrained.")
            return self._resource
        counts, dense, latent = _features(examples, self._config["latent_featurizers"])
        model = IntentModel(self._model_config())
        labels = [e.get(INTENT) for e in examples]
        model.fit(counts, dense, labels, latent)
        # Each intent's own threshold, from models fitted on the other folds (the features
        # are computed once; only the linear model is refitted).
        model.calibrate(counts, dense, labels, latent)
        self.model = model
        with self._storage.write_to(self._resource) as directory:
            model.save(directory / _FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                component.model = IntentModel.load(directory / _FILE, component._model_config())
        except (ValueError, FileNotFoundError):
            logger.debug("No trained intent model found; predicting nothing.")
        return component

    def process(self, messages: list[Message]) -> list[Message]:
        todo = [m for m in messages if m.get(TEXT)]
        if self.model is None or self.model.classes is None or not todo:
            return messages
        counts, dense, latent = _features(todo, self._config["latent_featurizers"])
        _, conf = self.model.predict(counts, dense, latent)
        classes = self.model.classes
        limit = int(self._config["ranking_length"]) or len(classes)
        for message, row in zip(todo, conf, strict=True):
            if looks_like_gibberish(str(message.get(TEXT))):
                # A keyboard mash says nothing, least of all that the customer is upset
                # ("asdkjh qwe" once scored 0.46 for express_frustration): no intent is
                # confident, so the fallback ladder asks them to rephrase. The check has no
                # false positive on BANKING77's 10,003 or this project's training texts,
                # and one ("shhhh") on CLINC150's 18,000 in-scope texts.
                row = np.zeros_like(row)
            order = np.argsort(-row)[:limit]
            ranking = [{"name": str(classes[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
