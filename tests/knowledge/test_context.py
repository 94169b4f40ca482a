"""Hits re-ranked towards the subject under way (knowledge/context.py)."""

from __future__ import annotations

from knowledge.context import prefer_subject


def _hit(eid: str, score: float, tags: list[str]) -> dict[str, object]:
    return {"id": eid, "score": score, "confident": score >= 0.4, "tags": tags}


def test_a_near_tie_goes_to_the_subject_and_becomes_confident() -> None:
    hits = [_hit("fees-abroad", 0.40, ["fees"]), _hit("replacement", 0.389, ["replacement"])]
    ranked = prefer_subject(hits, ["replacement", "blocking"], threshold=0.4)
    assert [h["id"] for h in ranked] == ["replacement", "fees-abroad"]
    assert ranked[0]["confident"] and abs(ranked[0]["score"] - 0.4279) < 1e-4


def test_a_weak_match_stays_weak_and_a_clear_winner_stays_first() -> None:
    hits = [_hit("cashback", 0.56, ["rewards"]), _hit("replacement", 0.30, ["replacement"])]
    ranked = prefer_subject(hits, ["replacement"], threshold=0.4)
    assert [h["id"] for h in ranked] == ["cashback", "replacement"]
    assert not ranked[1]["confident"]


def test_no_subject_changes_nothing() -> None:
    hits = [_hit("a", 0.5, ["x"]), _hit("b", 0.3, ["y"])]
    assert prefer_subject(hits, [], threshold=0.4) == hits
