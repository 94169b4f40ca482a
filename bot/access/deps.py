"""The hub's shared parts as typed FastAPI dependencies: a route names what it uses as a
parameter (``db: DatabaseDep``, ``settings: SettingsDep``, ``core: CoreDep`` for a stage's
functions, ``knowledge: KnowledgeDep`` for the live index), all read from the one typed
``bot.wiring.Wiring`` the application keeps, instead of reaching into its state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends
from starlette.requests import HTTPConnection

from bot.access.passwords import PasswordWorker
from bot.config.settings import Settings
from bot.core import Core
from bot.pipeline.serving import ServingHub
from bot.realtime.broker import Broker
from bot.search.index import KnowledgeIndex
from bot.store.db import Database
from bot.wiring import Wiring

Part = TypeVar("Part")


def wiring_of(conn: HTTPConnection) -> Wiring:
    """The application's one state object, as ``bot.app.create_app`` built it."""
    wiring = conn.app.state.wiring
    if not isinstance(wiring, Wiring):
        raise RuntimeError("the application was not built by bot.app.create_app")
    return wiring


def core_of(conn: HTTPConnection) -> Core:
    """The hub as every stage shares it: what the queue, routing, call-back and customer-link
    functions take."""
    return wiring_of(conn).core


def serving_of(conn: HTTPConnection) -> ServingHub:
    """The hub with the pipeline's entry points (intake, threads, bot health), for the
    channel and agent-socket routes."""
    return wiring_of(conn).hub


def database_of(conn: HTTPConnection) -> Database:
    return core_of(conn).db


def settings_of(conn: HTTPConnection) -> Settings:
    return wiring_of(conn).settings


def broker_of(conn: HTTPConnection) -> Broker:
    return core_of(conn).broker


def knowledge_of(conn: HTTPConnection) -> KnowledgeIndex:
    """The hub's one live knowledge index: searches and query embeddings on its threads."""
    return wiring_of(conn).knowledge


def passwords_of(conn: HTTPConnection) -> PasswordWorker:
    return wiring_of(conn).passwords


def optional_part_of(name: str, kind: type[Part]) -> Callable[[HTTPConnection], Part | None]:
    """The dependency for an optional part's object (a channel, the assist engine, the
    knowledge workflow), which that part's ``install`` keeps under ``name``
    (``Wiring.keep``); checked to be a ``kind`` so the route's type is a fact. None when
    the part is not installed."""

    def of(conn: HTTPConnection) -> Part | None:
        return wiring_of(conn).part(name, kind)

    of.__name__ = f"optional_{name}_of"
    return of


def part_of(name: str, kind: type[Part]) -> Callable[[HTTPConnection], Part]:
    """The same for a part the route cannot do without."""
    optional = optional_part_of(name, kind)

    def of(conn: HTTPConnection) -> Part:
        part = optional(conn)
        if part is None:
            raise RuntimeError(f"the hub's {name!r} part is not installed")
        return part

    of.__name__ = f"{name}_of"
    return of


CoreDep = Annotated[Core, Depends(core_of)]
ServingDep = Annotated[ServingHub, Depends(serving_of)]
DatabaseDep = Annotated[Database, Depends(database_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]
BrokerDep = Annotated[Broker, Depends(broker_of)]
KnowledgeDep = Annotated[KnowledgeIndex, Depends(knowledge_of)]
PasswordsDep = Annotated[PasswordWorker, Depends(passwords_of)]
