"""`tandem eval copilot`: the hand-off summary, the wrap-up ranker and the sentiment model
on the frozen sets in ``tests/``.

Usage:
    tandem eval copilot                       # the test sets
    tandem eval copilot --split dev           # the set the rules were tuned on

Conversations (``tests/copilot/conversations/<split>.yml``, format in the README there)
become the same ``Record`` the hub builds from its tables; the summary must contain each
reference fact (case- and accent-insensitive) and every line must trace to its source.
The wrap-up figures are the rule prior alone (``wrapup_top1``/``wrapup_top3``) and, in
``wrapup_learned_top1``/``_top3``, the same ranker replayed in order with each
conversation's reference code recorded after it is ranked (as agents' choices would be).
Sentiment is the scorer the hub uses (the lexicon plus the learned model,
``bot/copilot/sentiment_model.py``) through ``chattext.sentiment_eval``: on the frozen test
set (``sentiment_macro_f1``) and on the holdout set written before the learned model and
never tuned on (``sentiment_holdout_macro_f1``).
The last printed line is one JSON object.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import typer
import yaml

from bot.copilot import summary as summary_mod
from bot.copilot import wrapup
from chattext.fold import fold

ROOT = Path(__file__).resolve().parents[2]
SETS = ROOT / "tests" / "copilot" / "conversations"
SENTIMENT_SET = ROOT / "tests" / "copilot" / "sentiment" / "test.jsonl"
SENTIMENT_HOLDOUT = ROOT / "tests" / "copilot" / "sentiment" / "holdout.jsonl"
# The codes the resolve dialog offers out of the box (migration 0013's seed), in its order.
CODES = (
    "answered",
    "card_blocked",
    "dispute_opened",
    "complaint",
    "callback_scheduled",
    "referred_branch",
    "sale_made",
    "no_response",
    "other",
)
_SENDERS = {"c": "customer", "b": "bot", "s": "system", "a": "agent"}


class CopilotSetError(ValueError):
    pass


def record_of(item: dict[str, Any]) -> summary_mod.Record:
    """A set's conversation as the hub would store it (ids 1, 2, ... in order)."""
    messages: list[dict[str, Any]] = []
    last_customer: int | None = None
    for n, turn in enumerate(item.get("turns") or [], 1):
        if not (isinstance(turn, list) and len(turn) == 2 and turn[0] in _SENDERS):
            raise CopilotSetError(f"{item.get('id')}: turn {n} is not [c|b|s|a, text]")
        sender = _SENDERS[turn[0]]
        reply_to = last_customer if sender == "bot" else None
        messages.append(
            {"id": n, "seq": n, "sender": sender, "text": str(turn[1]), "reply_to": reply_to}
        )
        if sender == "customer":
            last_customer = n
    events: list[dict[str, Any]] = []
    if item.get("verified"):
        events.append(
            {
                "id": len(events) + 1,
                "kind": "customer_verified",
                "actor": "bot",
                "data": {"verified_by": item["verified"]},
            }
        )
    events.append(
        {
            "id": len(events) + 1,
            "kind": "state",
            "to_state": "waiting",
            "actor": "bot",
            "note": item.get("reason"),
            "data": {},
        }
    )
    if item.get("transfer"):
        events.append(
            {
                "id": len(events) + 1,
                "kind": "transfer",
                "actor": item["transfer"]["actor"],
                "note": item["transfer"]["note"],
                "data": {},
            }
        )
    callbacks = [dict(item["callback"], status="scheduled")] if item.get("callback") else []
    return summary_mod.Record(
        language=item.get("language", "vi"),
        handoff_reason=item.get("reason"),
        context={
            "intents": list(item.get("intents") or []),
            "form": item.get("form"),
            "reason": item.get("reason"),
        },
        messages=messages,
        events=events,
        callbacks=callbacks,
    )


