"""The cross-sell rule engine against the shipped rules and the demo customers: which offer
each customer gets, why, and when none is shown."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.store.seed import DEMO_DATA
from knowledge.crosssell import (
    ConversationSignals,
    PastConversation,
    PastOffer,
    Profile,
    RulesError,
    RuleSet,
)
from knowledge.crosssell_rules import load_rules, parse_rules

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="module")
def demo() -> dict[str, Profile]:
    data = yaml.safe_load(DEMO_DATA.read_text(encoding="utf-8"))
    out = {}
    for c in data["customers"]:
        out[c["id"]] = Profile(
            customer_id=c["id"],
            products=list(c["products"]),
            spend={str(k): v for k, v in c["spend"].items()},
            customer_since=c["customer_since"],
            segment=c["segment"],
            history=[
                PastConversation(NOW - timedelta(days=h["days_ago"]), h["code"], h.get("csat"))
                for h in c.get("history", [])
            ],
        )
    return out


def talk(rules: RuleSet, text: str = "", **kw: Any) -> ConversationSignals:
    """Signals for a conversation in which the customer wrote ``text``."""
    return ConversationSignals(flags=rules.detect(text, kw.pop("intents", ())), **kw)


def with_offers(profile: Profile, *offers: PastOffer) -> Profile:
    return Profile(**{**profile.__dict__, "past_offers": list(offers)})


# -- demo customers get different offers ---------------------------------------------------
def test_retail_heavy_customer_gets_travel_dining_offer_with_real_share(rules, demo) -> None:
    decision = rules.decide(demo["C001"], talk(rules, "Phí thường niên bao nhiêu?"), {}, NOW)
    assert decision.offer is not None and decision.offer.offer_id == "travel-dining-points"
    assert decision.offer.kind == "cross_sell" and not decision.churn_risk
    # Retail is 33.7M of 36.2M VND over three months: 93%.
    assert decision.offer.reason["vi"] == (
        "Khách hàng chi 93% cho mua sắm bán lẻ và chưa có thẻ du lịch"
    )
    assert decision.offer.reason["en"] == "Customer spends 93% in retail and holds no travel card"


def test_travel_heavy_platinum_holder_gets_upgrade_not_insurance_again(rules, demo) -> None:
    travel_talk = talk(rules, "I'm going to Japan", topics=["travel", "travel-notice"])
    decision = rules.decide(demo["C002"], travel_talk, {}, NOW)
    assert decision.offer is not None and decision.offer.offer_id == "premium-card"
    assert "67%" in decision.offer.reason["en"] and "21,3 triệu" in decision.offer.reason["vi"]


def test_demo_customers_differ(rules, demo) -> None:
    offers = {
        cid: (
            d.offer.offer_id
            if (d := rules.decide(p, ConversationSignals(), {}, NOW)).offer
            else None
        )
        for cid, p in demo.items()
    }
    assert offers == {
        "C001": "travel-dining-points",
        "C002": "premium-card",
        "C003": None,
        "C004": "credit-limit-review",
        "C005": "fee-waiver-retention",
    }


def test_conversation_topic_can_trigger_an_offer(rules, demo) -> None:
    quiet = rules.decide(demo["C004"], ConversationSignals(), {}, NOW)
    travel = rules.decide(demo["C004"], talk(rules, topics=["travel"]), {}, NOW)
    assert quiet.offer.offer_id == "credit-limit-review"
    assert travel.offer.offer_id == "travel-insurance"  # higher priority once travel comes up


# -- suppression -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Tôi muốn khiếu nại về phí này", "complaint"),
        ("toi muon khieu nai ve phi nay", "complaint"),
        ("I want to make a complaint about this fee", "complaint"),
        ("Có giao dịch lạ, tôi nghĩ là lừa đảo", "fraud"),
        ("co giao dich la, chac bi lua dao", "fraud"),
        ("There is a fraudulent charge on my card", "fraud"),
        ("Tôi bị mất thẻ rồi", "lost_card"),
        ("toi bi mat the roi", "lost_card"),
        ("I lost my card yesterday", "lost_card"),
        ("Bực mình quá, làm ăn kiểu gì vậy", "angry"),
        ("buc minh qua", "angry"),
        ("This is ridiculous", "angry"),
    ],
)
def test_no_offer_during_complaint_fraud_lost_card_or_anger(rules, demo, text, flag) -> None:
    decision = rules.decide(demo["C001"], talk(rules, text), {}, NOW)
    assert decision.offer is None
    assert decision.suppressed == flag


def test_lost_card_intent_and_frustrated_handoff_also_suppress(rules, demo) -> None:
    by_intent = rules.decide(demo["C001"], talk(rules, intents=["report_lost_card"]), {}, NOW)
    assert by_intent.offer is None and by_intent.suppressed == "lost_card"
    flags = rules.detect("", handoff_reason="frustration")
    angry = rules.decide(demo["C001"], ConversationSignals(flags=flags), {}, NOW)
    assert angry.offer is None and angry.suppressed == "angry"


@pytest.mark.parametrize(
    ("intent", "reason", "flag"),
    [("report_fraud", "fraud", "fraud"), ("complaint", "complaint", "complaint")],
)
def test_fraud_and_complaint_intents_suppress_offers(rules, demo, intent, reason, flag) -> None:
    signals = ConversationSignals(flags=rules.detect("", [intent], reason), handoff_reason=reason)
    decision = rules.decide(demo["C001"], signals, {}, NOW)
    assert decision.offer is None and decision.suppressed == flag


def test_cancel_card_intent_gives_the_agent_the_retention_prompt(rules, demo) -> None:
    signals = ConversationSignals(
        flags=rules.detect("", ["cancel_card"], "churn_risk"), handoff_reason="churn_risk"
    )
    decision = rules.decide(demo["C001"], signals, {}, NOW)
    assert decision.churn_risk
    assert decision.offer is not None and decision.offer.kind == "retention"


def test_fraud_report_by_travel_customer_gets_nothing(rules, demo) -> None:
    decision = rules.decide(demo["C002"], talk(rules, "Tôi phát hiện giao dịch gian lận"), {}, NOW)
    assert decision.offer is None and decision.suppressed == "fraud"


def test_words_inside_other_words_do_not_fire(rules) -> None:
    assert rules.detect("thẻ mất theo hạn mức cũ?") == set()  # "mat theo", not "mat the"
    assert rules.detect("What is the annual fee?") == set()


# -- decline cooldown and past offers --------------------------------------------------------
def test_declined_offer_is_not_repeated_within_cooldown(rules, demo) -> None:
    declined = PastOffer(
        "travel-dining-points", "retail-to-travel-dining", "declined", NOW - timedelta(days=5)
    )
    decision = rules.decide(with_offers(demo["C001"], declined), ConversationSignals(), {}, NOW)
    assert decision.offer is None and decision.suppressed == "cooldown"


def test_declined_offer_returns_after_cooldown(rules, demo) -> None:
    old = PastOffer(
        "travel-dining-points", "retail-to-travel-dining", "declined", NOW - timedelta(days=31)
    )
    decision = rules.decide(with_offers(demo["C001"], old), ConversationSignals(), {}, NOW)
    assert decision.offer is not None and decision.offer.offer_id == "travel-dining-points"


def test_cooldown_falls_through_to_next_best_offer(rules, demo) -> None:
    declined = PastOffer(
        "travel-dining-points", "retail-to-travel-dining", "declined", NOW - timedelta(days=1)
    )
    billing = talk(rules, topics=["statement"])
    decision = rules.decide(with_offers(demo["C001"], declined), billing, {}, NOW)
    assert decision.offer is not None and decision.offer.offer_id == "instalment-plan"


def test_accepted_offer_is_not_offered_again(rules, demo) -> None:
    took = PastOffer(
        "travel-dining-points", "retail-to-travel-dining", "accepted", NOW - timedelta(days=400)
    )
    decision = rules.decide(with_offers(demo["C001"], took), ConversationSignals(), {}, NOW)
    assert decision.offer is None and decision.suppressed is None


# -- one offer at a time ---------------------------------------------------------------------
def test_only_the_highest_priority_offer_is_shown(rules, demo) -> None:
    # C001 talking about a statement matches two rules; the panel gets exactly one.
    decision = rules.decide(demo["C001"], talk(rules, topics=["statement", "travel"]), {}, NOW)
    assert decision.offer is not None
    assert decision.offer.rule_id == "retail-to-travel-dining"


# -- churn risk ------------------------------------------------------------------------------
def test_repeated_complaints_raise_churn_risk_with_retention_not_a_sale(rules, demo) -> None:
    decision = rules.decide(demo["C005"], ConversationSignals(), {}, NOW)
    assert decision.churn_risk
    assert decision.offer is not None and decision.offer.kind == "retention"
    assert decision.offer.offer_id == "fee-waiver-retention"
    assert "2" in decision.offer.reason["en"]


@pytest.mark.parametrize(
    "text", ["Tôi muốn đóng tài khoản", "toi muon huy the", "Please close my account"]
)
def test_close_account_raises_churn_risk(rules, demo, text) -> None:
    decision = rules.decide(demo["C001"], talk(rules, text), {}, NOW)
    assert decision.churn_risk and decision.offer is not None
    assert decision.offer.kind == "retention"


def test_several_transfers_raise_churn_risk(rules, demo) -> None:
    decision = rules.decide(demo["C004"], ConversationSignals(transfer_count=2), {}, NOW)
    assert decision.churn_risk and decision.offer.kind == "retention"


def test_churn_risk_during_complaint_shows_flag_but_no_offer(rules, demo) -> None:
    decision = rules.decide(demo["C005"], talk(rules, "Tôi lại muốn khiếu nại"), {}, NOW)
    assert decision.churn_risk and decision.offer is None and decision.suppressed == "complaint"


def test_old_complaints_do_not_count(rules, demo) -> None:
    long_ago = Profile(
        **{
            **demo["C005"].__dict__,
            "history": [PastConversation(NOW - timedelta(days=200), "complaint", 4)] * 3,
        }
    )
    assert not rules.decide(long_ago, ConversationSignals(), {}, NOW).churn_risk


# -- offer catalogue -------------------------------------------------------------------------
def test_title_and_pitch_come_from_the_catalogue(rules, demo) -> None:
    class Offer:
        name = {"vi": "Thẻ Du lịch & Ẩm thực", "en": "Travel & Dining card"}
        pitch = {"vi": "Tích điểm x3", "en": "3x points"}

    decision = rules.decide(
        demo["C001"], ConversationSignals(), {"travel-dining-points": Offer()}, NOW
    )
    assert decision.offer.title == Offer.name and decision.offer.pitch == Offer.pitch
    assert set(decision.offer.to_json()) == {
        "rule_id",
        "offer_id",
        "kind",
        "title",
        "pitch",
        "reason",
    }


# -- validation ------------------------------------------------------------------------------
def _raw(**rule: Any) -> dict[str, Any]:
    base = {"id": "r1", "offer": "savings-goal", "reason": {"vi": "lý do", "en": "reason"}}
    return {"rules": [{**base, **rule}], "signals": {"complaint": {"en": ["complaint"]}}}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "upsell"}, "rule 'r1': kind must be one of"),
        (
            {"when": {"customer": {"spend_shares": {"retail": 0.5}}}},
            "rule 'r1': when.customer: unknown condition",
        ),
        ({"when": {"customer": {"spend_share_min": {"retail": 92}}}}, "share between 0 and 1"),
        ({"reason": {"vi": "x"}}, "rule 'r1': 'reason' needs text in both vi and en"),
        (
            {"reason": {"vi": "{share[retail]}", "en": "{retail_share}"}},
            "unknown placeholder {retail_share}",
        ),
        ({"offer": None}, "rule 'r1': needs an 'offer'"),
        ({"when": {"conversation": {"signals_any": ["sad"]}}}, "rule 'r1': unknown signal(s) sad"),
    ],
)
def test_invalid_rules_are_refused_naming_the_rule(rule, message) -> None:
    with pytest.raises(RulesError) as err:
        parse_rules(_raw(**rule))
    assert message in str(err.value)


def test_unknown_offer_is_refused_when_catalogue_is_known() -> None:
    with pytest.raises(
        RulesError, match="rule 'r1': offer 'savings-goal' is not in the offer catalogue"
    ):
        parse_rules(_raw(), offer_ids=["premium-card"])


def test_duplicate_rule_ids_and_bad_yaml(tmp_path: Path) -> None:
    raw = _raw()
    raw["rules"].append(dict(raw["rules"][0]))
    with pytest.raises(RulesError, match="repeated: r1"):
        parse_rules(raw)
    broken = tmp_path / "rules.yaml"
    broken.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RulesError, match="rules.yaml: not valid YAML"):
        load_rules(broken)


def test_shipped_rules_use_catalogue_offers_when_present(rules) -> None:
    try:
        from knowledge.offers import load_offers
    except ImportError:
        pytest.skip("offer catalogue not installed")
    load_rules(offer_ids=load_offers())
    assert len(rules.rules) >= 6 and any(r.kind == "retention" for r in rules.rules)


def test_tenure_uses_the_given_day() -> None:
    p = Profile("X", customer_since=date(2020, 11, 22))
    assert int(p.tenure_years(date(2026, 11, 22))) == 6
