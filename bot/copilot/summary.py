"""The hand-off summary: what an agent reads first when a conversation reaches them.

Four parts, in the conversation's language: the problem (the customer's own substantive
turns, picked, never rewritten), what the bot did (forms, identity checks, blocked cards,
answers given), what the customer wants now (the hand-off reason, their last substantive
turn, transfer notes) and open promises (booked call-backs).

Nothing is invented: a line is a fixed template around one *quote*, and the quote is
copied from the turn, event or call-back named by the line's ``source`` ("m:<message id>",
"e:<event id>", "cb:<call-back id>"). ``trace`` checks that, for tests and the evaluation.

A pure function over plain data (``Record``), so the hub (``bot.copilot.store``) and the
offline evaluation (``bot.copilot.evaluate``) run the same code.

Usage::

    lines = summarise(record)   # [{"part", "label", "text", "quote", "source"}, ...]
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

from bot.panel.labels import label as code_label
from chattext.fold import fold_lower
from chattext.substance import is_substantive

MAX_PROBLEM_TURNS = 2  # the opening statement, in at most two turns
MAX_ANSWERS = 3  # bot answers listed: the first ones; the transcript has the rest
MAX_QUOTE = 220  # characters of a turn shown; the full turn is one click away

PARTS = ("problem", "bot_did", "wants_now", "promises")


class Line(TypedDict):
    part: str  # one of PARTS
    kind: str  # the fact: problem, verified, form, blocked, answered, reason, last_turn,
    # transfer, callback, window
    label: str  # the fixed template, in the conversation's language
    shown: str  # the fact as the agent reads it: the quote, or a code's fixed wording
    text: str  # label and shown together
    quote: str  # the fact, copied from the source (for a code: the code itself)
    source: str  # m:<id> | e:<id> | cb:<id>
    turn: int | None  # the message to scroll to: the source, or the turn before the event


class Record(TypedDict, total=False):
    """What the summary reads: the stored messages, events and call-backs of one
    conversation and its hand-off packet (``Conversation.context``)."""

    language: str
    handoff_reason: str | None
    context: dict[str, Any]
    messages: list[dict[str, Any]]  # id, seq, sender, text
    events: list[dict[str, Any]]  # id, kind, to_state, actor, note, data
    callbacks: list[dict[str, Any]]  # id, phone, window (text), status


_T: dict[str, dict[str, str]] = {
    "problem": {"vi": "Vấn đề", "en": "Problem"},
    "verified": {"vi": "Đã xác minh danh tính qua", "en": "Identity verified by"},
    "blocked": {"vi": "Bot đã khoá thẻ, mã tham chiếu", "en": "Bot blocked the card, reference"},
    "callback_booked": {"vi": "Đã hẹn gọi lại, mã", "en": "Call-back booked, reference"},
    "form": {"vi": "Thao tác bot đã chạy", "en": "Bot form run"},
    "answered": {"vi": "Bot đã trả lời câu hỏi", "en": "Bot answered"},
    "reason": {"vi": "Lý do chuyển", "en": "Hand-off reason"},
    "last_turn": {"vi": "Khách nói gần nhất", "en": "Customer's latest words"},
    "transfer": {"vi": "Ghi chú chuyển tiếp", "en": "Transfer note"},
    "window": {"vi": "Hứa gọi lại", "en": "Promised call-back"},
}
_VERIFIED_BY = {
    "otp": {"vi": "mã OTP", "en": "one-time code"},
    "card_dob": {"vi": "số thẻ và ngày sinh", "en": "card digits and date of birth"},
    "signed": {"vi": "đăng nhập ứng dụng", "en": "app sign-in"},
    "agent": {"vi": "nhân viên xác nhận", "en": "an agent's check"},
}
_BLOCK_REF = re.compile(r"\bBLK-\d{3,}\b")
_CALLBACK_REF = re.compile(r"\bCB-\d+\b")
# Bot replies that answer nothing: the fallback and hand-over texts (folded prefixes of
# actions/texts.py and bot/i18n/texts.py), so "answered" is only said of real answers.
_NON_ANSWERS = re.compile(
    r"^(xin loi|sorry|minh chua|i (did not|didn.t|couldn.t|could not)|ban muon|would you|"
    r"minh chuyen|i.m putting|dang chuyen|transferring|ban dang o vi tri|you are number)"
)
_PERSON = re.compile(
    r"\b(nhan vien|nguoi that|tu van vien|human|real person|live agent|agent|person)\b"
)
_QUESTION = re.compile(
    r"\?|\b(bao nhieu|the nao|sao|khong|ko|k|chua|o dau|khi nao|how|what|when|where|"
    r"which|can i|do i|is there)\b"
)


def _pick(table: dict[str, dict[str, str]], key: str, language: str) -> str:
    return table[key].get(language, table[key]["en"])


def _line(
    part: str, kind: str, label: str, quote: str, source: str, worded: str | None = None
) -> Line:
    """A line; ``worded`` is the fixed wording of a code quote (a reason, a form)."""
    quote = quote.strip()
    if len(quote) > MAX_QUOTE:
        quote = quote[: MAX_QUOTE - 1].rstrip() + "…"
    shown = worded or quote
    return Line(
        part=part,
        kind=kind,
        label=label,
        shown=shown,
        text=f"{label}: {shown}",
        quote=quote,
        source=source,
        turn=None,
    )


def _with_turns(record: Record, lines: list[Line]) -> list[Line]:
    """Each line's turn: its message, or for an event or call-back the message it followed
    (``turn`` on the row, set by the hub from the times)."""
    rows = {
        "e": {str(e["id"]): e for e in record.get("events", [])},
        "cb": {str(c["id"]): c for c in record.get("callbacks", [])},
    }
    for line in lines:
        kind, _, raw = line["source"].partition(":")
        if kind == "m":
            line["turn"] = int(raw)
        elif raw in rows.get(kind, {}):
            turn = rows[kind][raw].get("turn")
            line["turn"] = int(turn) if turn is not None else None
    return lines


def _asks_only_for_person(text: str) -> bool:
    """ "cho tôi gặp nhân viên": a request for a person, not a statement of the problem."""
    folded = fold_lower(text)
    return bool(_PERSON.search(folded)) and len(folded.split()) <= 8


def _states_the_problem(msg: dict[str, Any]) -> bool:
    """A customer turn that says something (``is_substantive``), other than asking for a
    person."""
    text = str(msg.get("text") or "")
    return (
        msg.get("sender") == "customer" and is_substantive(text) and not _asks_only_for_person(text)
    )


def _opening(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The substantive turns the customer wrote before anyone (bot or agent) answered the
    first of them ("mất thẻ rồi" then "thẻ Visa đuôi 4821" are one problem). Reads from the
    start and stops there: ``is_substantive`` costs milliseconds a turn, and a long thread
    must not cost a second at hand-off."""
    found: list[dict[str, Any]] = []
    for msg in messages:
        if found and (msg.get("sender") in ("bot", "agent") or len(found) == MAX_PROBLEM_TURNS):
            break
        if _states_the_problem(msg):
            found.append(msg)
    return found


