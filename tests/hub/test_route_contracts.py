"""Every JSON route of the hub declares its answer as a pydantic model, so /openapi.json
describes the real contract and FastAPI checks each answer against it.

The app's routes are walked as FastAPI mounts them (included routers too). A route whose
response model is missing, or is a bare ``dict``/``Any``, fails, unless it is listed below
with the reason it answers with something other than JSON. Websocket routes are not
HTTP routes and are not walked; their frames are declared in ``bot/events.py``.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from bot.api.schemas import CallbackOut, ConversationOut, MessageOut
from bot.app import create_app
from bot.serialize import callback_json, conversation_json, message_json
from bot.settings import Settings
from bot.store.models import Callback, Conversation, Message
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

# JSON routes whose models are still to be declared; the list only shrinks (an entry that
# gained a model, or whose route is gone, fails the test below).
NOT_YET_DECLARED = {
    ("POST", "/api/agents/me/status"),
    ("GET", "/api/queue"),
    ("GET", "/api/conversations/{conv_id}"),
    ("POST", "/api/conversations/{conv_id}/claim"),
    ("POST", "/api/conversations/{conv_id}/ack"),
    ("POST", "/api/conversations/{conv_id}/assign"),
    ("POST", "/api/conversations/{conv_id}/customer"),
    ("POST", "/api/conversations/{conv_id}/customer/unlink"),
    ("POST", "/api/conversations/{conv_id}/messages"),
    ("POST", "/api/conversations/{conv_id}/transfer"),
    ("POST", "/api/conversations/{conv_id}/callbacks"),
    ("POST", "/api/conversations/{conv_id}/resolve"),
    ("GET", "/api/callbacks"),
    ("POST", "/api/callbacks/{callback_id}"),
    ("GET", "/api/alerts"),
    ("GET", "/api/metrics"),
    ("POST", "/api/conversations/{conv_id}/decline"),
    ("GET", "/api/routing/agents"),
    ("PUT", "/api/routing/agents/{user_id}"),
    ("GET", "/api/customers/{customer_id}/profile"),
    ("GET", "/api/reports/offers"),
    ("GET", "/api/reports/knowledge-gaps"),
    ("GET", "/api/knowledge/gaps"),
    ("POST", "/api/knowledge/gaps/{cluster_id}/draft"),
    ("GET", "/api/knowledge/usage"),
    ("GET", "/api/knowledge/entries"),
    ("GET", "/api/knowledge/entries/{entry_id}"),
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
        key
        for key, model in routes.items()
        if not _declared(model) and key not in NOT_JSON and key not in NOT_YET_DECLARED
    }
    assert undeclared == set()


def test_the_lists_of_exceptions_are_current(tmp_path: Path) -> None:
    routes = _routes(_app(tmp_path))
    assert set(NOT_JSON) - set(routes) == set()
    now_declared = {key for key in NOT_YET_DECLARED if key in routes and _declared(routes[key])}
    gone = NOT_YET_DECLARED - set(routes)
    assert (now_declared, gone) == (set(), set())


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
