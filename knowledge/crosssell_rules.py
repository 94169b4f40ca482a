"""The cross-sell rules file (``knowledge/rules.yaml``): read it and validate every rule, so a
knowledge manager's mistake is refused with a message that names the rule, before it can
reach an agent. Evaluating the rules is ``knowledge.crosssell``."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from knowledge.crosssell import LANGS, ChurnPolicy, Rule, RulesError, RuleSet, Signal
from knowledge.text import fold_diacritics

RULES_PATH = Path(__file__).with_name("rules.yaml")
KINDS = ("cross_sell", "retention")
CUSTOMER_KEYS = {
    "has_all_products",
    "has_any_product",
    "lacks_products",
    "segment_in",
    "spend_share_min",
    "spend_share_max",
    "avg_monthly_spend_min",
    "tenure_years_min",
    "tenure_years_max",
}
CONVERSATION_KEYS = {"intents_any", "entities_any", "topics_any", "signals_any"}
# Names a reason template may use: {share[retail]}, {avg_spend[travel]}, {tenure_years}, ...
TEMPLATE_NAMES = {"share", "avg_spend", "tenure_years", "complaints", "transfers", "products"}


def load_rules(path: Path | None = None, offer_ids: Iterable[str] | None = None) -> RuleSet:
    """Read and validate the rules file. With ``offer_ids``, every rule's offer must exist."""
    path = path or RULES_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RulesError(f"{path.name}: not valid YAML: {exc}") from exc
    return parse_rules(raw, offer_ids=offer_ids, source=path.name)


def parse_rules(raw: Any, offer_ids: Iterable[str] | None = None, source: str = "rules") -> RuleSet:
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        raise RulesError(f"{source}: expected a mapping with a 'rules' list")
    known_offers = set(offer_ids) if offer_ids is not None else None
    default_cooldown = _int(raw.get("cooldown_days", 30), f"{source}: cooldown_days")
    rules: list[Rule] = []
    for i, item in enumerate(raw["rules"], 1):
        rules.append(_parse_rule(item, i, default_cooldown, known_offers, source))
    ids = [r.id for r in rules]
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise RulesError(f"{source}: rule ids must be unique; repeated: {', '.join(dupes)}")
    signals = _parse_signals(raw.get("signals") or {}, source)
    suppress = tuple(raw.get("suppress_when") or ())
    churn_raw = raw.get("churn_risk") or {}
    if not isinstance(churn_raw, dict):
        raise RulesError(f"{source}: churn_risk must be a mapping")
    try:
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in churn_raw.items()
        }
        churn = ChurnPolicy(**fields)
    except TypeError as exc:
        raise RulesError(f"{source}: churn_risk: {exc}") from exc
    for flag in (*suppress, *churn.signals):
        if flag not in signals:
            raise RulesError(f"{source}: signal {flag!r} is used but not defined under 'signals'")
    for rule in rules:
        unknown = set(rule.conversation.get("signals_any", ())) - set(signals)
        if unknown:
            raise RulesError(
                f"{source}: rule {rule.id!r}: unknown signal(s) {', '.join(sorted(unknown))}"
            )
    return RuleSet(rules, suppress, default_cooldown, churn, signals)


def _parse_rule(
    item: Any, i: int, default_cooldown: int, known_offers: set[str] | None, source: str
) -> Rule:
    if not isinstance(item, dict) or not item.get("id"):
        raise RulesError(f"{source}: rule #{i} needs an 'id'")
    rid = str(item["id"])
    where = f"{source}: rule {rid!r}"
    unknown = set(item) - {"id", "offer", "kind", "priority", "when", "reason", "cooldown_days"}
    if unknown:
        raise RulesError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    offer = item.get("offer")
    if not offer:
        raise RulesError(f"{where}: needs an 'offer' from the catalogue")
    if known_offers is not None and offer not in known_offers:
        raise RulesError(f"{where}: offer {offer!r} is not in the offer catalogue")
    kind = item.get("kind", "cross_sell")
    if kind not in KINDS:
        raise RulesError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    when = item.get("when") or {}
    if not isinstance(when, dict) or set(when) - {"customer", "conversation"}:
        raise RulesError(f"{where}: 'when' may only have 'customer' and 'conversation'")
    customer = _conditions(when.get("customer"), CUSTOMER_KEYS, f"{where}: when.customer")
    conversation = _conditions(
        when.get("conversation"), CONVERSATION_KEYS, f"{where}: when.conversation"
    )
    reason = item.get("reason")
    if not isinstance(reason, dict) or any(not reason.get(lang) for lang in LANGS):
        raise RulesError(f"{where}: 'reason' needs text in both vi and en")
    for lang in LANGS:
        _check_template(str(reason[lang]), f"{where}: reason.{lang}")
    return Rule(
        id=rid,
        offer=str(offer),
        kind=kind,
        priority=_int(item.get("priority", 0), f"{where}: priority"),
        customer=customer,
        conversation=conversation,
        reason={lang: str(reason[lang]) for lang in LANGS},
        cooldown_days=_int(item.get("cooldown_days", default_cooldown), f"{where}: cooldown_days"),
    )


def _conditions(raw: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RulesError(f"{where} must be a mapping")
    unknown = set(raw) - allowed
    if unknown:
        raise RulesError(
            f"{where}: unknown condition(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    for key, value in raw.items():
        if key.endswith(("_min", "_max")) and isinstance(value, dict):
            for cat, num in value.items():
                if not isinstance(num, int | float):
                    raise RulesError(f"{where}.{key}.{cat} must be a number, not {num!r}")
                if key.startswith("spend_share") and not 0 <= num <= 1:
                    raise RulesError(f"{where}.{key}.{cat} is a share between 0 and 1, not {num!r}")
        elif key.endswith(("_min", "_max")):
            if not isinstance(value, int | float):
                raise RulesError(f"{where}.{key} must be a number, not {value!r}")
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RulesError(f"{where}.{key} must be a list of names")
    return dict(raw)


def _check_template(text: str, where: str) -> None:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise RulesError(f"{where}: broken braces: {exc}") from exc
    for name in fields:
        root = re.split(r"[.\[]", name, maxsplit=1)[0]
        if root not in TEMPLATE_NAMES:
            raise RulesError(
                f"{where}: unknown placeholder {{{name}}}; "
                f"use one of {', '.join(sorted(TEMPLATE_NAMES))}"
            )


def _parse_signals(raw: Any, source: str) -> dict[str, Signal]:
    if not isinstance(raw, dict):
        raise RulesError(f"{source}: 'signals' must map a signal name to its keywords")
    out: dict[str, Signal] = {}
    for flag, spec in raw.items():
        where = f"{source}: signal {flag!r}"
        if not isinstance(spec, dict) or set(spec) - {*LANGS, "intents", "handoff_reasons"}:
            raise RulesError(f"{where}: expected keys vi, en, intents, handoff_reasons")
        words = [str(w) for lang in LANGS for w in spec.get(lang) or []]
        if not words and not spec.get("intents"):
            raise RulesError(f"{where}: needs keywords or intents")
        # Whole words only, on folded text: "mat the" must not fire inside "mat theo".
        patterns = [
            re.compile(r"(?<!\w)" + re.escape(fold_diacritics(w.lower()).strip()) + r"(?!\w)")
            for w in words
        ]
        out[str(flag)] = Signal(
            patterns,
            frozenset(spec.get("intents") or ()),
            frozenset(spec.get("handoff_reasons") or ()),
        )
    return out


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RulesError(f"{where} must be a whole number, not {value!r}")
    return value
