"""Play the conversation-level test set against a real hub, Rasa server and action server,
as customers would (a widget session each, every answer typed), and check each
conversation's outcome from the system's real state.

The test set is in this folder, one YAML file per style (`vi.yml`, `vi_plain.yml`,
`chat.yml`, `en.yml`); a development set for tuning, written apart from it, has the same
files under `dev/`. Each item is one conversation:

    - id: en-fraud-01              # <style>-<skill>-<nn>, the test's id
      style: en                    # vi | vi_plain | chat | en
      skill: fraud
      signed_in: C004              # optional: the demo page vouches for this customer
      turns:                       # what the customer types, in order
        - I just saw a strange 5 million transaction on my card, it wasn't me
        - yes, block it
        - say: 0934 567 890        # a turn may also carry what its replies must show
          then: {asks: card_last4}
      expect: {...}                # the outcome (see `check` for every key)

`{otp}` in a turn stands for the 6-digit code the hub texted to the phone of the
conversation (the demo's SMS outbox), as the customer would copy it from their phone.

Besides its own outcome, every conversation must keep its language (replies in English to
an English conversation, in Vietnamese otherwise; a greeting in both languages, before
any message told the language, fits either), must never get the generic fallback on
two turns in a row, and must never get "What can I help you with?" right after a form (or
the offer to block a card) asked it something. The bot's texts these checks look for are
read from `domain.yml` and `actions/texts.py`, so rewording a reply does not break them.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
import unicodedata
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import yaml
from sqlalchemy import create_engine, text

from tests.support.clients import Agent
from tests.support.stack import MODEL, RASA_BIN, ROOT, HubProcess, RasaStack, free_port

HERE = Path(__file__).resolve().parent
DEV = HERE / "dev"
STYLES = ("vi", "vi_plain", "chat", "en")
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SITE = "demo-bank"
SITE_SECRET = "demo-only-not-secret"  # the demo site's secret in demo mode
HANDED_OFF = ("waiting", "assigned")
PRIORITIES = {"urgent": 2, "high": 1, "normal": 0}
# Generous: the machine is shared; these bound a hang, they time nothing.
REPLY_WAIT_S = 90.0
# A hand-off is written in the same transaction as the replies of its turn, which the last
# message's HTTP answer has already waited for: this only covers the hub's note after it.
STATE_WAIT_S = 15.0


# ---------------------------------------------------------------------------- the set


def load_set(styles: tuple[str, ...] = STYLES, folder: Path = HERE) -> list[dict[str, Any]]:
    """Every conversation of the set in ``folder`` (this folder: the test set; ``DEV``: the
    development set, written apart from it for tuning and probing), in file order."""
    items: list[dict[str, Any]] = []
    for style in styles:
        for item in yaml.safe_load((folder / f"{style}.yml").read_text(encoding="utf-8")):
            if item["style"] != style:
                raise ValueError(f"{item['id']}: style {item['style']} in {style}.yml")
            items.append(item)
    ids = [item["id"] for item in items]
    if len(ids) != len(set(ids)):
        raise ValueError("conversation ids repeat")
    # A signed-in customer has one thread on the widget: two conversations of the set signed
    # in as the same customer would be one conversation.
    signed = [item["signed_in"] for item in items if item.get("signed_in")]
    if len(signed) != len(set(signed)):
        raise ValueError("a customer is signed in for two conversations")
    return items


def _responses() -> dict[str, list[str]]:
    """domain.yml's response texts (every language variant) by response name."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {
        name: [v["text"] for v in variants if v.get("text")]
        for name, variants in (domain.get("responses") or {}).items()
    }


