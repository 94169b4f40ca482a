"""The survey protocol, in one place: the questions (CSAT on resolution, NPS after a CSAT
answer on a sample, at most once per customer per period, then a comment invitation), how a
customer's answer is read, and the background duties (asking, inviting, and looking at idle
conversations for abandonment and containment).

The question is stored as an outbound system message with buttons (``/csat 1`` ..
``/csat 5``, ``/nps 0`` .. ``/nps 10``), so the widget shows buttons and Telegram an inline
keyboard; the answer comes back through intake like any message.

A survey is a mode, not a message: while a question is open (``open_question``), whatever
the customer types on that thread belongs to the resolved conversation. A typed score ("9",
"9 điểm", "rất hài lòng") is the answer, any other text is the survey's comment; neither is
routed to the bot nor opens a conversation. The survey's state lives where the reports read
it: the conversation's ``csat``/``nps`` and the reporting row's ``nps_state``. A question
holds the thread for ``reporting_survey_hold_s`` after it was put; after that, or once the
comment is taken, the next message opens a new conversation.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cluster import jobs
from bot.config.settings import Settings
from bot.i18n.texts import text as t
from bot.reporting import listeners, timeline
from bot.reporting.models import ReportingConversation as RC
from bot.reporting.recorder import Aggregates, facts_from_row, flush_aggregates, save_facts
from bot.reporting.survey_answers import (
    NPS_BUTTONS,
    SCALES,
    button_answer,
    open_question,
    read_score,
)
from bot.store import states
from bot.store.db import Database
from bot.store.models import Conversation, Message
from bot.store.times import utc_now

log = logging.getLogger(__name__)
SWEEP_EVERY_S = 30.0

TEXTS = {
    "nps_question": {
        "vi": "Bạn có sẵn lòng giới thiệu Ngân hàng Sen Vàng cho bạn bè hoặc người thân "
        "không? Chọn từ 0 (không hề) đến 10 (chắc chắn).",
        "en": "How likely are you to recommend Sen Vang Bank to a friend or family member? "
        "Pick 0 (not at all) to 10 (certainly).",
    },
    "nps_comment": {
        "vi": "Cảm ơn bạn! Nếu muốn, bạn có thể gõ thêm một góp ý ngắn cho chúng tôi.",
        "en": "Thank you! If you like, type a short comment for us.",
    },
    "comment_thanks": {
        "vi": "Cảm ơn góp ý của bạn! Nếu cần hỗ trợ thêm, bạn cứ nhắn tiếp cho chúng tôi.",
        "en": "Thank you for your comment! If you need more help, just write to us again.",
    },
}


class SurveyHub(Protocol):
    """What the survey needs of the hub: its settings, its database and its one outbound
    path (``bot.core.Core.send``). Reporting observes the hub; it does not import its core."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    async def send(
        self,
        session: AsyncSession,
        conv: Conversation,
        sender: str,
        body: str,
        *,
        reply_to: int | None = None,
        buttons: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]: ...


async def take_answer(
    hub: SurveyHub, session: AsyncSession, conv: Conversation, msg: Message, body: str
) -> list[dict[str, Any]]:
    """A customer message on a resolved conversation: a survey button, a typed score for the
    open question, or the survey's comment; anything else is stored only (the reports'
    listener keeps the first answer and drops answers after reporting_survey_window_s)."""
    pressed = button_answer(body)
    kind: str | None = None
    score: int | None = None
    if pressed is not None:
        kind, score = pressed
        low, high = SCALES[kind]
        if not low <= score <= high:
            score = None
    else:
        question = await open_question(session, conv, hub.settings.reporting_survey_hold_s)
        if question in ("csat", "nps"):
            kind = question
            score = read_score(question, body)
        if score is None:
            # Intake put this text here because a question was open when it arrived; if
            # the hold ran out before it was routed, it is still answered (the thanks says
            # to write again for more help), never left without a reply.
            if question is not None:
                await _store_comment(session, conv.id, body)
            note = TEXTS["comment_thanks"].get(conv.language, TEXTS["comment_thanks"]["vi"])
            return [await hub.send(session, conv, "system", note, reply_to=msg.id)]
    if kind == "csat" and score is not None:
        conv.csat = score
    elif kind == "nps" and score is not None:
        conv.nps = score
    return [
        await hub.send(
            session, conv, "system", t("thanks_feedback", conv.language), reply_to=msg.id
        )
    ]


async def _store_comment(session: AsyncSession, conv_id: int, body: str) -> None:
    """The survey's comment, on the reporting row with its count; the survey is then done."""
    now = utc_now()
    row = (await session.execute(select(RC.__table__).where(RC.conversation_id == conv_id))).first()
    if row is None:
        return

    def write(sync_session: Any) -> None:
        facts = facts_from_row(row)
        agg = Aggregates()
        for ev in timeline.comment(facts, now, body.strip()[:2000]):
            agg.add(ev, facts, conv_id)
        conn = sync_session.connection()
        save_facts(conn, [facts], set())
        flush_aggregates(conn, agg)

    await session.run_sync(write)


def sampled(conversation_id: int, rate: float) -> bool:
    """A fixed pseudo-random share of conversations (Knuth's multiplicative hash), so a
    restart never asks twice and tests can rely on rate 0 or 1."""
    return ((conversation_id * 2654435761) % 2**32) / 2**32 < rate


