"""Shared fixtures: real hub, Rasa and action-server processes for end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.stack import MODEL, RASA_BIN, HubProcess, RasaStack, free_port


@pytest.fixture(scope="session")
def shared_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One knowledge index for the whole session, so each hub does not re-embed the corpus."""
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def live_stack(
    tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path
) -> Iterator[tuple[HubProcess, RasaStack]]:
    """Hub + Rasa + action server, wired together as in production. Session-scoped because
    Rasa takes a while to load; tests keep apart by using their own conversations."""
    if not RASA_BIN.exists() or not MODEL.exists():
        pytest.fail(
            "The Rasa environment or trained model is missing: run `make test` (it trains first)."
        )
    workdir = tmp_path_factory.mktemp("stack")
    hub_port = free_port()
    rasa = RasaStack(workdir, hub_url=f"http://127.0.0.1:{hub_port}")
    hub = HubProcess(
        workdir,
        rasa_url=rasa.url,
        index_dir=shared_index_dir,
        port=hub_port,
        extra_env={"TANDEM_ACTIONS_URL": rasa.actions_url},
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
