"""Re-ranking hits towards the subject of what the conversation is doing.

A question asked in the middle of a task is most often about that task: "does a new card
cost anything?" while the bot blocks a lost card is about the replacement, not about the
fees of cards used abroad, though both are worded alike. The caller names the subject as
knowledge-base tags; hits with one of them get their score raised by a tenth. That breaks
near-ties in the subject's favour; a weak match stays weak (0.30 becomes 0.33, still under
the self-service threshold of 0.40), and an entry on another subject that scores clearly
higher still wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SUBJECT_BOOST = 1.1


def prefer_subject(
    hits: list[dict[str, Any]], tags: Iterable[str], threshold: float, boost: float = SUBJECT_BOOST
) -> list[dict[str, Any]]:
    """The hits, best first, with those tagged with one of `tags` raised by `boost`;
    `confident` is recomputed against `threshold`."""
    wanted = set(tags)
    out = []
    for hit in hits:
        if wanted & set(hit.get("tags") or []):
            score = round(min(1.0, float(hit["score"]) * boost), 4)
            hit = {**hit, "score": score, "confident": score >= threshold}
        out.append(hit)
    return sorted(out, key=lambda h: -float(h["score"]))