def load(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise CopilotSetError(f"{path}: file not found")
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for item in items:
        for key in ("id", "style", "facts", "wrapup", "turns"):
            if key not in item:
                raise CopilotSetError(f"{path}: conversation {item.get('id')} lacks {key!r}")
    return items


def _norm(text: str) -> str:
    return " ".join(fold(text).lower().replace("–", "-").split())


def evaluate_set(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-conversation results and the totals, overall and per style."""
    rows: list[dict[str, Any]] = []
    learned = wrapup.Counts()
    for item in items:
        record = record_of(item)
        lines = summary_mod.summarise(record)
        shown = _norm(" \n ".join(line["text"] for line in lines))
        found = [fact for fact in item["facts"] if _norm(str(fact)) in shown]
        invented = [line for line in lines if not summary_mod.trace(record, line)]
        feats = wrapup.features_of(dict(record), lines)
        prior = wrapup.rank(feats, CODES)
        online = wrapup.rank(feats, CODES, learned)
        learned.add(feats, item["wrapup"])
        rows.append(
            {
                "id": item["id"],
                "style": item["style"],
                "facts": len(item["facts"]),
                "found": len(found),
                "missing": [f for f in item["facts"] if f not in found],
                "lines": len(lines),
                "invented": len(invented),
                "wrapup": item["wrapup"],
                "suggested": prior,
                "top1": prior[:1] == [item["wrapup"]],
                "top3": item["wrapup"] in prior,
                "learned_top1": online[:1] == [item["wrapup"]],
                "learned_top3": item["wrapup"] in online,
            }
        )
    return {"rows": rows, **_totals(rows)}


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def figures(part: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(part) or 1
        facts = sum(r["facts"] for r in part) or 1
        return {
            "n": len(part),
            "summary_fact_coverage": round(sum(r["found"] for r in part) / facts, 3),
            "invented_facts": sum(r["invented"] for r in part),
            "wrapup_top1": round(sum(r["top1"] for r in part) / n, 3),
            "wrapup_top3": round(sum(r["top3"] for r in part) / n, 3),
        }

    styles: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        styles[r["style"]].append(r)
    n = len(rows) or 1
    return {
        **figures(rows),
        "wrapup_learned_top1": round(sum(r["learned_top1"] for r in rows) / n, 3),
        "wrapup_learned_top3": round(sum(r["learned_top3"] for r in rows) / n, 3),
        "by_style": {style: figures(part) for style, part in sorted(styles.items())},
    }


def sentiment_figures(path: Path = SENTIMENT_SET) -> dict[str, Any] | None:
    """The sentiment scorer's evaluation on one set, or None while the set is not there."""
    from bot.copilot.sentiment_model import learned_labels
    from chattext.sentiment_eval import evaluate as sentiment_evaluate

    if not path.is_file():
        return None
    try:
        return dict(sentiment_evaluate(path, labels_of=learned_labels))
    except Exception as exc:  # another module's failure must not hide these figures
        typer.echo(f"sentiment evaluation failed: {exc}", err=True)
        return None


def copilot(
    split: str = typer.Option("test", help="test (frozen) or dev (the set rules were tuned on)"),
) -> None:
    """Evaluate the hand-off summary, wrap-up codes and sentiment on the sets in tests/."""
    if split not in ("test", "dev"):
        raise typer.BadParameter("test or dev", param_hint="--split")
    try:
        result = evaluate_set(load(SETS / f"{split}.yml"))
    except CopilotSetError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{'id':6} {'style':9} {'facts':>6} {'lines':>5} {'inv':>3}  {'wrap-up':17} top-3")
    for r in result["rows"]:
        mark = "ok" if r["top3"] else "--"
        typer.echo(
            f"{r['id']:6} {r['style']:9} {r['found']:>3}/{r['facts']:<2} {r['lines']:>5} "
            f"{r['invented']:>3}  {r['wrapup']:17} {mark} {','.join(r['suggested'])}"
            + (f"  missing: {r['missing']}" if r["missing"] else "")
        )
    sentiment = sentiment_figures()
    out = {k: v for k, v in result.items() if k != "rows"}
    out["split"] = split
    out["sentiment_macro_f1"] = sentiment.get("macro_f1") if sentiment else None
    if sentiment:
        for style, figures in (sentiment.get("by_style") or {}).items():
            out["by_style"].setdefault(style, {})["sentiment_macro_f1"] = figures.get("macro_f1")
        out["sentiment_n"] = sentiment.get("n")
    holdout = sentiment_figures(SENTIMENT_HOLDOUT)
    out["sentiment_holdout_macro_f1"] = holdout.get("macro_f1") if holdout else None
    out["sentiment_holdout_n"] = holdout.get("n") if holdout else None
    typer.echo(json.dumps(out, ensure_ascii=False))