async def send_survey_message(
    hub: SurveyHub,
    conv_id: int,
    key: str,
    buttons: list[dict[str, str]] | None,
    expect: str | None,
    mark: dict[str, Any],
) -> bool:
    """Store and deliver one survey message, and move the conversation's survey state from
    ``expect`` to ``mark`` in the same commit; nothing is sent if the state moved meanwhile
    (the customer answered first). The hub's one outbound path (SurveyHub.send) is used."""
    async with hub.db.session() as session:
        conv = await session.get(Conversation, conv_id)
        if conv is None:
            return False
        # The conditional update is the guard: whoever moves the survey state first wins,
        # and sequence numbers come from the database, so no lock is needed.
        moved = await session.execute(
            update(RC)
            .where(RC.conversation_id == conv_id, RC.nps_state.is_not_distinct_from(expect))
            .values(mark)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            await session.rollback()
            return False
        body = TEXTS[key].get(conv.language, TEXTS[key]["vi"])
        # Stored with its outbox row; delivered by the outbox sender after this commit.
        await hub.send(session, conv, "system", body, buttons=buttons)
        await session.commit()
    return True


async def _recently_asked(session: AsyncSession, row: RC, days: float, now: datetime) -> bool:
    if days <= 0:
        return False
    same = and_(RC.channel == row.channel, RC.channel_key == row.channel_key)
    who = or_(same, RC.customer_id == row.customer_id) if row.customer_id else same
    count = await session.scalar(
        select(func.count())
        .select_from(RC)
        .where(who, RC.nps_asked_at >= now - timedelta(days=days))
    )
    return bool(count)


async def ask_nps(hub: SurveyHub) -> int:
    """Conversations with a CSAT answer and no NPS decision yet: ask, or skip."""
    settings = hub.settings
    now = utc_now()
    asked = 0
    async with hub.db.session() as session:
        rows = (
            await session.scalars(
                select(RC).where(RC.csat_at.is_not(None), RC.nps_state.is_(None)).limit(50)
            )
        ).all()
        decisions = []
        for row in rows:
            ask = sampled(row.conversation_id, settings.reporting_nps_sample_rate) and not (
                await _recently_asked(session, row, settings.reporting_nps_min_days_between, now)
            )
            decisions.append((row.conversation_id, ask))
        skipped = [cid for cid, ask in decisions if not ask]
        if skipped:
            await session.execute(
                update(RC).where(RC.conversation_id.in_(skipped)).values(nps_state="skipped")
            )
            await session.commit()
    for conv_id, ask in decisions:
        if ask and await send_survey_message(
            hub,
            conv_id,
            "nps_question",
            NPS_BUTTONS,
            None,
            {"nps_state": "asked", "nps_asked_at": now},
        ):
            asked += 1
    return asked


async def invite_comments(hub: SurveyHub) -> int:
    async with hub.db.session() as session:
        due = (
            await session.scalars(
                select(RC.conversation_id).where(RC.nps_state == "answered").limit(50)
            )
        ).all()
    for conv_id in due:
        await send_survey_message(
            hub, conv_id, "nps_comment", None, "answered", {"nps_state": "prompted"}
        )
    return len(due)


async def sweep_idle(hub: SurveyHub, now: datetime | None = None) -> int:
    """Abandonment and containment that no stored row announces: silence."""
    now = now or utc_now()
    async with hub.db.session() as session:
        rows = (
            await session.execute(
                select(RC.__table__).where(
                    RC.ended_at.is_(None),
                    or_(
                        and_(RC.state == states.WAITING, RC.abandoned.is_(False)),
                        and_(
                            RC.state == states.BOT,
                            RC.contained.is_(False),
                            RC.handed_off_at.is_(None),
                            RC.last_customer_at.is_not(None),
                        ),
                    ),
                )
            )
        ).all()
        agg, changed = Aggregates(), []
        for row in rows:
            facts = facts_from_row(row)
            events = timeline.idle(facts, now, listeners.policy)
            for ev in events:
                agg.add(ev, facts, facts.conversation_id)
            if events:
                changed.append(facts)
        if changed:

            def write(sync_session: Any) -> None:
                conn = sync_session.connection()
                save_facts(conn, changed, set())
                flush_aggregates(conn, agg)

            await session.run_sync(write)
            await session.commit()
    return len(changed)


async def _due(hub: SurveyHub) -> tuple[bool, bool]:
    """Whether ``ask_nps`` and ``invite_comments`` have a row to act on: one read without
    the write lock, where each of them opened a write transaction every second to find
    (nearly always) nothing. A row that appears just after it is acted on a second later."""
    async with hub.db.reader() as session:
        row = (
            await session.execute(
                select(
                    exists().where(RC.csat_at.is_not(None), RC.nps_state.is_(None)),
                    exists().where(RC.nps_state == "answered"),
                )
            )
        ).one()
    return bool(row[0]), bool(row[1])


async def run_forever(hub: SurveyHub, interval_s: float = 1.0) -> None:
    """Survey duties on the one replica holding their lease (``bot.cluster.jobs``)."""
    last_sweep = 0.0
    loop = asyncio.get_running_loop()

    async def duties() -> None:
        nonlocal last_sweep
        nps_due, comments_due = await _due(hub)
        if nps_due:
            await ask_nps(hub)
        if comments_due:
            await invite_comments(hub)
        if loop.time() - last_sweep >= SWEEP_EVERY_S:
            last_sweep = loop.time()
            await sweep_idle(hub)

    settings = hub.settings
    await jobs.run_leased(
        hub.db, "surveys", settings.replica_name, settings.job_lease_s, interval_s, duties
    )
