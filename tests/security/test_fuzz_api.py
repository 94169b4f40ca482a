"""Schema-driven fuzzing of every public HTTP endpoint: Schemathesis reads the hub's own
OpenAPI schema and Hypothesis generates requests from it, valid and invalid. Whatever the
input, the hub must answer with a status below 500.

The hub runs in-process (ASGI) in demo mode on a temporary SQLite database and a small copy
of the knowledge corpus; calls carry a signed-in supervisor's session (who may use every
panel endpoint), a widget token or the service token, as each endpoint expects. The number
of examples is bounded and derandomised, so a run is repeatable and short.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.python import asgi

from bot.access.passwords import hash_password
from bot.app import create_app
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.seed import load_demo_data, seed_customers, seed_users
from tandem.settings import ROOT, Settings

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Schemathesis makes its cases while the test runs; a pytest-xdist worker would run one
    # case of a hundred and report success. make test runs this file on its own.
    pytest.fail("Run the API fuzzing without pytest-xdist's -n.", pytrace=False)

PASSWORD = "fuzz-test-password"
SERVICE_TOKEN = "fuzz-service-token-0123456789"
SITE_SECRET = "fuzz-site-secret-0123456789"
# Per operation (about 40 of them). Enough to find the classic crashes (overflowing ints,
# odd Unicode, wrong JSON types, mixed time zones) in well under two minutes.
EXAMPLES = 12


def _settings(workdir: Path) -> Settings:
    return Settings(
        mode="demo",
        database_url=f"sqlite:///{workdir / 'hub.db'}",
        rasa_url="http://127.0.0.1:9",  # nothing listens: Rasa is down, the queue takes over
        rasa_timeout_s=2,
        service_token=SERVICE_TOKEN,
        widget_sites={"demo-bank": SITE_SECRET},
        corpus_dir=workdir / "corpus",
        index_dir=workdir / "index",
        telegram_mode="off",
    )


# The schema is read when tests are collected; building the app does no work (the database,
# index and Rasa client are only touched once its lifespan starts, in the fixture below).
WORKDIR = Path(tempfile.mkdtemp(prefix="tandem-fuzz-"))
APP = create_app(_settings(WORKDIR), run_scheduler=False)
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP
schema.location = "/openapi.json"
# Signing out would end the session every other call uses; sign-in is fuzzed all the same.
schema = schema.exclude(method="POST", path="/api/auth/logout")


async def _seed(url: str) -> None:
    db = Database(url)
    try:
        async with db.session() as session:
            data = load_demo_data()
            await seed_customers(session, data)
            await seed_users(session, data, PASSWORD, hash_password=hash_password)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def credentials() -> Iterator[dict[str, Any]]:
    """A prepared database, then a supervisor's session and CSRF token and a widget token,
    obtained from the app itself."""
    corpus = WORKDIR / "corpus"
    corpus.mkdir(exist_ok=True)
    # One file of the corpus: the endpoints are the same, and the index builds quickly.
    shutil.copy(ROOT / "knowledge" / "corpus" / "fees.yaml", corpus / "fees.yaml")
    url = APP.state.wiring.settings.database_url
    upgrade(url)
    asyncio.run(_seed(url))
    with asgi.get_client(APP) as client:
        deadline = time.monotonic() + 120
        while client.get("/healthz").json()["knowledge"] != "ready":
            assert time.monotonic() < deadline, "the knowledge index did not load"
            time.sleep(0.2)
        login = client.post("/api/auth/login", json={"username": "quan", "password": PASSWORD})
        assert login.status_code == 200, login.text
        widget = client.post("/api/widget/session", json={"site": "demo-bank"})
        assert widget.status_code == 200, widget.text
        yield {
            "cookies": dict(client.cookies),
            "csrf": login.json()["csrf_token"],
            "widget": widget.json()["token"],
        }
    shutil.rmtree(WORKDIR, ignore_errors=True)


def _auth(path: str, creds: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    if path.startswith("/internal/"):
        return {"Authorization": f"Bearer {SERVICE_TOKEN}"}, {}
    if path.startswith("/api/widget/"):
        return {"Authorization": f"Bearer {creds['widget']}"}, {}
    return {"X-CSRF-Token": creds["csrf"]}, creds["cookies"]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_endpoint_answers_5xx(case: Any, credentials: dict[str, Any]) -> None:
    headers, cookies = _auth(case.path, credentials)
    response = case.call(headers=headers, cookies=cookies)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: "
        f"{response.text[:500]}\n{json.dumps(case.as_transport_kwargs(), default=str)[:1500]}"
    )


def test_the_schema_covers_the_public_api() -> None:
    """The fuzzing is only as wide as the schema: each router's endpoints are in it."""
    paths = APP.openapi()["paths"]
    for path in (
        "/api/widget/session",
        "/api/widget/messages",
        "/api/widget/history",
        "/api/conversations/{conv_id}",
        "/api/conversations/{conv_id}/callbacks",
        "/api/conversations/{conv_id}/customer",
        "/api/conversations/{conv_id}/customer/unlink",
        "/api/metrics",
        "/internal/callbacks",
        "/api/knowledge/search",
        "/api/customers/{customer_id}/profile",
    ):
        assert path in paths, path
