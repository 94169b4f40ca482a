"""A customer waiting for a person who takes the request back ("thôi khỏi, để em hỏi bot",
"never mind, I'll ask the bot") goes back to the bot at once and is told so, rather than
waiting in silence for an agent they no longer want. An urgent case (a fraud report, a lost
card) stays with people, and the customer is told why."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from bot.handoff.routing import URGENT
from bot.i18n.texts import text as t
from bot.store import states
from bot.store.models import Conversation, Message
from knowledge.text import fold_diacritics

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.core import Core

# On folded text: a message that opens by calling the request off ("thôi khỏi", "không
# cần nữa", "never mind"), as the whole message or before a comma or a particle, not "không
# cần gửi lại" or "cancel my card"; or that says the customer will ask the bot instead.
_CALLED_OFF = re.compile(
    # An opener may come first: "actually no, never mind", "à thôi khỏi".
    r"^(?:(?:actually|oh|ah|um|hmm|no|nah|well|ok|a|o)[\s,.!]+){0,2}"
    r"(?:thoi |vay )?(?:khoi|khong can(?: gap)?(?: nguoi that| nguoi| nhan vien)?(?: nua)?"
    r"(?: dau)?|never ?mind|forget it|no need|cancel(?: that| it| the request)?)"
    r"(?=\s*$|\s*[.,!?;]|\s+(?:nha|nhe|a|ad|ok|oi|roi|de|i'?ll|i will)\b)"
)
_ASKS_THE_BOT = re.compile(
    r"\b(?:hoi bot|hoi tro ly ao|quay lai (?:voi )?bot|back to the bot|ask the bot"
    r"|talk to the bot)\b"
)
# "never mind, I'll wait", "thôi khỏi, em chờ": staying after all. Vietnamese only when
# written with accents ("cho" without them is mostly "for").
_STAYS = re.compile(r"\b(?:wait|waiting)\b")
_STAYS_MARKED = re.compile(r"(?:chờ|đợi)")


def withdraws(body: str) -> bool:
    """True when a message from a customer in the queue takes the request back."""
    text = " ".join(unicodedata.normalize("NFC", body).lower().split())
    folded = fold_diacritics(text)
    if _STAYS.search(folded) or _STAYS_MARKED.search(text):
        return False
    return bool(_CALLED_OFF.search(folded) or _ASKS_THE_BOT.search(folded))


async def withdraw(
    core: Core, session: AsyncSession, conv: Conversation, msg: Message
) -> list[dict[str, Any]]:
    """Back to the bot (out of the queue, in the caller's transaction), or, for an urgent
    case, kept in the queue; the reply says which."""
    if conv.priority >= URGENT:
        kept = t("withdraw_kept", conv.language)
        return [await core.send(session, conv, "system", kept, reply_to=msg.id)]
    await core.transition(
        session, conv, states.BOT, actor="customer", note="took back the request for a person"
    )
    conv.handoff_reason = None
    conv.waiting_since = None
    conv.priority = 0
    conv.context = {**(conv.context or {}), "asked_for_person": False}
    # The bot paused itself when it handed over: its next turn is a fresh tracker.
    conv.rasa_episode += 1
    core.publish_after_commit(session, conv)
    back = t("withdrawn", conv.language)
    return [await core.send(session, conv, "system", back, reply_to=msg.id)]
