"""A feedback log built the way the panel writes one: per customer message, the hub pushes
three suggestions with retrieval scores, the agent is shown them and sends one (as is or
edited) or dismisses them.

Agents send the entry that answers the customer: each message has one right entry, which
retrieval ranks first only part of the time (its score is noisy), and some entries are
simply better answers (agents send them whenever they appear). That is the situation the
learner is for; ``agents_follow_retrieval`` builds the opposite log, where agents always
send the top hit, so the learner has nothing to add and must not make ranking worse.
"""

from __future__ import annotations

import random

from bot.copilot.feedback import LoggedEvent

ENTRIES = [f"entry-{i:02d}" for i in range(16)]


def build_log(
    messages: int = 600, seed: int = 7, agents_follow_retrieval: bool = False
) -> list[LoggedEvent]:
    rng = random.Random(seed)
    # How good each entry's answer is: a third of them are what agents reach for.
    quality = {e: (0.9 if i % 3 == 0 else 0.3) for i, e in enumerate(ENTRIES)}
    log: list[LoggedEvent] = []
    at = 0.0
    for mid in range(1, messages + 1):
        at += rng.uniform(5, 60)
        candidates = rng.sample(ENTRIES, 3)
        scores = {e: round(rng.uniform(0.45, 0.75), 4) for e in candidates}
        ranked = sorted(candidates, key=lambda e: -scores[e])
        rank = {e: r for r, e in enumerate(ranked)}
        for entry in ranked:
            log.append(LoggedEvent(at, mid, entry, "pushed", scores[entry], rank[entry]))
            log.append(LoggedEvent(at + 1, mid, entry, "shown", scores[entry], rank[entry]))
        if agents_follow_retrieval:
            chosen = ranked[0]
        else:
            chosen = max(candidates, key=lambda e: quality[e] + rng.gauss(0, 0.15))
        if rng.random() < 0.15:  # no suggestion fitted
            log.append(LoggedEvent(at + 5, mid, ranked[0], "dismissed", scores[ranked[0]], 0))
            continue
        log.append(LoggedEvent(at + 4, mid, chosen, "inserted", scores[chosen], rank[chosen]))
        event = "sent_edited" if rng.random() < 0.3 else "sent"
        log.append(LoggedEvent(at + 9, mid, chosen, event, scores[chosen], rank[chosen]))
    return log
