"""A Rasa component that reads short yes/no replies exactly (`chattext.replies`).

Placed after the intent classifier and before `FallbackClassifier`: when the classifier
is unsure (below `threshold`) and the message is a short reply made of yes/no words in
any style ("ừ khoá đi", "uk", "yes, block it", "ko cần", "thôi khỏi"), the intent becomes
`affirm` or `deny` with confidence `confidence`. A confident classifier is left alone, so
"ok thanks" stays a thank-you, except for a change of mind said first ("thôi khỏi, …",
"never mind, …"), which is a `deny` whatever follows unless it asks for a person. A
remark about the conversation itself that the classifier took for a yes/no ("thôi e off
nha ad": leaving; "rep sai r ad": the bot's reply is wrong) becomes what it says.
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

from chattext.replies import conversation_remark, read_reply, starts_with_refusal

_INTENTS = {"yes": "affirm", "no": "deny"}
# What a remark about the conversation itself is (`chattext.replies.conversation_remark`).
_REMARKS = {"leaving": "goodbye", "bot_wrong": "express_frustration"}


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

    def _relabel_remark(self, message: Message, text: str, ranking: list[dict[str, Any]]) -> bool:
        """A yes/no reading of a remark about the conversation ("thôi e off nha ad" is
        leaving, "rep sai r ad" says the bot is wrong) gives way to what it says."""
        remark = conversation_remark(text)
        name = _REMARKS.get(remark) if remark else None
        if name is None or name not in {r.get("name") for r in ranking}:
            return False
        self._set(message, name, ranking)
        return True

    def _set(self, message: Message, name: str, ranking: list[dict[str, Any]]) -> None:
        intent = message.get(INTENT) or {}
        confidence = max(self._confidence, float(intent.get("confidence") or 0.0))
        chosen = {"name": name, "confidence": confidence}
        rest = [r for r in ranking if r.get("name") != name]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *rest], add_to_output=True)

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
            if reply is None and self._relabel_remark(message, text, ranking):
                return
        elif float(intent.get("confidence") or 0.0) >= self._threshold:
            return
        else:
            reply = read_reply(text)
        if reply is None:
            return
        name = _INTENTS[reply]
        if name not in {r.get("name") for r in ranking}:
            return
        self._set(message, name, ranking)
