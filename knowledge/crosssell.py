"""Cross-sell and next-best-action rules: load them from YAML, evaluate them for one customer
and one conversation, and decide which single offer (if any) the agent sees.

The rules are data (``knowledge/rules.yaml``) so a knowledge manager can change them without
a release. This module is pure: no database, no I/O beyond reading the rules file. The hub
gathers the customer profile and the conversation signals and passes them in.

Usage::

    rules = load_rules()                       # knowledge/crosssell_rules.py; RulesError names
                                               # the broken rule
    signals = rules.detect(text) | {"angry"}   # flags found in what the customer wrote
    decision = rules.decide(profile, conversation, offers, now=now)
    decision.offer, decision.churn_risk, decision.suppressed
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from knowledge.text import fold_diacritics

LANGS = ("vi", "en")
OUTCOMES_THAT_COOL_DOWN = ("declined", "not_relevant")


class RulesError(ValueError):
    """The rules file is not valid; the message names the rule and the problem."""


# -- inputs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PastOffer:
    offer_id: str
    rule_id: str
    outcome: str  # shown | accepted | declined | not_relevant
    at: datetime


@dataclass(frozen=True)
class PastConversation:
    at: datetime
    resolution_code: str | None
    csat: int | None


@dataclass
class Profile:
    """What the rules may know about the customer."""

    customer_id: str
    products: list[str] = field(default_factory=list)
    spend: dict[str, dict[str, float]] = field(default_factory=dict)  # {month: {category: VND}}
    customer_since: date | None = None
    segment: str = ""
    past_offers: list[PastOffer] = field(default_factory=list)
    history: list[PastConversation] = field(default_factory=list)

    def totals(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for month in self.spend.values():
            for cat, amount in (month or {}).items():
                out[cat] = out.get(cat, 0.0) + float(amount or 0)
        return out

    def shares(self) -> dict[str, float]:
        """Share of each category in total card spend over the months on record."""
        totals = self.totals()
        whole = sum(totals.values())
        return {cat: (v / whole if whole else 0.0) for cat, v in totals.items()}

    def avg_monthly(self) -> dict[str, float]:
        months = max(1, len(self.spend))
        return {cat: v / months for cat, v in self.totals().items()}

    def tenure_years(self, today: date) -> float:
        """Whole calendar years plus the fraction of the current one (6.0 on the 6th
        anniversary, not 5.99)."""
        since = self.customer_since
        if since is None or today <= since:
            return 0.0
        years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
        try:
            anniversary = since.replace(year=since.year + years)
        except ValueError:  # 29 February
            anniversary = since.replace(year=since.year + years, day=28)
        return years + (today - anniversary).days / 366


@dataclass
class ConversationSignals:
    """What the rules may know about the conversation under way."""

    intents: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)  # ids, tags, products of answers discussed
    flags: set[str] = field(default_factory=set)  # complaint, fraud, lost_card, angry, ...
    transfer_count: int = 0
    handoff_reason: str | None = None


# -- outputs ---------------------------------------------------------------------------------
@dataclass
class Offer:
    rule_id: str
    offer_id: str
    kind: str
    title: dict[str, str]
    pitch: dict[str, str]
    reason: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "offer_id": self.offer_id,
            "kind": self.kind,
            "title": self.title,
            "pitch": self.pitch,
            "reason": self.reason,
        }


@dataclass
class Decision:
    offer: Offer | None
    churn_risk: bool
    churn_reasons: list[str] = field(default_factory=list)
    suppressed: str | None = None  # why no offer is shown although one may apply


# -- rules -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    id: str
    offer: str
    kind: str
    priority: int
    customer: dict[str, Any]
    conversation: dict[str, Any]
    reason: dict[str, str]
    cooldown_days: int


@dataclass(frozen=True)
class Signal:
    patterns: list[re.Pattern[str]]
    intents: frozenset[str]
    handoff_reasons: frozenset[str]


@dataclass(frozen=True)
class ChurnPolicy:
    complaints_min: int = 2
    complaints_window_days: int = 90
    complaint_codes: tuple[str, ...] = ("complaint",)
    transfers_min: int = 2
    low_csat_max: int = 2
    low_csat_count: int = 2
    signals: tuple[str, ...] = ()

    def complaints(self, profile: Profile, conv: ConversationSignals, now: datetime) -> int:
        """Complaints closed within the window, plus the one under way if there is one."""
        since = now - timedelta(days=self.complaints_window_days)
        past = sum(
            1
            for h in profile.history
            if h.resolution_code in self.complaint_codes and _aware(h.at) >= since
        )
        return past + (1 if "complaint" in conv.flags else 0)


_TEXT_FLAGS_KEPT = 4096


@dataclass
class RuleSet:
    rules: list[Rule]
    suppress_when: tuple[str, ...]
    default_cooldown_days: int
    churn: ChurnPolicy
    signals: dict[str, Signal]
    # Flags of a text alone, by text: every turn re-reads the conversation's recent
    # messages (up to 50) for their flags, and matching each against every signal's
    # patterns again was a large share of a message's CPU. A rule set never changes (a
    # reload builds a new one), so an entry stays right; bounded by clearing.
    _text_flags: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # ---- signals ---------------------------------------------------------------------------
    def detect(
        self, text: str, intents: Iterable[str] = (), handoff_reason: str | None = None
    ) -> set[str]:
        """Flags (complaint, fraud, lost_card, angry, close_account...) raised by what the
        customer wrote, the intents the bot recognised, or why the bot handed over.

        Keywords match on lower-cased, diacritic-free text, so "mất thẻ" and "mat the" agree.
        """
        flags = set(self._flags_of_text(text))
        seen = set(intents)
        if seen or handoff_reason is not None:
            flags |= {
                flag
                for flag, sig in self.signals.items()
                if seen & sig.intents
                or (handoff_reason is not None and handoff_reason in sig.handoff_reasons)
            }
        return flags

    def asks_for_person(self, text: str) -> bool:
        """True when the text asks for a person (knowledge/rules.yaml `person_request`)."""
        return "person_request" in self._flags_of_text(text)

    def _flags_of_text(self, text: str) -> frozenset[str]:
        cached = self._text_flags.get(text)
        if cached is not None:
            return cached
        folded = fold_diacritics(text.lower())
        flags = frozenset(
            flag
            for flag, sig in self.signals.items()
            if any(p.search(folded) for p in sig.patterns)
        )
        if len(self._text_flags) >= _TEXT_FLAGS_KEPT:
            self._text_flags.clear()
        self._text_flags[text] = flags
        return flags

    def churn_reasons(
        self, profile: Profile, conv: ConversationSignals, now: datetime
    ) -> list[str]:
        p = self.churn
        reasons = [f"signal:{s}" for s in p.signals if s in conv.flags]
        complaints = p.complaints(profile, conv, now)
        if complaints >= p.complaints_min:
            reasons.append(f"complaints:{complaints}")
        if conv.transfer_count >= p.transfers_min:
            reasons.append(f"transfers:{conv.transfer_count}")
        recent = sorted(
            (h for h in profile.history if h.csat is not None), key=lambda h: _aware(h.at)
        )
        low = [h for h in recent[-p.low_csat_count :] if (h.csat or 0) <= p.low_csat_max]
        if p.low_csat_count and len(low) >= p.low_csat_count:
            reasons.append(f"low_csat:{len(low)}")
        return reasons

    # ---- decision --------------------------------------------------------------------------
    def decide(
        self,
        profile: Profile,
        conv: ConversationSignals,
        offers: Mapping[str, Any],
        now: datetime | None = None,
    ) -> Decision:
        """The one offer to show, if any: retention when churn risk is raised, else a sale."""
        now = now or datetime.now(timezone.utc)
        churn = self.churn_reasons(profile, conv, now)
        decision = Decision(offer=None, churn_risk=bool(churn), churn_reasons=churn)
        blocking = next((s for s in self.suppress_when if s in conv.flags), None)
        wanted_kind = "retention" if churn else "cross_sell"
        candidates = [
            r for r in self.rules if r.kind == wanted_kind and self._matches(r, profile, conv, now)
        ]
        if not candidates:
            return decision
        if blocking is not None:
            decision.suppressed = blocking
            return decision
        cooled = [r for r in candidates if not self._cooling_down(r, profile, now)]
        if not cooled:
            decision.suppressed = "cooldown"
            return decision
        # One offer at a time: the highest priority wins, file order breaks ties.
        best = max(cooled, key=lambda r: (r.priority, -self.rules.index(r)))
        decision.offer = self._render(best, profile, conv, offers, now)
        return decision

    def _matches(
        self, rule: Rule, profile: Profile, conv: ConversationSignals, now: datetime
    ) -> bool:
        if any(o.offer_id == rule.offer and o.outcome == "accepted" for o in profile.past_offers):
            return False  # already took it
        return _customer_ok(rule.customer, profile, now.date()) and _conversation_ok(
            rule.conversation, conv
        )

    def _cooling_down(self, rule: Rule, profile: Profile, now: datetime) -> bool:
        since = now - timedelta(days=rule.cooldown_days)
        return any(
            o.offer_id == rule.offer
            and o.outcome in OUTCOMES_THAT_COOL_DOWN
            and _aware(o.at) >= since
            for o in profile.past_offers
        )

    def _render(
        self,
        rule: Rule,
        profile: Profile,
        conv: ConversationSignals,
        offers: Mapping[str, Any],
        now: datetime,
    ) -> Offer:
        reason = {
            lang: rule.reason[lang].format(**_template_values(profile, conv, now, self.churn, lang))
            for lang in LANGS
        }
        offer = offers.get(rule.offer)
        return Offer(
            rule_id=rule.id,
            offer_id=rule.offer,
            kind=rule.kind,
            title=_bilingual(getattr(offer, "name", None), rule.offer),
            pitch=_bilingual(getattr(offer, "pitch", None), ""),
            reason=reason,
        )


# -- condition checks ------------------------------------------------------------------------
def _customer_ok(c: dict[str, Any], p: Profile, today: date) -> bool:
    held = set(p.products)
    if "has_all_products" in c and not set(c["has_all_products"]) <= held:
        return False
    if "has_any_product" in c and not held & set(c["has_any_product"]):
        return False
    if "lacks_products" in c and held & set(c["lacks_products"]):
        return False
    if "segment_in" in c and p.segment not in c["segment_in"]:
        return False
    shares = p.shares()
    if any(shares.get(cat, 0.0) < v for cat, v in c.get("spend_share_min", {}).items()):
        return False
    if any(shares.get(cat, 0.0) > v for cat, v in c.get("spend_share_max", {}).items()):
        return False
    avg = p.avg_monthly()
    if any(avg.get(cat, 0.0) < v for cat, v in c.get("avg_monthly_spend_min", {}).items()):
        return False
    tenure = p.tenure_years(today)
    if "tenure_years_min" in c and tenure < c["tenure_years_min"]:
        return False
    return not ("tenure_years_max" in c and tenure > c["tenure_years_max"])


def _conversation_ok(c: dict[str, Any], s: ConversationSignals) -> bool:
    checks = (
        ("intents_any", s.intents),
        ("entities_any", s.entities),
        ("topics_any", s.topics),
        ("signals_any", s.flags),
    )
    return all(key not in c or set(c[key]) & set(have) for key, have in checks)


# -- reason templates ------------------------------------------------------------------------
class _Percent(dict):  # type: ignore[type-arg]
    """share[cat] -> "92%"; a category the customer never used reads 0%."""

    def __missing__(self, key: str) -> str:
        return "0%"


class _Money(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "0"


def _money(vnd: float, lang: str) -> str:
    """Compact VND as each language writes it: "21,3 triệu" / "21.3M VND"."""
    if vnd >= 1_000_000:
        figure = f"{vnd / 1_000_000:.1f}".removesuffix(".0")
        return f"{figure.replace('.', ',')} triệu" if lang == "vi" else f"{figure}M VND"
    thousands = round(vnd / 1000)
    return f"{thousands} nghìn" if lang == "vi" else f"{thousands}k VND"


def _template_values(
    profile: Profile, conv: ConversationSignals, now: datetime, churn: ChurnPolicy, lang: str
) -> dict[str, Any]:
    return {
        "share": _Percent({k: f"{round(v * 100)}%" for k, v in profile.shares().items()}),
        "avg_spend": _Money({k: _money(v, lang) for k, v in profile.avg_monthly().items()}),
        "tenure_years": int(profile.tenure_years(now.date())),
        "complaints": churn.complaints(profile, conv, now),
        "transfers": conv.transfer_count,
        "products": ", ".join(profile.products),
    }


def _bilingual(value: Any, fallback: str) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {lang: str(value.get(lang) or value.get("vi") or fallback) for lang in LANGS}
    return {lang: str(value or fallback) for lang in LANGS}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
