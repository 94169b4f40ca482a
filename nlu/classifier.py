"""Rasa intent classifier wrapping `nlu.intent_model.IntentModel`.

Reads the sentence-level sparse features (CountVectorsFeaturizer) and dense features
(E5Featurizer) of each message and sets `intent` and `intent_ranking`. The confidences
are damped for messages unlike any training example, so `FallbackClassifier` with one
threshold catches both unsure and out-of-scope messages.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.intent_model import IntentModel, IntentModelConfig

logger = logging.getLogger(__name__)
_FILE = "intent_model.npz"


def _features(messages: list[Message]) -> tuple[sp.csr_matrix | None, np.ndarray | None]:
    """Stack the sentence features of all messages (missing ones become zero rows)."""
    sparse_rows: list[sp.spmatrix | None] = []
    dense_rows: list[np.ndarray | None] = []
    for message in messages:
        _, sparse_sentence = message.get_sparse_features(TEXT)
        _, dense_sentence = message.get_dense_features(TEXT)
        sparse_rows.append(sparse_sentence.features if sparse_sentence is not None else None)
        dense_rows.append(dense_sentence.features if dense_sentence is not None else None)

    def width(rows: list[Any]) -> int:
        return next((r.shape[-1] for r in rows if r is not None), 0)

    sparse_width, dense_width = width(sparse_rows), width(dense_rows)
    counts = None
    if sparse_width:
        counts = sp.vstack(
            [
                sp.csr_matrix(r) if r is not None else sp.csr_matrix((1, sparse_width))
                for r in sparse_rows
            ],
            format="csr",
        )
    dense = None
    if dense_width:
        dense = np.vstack(
            [
                np.asarray(r).reshape(1, -1) if r is not None else np.zeros((1, dense_width))
                for r in dense_rows
            ]
        ).astype(np.float32)
    return counts, dense


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
            "max_iter": defaults.max_iter,
            "sim_floor": defaults.sim_floor,
            "sim_full": defaults.sim_full,
            "oos_labels": list(defaults.oos_labels),
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
            max_iter=int(c["max_iter"]),
            sim_floor=float(c["sim_floor"]),
            sim_full=float(c["sim_full"]),
            oos_labels=tuple(c["oos_labels"]),
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
        counts, dense = _features(examples)
        model = IntentModel(self._model_config())
        model.fit(counts, dense, [e.get(INTENT) for e in examples])
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
        counts, dense = _features(todo)
        _, conf = self.model.predict(counts, dense)
        classes = self.model.classes
        limit = int(self._config["ranking_length"]) or len(classes)
        for message, row in zip(todo, conf, strict=True):
            order = np.argsort(-row)[:limit]
            ranking = [{"name": str(classes[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
