"""Every JSON route of the hub declares its answer as a pydantic model, so /openapi.json
describes the real contract and FastAPI checks each answer against it.

The app's routes are walked as FastAPI mounts them (included routers too). A route whose
response model is missing, or is a bare ``dict``/``Any``, fails, unless it is listed below
with the reason it answers with something other than JSON. Websocket routes are not HTTP
routes and are not walked; their frames are declared in ``bot/realtime/events.py``.

Where an answer is built by a function of its own, the function's output is compared with
its model's, so a key added to one but not the other cannot be dropped without a sound.
"""

from __future__ import annotations

import asyncio
import dataclasses
import typing
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from bot.api.agent_schemas import MetricsOut
from bot.api.schemas import CallbackOut, ConversationOut, MessageOut
from bot.app import create_app
from bot.assist.profiles import profile_json
from bot.assist.schemas import ProfileOut
from bot.config.settings import Settings
from bot.reporting.metrics import service_metrics
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Callback, Conversation, Customer, Message
from bot.store.serialize import callback_json, conversation_json, message_json
from knowledge.api import HitOut
from knowledge.retriever import Hit

# (method, path): why the answer is not JSON.
NOT_JSON = {
    ("GET", "/"): "redirects to the panel",
    ("GET", "/panel"): "the panel's HTML page",
    ("HEAD", "/panel"): "the panel's HTML page",
    ("GET", "/panel/"): "redirects to /panel",
    ("GET", "/demo"): "the demo bank's HTML page",
    ("GET", "/demo/signed-in"): "the demo bank's HTML page",
    ("POST", "/telegram/webhook"): "Telegram reads only the status code",
    ("GET", "/api/knowledge/gaps.csv"): "a CSV file",
    ("GET", "/api/knowledge/export"): "the corpus as a YAML file",
    ("GET", "/api/reports/summary.csv"): "a CSV file",
    ("GET", "/api/reports/breakdown.csv"): "a CSV file",
    ("GET", "/api/reports/series.csv"): "a CSV file",
    ("GET", "/api/reports/live.csv"): "a CSV file",
    ("GET", "/api/reports/ratings.csv"): "a CSV file",
    ("GET", "/api/reports/me.csv"): "a CSV file",
}


def _app(tmp_path: Path) -> FastAPI:
    # Every optional part mounted: Telegram's webhook and the demo pages included. Building
    # the app touches nothing (no database, index or Rasa until its lifespan starts).
    return create_app(
        Settings(
            mode="demo",
            database_url=f"sqlite:///{tmp_path / 'hub.db'}",
            corpus_dir=tmp_path / "corpus",
            index_dir=tmp_path / "index",
            telegram_mode="webhook",
            telegram_token="123:contract-test",
            telegram_webhook_secret="contract-test-secret",
        ),
        run_scheduler=False,
    )


def _declared(model: Any) -> bool:
    """A pydantic model, or a list of one; a bare dict, Any or None is not a contract."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        return True
    if typing.get_origin(model) is list:
        return _declared(typing.get_args(model)[0])
    return False


def _routes(app: FastAPI) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            # The context's path carries the prefixes of every router it was included in.
            path = context.path_format or route.path_format
            for method in route.methods:
                found[(method, path)] = route.response_model
    return found


def test_every_json_route_declares_its_response_model(tmp_path: Path) -> None:
    routes = _routes(_app(tmp_path))
    assert len(routes) > 80  # the walk sees the included routers, not only the app's own
    undeclared = {
        key for key, model in routes.items() if not _declared(model) and key not in NOT_JSON
    }
    assert undeclared == set()


def test_the_list_of_exceptions_is_current(tmp_path: Path) -> None:
    routes = _routes(_app(tmp_path))
    assert set(NOT_JSON) - set(routes) == set()


def test_the_declared_models_reach_the_openapi_document(tmp_path: Path) -> None:
    schema = _app(tmp_path).openapi()
    answer = schema["paths"]["/api/widget/messages"]["post"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WidgetPostOut"
    }
    message = schema["components"]["schemas"]["MessageOut"]
    assert {"id", "conversation_id", "seq", "sender", "text", "created_at"} <= set(
        message["properties"]
    )


def test_the_shared_models_name_every_key_their_serializers_write() -> None:
    """A key added to a serializer but not to its model would be dropped from the answer
    without a sound; the two are compared here, on unsaved rows."""
    now = datetime.now(timezone.utc)
    message = Message(
        id=1, conversation_id=2, seq=1, direction="in", sender="customer", text="chào"
    )
    conv = Conversation(id=2, channel="web", channel_key="k", language="vi", state="bot")
    callback = Callback(id=3, phone="0901234567", window_start=now, window_end=now)
    assert set(MessageOut.model_fields) == set(message_json(message))
    assert set(ConversationOut.model_fields) == set(conversation_json(conv))
    assert set(CallbackOut.model_fields) == set(callback_json(callback))
    assert set(HitOut.model_fields) == {f.name for f in dataclasses.fields(Hit)}


def test_the_profile_and_metrics_models_keep_every_key_and_value(tmp_path: Path) -> None:
    """The customer card and the service metrics, built from rows in a migrated SQLite
    database, pass through their models unchanged."""
    url = f"sqlite:///{tmp_path / 'contracts.db'}"
    upgrade(url)
    now = datetime.now(timezone.utc)

    async def scenario() -> tuple[dict[str, Any] | None, dict[str, Any]]:
        db = Database(url)
        async with db.session() as session:
            session.add(
                Customer(
                    id="C900",
                    name="Trần Thị Bình",
                    phone="0901234567",
                    customer_since=date(2019, 5, 1),
                    spend={"2026-10": {"dining": 250000}, "2026-11": {"travel": 1200000}},
                    products=["credit_card_classic"],
                )
            )
            await session.flush()  # the customer's row first: the conversation refers to it
            conv = Conversation(
                channel="web",
                channel_key="v900",
                customer_id="C900",
                csat=4,
                resolution_code="answered",
                resolved_at=now,
                context={"summary": "Hỏi phí thường niên"},
            )
            session.add(conv)
            await session.flush()
            session.add(
                Callback(
                    customer_id="C900",
                    conversation_id=conv.id,
                    phone="0901234567",
                    window_start=now + timedelta(hours=1),
                    window_end=now + timedelta(hours=2),
                )
            )
            await session.commit()
            profile = await profile_json(session, "C900", churn_risk=False)
            metrics = await service_metrics(session, 30)
        await db.dispose()
        return profile, metrics

    profile, metrics = asyncio.run(scenario())
    assert profile is not None and profile["callbacks"] and profile["csat"]
    assert ProfileOut.model_validate(profile).model_dump() == profile
    assert MetricsOut.model_validate(metrics).model_dump() == metrics