def _latest(messages: list[dict[str, Any]], after_seq: int) -> dict[str, Any] | None:
    """The latest substantive customer turn after ``after_seq``, read from the end."""
    msg: dict[str, Any]
    for msg in reversed(messages):
        if msg["seq"] <= after_seq:
            return None
        if _states_the_problem(msg):
            return msg
    return None


def _handoff_event(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest move into the queue: it carried the packet in."""
    moves = [e for e in events if e.get("kind") == "state" and e.get("to_state") == "waiting"]
    return moves[-1] if moves else None


def _bot_did(record: Record, language: str, handoff: dict[str, Any] | None) -> list[Line]:
    out: list[Line] = []
    for event in record.get("events", []):
        if event.get("kind") in ("customer_verified", "customer_linked"):
            how = str((event.get("data") or {}).get("verified_by") or "agent")
            label = _pick(_T, "verified", language)
            words = _VERIFIED_BY.get(how, {}).get(language, how)
            out.append(_line("bot_did", "verified", label, how, f"e:{event['id']}", words))
    context = record.get("context") or {}
    form = context.get("form")
    if form and handoff is not None:
        words = code_label("form", str(form), language)
        out.append(
            _line(
                "bot_did",
                "form",
                _pick(_T, "form", language),
                str(form),
                f"e:{handoff['id']}",
                words,
            )
        )
    messages = record.get("messages", [])
    by_id = {m["id"]: m for m in messages}
    answers = 0
    for msg in messages:
        if msg.get("sender") != "bot":
            continue
        text = str(msg.get("text") or "")
        if (ref := _BLOCK_REF.search(text)) is not None:
            out.append(
                _line(
                    "bot_did",
                    "blocked",
                    _pick(_T, "blocked", language),
                    ref.group(),
                    f"m:{msg['id']}",
                )
            )
            continue
        if _CALLBACK_REF.search(text) or _NON_ANSWERS.match(fold_lower(text)):
            continue
        asked = by_id.get(msg.get("reply_to"))
        if answers < MAX_ANSWERS and asked and asked.get("sender") == "customer":
            question = str(asked.get("text") or "")
            if _QUESTION.search(fold_lower(question)) and is_substantive(question):
                out.append(
                    _line(
                        "bot_did",
                        "answered",
                        _pick(_T, "answered", language),
                        question,
                        f"m:{asked['id']}",
                    )
                )
                answers += 1
    return out


def _promises(record: Record, language: str) -> list[Line]:
    out: list[Line] = []
    for cb in record.get("callbacks", []):
        if cb.get("status", "scheduled") != "scheduled":
            continue
        ref = f"CB-{cb['id']}"
        out.append(
            _line(
                "promises",
                "callback",
                _pick(_T, "callback_booked", language),
                ref,
                f"cb:{cb['id']}",
            )
        )
        if cb.get("window"):
            out.append(
                _line(
                    "promises",
                    "window",
                    _pick(_T, "window", language),
                    str(cb["window"]),
                    f"cb:{cb['id']}",
                )
            )
    if not out:  # a call-back the bot confirmed in words only
        for msg in record.get("messages", []):
            said = _CALLBACK_REF.search(str(msg.get("text") or ""))
            if msg.get("sender") == "bot" and said:
                out.append(
                    _line(
                        "promises",
                        "callback",
                        _pick(_T, "callback_booked", language),
                        said.group(),
                        f"m:{msg['id']}",
                    )
                )
    return out


def summarise(record: Record) -> list[Line]:
    """The summary lines of one conversation, grouped by part in ``PARTS`` order."""
    language = record.get("language") if record.get("language") in ("vi", "en") else "vi"
    assert language is not None
    messages = sorted(record.get("messages", []), key=lambda m: m.get("seq", m["id"]))
    record = Record(**{**record, "messages": messages})
    events = record.get("events", [])
    handoff = _handoff_event(events)
    lines: list[Line] = []
    # The opening statement is the problem; what came after is what the customer wants now.
    problem = _opening(messages)
    for msg in problem:
        lines.append(
            _line(
                "problem",
                "problem",
                _pick(_T, "problem", language),
                str(msg["text"]),
                f"m:{msg['id']}",
            )
        )
    lines.extend(_bot_did(record, language, handoff))
    reason = record.get("handoff_reason") or (handoff or {}).get("note")
    if reason and handoff is not None:
        words = code_label("reason", str(reason), language)
        lines.append(
            _line(
                "wants_now",
                "reason",
                _pick(_T, "reason", language),
                str(reason),
                f"e:{handoff['id']}",
                words,
            )
        )
    latest = _latest(messages, problem[-1]["seq"]) if problem else None
    if latest is not None:
        lines.append(
            _line(
                "wants_now",
                "last_turn",
                _pick(_T, "last_turn", language),
                str(latest["text"]),
                f"m:{latest['id']}",
            )
        )
    for event in events:
        if event.get("kind") == "transfer" and event.get("note"):
            who = str(event.get("actor") or "")
            label = (
                f"{_pick(_T, 'transfer', language)} ({who})"
                if who
                else _pick(_T, "transfer", language)
            )
            lines.append(
                _line("wants_now", "transfer", label, str(event["note"]), f"e:{event['id']}")
            )
    lines.extend(_promises(record, language))
    return _with_turns(record, sorted(lines, key=lambda line: PARTS.index(line["part"])))


def _source_texts(record: Record, source: str) -> list[str] | None:
    """The texts a source holds, or None when it names nothing in the record."""
    kind, _, raw = source.partition(":")
    table = {"m": "messages", "e": "events", "cb": "callbacks"}.get(kind)
    if table is None or not raw.isdigit():
        return None
    for row in record.get(table, []):  # type: ignore[attr-defined]
        if str(row.get("id")) == raw:
            values: list[str] = [
                str(v) for k, v in row.items() if k not in ("data", "turn") and v is not None
            ]
            values += [str(v) for v in (row.get("data") or {}).values() if v is not None]
            if kind == "cb":
                values.append(f"CB-{row['id']}")
            if kind == "e" and row.get("to_state") == "waiting":
                # The hand-off event carried the packet in: its facts trace to it.
                context = record.get("context") or {}
                values += [str(context.get("form") or ""), str(record.get("handoff_reason") or "")]
            return values
    return None


def trace(record: Record, line: Line) -> bool:
    """True when the line's quote is copied from the turn, event or call-back it names
    (an ellipsis-shortened quote counts by its shown part)."""
    texts = _source_texts(record, line["source"])
    if texts is None:
        return False
    quote = line["quote"].removesuffix("…").strip()
    return bool(quote) and any(quote in text for text in texts)