def _bilingual() -> tuple[str, ...]:
    """domain.yml's texts said in both languages at once: the variant without a language
    condition of a response that also has one for each language (the greeting before a
    message has told the language)."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    out = []
    for variants in (domain.get("responses") or {}).values():
        langs = {
            c.get("value")
            for v in variants
            for c in v.get("condition") or []
            if c.get("name") == "language"
        }
        if {"vi", "en"} <= langs:
            out += [v["text"].strip() for v in variants if not v.get("condition") and v.get("text")]
    return tuple(out)


def _action_texts() -> dict[str, dict[str, str]]:
    """The texts the actions build at run time (a plain module both environments import)."""
    from actions.texts import TEXTS

    return TEXTS


def _head(text: str, n: int = 40) -> str:
    """The fixed opening of a reply text, up to its first placeholder."""
    return text.split("{", 1)[0][:n].strip()


@dataclass(frozen=True)
class BotTexts:
    """The bot's replies the generic checks recognise, as their openings."""

    fallback: tuple[str, ...]
    how_help: tuple[str, ...]
    asking: tuple[str, ...]
    prompts: dict[str, tuple[str, ...]]
    # Replies in both languages (either language's conversation may get them).
    bilingual: tuple[str, ...] = ()

    @classmethod
    def load(cls) -> BotTexts:
        r = _responses()
        t = _action_texts()
        prompts = {
            "card_last4": r["utter_ask_card_last4"],
            "dob": r["utter_ask_dob"],
            "phone": r["utter_ask_phone"]
            + r["utter_ask_lost_card_form_phone"]
            + r["utter_ask_fraud_form_phone"]
            + r["utter_ask_account_form_phone"],
            "preferred_time": r["utter_ask_preferred_time"],
            "otp_code": r["utter_ask_otp_code"],
            # The offer to block a card after a fraud report.
            "card_block": r["utter_offer_card_block"],
        }
        asking = [p for texts in prompts.values() for p in texts]
        asking += list(t["verify_failed_retry"].values())
        return cls(
            fallback=tuple(
                _head(x)
                for x in r["utter_ask_rephrase"] + r["utter_default"] + r["utter_offer_human"]
            ),
            how_help=tuple(x.strip() for x in r["utter_ask_how_help"]),
            asking=tuple(_head(x) for x in asking),
            prompts={k: tuple(_head(x) for x in v) for k, v in prompts.items()},
            bilingual=_bilingual(),
        )


