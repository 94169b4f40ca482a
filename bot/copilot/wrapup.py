"""The suggested wrap-up codes: the three codes most likely to close a conversation.

A counting model, small enough to explain to a supervisor:

1. A conversation becomes a set of features: its intents (``intent:report_fraud``), its
   hand-off reason (``reason:fraud``), what happened (``did:card_blocked``,
   ``did:callback``, ``did:verified``, ``did:answered``, ``did:transfer``, and
   ``did:unanswered`` when an agent spoke last) and keywords of
   the customer's words (``kw:complaint``...), plus ``bias`` which every conversation has.
2. Every feature has a rule prior over codes (``RULES``: "a blocked card usually closes as
   card_blocked"), smoothed so that no code is impossible.
3. Every recorded choice (``bot.store.copilot_models.WrapupChoice``) adds one to the count
   n(f, chosen) of each of its features. The estimate blends both:
   ``P(code | f) = (n(f, code) + M * prior(code | f)) / (n(f) + M)``,
   the rule prior weighing as ``M`` choices, so the first choices nudge and many decide.
4. A code scores ``sum over features of log P(code | f)`` (naive Bayes without the class
   term); the top three active codes are suggested.

Codes a supervisor adds have no rule: they rise from the smoothing floor as agents choose
them. Pure and synchronous; ``Counts`` is rebuilt from the table (``bot.copilot.store``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chattext.fold import fold

TOP = 3
PRIOR_WEIGHT = 5.0  # M: the rules count as five recorded choices per feature
FLOOR = 0.02  # share of the prior every active code gets, so any code can be learned

# feature -> {code: weight}; weights are relative within a feature.
RULES: dict[str, dict[str, float]] = {
    "bias": {"answered": 3, "other": 1, "complaint": 1, "callback_scheduled": 1},
    "did:card_blocked": {"card_blocked": 6, "dispute_opened": 2},
    "did:callback": {"callback_scheduled": 6},
    "did:answered": {"answered": 3},
    "did:transfer": {"referred_branch": 1, "other": 1},
    "reason:fraud": {"dispute_opened": 5, "card_blocked": 2},
    "did:unanswered": {"no_response": 6},
    "reason:lost_card": {"card_blocked": 5},
    "reason:complaint": {"complaint": 6},
    "reason:churn_risk": {"complaint": 2, "sale_made": 2, "other": 1, "answered": 1},
    "reason:callback": {"callback_scheduled": 5},
    "reason:customer_request": {"answered": 2},
    "reason:fallback": {"answered": 2, "other": 1},
    "reason:frustration": {"complaint": 3},
    "reason:verification_failed": {"referred_branch": 3, "other": 1},
    "reason:verification_locked": {"referred_branch": 3, "other": 1},
    "intent:report_fraud": {"dispute_opened": 4, "card_blocked": 2},
    "intent:report_lost_card": {"card_blocked": 5},
    "intent:complaint": {"complaint": 5},
    "intent:cancel_card": {"complaint": 1, "sale_made": 1, "other": 1},
    "intent:request_callback": {"callback_scheduled": 5},
    "intent:ask_faq": {"answered": 3},
    "intent:check_due_date": {"answered": 3},
    "intent:refund_status": {"answered": 2, "dispute_opened": 1},
    "kw:dispute": {"dispute_opened": 5},
    "kw:block": {"card_blocked": 4},
    "kw:complaint": {"complaint": 5},
    "kw:callback": {"callback_scheduled": 5},
    "kw:branch": {"referred_branch": 5},
    "kw:upgrade": {"sale_made": 5},
    "kw:silence": {"no_response": 6},
}
# Keyword features from the customer's words, on folded text (no accents, lower case).
KEYWORDS: dict[str, re.Pattern[str]] = {
    "dispute": re.compile(
        r"\b(tra soat|khong (he )?(thuc hien|giao dich)|dispute|"
        r"didn.?t make|not mine|unrecogni[sz]ed|giao dich la|gd la)\b"
    ),
    "block": re.compile(r"\b(khoa the|block|freeze|mat the|lost (my )?card|stolen|bi trom)\b"),
    "complaint": re.compile(
        r"\b(khieu nai|complain|complaint|buc minh|that vong|te qua|"
        r"unacceptable|terrible|phan nan)\b"
    ),
    "callback": re.compile(r"\b(goi lai|call ?back|call me|goi cho (toi|em|minh))\b"),
    "branch": re.compile(r"\b(chi nhanh|phong giao dich|branch|quay)\b"),
    "upgrade": re.compile(
        r"\b(nang cap|mo them|mo the moi|upgrade|dang ky the|sign up|"
        r"open a new|the moi loai)\b"
    ),
}


def features(
    *,
    intents: Iterable[str] = (),
    reason: str | None = None,
    did: Iterable[str] = (),
    customer_texts: Iterable[str] = (),
) -> list[str]:
    """The feature set of a conversation (sorted, each once)."""
    found = {"bias"}
    found.update(f"intent:{i}" for i in intents if i)
    if reason:
        found.add(f"reason:{reason}")
    found.update(f"did:{d}" for d in did if d)
    said = [t for t in customer_texts if t and not t.startswith("/")]
    text = " ".join(" ".join(fold(t).lower().split()) for t in said)
    found.update(f"kw:{name}" for name, pattern in KEYWORDS.items() if pattern.search(text))
    if not said:
        found.add("kw:silence")
    return sorted(found)


@dataclass
class Counts:
    """n(f, code) and n(f) from recorded choices."""

    pair: Counter[tuple[str, str]] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)

    def add(self, feats: Iterable[str], chosen: str) -> None:
        for f in feats:
            self.pair[(f, chosen)] += 1
            self.total[f] += 1

    @classmethod
    def of(cls, choices: Iterable[tuple[Sequence[str], str]]) -> Counts:
        counts = cls()
        for feats, chosen in choices:
            counts.add(feats, chosen)
        return counts


def _prior(feature: str, code: str, codes: Sequence[str]) -> float:
    weights = RULES.get(feature, {})
    known = sum(weights.get(c, 0.0) for c in codes)
    floor = FLOOR / len(codes)
    if known <= 0:
        return 1.0 / len(codes)  # a feature with no rule for these codes says nothing
    return (1 - FLOOR) * weights.get(code, 0.0) / known + floor


def scores(
    feats: Sequence[str], codes: Sequence[str], counts: Counts | None = None
) -> dict[str, float]:
    """log-score of each code (higher is likelier)."""
    counts = counts or Counts()
    out: dict[str, float] = {}
    for code in codes:
        total = 0.0
        for f in feats:
            n_f = counts.total.get(f, 0)
            p = (counts.pair.get((f, code), 0) + PRIOR_WEIGHT * _prior(f, code, codes)) / (
                n_f + PRIOR_WEIGHT
            )
            total += math.log(p)
        out[code] = total
    return out


def rank(
    feats: Sequence[str], codes: Sequence[str], counts: Counts | None = None, top: int = TOP
) -> list[str]:
    """The ``top`` codes for these features, best first (ties keep the list's order)."""
    if not codes:
        return []
    scored = scores(feats, codes, counts)
    order = {c: i for i, c in enumerate(codes)}
    return sorted(codes, key=lambda c: (-scored[c], order[c]))[:top]


# Summary line kinds (bot.copilot.summary) that are things done.
_DID = {
    "blocked": "card_blocked",
    "callback": "callback",
    "verified": "verified",
    "answered": "answered",
}


def features_of(record: Mapping[str, Any], lines: Sequence[Mapping[str, Any]] = ()) -> list[str]:
    """Features of a summary ``Record`` (``bot.copilot.summary``) and its summary lines."""
    context = record.get("context") or {}
    # The facts of the summary lines: what the bot and the hub did.
    kinds = {str(line.get("kind")) for line in lines}
    did = {name for kind, name in _DID.items() if kind in kinds}
    if any(e.get("kind") == "transfer" for e in record.get("events", [])):
        did.add("transfer")
    spoke = [m for m in record.get("messages", []) if m.get("sender") in ("customer", "agent")]
    if spoke and spoke[-1].get("sender") == "agent":
        did.add("unanswered")  # the customer went quiet after a person answered
    texts = [
        str(m.get("text") or "")
        for m in record.get("messages", [])
        if m.get("sender") == "customer"
    ]
    return features(
        intents=context.get("intents") or [],
        reason=record.get("handoff_reason") or context.get("reason"),
        did=did,
        customer_texts=texts,
    )
