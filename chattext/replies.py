"""Short yes/no replies as customers type them, in every style.

"ừ khoá đi", "uk", "ok khoá luôn", "đc", "yes, block it", "sure go ahead" are a yes;
"ko cần", "thôi khỏi", "k", "no thanks", "đừng khoá" are a no. A reply is read only when
it is short and made of reply words, so "không nhận được mã OTP" or "ok nhưng phí bao
nhiêu?" are not replies but messages of their own.

The bot asks yes/no questions (block the card? talk to a person?) whose answers are the
shortest, most varied and least formal messages it gets; a statistical classifier sees
them with little context and often falls under its threshold. This reader is exact and
explainable, and the dialogue still decides what the yes or no answers.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from chattext.fold import fold

Reply = Literal["yes", "no"]
Remark = Literal["leaving", "bot_wrong"]

# Longer than this, a message says more than yes or no.
MAX_WORDS = 7

# Folded (accentless, lower-case) words and phrases. Multi-word phrases are matched first.
_YES = (
    "yes please",
    "go ahead",
    "do it",
    "of course",
    "why not",
    "dong y",
    "duoc roi",
    "duoc a",
    "dung roi",
    "dung vay",
    "co chu",
    "lam di",
    "lam luon",
    "thu lai",
    "try again",
    "retry",
    "yes",
    "yeah",
    "yep",
    "yup",
    "ya",
    "sure",
    "ok",
    "okay",
    "oke",
    "okie",
    "oki",
    "okela",
    "u",
    "uk",
    "uh",
    "uhm",
    "um",
    "umm",
    "ukm",
    "uki",
    "vang",
    "da",
    "duoc",
    "dc",
    "đc",
    "co",
    "chuan",
    "confirm",
    "confirmed",
    "correct",
    "right",
    "please",
    "alright",
    "fine",
)
_NO = (
    "no thanks",
    "no thank you",
    "not now",
    "dont",
    "don't",
    "do not",
    "khong can",
    "ko can",
    "k can",
    "hong can",
    "khoi di",
    "thoi khoi",
    "thoi khong",
    "thoi dung",
    "de sau",
    "dung lai",
    "chua can",
    "no",
    "nope",
    "nah",
    "cancel",
    "stop",
    "khong",
    "ko",
    "k",
    "kh",
    "hong",
    "hok",
    "khum",
    "thoi",
    "thui",
    "khoi",
    "chua",
)
# Words that may ride along with a yes or no without changing it: the action named
# ("khoá đi", "block it", "my card"), particles and politeness.
_FILLER = frozenset(
    "a ạ a. nhe nhé nha ne nhe! di luon roi lun nhanh len giup minh toi em anh chi ban "
    "it my card the now right away oi thẻ dau đâu "
    "ngay gium giùm dum đi đó do vay vậy day đây nhen nha ha hen luôn rồi lên cho "
    # Who the reply is addressed to in chat: "ko ad", "oke shop".
    "ad admin shop".split()
)
# Verbs naming the action the bot offered.
_ACTIONS = frozenset({"khoa", "block", "chan", "lam", "freeze", "lock"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)


def _words(text: str) -> tuple[list[str], list[str]]:
    """(words as typed, lower-case; the same words folded)."""
    raw = [w.lower() for w in _WORD.findall(unicodedata.normalize("NFC", text))]
    return raw, [fold(w) for w in raw]


def _match(folded: list[str], i: int, phrases: tuple[str, ...]) -> int:
    """Length in words of the first phrase that starts at word i, else 0."""
    for phrase in phrases:
        parts = phrase.split()
        if folded[i : i + len(parts)] == parts:
            return len(parts)
    return 0


def read_reply(text: str, accept_action: bool = False) -> Reply | None:
    """ "yes", "no", or None when the message is not a short yes/no reply.

    With ``accept_action``, naming the action offered and nothing else ("khoá luôn đi",
    "block it now") is a yes: right after "Shall I block the card?" that is what it
    means, while on its own it is a request of its own."""
    if not text or any(ch.isdigit() for ch in text) or "?" in text:
        return None
    raw, folded = _words(text)
    if not raw or len(raw) > MAX_WORDS:
        return None
    yes = no = 0
    i = 0
    action = unsure = False
    while i < len(folded):
        word = raw[i]
        if folded[i] == "dung" and not (_match(folded, i, _YES) or _match(folded, i, _NO)):
            # đúng (right) is a yes, đừng (don't) a no; typed without accents, "dung" alone
            # says neither ("dung roi", right, is matched as a phrase).
            if word.startswith("đừ") or word == "dừng":
                no += 1
            elif word.startswith("đú"):
                yes += 1
            else:
                unsure = True
            i += 1
            continue
        n = _match(folded, i, _NO)
        if n:
            no += 1
            i += n
            continue
        n = _match(folded, i, _YES)
        if n:
            yes += 1
            i += n
            continue
        if folded[i] in _ACTIONS:
            action = True
            i += 1
            continue
        if word in _FILLER or folded[i] in _FILLER:
            i += 1
            continue
        return None  # a word that is neither: the message says something else
    if action and not (yes or no or unsure) and accept_action:
        yes = 1
    # "dạ không cần", "ok thôi khỏi": a refusal wrapped in politeness is a refusal.
    if no:
        return "no"
    return "yes" if yes else None


# Which of the choices offered a short reply picks, on folded words: "câu đầu", "the
# first one", "số 2", "cái thứ hai", "the last one".
_ORDINALS = (
    ("dau tien", 0),
    ("dau", 0),
    ("thu nhat", 0),
    ("so 1", 0),
    ("first", 0),
    ("1", 0),
    ("thu hai", 1),
    ("so 2", 1),
    ("second", 1),
    ("2", 1),
    ("cuoi", -1),
    ("last", -1),
)


def chosen_index(text: str) -> int | None:
    """The choice a short reply points at (0 the first, 1 the second, -1 the last), or
    None when it names none or more than one."""
    raw, folded = _words(text)
    if not raw or len(raw) > MAX_WORDS:
        return None
    picked: set[int] = set()
    i = 0
    while i < len(folded):
        step = 1
        if raw[i] != "đâu":  # "đầu" (the first) folds like "đâu" ("không phải đâu")
            for phrase, index in _ORDINALS:
                matched = _match(folded, i, (phrase,))
                if matched:
                    picked.add(index)
                    step = matched
                    break
        i += step
    return picked.pop() if len(picked) == 1 else None


# A change of mind said first, whatever follows ("thôi khỏi, để tôi tự gọi tổng đài",
# "never mind, I'll do it in the app"): the customer is stopping what is under way.
_REFUSAL_LEADS = (
    "thoi khoi",
    "thoi khong can",
    "thoi bo qua",
    "thoi dung",
    "thoi khong",
    "thoi ko",
    "thoi k can",
    "khong can nua",
    "ko can nua",
    "k can nua",
    "never mind",
    "nevermind",
    "forget it",
    "cancel that",
    "no need",
)


def starts_with_refusal(text: str) -> bool:
    """True when the message opens with a change of mind ("thôi khỏi, …")."""
    _, folded = _words(text or "")
    head = " ".join(folded[:4])
    return any(head == lead or head.startswith(lead + " ") for lead in _REFUSAL_LEADS)


# A message about the conversation itself is no answer to the bot's question, however a
# classifier reads its "thôi" or "sai": the customer leaving ("thôi e off nha", "ok bye"),
# or saying the bot's reply is wrong ("rep sai r", "bot trả lời sai"). Folded words.
_LEAVING = frozenset({"off", "offline", "bye", "bb", "pp", "bai"})
_LEAVING_PHRASES = ("tam biet", "di day", "see you", "log off", "sign off")
_BOT_REPLY = frozenset({"rep", "reply", "replied", "bot", "chatbot"})
_BOT_REPLY_PHRASES = ("tra loi",)
_WRONG = frozenset({"sai", "wrong", "kem", "te", "ngu", "bad", "useless", "nham"})


def conversation_remark(text: str) -> Remark | None:
    """ "leaving" or "bot_wrong" when a message speaks of the conversation itself rather
    than answering: "thôi e off nha ad", "rep sai r ad". None otherwise."""
    _, folded = _words(text or "")
    joined = " ".join(folded)
    if any(w in _LEAVING for w in folded) or any(p in joined for p in _LEAVING_PHRASES):
        return "leaving"
    about_bot = any(w in _BOT_REPLY for w in folded) or any(p in joined for p in _BOT_REPLY_PHRASES)
    if about_bot and any(w in _WRONG for w in folded):
        return "bot_wrong"
    return None
