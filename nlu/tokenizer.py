"""A whitespace tokenizer whose tokens are lower-cased and diacritic-folded.

Sparse featurizers (CountVectorsFeaturizer) downstream then see "gặp người thật" and
"gap nguoi that" as the same words. Token offsets still point into the original text,
so entity extraction is unaffected.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from nlu.text import fold_lower


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingTokenizer(WhitespaceTokenizer):
    """Whitespace tokenizer producing folded tokens ('Người' -> 'nguoi')."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return WhitespaceTokenizer.get_default_config()

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            folded = fold_lower(token.text)
            # CountVectorsFeaturizer reads the lemma by default; set both.
            token.text = folded
            token.lemma = folded
        return tokens
