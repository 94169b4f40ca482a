"""The knowledge-gap inbox: questions the knowledge base failed, clustered by meaning.

Five sources feed it:

- ``low_confidence``: the bot asked the knowledge base (the internal answer endpoint) and
  the best hit was not confident; recorded as it happens.
- ``nlu_fallback``: the bot did not understand the turn at all; the fallback action reports
  it (POST /internal/knowledge/gaps).
- ``fallback_handoff``: a conversation handed to a person because the bot did not
  understand (``conversations.handoff_reason == "fallback"``); its failed turns are read
  from the hand-off packet stored with the conversation.
- ``dismissed`` and ``edited``: an agent dismissed a suggestion, or sent it rewritten so
  that less than ``knowledge_heavy_edit_ratio`` of the suggested answer was kept.

The hand-offs and suggestions are harvested from the database on each tick (and before
the inbox is shown). New questions are embedded in a worker thread and join a cluster online
(knowledge/clustering.py). A cluster closes when a published entry answers its questions
confidently, or when the draft made from it is published.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
from sqlalchemy import exists, insert, select, update

from bot.kb.errors import NotFound, WrongState
from bot.kb.gap_listing import list_clusters
from bot.kb.history import audit
from bot.pipeline.sender import sender_conversation
from bot.store.db import Database
from bot.store.knowledge_models import GapCluster, GapItem, KnowledgeAnswer
from bot.store.models import Conversation, Message, SuggestionEvent, User
from bot.store.tables import table_of
from bot.store.times import utc_now
from knowledge.clustering import assign, embed_centred, language_means, merges
from knowledge.text import detect_language, fold_diacritics

log = logging.getLogger(__name__)

_answers, _gap_items = table_of(KnowledgeAnswer), table_of(GapItem)
HARVEST_BATCH = 500


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", fold_diacritics(text).lower())
    return "-".join(words[:6])[:60].strip("-") or "new-entry"


class GapInbox:
    def __init__(self, db: Database, settings: Any, knowledge: Any) -> None:
        self.db = db
        self.settings = settings
        self.knowledge = knowledge  # the hub's KnowledgeHandle
        self._means: dict[str, np.ndarray] | None = None
        self._lock = asyncio.Lock()

    # ---- recording -------------------------------------------------------------------
    async def record_answer(
        self, query: str, lang: str | None, hits: list[dict[str, Any]], sender_id: str | None
    ) -> None:
        """What the bot answered: the entry it used, or a gap when nothing was confident."""
        conv_id = sender_conversation(sender_id)
        top = hits[0] if hits else None
        # One Core insert, no ORM unit of work: this runs after every FAQ answer.
        if top is not None and top.get("confident"):
            row = insert(_answers).values(
                entry_id=top["id"],
                conversation_id=conv_id,
                score=float(top.get("score") or 0.0),
                lang=top.get("lang"),
            )
        else:
            row = insert(_gap_items).values(
                source="low_confidence",
                text=query[:1000],
                lang=lang,
                conversation_id=conv_id,
                score=float(top["score"]) if top else None,
                top_entry_id=top["id"] if top else None,
            )
        async with self.db.session() as session:
            await session.execute(row)
            await session.commit()

    async def record_gap(
        self, text: str, lang: str | None, sender_id: str | None, source: str
    ) -> None:
        """A turn the bot did not understand at all (Rasa's NLU fallback)."""
        async with self.db.session() as session:
            session.add(
                GapItem(
                    source=source,
                    text=text[:1000],
                    lang=lang,
                    conversation_id=sender_conversation(sender_id),
                )
            )
            await session.commit()

    # ---- harvesting ----------------------------------------------------------------
    async def harvest(self) -> int:
        """Copy new fallback hand-offs and dismissed or rewritten suggestions into the inbox."""
        added = 0
        async with self.db.session() as session:
            convs = (
                await session.scalars(
                    select(Conversation)
                    .where(
                        Conversation.handoff_reason == "fallback",
                        ~exists().where(
                            GapItem.source == "fallback_handoff",
                            GapItem.source_id == Conversation.id,
                        ),
                    )
                    .limit(HARVEST_BATCH)
                )
            ).all()
            for conv in convs:
                turns = [str(t) for t in (conv.context or {}).get("failed_turns") or [] if t]
                known = set(
                    (
                        await session.scalars(
                            select(GapItem.text).where(GapItem.conversation_id == conv.id)
                        )
                    ).all()
                )
                fresh: list[str | None] = [t for t in dict.fromkeys(turns) if t not in known]
                fresh = fresh or [None]
                for text in fresh:
                    # A marker row without text keeps the conversation from being re-read.
                    session.add(
                        GapItem(
                            source="fallback_handoff",
                            source_id=conv.id,
                            text=(text or "")[:1000],
                            lang=conv.language,
                            conversation_id=conv.id,
                            cluster_id=None,
                        )
                    )
                    added += text is not None
            events = (
                await session.execute(
                    select(SuggestionEvent, Message.text)
                    .join(Message, Message.id == SuggestionEvent.message_id)
                    .where(
                        SuggestionEvent.event.in_(("dismissed", "sent_edited")),
                        ~exists().where(
                            GapItem.source.in_(("dismissed", "edited")),
                            GapItem.source_id == SuggestionEvent.id,
                        ),
                    )
                    .limit(HARVEST_BATCH)
                )
            ).all()
            for event, text in events:
                source = "dismissed"
                if event.event == "sent_edited":
                    source = "edited"
                    if not await self._heavily_edited(session, event):
                        source = "edited_light"  # kept only so it is not read again
                session.add(
                    GapItem(
                        source=source,
                        source_id=event.id,
                        text=text[:1000] if source != "edited_light" else "",
                        conversation_id=event.conversation_id,
                        score=event.score,
                        top_entry_id=event.entry_id,
                    )
                )
                added += source != "edited_light"
            await session.commit()
        return added

    async def _heavily_edited(self, session: Any, event: SuggestionEvent) -> bool:
        """Compare the agent's sent message with the suggested answer."""
        sent = await session.scalar(
            select(Message.text)
            .where(
                Message.conversation_id == event.conversation_id,
                Message.sender == "agent",
                # Feedback is posted right after the send: the message just before it.
                Message.created_at <= event.created_at + timedelta(seconds=5),
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
        service = self.knowledge.service
        entry = service.get(event.entry_id) if service is not None else None
        if not sent or entry is None:
            return True  # nothing to compare with: the agent did change it
        answers = [a for a in (entry.get("answer") or {}).values() if a]
        ratio = max((difflib.SequenceMatcher(None, a, sent).ratio() for a in answers), default=0)
        return ratio < float(self.settings.knowledge_heavy_edit_ratio)

    # ---- clustering ------------------------------------------------------------------
    def _embed(self, service: Any, texts: list[str]) -> np.ndarray:
        """Runs in a worker thread: embedding is CPU-heavy."""
        retriever = service.retriever
        if self._means is None:  # the corpus questions' mean per language, computed once
            questions: dict[str, list[str]] = {"vi": [], "en": []}
            for entry in service.entries():
                for lang, items in entry["questions"].items():
                    questions[lang].extend(items)
            self._means = language_means(retriever.embedder, retriever.question_prefix, questions)
        return embed_centred(retriever.embedder, retriever.question_prefix, texts, self._means)

    async def cluster(self) -> int:
        """Put every new question in a cluster; returns how many were placed."""
        service = await self.knowledge.get()
        if service is None:
            return 0
        async with self._lock:
            async with self.db.session() as session:
                items = (
                    await session.scalars(
                        select(GapItem)
                        .where(GapItem.cluster_id.is_(None), GapItem.text != "")
                        .order_by(GapItem.id)
                        .limit(HARVEST_BATCH)
                    )
                ).all()
                clusters = (
                    await session.scalars(select(GapCluster).where(GapCluster.status == "open"))
                ).all()
                if not items:
                    return 0
                texts = [i.text for i in items]
                centroids = [c.centroid for c in clusters]
                sizes = [max(1, c.size) for c in clusters]
            # No session is open while the questions are embedded.
            vectors = await asyncio.to_thread(self._embed, service, texts)
            threshold = float(self.settings.knowledge_gap_similarity)
            labels, means, counts = assign(vectors, centroids, sizes, threshold)
            merged = merges(means, counts, threshold)
            async with self.db.session() as session:
                rows = [await session.get(GapCluster, c.id) for c in clusters]
                for i in range(len(clusters), len(means)):
                    first = texts[labels.index(i)]
                    row = GapCluster(label=first, centroid=[], size=0)
                    session.add(row)
                    rows.append(row)
                await session.flush()
                for item, label in zip(items, labels, strict=True):
                    target = rows[label]
                    assert target is not None
                    stored = await session.get(GapItem, item.id)
                    assert stored is not None
                    stored.cluster_id = target.id
                    target.last_seen_at = max(_aware(target.last_seen_at), _aware(item.created_at))
                for cluster, mean, count in zip(rows, means, counts, strict=True):
                    assert cluster is not None
                    cluster.centroid, cluster.size = [round(x, 5) for x in mean], count
                for keep, drop in merged:
                    await self._merge(session, rows[keep], rows[drop])
                await session.commit()
            return len(items)

    @staticmethod
    async def _merge(session: Any, keep: GapCluster | None, drop: GapCluster | None) -> None:
        """Move one cluster's questions into another (two languages of one question)."""
        assert keep is not None and drop is not None
        total = keep.size + drop.size
        keep.centroid = [
            round((a * keep.size + b * drop.size) / total, 5)
            for a, b in zip(keep.centroid, drop.centroid, strict=True)
        ]
        keep.size = total
        keep.last_seen_at = max(_aware(keep.last_seen_at), _aware(drop.last_seen_at))
        keep.draft_id = keep.draft_id or drop.draft_id
        drop.status, drop.size = "merged", 0
        await session.execute(
            update(GapItem).where(GapItem.cluster_id == drop.id).values(cluster_id=keep.id)
        )

    async def close_answered(self) -> list[int]:
        """Close open clusters whose questions a published entry now answers confidently."""
        service = await self.knowledge.get()
        if service is None:
            return []
        async with self.db.session() as session:
            clusters = (
                await session.scalars(select(GapCluster).where(GapCluster.status == "open"))
            ).all()
            samples = {
                c.id: (
                    await session.scalars(
                        select(GapItem.text)
                        .where(GapItem.cluster_id == c.id)
                        .order_by(GapItem.id.desc())
                        .limit(3)
                    )
                ).all()
                for c in clusters
            }
        closed: dict[int, str] = {}
        for cluster_id, texts in samples.items():
            answered = []
            for text in texts:
                hits = await asyncio.to_thread(service.search, text, None, 1)
                if hits and hits[0].confident:
                    answered.append(hits[0].id)
            # Most of its recent questions now get a confident answer from one entry.
            if answered and len(answered) * 2 > len(texts):
                closed[cluster_id] = max(set(answered), key=answered.count)
        if closed:
            async with self.db.session() as session:
                for cluster_id, entry_id in closed.items():
                    row = await session.get(GapCluster, cluster_id)
                    if row is not None and row.status == "open":
                        row.status, row.entry_id, row.closed_at = "closed", entry_id, utc_now()
                        await audit(session, "gap_closed", None, entry_id, cluster=cluster_id)
                await session.commit()
        return list(closed)

    async def refresh(self) -> None:
        await self.harvest()
        await self.cluster()

    # ---- reading and acting ----------------------------------------------------------
    async def clusters(self, status: str = "open", limit: int = 100) -> list[dict[str, Any]]:
        """The inbox as knowledge managers read it (``bot.kb.gap_listing``)."""
        return await list_clusters(self.db, status, limit)

    async def to_draft(self, user: User, cluster_id: int, workflow: Any) -> dict[str, Any]:
        """A draft entry whose questions are the cluster's phrasings, by language."""
        listed = {c["id"]: c for c in await self.clusters("open", limit=2000)}
        cluster = listed.get(cluster_id)
        if cluster is None:
            raise NotFound(f"no open gap cluster {cluster_id}")
        if cluster["draft_id"]:
            raise WrongState("this cluster already has a draft", draft_id=cluster["draft_id"])
        questions: dict[str, list[str]] = {}
        # A customer's turn may be longer than a question may be (1,000 against 500).
        longest = int(self.settings.knowledge_max_question_chars)
        for text in cluster["phrasings"]:
            questions.setdefault(detect_language(text), []).append(text[:longest])
        base = _slug(cluster["label"])
        service = await workflow.service()
        entry_id, n = base, 2
        while service.get(entry_id) is not None:
            entry_id, n = f"{base}-{n}", n + 1
        draft = await workflow.create(
            user,
            entry_id,
            "upsert",
            {"product": "general", "tags": [], "questions": questions, "answer": {}},
            cluster_id=cluster_id,
        )
        async with self.db.session() as session:
            row = await session.get(GapCluster, cluster_id)
            assert row is not None
            row.draft_id = draft["id"]
            await audit(session, "gap_drafted", user.username, entry_id, draft["id"])
            await session.commit()
        return draft

    async def on_published(self, draft: dict[str, Any]) -> None:
        """A published draft made from a cluster closes it; others may answer clusters too."""
        if draft.get("cluster_id"):
            async with self.db.session() as session:
                row = await session.get(GapCluster, draft["cluster_id"])
                if row is not None and row.status == "open":
                    row.status, row.entry_id, row.closed_at = "closed", draft["entry_id"], utc_now()
                    await session.commit()
        await self.close_answered()