def faq_answers() -> dict[str, dict[str, str]]:
    """The demo corpus's answers by entry id and language."""
    answers: dict[str, dict[str, str]] = {}
    for path in sorted((ROOT / "knowledge" / "corpus").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            answers[entry["id"]] = entry["answer"]
    return answers


# ---------------------------------------------------------------------------- the stack


@contextmanager
def running_stack(workdir: Path) -> Iterator[HubProcess]:
    """Hub + Rasa + action server wired as in production (as tests/conftest.py's
    `live_stack` starts them), with a var folder of its own for the demo's SMS outbox."""
    if not RASA_BIN.exists() or not MODEL.exists():
        raise RuntimeError("The Rasa environment or trained model is missing: run `make test`.")
    corpus = workdir / "corpus"
    shutil.copytree(ROOT / "knowledge" / "corpus", corpus)
    hub_port = free_port()
    rasa = RasaStack(workdir, hub_url=f"http://127.0.0.1:{hub_port}")
    hub = HubProcess(
        workdir,
        rasa_url=rasa.url,
        index_dir=workdir / "index",
        port=hub_port,
        extra_env={
            "TANDEM_CORPUS_DIR": str(corpus),
            "TANDEM_ACTIONS_URL": rasa.actions_url,
            "TANDEM_VAR_DIR": str(workdir / "var"),
            # The HTTP answer's own wait for replies: short, because a message sent to people
            # gets none; the player then waits on the history for a bot's late reply.
            "TANDEM_WIDGET_REPLY_WAIT_S": "5",
        },
    )
    hub.init_db()
    try:
        hub.start()
        rasa.start()
        hub.wait_knowledge()
        yield hub
    finally:
        hub.stop()
        rasa.stop()


# ---------------------------------------------------------------------------- playing


class Widget:
    """A customer's widget session. Each conversation comes from its own loopback address,
    as customers come from their own networks: the hub counts identity checks per address,
    and sixty customers behind one address would look like one attacker."""

    def __init__(self, hub_url: str, address: str, customer_id: str | None) -> None:
        transport = httpx.HTTPTransport(local_address=address)
        self.http = httpx.Client(base_url=hub_url, timeout=REPLY_WAIT_S + 30, transport=transport)
        body: dict[str, Any] = {"site": SITE}
        if customer_id:
            from bot.api.widget_identity import sign_customer

            body.update(customer_id=customer_id, signature=sign_customer(SITE_SECRET, customer_id))
        response = self.http.post("/api/widget/session", json=body)
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def say(self, words: str) -> dict[str, Any]:
        response = self.http.post(
            "/api/widget/messages", json={"text": words, "client_id": uuid.uuid4().hex}
        )
        response.raise_for_status()
        return dict(response.json())

    def history(self) -> dict[str, Any]:
        response = self.http.get("/api/widget/history")
        response.raise_for_status()
        return dict(response.json())

    def close(self) -> None:
        self.http.close()


@dataclass
class Played:
    """What happened in one conversation: per turn, what the customer typed and the texts
    that came back (bot and hub), then the conversation as the agent API shows it."""

    item: dict[str, Any]
    started: datetime
    turns: list[tuple[str, list[str]]] = field(default_factory=list)
    conversation: dict[str, Any] = field(default_factory=dict)
    # The database rows the outcome is checked on, read as the conversation ended (a later
    # conversation may block the same card again).
    card: dict[str, Any] | None = None
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def transcript(self) -> str:
        lines = []
        for said, replies in self.turns:
            lines.append(f"  > {said}")
            lines += [f"    < {r[:300]}".replace("\n", " / ") for r in replies] or [
                "    < (nothing)"
            ]
        conv = self.conversation
        lines.append(
            "  = state={} reason={} priority={} customer={} language={}".format(
                conv.get("state"),
                conv.get("handoff_reason"),
                conv.get("priority"),
                conv.get("customer_id"),
                conv.get("language"),
            )
        )
        return "\n".join(lines)


class Player:
    """Plays conversations on one running hub; safe to use from several threads."""

    def __init__(self, hub: HubProcess) -> None:
        self.hub = hub
        url = hub.env()["TANDEM_DATABASE_URL"]
        # SQLite: wait for the hub's writers rather than fail with "database is locked".
        args = {"timeout": 60} if url.startswith("sqlite") else {}
        self.db = create_engine(url, connect_args=args)
        self.outbox = Path(hub.env()["TANDEM_VAR_DIR"]) / "sms-outbox.jsonl"
        self.agent = Agent(hub.url, "quan")
        self._card_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._address = 0

    def _next_address(self) -> str:
        with self._locks_guard:
            self._address += 1
            n = self._address
        return f"127.0.{20 + n // 200}.{1 + n % 200}"

    def _card_lock(self, last4: str) -> threading.Lock:
        with self._locks_guard:
            return self._card_locks.setdefault(last4, threading.Lock())

    def _reactivate(self, last4: str) -> None:
        """The card a conversation is about to block starts active (an earlier conversation
        may have blocked it), so its block is this conversation's doing."""
        with self.db.begin() as conn:
            conn.execute(
                text(
                    "UPDATE cards SET status = 'active', blocked_reason = NULL, "
                    "blocked_at = NULL WHERE last4 = :l"
                ),
                {"l": last4},
            )

    def _sms_count(self) -> int:
        if not self.outbox.exists():
            return 0
        return len(self.outbox.read_text(encoding="utf-8").splitlines())

    def _code_for(self, phone: str, after: int) -> str | None:
        if not self.outbox.exists():
            return None
        for line in reversed(self.outbox.read_text(encoding="utf-8").splitlines()[after:]):
            sms = json.loads(line)
            if sms.get("to") == phone:
                match = re.search(r"\b(\d{6})\b", str(sms.get("text")))
                if match:
                    return match.group(1)
        return None

    def play(self, item: dict[str, Any]) -> Played:
        blocked = (item.get("expect") or {}).get("card_blocked")
        lock = self._card_lock(str(blocked["last4"])) if blocked else threading.Lock()
        with lock:
            try:
                if blocked:
                    self._reactivate(str(blocked["last4"]))
                played = self._play(item)
                if blocked:
                    played.card = self.card(str(blocked["last4"]))
                if played.conversation.get("id"):
                    played.callbacks = self.callbacks(int(played.conversation["id"]))
            except Exception as exc:  # noqa: BLE001 - this conversation's failure, not the set's
                played = Played(item, started=datetime.now(timezone.utc))
                played.error = f"{type(exc).__name__}: {exc}"
            return played

    def _play(self, item: dict[str, Any]) -> Played:
        played = Played(item, started=datetime.now(timezone.utc))
        widget = Widget(self.hub.url, self._next_address(), item.get("signed_in"))
        sms_mark = self._sms_count()
        conv_id = None
        try:
            for turn in item["turns"]:
                said = turn["say"] if isinstance(turn, dict) else str(turn)
                if "{otp}" in said:
                    phone = item.get("otp_phone")
                    code = _wait(lambda p=phone: self._code_for(str(p), sms_mark), STATE_WAIT_S)
                    said = said.replace("{otp}", code or "000000")
                with_people = widget.history()["state"] in HANDED_OFF
                answer = widget.say(said)
                conv_id = answer["conversation_id"]
                # Once people have the conversation, the customer's words wait for them.
                if not answer["replies"] and not with_people:
                    _wait(lambda m=answer["message"]["id"]: _answered(widget, m), REPLY_WAIT_S)
            expect = item.get("expect") or {}
            if expect.get("handoff"):
                _wait(lambda: widget.history()["state"] in HANDED_OFF, STATE_WAIT_S)
            history = _wait(lambda: _settled(widget), REPLY_WAIT_S) or widget.history()
            played.turns = _by_turn(history["messages"])
            if conv_id is not None:
                played.conversation = self.agent.conversation(conv_id)["conversation"]
        except Exception as exc:  # noqa: BLE001 - reported as the conversation's failure
            played.error = f"{type(exc).__name__}: {exc}"
        finally:
            widget.close()
        return played

    def card(self, last4: str) -> dict[str, Any] | None:
        with self.db.connect() as conn:
            row = conn.execute(
                text("SELECT id, customer_id, status, blocked_at FROM cards WHERE last4 = :l"),
                {"l": last4},
            ).first()
        return dict(row._mapping) if row else None

    def callbacks(self, conv_id: int) -> list[dict[str, Any]]:
        with self.db.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT phone, window_start, window_end, status FROM callbacks "
                    "WHERE conversation_id = :c"
                ),
                {"c": conv_id},
            ).all()
        return [dict(r._mapping) for r in rows]

    def play_all(self, items: list[dict[str, Any]], parallel: int = 4) -> dict[str, Played]:
        """Every conversation, a few at a time (Rasa answers one turn in well under a
        second, so a small batch keeps the whole set within minutes)."""
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            return {p.item["id"]: p for p in pool.map(self.play, items)}


