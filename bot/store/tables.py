"""The models' tables, for Core statements on the message's path (a row read or written
there needs no ORM object: bot.pipeline, bot.assist.live). Declarative types a model's
``__table__`` as any FROM clause; these are its Table."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from bot.store.models import (
    AssistState,
    Base,
    Conversation,
    Message,
    OutboxEntry,
    User,
    WorkItem,
)


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


assist_states = table_of(AssistState)
conversations = table_of(Conversation)
messages = table_of(Message)
outbox = table_of(OutboxEntry)
users = table_of(User)
work_items = table_of(WorkItem)
