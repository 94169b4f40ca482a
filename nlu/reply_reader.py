"""A Rasa component that reads short yes/no replies exactly (`chattext.replies`).

Placed after the intent classifier and before `FallbackClassifier`: when the classifier
is unsure (below `threshold`) and the message is a short reply made of yes/no words in
any style ("ừ khoá đi", "uk", "yes, block it", "ko cần", "thôi khỏi"), the intent becomes
`affirm` or `deny` with confidence `confidence`. A confident classifier is left alone, so
"ok thanks" stays a thank-you, except for a change of mind said first ("thôi khỏi, …",
"never mind, …"), which is a `deny` whatever follows unless it asks for a person.
Messages are only relabelled towards intents the model
knows (it does nothing on data sets without `affirm`/`deny`).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from chattext.replies import read_reply, starts_with_refusal

_INTENTS = {"yes": "affirm", "no": "deny"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ShortReplyReader(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # threshold: the classifier's confidence under which a reply is re-read (the
        # fallback threshold); confidence: what a recognised reply is given.
        return {"threshold": 0.6, "confidence": 0.9}

    def __init__(self, config: dict[str, Any]) -> None:
        self._threshold = float(config["threshold"])
        self._confidence = float(config["confidence"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShortReplyReader:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._reread(message)
        return messages

    def _reread(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        text = str(message.get(TEXT) or "")
        top = intent.get("name")
        if starts_with_refusal(text) and top != "request_human":
            # A change of mind said first stops what is under way, however the rest reads
            # ("thôi khỏi, để tôi tự gọi tổng đài" is not a call-back request).
            reply: str | None = "no"
        elif top in _INTENTS.values():
            # The classifier heard a reply: the exact reading decides yes or no when it
            # has one ("thử lại", let me try again, is no refusal).
            reply = read_reply(text)
        elif float(intent.get("confidence") or 0.0) >= self._threshold:
            return
        else:
            reply = read_reply(text)
        if reply is None:
            return
        name = _INTENTS[reply]
        if name not in {r.get("name") for r in ranking}:
            return
        confidence = max(self._confidence, float(intent.get("confidence") or 0.0))
        chosen = {"name": name, "confidence": confidence}
        rest = [r for r in ranking if r.get("name") != name]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *rest], add_to_output=True)
