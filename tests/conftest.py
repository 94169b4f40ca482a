"""Shared fixtures: real hub, Rasa and action-server processes for end-to-end tests."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from tests.support.stack import MODEL, RASA_BIN, ROOT, HubProcess, RasaStack, free_port


@pytest.fixture(scope="session")
def shared_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One knowledge index for the whole session, so each hub does not re-embed the corpus."""
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, RasaStack]]:
    """Hub + Rasa + action server, wired together as in production. Session-scoped because
    Rasa takes a while to load; tests keep apart by using their own conversations."""
    if not RASA_BIN.exists() or not MODEL.exists():
        pytest.fail(
            "The Rasa environment or trained model is missing: run `make test` (it trains first)."
        )
    workdir = tmp_path_factory.mktemp("stack")
    # A copy of the corpus and an index of its own: knowledge tests publish and roll back
    # entries through this hub, which must never write to the repository's files, nor save
    # index versions that hubs serving the unchanged corpus would then reload.
    corpus = workdir / "corpus"
    shutil.copytree(ROOT / "knowledge" / "corpus", corpus)
    hub_port = free_port()
    rasa = RasaStack(workdir, hub_url=f"http://127.0.0.1:{hub_port}")
    hub = HubProcess(
        workdir,
        rasa_url=rasa.url,
        index_dir=workdir / "index",
        port=hub_port,
        extra_env={"TANDEM_CORPUS_DIR": str(corpus), "TANDEM_ACTIONS_URL": rasa.actions_url},
    )
    hub.init_db()
    hub.start()
    rasa.start()
    hub.wait_knowledge()
    yield hub, rasa
    hub.stop()
    rasa.stop()


@pytest.fixture
def hub_without_rasa(tmp_path: Path, shared_index_dir: Path) -> Iterator[HubProcess]:
    """A hub whose Rasa is down (nothing listens on its Rasa URL)."""
    hub = HubProcess(tmp_path, index_dir=shared_index_dir)
    hub.init_db()
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture
def start_hub(tmp_path: Path, shared_index_dir: Path) -> Iterator[Callable[..., HubProcess]]:
    """Factory: start a hub (Rasa down unless rasa_url is given) with extra settings."""
    started: list[HubProcess] = []

    def factory(
        rasa_url: str = "http://127.0.0.1:9", database_url: str | None = None, **env: str
    ) -> HubProcess:
        workdir = tmp_path / f"hub{len(started)}"
        workdir.mkdir()
        hub = HubProcess(
            workdir,
            rasa_url=rasa_url,
            database_url=database_url,
            index_dir=shared_index_dir,
            extra_env={f"TANDEM_{k.upper()}": v for k, v in env.items()},
        )
        hub.init_db()
        started.append(hub.start())
        return hub

    yield factory
    for hub in started:
        hub.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throw-away database on the test PostgreSQL server (scripts/test_services.sh)."""
    base = os.environ.get("TANDEM_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("CI"):
            pytest.fail(
                "TANDEM_TEST_POSTGRES_URL is not set; `make test` starts PostgreSQL and sets it."
            )
        pytest.skip("no PostgreSQL server (run through `make test`)")
    name = f"tandem_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield str(make_url(base).set(database=name).render_as_string(hide_password=False))
    _drop_database(admin, name)
    admin.dispose()


def _drop_database(admin: Engine, name: str, attempts: int = 20) -> None:
    """Drop a test database, ending sessions left in it. A session the test role may not
    end (an autovacuum worker on a server set up before the role could) ends by itself
    within moments: try again."""
    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except (OperationalError, ProgrammingError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
