"""The suggestion learner's arithmetic, its re-ranking, and the held-out check on a built
feedback log (time-ordered split: priors from the older 70 %, ranks checked on the rest)."""

from __future__ import annotations

import pytest

from bot.copilot.feedback import Priors, heldout_check, rerank, stats_from
from tests.copilot.feedback_log import build_log


def priors(*rows: tuple[str, str, int, int]) -> Priors:
    return Priors(stats_from(rows))


def test_no_feedback_changes_nothing() -> None:
    empty = priors()
    assert empty.rate("a") == empty.expected("a") == 0.2  # the Beta(1, 4) mean
    assert empty.lift("a") == 0.0


def test_rate_is_the_smoothed_share_of_showings_sent() -> None:
    p = priors(("a", "shown", 0, 10), ("a", "sent", 0, 6), ("a", "sent_edited", 0, 2))
    assert p.rate("a") == pytest.approx((6 + 0.5 * 2 + 1) / (10 + 5))  # edited counts half
    # Sends recorded before the panel recorded showings cannot make a rate above 1.
    assert priors(("b", "sent", 1, 50)).rate("b") <= 1.0


def test_an_entry_sent_only_because_it_was_on_top_gets_no_credit() -> None:
    # Agents send whatever is on top: "a" and "b" are both sent exactly as their ranks
    # predict, so neither moves, although "a" was on top (and sent) more often.
    p = priors(
        ("a", "shown", 0, 30), ("a", "sent", 0, 24), ("a", "shown", 1, 10),
        ("b", "shown", 0, 10), ("b", "sent", 0, 8), ("b", "shown", 1, 30),
    )  # fmt: skip
    assert p.lift("a") == pytest.approx(0.0, abs=1e-9)
    assert p.lift("b") == pytest.approx(0.0, abs=1e-9)


def test_an_entry_sent_from_below_climbs_and_a_dismissed_one_drops() -> None:
    p = priors(
        ("a", "shown", 0, 20), ("a", "dismissed", 0, 15), ("a", "sent", 0, 2),
        ("b", "shown", 1, 20), ("b", "sent", 1, 18),
        ("d", "shown", 0, 40), ("d", "sent", 0, 30), ("d", "shown", 1, 40), ("d", "sent", 1, 4),
    )  # fmt: skip
    assert p.lift("b") > 0 > p.lift("a")
    hits = [{"id": "a", "score": 0.70}, {"id": "b", "score": 0.68}, {"id": "c", "score": 0.50}]
    assert [h["id"] for h in rerank(hits, priors(), 0.1)] == ["a", "b", "c"]
    reranked = rerank(hits, p, weight=0.1)
    assert [h["id"] for h in reranked] == ["b", "a", "c"]
    assert reranked[0]["score"] == 0.68  # the retrieval score shown is left as it was
    assert [h["id"] for h in rerank(hits, p, weight=0.0)] == ["a", "b", "c"]
    # A weak retrieval match is not carried over a strong one by the default weight.
    strong_c = priors(
        ("c", "shown", 2, 20), ("c", "sent", 2, 20), ("a", "shown", 0, 20),
        ("d", "shown", 2, 60), ("d", "sent", 2, 3),
    )  # fmt: skip
    assert rerank(hits, strong_c, 0.1)[0]["id"] == "a"


def test_heldout_learner_ranks_what_agents_send_better() -> None:
    report = heldout_check(build_log(), weight=0.1)
    assert report["test_messages_with_a_sent_suggestion"] > 100
    assert report["mrr_learned"] > report["mrr_retrieval"]
    assert report["top1_learned"] > report["top1_retrieval"]


def test_heldout_learner_does_no_harm_when_agents_follow_retrieval() -> None:
    report = heldout_check(build_log(agents_follow_retrieval=True), weight=0.1)
    assert report["mrr_retrieval"] == 1.0
    assert report["mrr_learned"] == report["mrr_retrieval"]


def test_heldout_split_is_by_time_not_by_row_order() -> None:
    log = build_log(messages=100)
    shuffled = list(reversed(log))
    assert heldout_check(shuffled, weight=0.1) == heldout_check(log, weight=0.1)
