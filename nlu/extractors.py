"""Rasa components that add the `language` entity and the identity-detail entities.

The dialogue fills slots from these entity names: `language` (vi/en), `card_last4`,
`phone` and `dob`. Both components are rule-based, need no training data and run on
whole batches of messages.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.language import detect_language
from nlu.patterns import find_entities

LANGUAGE = "language"


class _RuleExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _RuleExtractor:
        return cls()

    def _entities(self, text: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            new = self.add_extractor_name(self._entities(text))
            if new:
                message.set(ENTITIES, message.get(ENTITIES, []) + new, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(_RuleExtractor):
    """Adds entity `language` = `vi` or `en` spanning the message (none when unsure)."""

    def _entities(self, text: str) -> list[dict[str, Any]]:
        lang = detect_language(text)
        if lang is None:
            return []
        return [{"entity": LANGUAGE, "start": 0, "end": len(text), "value": lang}]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PatternEntityExtractor(_RuleExtractor):
    """Adds `card_last4`, `phone` (0 + 9 digits) and `dob` (ISO date) entities."""

    def _entities(self, text: str) -> list[dict[str, Any]]:
        return [
            {"entity": m.entity, "start": m.start, "end": m.end, "value": m.value}
            for m in find_entities(text)
        ]
