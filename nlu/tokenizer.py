"""A whitespace tokenizer whose tokens are lower-cased, diacritic-folded and unabbreviated.

Sparse featurizers (CountVectorsFeaturizer) downstream then see "gặp người thật" and
"gap nguoi that" as the same words, and "ko dc" as "khong duoc" (chat abbreviations from
knowledge/abbreviations.yaml). Token offsets still point into the original text, so
entity extraction is unaffected; an abbreviation that expands to several words gives
several tokens over the same span.

Only the first `max_chars` characters are tokenized: everything downstream costs in
proportion to the tokens, and a 100 kB message once blocked Rasa for minutes.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from chattext.abbreviations import Abbreviations, load_abbreviations
from nlu import action_results
from nlu.text import DEFAULT_MAX_CHARS, fold_lower, prefix

# Every model of this project loads this tokenizer first: the Rasa process that serves it
# checks the action server's answers without checking their fixed schema each time.
action_results.install()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingTokenizer(WhitespaceTokenizer):
    """Whitespace tokenizer producing folded, unabbreviated tokens ('Người' -> 'nguoi')."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **WhitespaceTokenizer.get_default_config(),
            # Characters of a message that are tokenized; the rest is ignored.
            "max_chars": DEFAULT_MAX_CHARS,
            # The abbreviations file; "" means the bundled knowledge/abbreviations.yaml.
            "abbreviations_path": "",
        }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._abbreviations: Abbreviations = load_abbreviations(
            config.get("abbreviations_path") or None
        )

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        limit = int(self._config["max_chars"])
        if isinstance(text, str) and len(text) > limit:
            # Tokenize a copy holding only the prefix: offsets stay valid on the original.
            message = Message(data={attribute: prefix(text, limit)})
            text = message.get(attribute)
        tokens = super().tokenize(message, attribute)
        expand = isinstance(text, str) and self._abbreviations.applies_to(text)
        out: list[Token] = []
        for token in tokens:
            expansion = self._abbreviations.expansion(token.text, text) if expand else None
            words = expansion.split() if expansion else [token.text]
            for word in words:
                folded = fold_lower(word)
                # CountVectorsFeaturizer reads the lemma by default; set both.
                out.append(Token(folded, token.start, token.end, data=token.data, lemma=folded))
        return out