def _wait(predicate: Any, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    return value


def _settled(widget: Widget) -> dict[str, Any] | None:
    """The history once the last customer message has its replies (the HTTP answer waits
    for them, but a hand-off's note from the hub may come a moment later)."""
    first = widget.history()
    time.sleep(1.0)
    second = widget.history()
    return second if len(second["messages"]) == len(first["messages"]) else None


def _answered(widget: Widget, message_id: int) -> bool:
    return any(m.get("reply_to") == message_id for m in widget.history()["messages"])


def _by_turn(messages: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Customer turns with the texts that answered each: a reply names the message it
    answers; a message that names none (a hub note) goes with the turn before it."""
    turns: list[tuple[str, list[str]]] = []
    index: dict[int, int] = {}
    for message in sorted(messages, key=lambda m: (m["conversation_id"], m["seq"])):
        if message["sender"] == "customer":
            index[message["id"]] = len(turns)
            turns.append((str(message["text"]), []))
        elif turns:
            at = index.get(message.get("reply_to") or -1, len(turns) - 1)
            turns[at][1].append(str(message["text"] or ""))
    return turns


# ---------------------------------------------------------------------------- checking


def _has(replies: list[str], openings: tuple[str, ...]) -> bool:
    return any(o and o in r for r in replies for o in openings)


_BRANDS = re.compile(r"ngân hàng sen vàng|sen vàng", re.IGNORECASE)


def _vietnamese_letters(words: str) -> bool:
    """True when the text has a letter only Vietnamese writes (đ, or a diacritic)."""
    for ch in _BRANDS.sub("", words):
        if ch in "đĐ" or (ch.isalpha() and unicodedata.decomposition(ch)):
            return True
    return False


def check(played: Played, texts: BotTexts, answers: dict[str, dict[str, str]]) -> list[str]:
    """What went wrong in one played conversation (empty: it reached its outcome).

    Keys of `expect`:
      handoff: true   (with people: waiting or assigned) / false (still with the bot)
      reason: a hand-off reason, or a list of acceptable ones
      priority: urgent | high | normal (high means at least high)
      card_blocked: {last4}: that card blocked during this conversation, and its reference
        (BLK-<card id>) given in a reply
      linked: the customer id the conversation is linked to
      callback: {phone, day_offset, hours: [first, last]}: a call-back row for this
        conversation, to that phone, its window starting that many days from today (local
        time) at an hour in that range
      faq: entry ids whose answer (in the conversation's language) a reply gives
      contains / contains_any: texts every one / at least one of which a reply contains
      form: {name, slots}: the hand-off packet names the unfinished form and its answers
    Per turn (`then` of a turn): asks (a form prompt: card_last4, dob, phone, ..., or
    card_block, the offer to block a card),
    faq (an entry's answer in this turn's replies), not_faq (an entry whose answer would be
    wrong there: none of the replies gives it), not_asks (no form prompt),
    contains / contains_any (texts in this turn's replies).
    """
    item = played.item
    expect = item.get("expect") or {}
    lang = "en" if item["style"] == "en" else "vi"
    problems: list[str] = []
    if played.error:
        return [f"could not be played: {played.error}"]
    said_turns = [t["say"] if isinstance(t, dict) else str(t) for t in item["turns"]]
    if len(played.turns) != len(said_turns):
        problems.append(f"{len(played.turns)} customer turns stored, {len(said_turns)} typed")
    replies = [r for _, rs in played.turns for r in rs]
    conv = played.conversation

    def answer(entry: str) -> str:
        return answers[entry][lang][:60]

    # Every conversation: its language, no fallback twice in a row, no "what can I help
    # you with?" while a form is asking.
    for r in replies:
        if len(r.split()) < 3 or r.strip() in texts.bilingual:
            continue
        if lang == "en" and _vietnamese_letters(r):
            problems.append(f"a reply is not in English: {r[:80]!r}")
            break
        if lang == "vi" and not _vietnamese_letters(r):
            problems.append(f"a reply is not in Vietnamese: {r[:80]!r}")
            break
    if conv.get("language") != lang:
        problems.append(f"conversation language {conv.get('language')!r}, expected {lang!r}")
    streak = 0
    for n, (said, rs) in enumerate(played.turns):
        streak = streak + 1 if _has(rs, texts.fallback) else 0
        if streak == 2:
            problems.append(f"the generic fallback twice in a row (turn {n + 1}: {said!r})")
        if n and _has(played.turns[n - 1][1][-1:], texts.asking):
            if any(r.strip() in texts.how_help for r in rs):
                problems.append(
                    f"'what can I help you with?' while a form asked (turn {n + 1}: {said!r})"
                )

    # Per-turn expectations.
    for n, turn in enumerate(item["turns"]):
        then = turn.get("then") if isinstance(turn, dict) else None
        if not then or n >= len(played.turns):
            continue
        said, rs = played.turns[n]
        if "asks" in then and not _has(rs, texts.prompts[then["asks"]]):
            problems.append(f"turn {n + 1} ({said!r}) did not ask for {then['asks']}")
        if then.get("not_asks") and any(_has(rs, p) for p in texts.prompts.values()):
            problems.append(f"turn {n + 1} ({said!r}) asked for form details again")
        if "faq" in then and not any(answer(then["faq"]) in r for r in rs):
            problems.append(f"turn {n + 1} ({said!r}) did not answer from {then['faq']}")
        if "not_faq" in then and any(answer(then["not_faq"]) in r for r in rs):
            problems.append(f"turn {n + 1} ({said!r}) was answered from {then['not_faq']}")
        for words in then.get("contains") or []:
            if not any(words.lower() in r.lower() for r in rs):
                problems.append(f"turn {n + 1} ({said!r}) has no reply with {words!r}")
        if then.get("contains_any") and not any(
            w.lower() in r.lower() for w in then["contains_any"] for r in rs
        ):
            problems.append(
                f"turn {n + 1} ({said!r}) has no reply with any of {then['contains_any']}"
            )

    # The outcome.
    if "handoff" in expect:
        state = conv.get("state")
        if expect["handoff"] and state not in HANDED_OFF:
            problems.append(f"not handed off (state {state!r})")
        if not expect["handoff"] and state != "bot":
            problems.append(f"handed off (state {state!r}, reason {conv.get('handoff_reason')!r})")
    if "reason" in expect:
        wanted = expect["reason"] if isinstance(expect["reason"], list) else [expect["reason"]]
        if conv.get("handoff_reason") not in wanted:
            problems.append(f"hand-off reason {conv.get('handoff_reason')!r}, expected {wanted}")
    if "priority" in expect:
        level, got = PRIORITIES[expect["priority"]], int(conv.get("priority") or 0)
        if got < level or (expect["priority"] == "normal" and got != 0):
            problems.append(f"priority {got}, expected {expect['priority']}")
    if "linked" in expect and conv.get("customer_id") != expect["linked"]:
        problems.append(f"linked to {conv.get('customer_id')!r}, expected {expect['linked']!r}")
    if "card_blocked" in expect:
        card = played.card
        blocked_at = card and card["blocked_at"]
        if isinstance(blocked_at, str):
            blocked_at = datetime.fromisoformat(blocked_at)
        if blocked_at is not None and blocked_at.tzinfo is None:
            blocked_at = blocked_at.replace(tzinfo=timezone.utc)
        if not card or card["status"] != "blocked" or not blocked_at or blocked_at < played.started:
            problems.append(f"card {expect['card_blocked']['last4']} not blocked")
        elif not any(f"BLK-{card['id']:05d}" in r for r in replies):
            problems.append(f"no reply gives the block's reference BLK-{card['id']:05d}")
    if "callback" in expect:
        want = expect["callback"]
        rows = played.callbacks
        if not rows:
            problems.append("no call-back booked")
        for row in rows[:1]:
            start = row["window_start"]
            start = datetime.fromisoformat(start) if isinstance(start, str) else start
            start = (start if start.tzinfo else start.replace(tzinfo=timezone.utc)).astimezone(
                LOCAL_TZ
            )
            day = (played.started.astimezone(LOCAL_TZ) + timedelta(days=want["day_offset"])).date()
            first, last = want["hours"]
            if row["phone"] != want["phone"]:
                problems.append(f"call-back to {row['phone']}, expected {want['phone']}")
            if start.date() != day or not first <= start.hour <= last:
                problems.append(
                    f"call-back window starts {start:%Y-%m-%d %H:%M}, "
                    f"expected {day} {first}-{last}h"
                )
            window = f"{start:%H:%M}"
            if not any(window in r for r in replies):
                problems.append(f"no reply tells the window ({window})")
    for entry in expect.get("faq") or []:
        if not any(answer(entry) in r for r in replies):
            problems.append(f"no reply gives the answer of {entry}")
    for words in expect.get("contains") or []:
        if not any(words.lower() in r.lower() for r in replies):
            problems.append(f"no reply contains {words!r}")
    if expect.get("contains_any") and not any(
        w.lower() in r.lower() for w in expect["contains_any"] for r in replies
    ):
        problems.append(f"no reply contains any of {expect['contains_any']}")
    if "form" in expect:
        context = conv.get("context") or {}
        if context.get("form") != expect["form"]["name"]:
            problems.append(
                f"hand-off names form {context.get('form')!r}, expected {expect['form']['name']!r}"
            )
        missing = [
            s
            for s in expect["form"].get("slots") or []
            if s not in (context.get("form_slots") or {})
        ]
        if missing:
            problems.append(f"hand-off packet lacks the form's {missing}")
    return problems


def summary(results: dict[str, list[str]], items: list[dict[str, Any]]) -> dict[str, Any]:
    """Pass rates overall, per style and per skill."""

    def rate(ids: list[str]) -> dict[str, Any]:
        passed = sum(1 for i in ids if not results[i])
        return {
            "n": len(ids),
            "passed": passed,
            "rate": round(passed / len(ids), 3) if ids else None,
        }

    by_style: dict[str, list[str]] = {}
    by_skill: dict[str, list[str]] = {}
    for item in items:
        by_style.setdefault(item["style"], []).append(item["id"])
        by_skill.setdefault(item["skill"], []).append(item["id"])
    return {
        "overall": rate([i["id"] for i in items]),
        "style": {k: rate(v) for k, v in by_style.items()},
        "skill": {k: rate(v) for k, v in sorted(by_skill.items())},
        "failed": sorted(i for i, p in results.items() if p),
    }
