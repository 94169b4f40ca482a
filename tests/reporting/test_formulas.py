"""Every measure's formula on hand-built timelines (docs/metrics.md): the timeline steps
give the events, the aggregates sum them, and the figures come out as defined."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.reporting import timeline as tl
from bot.reporting.queries import compute, percentile, period
from bot.reporting.recorder import Aggregates, bucket_of, bucket_value, local_hour

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # 09:00 in Hanoi


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def figures(*runs: tuple[tl.Facts, list[tl.Event]]) -> dict:
    agg = Aggregates()
    for facts, events in runs:
        for event in events:
            agg.add(event, facts, facts.conversation_id)
    sums = {
        metric: (int(v[0]), v[1])
        for (day, metric, dim, _), v in agg.rollups.items()
        if dim == "all"
    }
    hist: dict[str, dict[int, int]] = {}
    for (_day, metric, dim, _value, bucket), count in agg.hist.items():
        if dim == "all":
            hist.setdefault(metric, {})[bucket] = count
    return compute(sums, hist)


def handed_off(conv_id: int = 1, reason: str = "fallback") -> tuple[tl.Facts, list[tl.Event]]:
    """Customer writes at 0 s, the bot answers at 2 s, customer asks for a person at 10 s."""
    f = tl.Facts(conversation_id=conv_id, reason=reason)
    ev = tl.created(f, at(0))
    ev += tl.message(f, at(0), "customer")
    ev += tl.message(f, at(2), "bot")
    ev += tl.message(f, at(10), "customer")
    ev += tl.state_change(f, at(11), "bot", "waiting", "bot")
    return f, ev


def test_first_human_response_runs_from_handoff_to_first_agent_message() -> None:
    f, ev = handed_off()
    ev += tl.state_change(f, at(41), "waiting", "assigned", "linh")
    ev += tl.assigned(f, 7)
    ev += tl.joined(f, at(41), 7)
    ev += tl.message(f, at(45), "system")  # "Linh has joined": not a response
    ev += tl.message(f, at(71), "agent", 7)
    fig = figures((f, ev))
    assert fig["first_response_s_mean"] == 60.0  # 71 - 11, not the bot's 2 s
    assert fig["bot_response_s_mean"] == 2.0
    assert fig["queue_wait_s_mean"] == 30.0
    assert fig["first_responses"] == 1 and fig["claims"] == 1


def test_agents_response_time_counts_from_the_first_unanswered_customer_message() -> None:
    f, ev = handed_off()
    ev += tl.state_change(f, at(20), "waiting", "assigned", "linh")
    ev += tl.joined(f, at(20), 7)
    ev += tl.message(f, at(30), "agent", 7)  # first response: 19 s
    ev += tl.message(f, at(40), "customer")
    ev += tl.message(f, at(50), "customer")  # still waiting since 40
    ev += tl.message(f, at(100), "agent", 7)  # 60 s
    ev += tl.message(f, at(110), "agent", 7)  # nothing pending: no sample
    ev += tl.message(f, at(120), "customer")
    ev += tl.message(f, at(140), "agent", 7)  # 20 s
    fig = figures((f, ev))
    assert fig["agent_response_s_mean"] == 40.0  # (60 + 20) / 2
    assert fig["first_response_s_mean"] == 19.0
    assert fig["agent_messages"] == 4


def test_handling_time_runs_from_claim_to_resolve_and_goes_to_the_resolver() -> None:
    f, ev = handed_off()
    ev += tl.state_change(f, at(20), "waiting", "assigned", "linh")
    ev += tl.joined(f, at(20), 7)
    ev += tl.message(f, at(25), "agent", 7)
    ev += tl.state_change(f, at(320), "assigned", "resolved", "linh")
    fig = figures((f, ev))
    assert fig["handling_s_mean"] == 300.0 and fig["resolved"] == 1
    handling = [e for e in ev if e.name == "handling"]
    assert handling[0].agent_id == 7


def test_transfer_to_a_queue_starts_a_new_wait_and_keeps_the_first_claim() -> None:
    f, ev = handed_off()
    ev += tl.state_change(f, at(20), "waiting", "assigned", "linh")  # waited 9 s
    ev += tl.joined(f, at(20), 7)
    ev += tl.message(f, at(30), "agent", 7)
    ev += tl.transfer(f, at(60))
    ev += tl.state_change(f, at(60), "assigned", "waiting", "linh")
    ev += tl.state_change(f, at(150), "waiting", "assigned", "router")  # waited 90 s
    ev += tl.assigned(f, 8)
    ev += tl.message(f, at(160), "agent", 8)
    ev += tl.state_change(f, at(220), "assigned", "resolved", "minh")
    fig = figures((f, ev))
    assert fig["transfers"] == 1 and fig["transfers_per_conversation"] == 1.0
    assert fig["requeues"] == 0  # an agent's transfer is not a requeue
    assert fig["queue_wait_s_mean"] == 49.5  # (9 + 90) / 2
    assert fig["handling_s_mean"] == 200.0  # first claim (20) to resolve (220)
    assert [e.agent_id for e in ev if e.name == "transfers"] == [7]
    assert [e.agent_id for e in ev if e.name == "handling"] == [8]


def test_direct_transfer_to_an_agent_is_not_a_queue_wait() -> None:
    f, ev = handed_off()
    ev += tl.state_change(f, at(20), "waiting", "assigned", "linh")
    ev += tl.joined(f, at(20), 7)
    ev += tl.transfer(f, at(40))
    ev += tl.state_change(f, at(40), "assigned", "assigned", "linh")
    ev += tl.assigned(f, 8)
    fig = figures((f, ev))
    assert fig["transfers"] == 1 and fig["queue_wait_s_mean"] == 9.0


def test_requeue_after_an_unacknowledged_assignment() -> None:
    f, ev = handed_off()
    ev += tl.state_change(f, at(12), "waiting", "assigned", "router")  # 1 s
    ev += tl.assigned(f, 7)
    ev += tl.state_change(f, at(72), "assigned", "waiting", "router")  # not acknowledged
    ev += tl.state_change(f, at(80), "waiting", "assigned", "router")  # 8 s
    ev += tl.assigned(f, 8)
    ev += tl.joined(f, at(85), 8)
    fig = figures((f, ev))
    assert fig["requeues"] == 1 and [e.agent_id for e in ev if e.name == "requeues"] == [7]
    assert fig["queue_wait_s_mean"] == 4.5
    assert fig["abandoned"] == 0


def test_abandonment_by_leaving_the_queue_or_by_silence() -> None:
    policy = tl.Policy(abandon_after_s=600)
    # Resolved straight from the queue with no agent ever joining: abandoned.
    f1, ev1 = handed_off(1)
    ev1 += tl.state_change(f1, at(100), "waiting", "resolved", "quan")
    # Silent in the queue for 10 minutes: abandoned when the sweep looks.
    f2, ev2 = handed_off(2)
    assert tl.idle(f2, at(300), policy) == []
    ev2 += tl.idle(f2, at(611), policy)
    assert tl.idle(f2, at(900), policy) == []  # counted once
    # Silent but then writes again: it was not abandoned after all.
    f3, ev3 = handed_off(3)
    ev3 += tl.idle(f3, at(700), policy)
    ev3 += tl.message(f3, at(720), "customer")
    # Booked a call-back while waiting: the promise is kept another way.
    f4, ev4 = handed_off(4)
    ev4 += tl.callback_booked(f4)
    ev4 += tl.idle(f4, at(2000), policy)
    fig = figures((f1, ev1), (f2, ev2), (f3, ev3), (f4, ev4))
    assert fig["handoffs"] == 4 and fig["abandoned"] == 2
    assert fig["abandonment_rate"] == 0.5


def test_containment_is_ending_with_the_bot_alone() -> None:
    policy = tl.Policy(bot_idle_s=1800)
    f1 = tl.Facts(conversation_id=1)
    ev1 = tl.created(f1, at(0)) + tl.message(f1, at(0), "customer") + tl.message(f1, at(1), "bot")
    ev1 += tl.idle(f1, at(1801), policy)
    f2 = tl.Facts(conversation_id=2)
    ev2 = tl.created(f2, at(0)) + tl.message(f2, at(0), "customer")
    ev2 += tl.idle(f2, at(1900), policy)
    ev2 += tl.message(f2, at(4000), "customer")  # came back and asked for a person
    ev2 += tl.state_change(f2, at(4001), "bot", "waiting", "bot")
    f3, ev3 = handed_off(3)
    fig = figures((f1, ev1), (f2, ev2), (f3, ev3))
    assert fig["contained"] == 1 and fig["handoffs"] == 2
    assert fig["containment_rate"] == round(1 / 3, 4)


def test_csat_mean_top_two_share_and_nps() -> None:
    runs = []
    for i, (score, nps) in enumerate([(5, 10), (4, 9), (3, 7), (1, 0)], start=1):
        f = tl.Facts(conversation_id=i, agent_id=7)
        runs.append((f, tl.csat(f, at(i), score) + tl.nps(f, at(i), nps)))
    fig = figures(*runs)
    assert fig["csat_mean"] == 3.25 and fig["csat_top2_share"] == 0.5
    assert fig["nps"] == 25  # (2 promoters - 1 detractor) / 4
    assert (fig["nps_promoters"], fig["nps_detractors"]) == (2, 1)


def test_callbacks_suggestions_and_offers_are_counted() -> None:
    f = tl.Facts(conversation_id=1)
    names = (
        ["callbacks_scheduled"] * 3
        + ["callbacks_kept", "callbacks_missed", "callbacks_overdue"]
        + ["suggestion_shown"] * 4
        + ["suggestion_inserted", "suggestion_sent", "suggestion_sent_edited"]
        + ["offer_shown"] * 2
        + ["offer_accepted"]
    )
    fig = figures((f, [tl.Event(n, at(1), agent_id=7) for n in names]))
    assert (fig["callbacks_kept"], fig["callbacks_missed"], fig["callbacks_overdue"]) == (1, 1, 1)
    assert fig["suggestion_use_rate"] == 0.5  # (sent + sent after editing) / shown
    assert fig["offer_acceptance"] == 0.5


def test_breakdowns_by_agent_channel_language_reason_and_local_hour() -> None:
    f, ev = handed_off(reason="frustration")
    f.channel, f.language = "telegram", "en"
    ev += tl.set_reason(f, "frustration", tl.topic_intent(["greet", "report_lost_card", "deny"]))
    ev += tl.state_change(f, at(20), "waiting", "assigned", "linh")
    ev += tl.joined(f, at(20), 7)
    agg = Aggregates()
    for event in ev:
        agg.add(event, f, 1)
    keys = {(dim, value) for (_d, metric, dim, value) in agg.rollups if metric == "claims"}
    assert keys == {
        ("all", ""),
        ("agent", "7"),
        ("channel", "telegram"),
        ("language", "en"),
        ("reason", "frustration"),
        ("intent", "report_lost_card"),
        ("hour", "09"),
    }
    assert local_hour(T0) == 9


def test_percentiles_from_buckets_are_within_five_percent() -> None:
    values = [float(v) for v in range(1, 1001)]
    buckets: dict[int, int] = {}
    for v in values:
        buckets[bucket_of(v)] = buckets.get(bucket_of(v), 0) + 1
    assert percentile(buckets, 0.5) == pytest.approx(500, rel=0.05)
    assert percentile(buckets, 0.9) == pytest.approx(900, rel=0.05)
    assert bucket_value(bucket_of(0.2)) < 1
    assert percentile({}, 0.5) is None


def test_periods() -> None:
    now = datetime(2026, 11, 2, 18, 0, tzinfo=timezone.utc)  # already 3 Nov in Hanoi
    assert period("today", now=now).start == date(2026, 11, 3)
    seven = period("7d", now=now)
    assert (seven.start, seven.end) == (date(2026, 10, 28), date(2026, 11, 3))
    assert len(period("30d", now=now).days) == 30
    with pytest.raises(ValueError):
        period("custom", date(2026, 1, 2), date(2026, 1, 1))
    with pytest.raises(ValueError):
        period("year")


def test_topic_intent_skips_turns_that_name_no_topic() -> None:
    assert tl.topic_intent(["ask_faq", "affirm", "request_human"]) == "ask_faq"
    assert tl.topic_intent(["greet", "nlu_fallback"]) is None
    assert tl.topic_intent(None) is None
