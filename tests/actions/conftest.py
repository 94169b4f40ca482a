"""Fixtures for the custom-action tests: the real hub with the demo database.

Usage (in the Rasa environment, which has rasa_sdk):
    .venv-rasa/bin/python -m pytest tests/actions --confcutdir tests/actions

The hub runs from the application environment (`.venv/bin/tandem hub`) on a free port
with a fresh SQLite database seeded by `tandem db init --demo`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.actions.processes import SERVICE_TOKEN, TANDEM, Hub, free_port


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The real hub with the demo customers; the actions are pointed at it."""
    if not TANDEM.exists():
        pytest.skip(f"{TANDEM} is absent: install the application environment to test actions")
    running = Hub(tmp_path_factory.mktemp("hub"))
    running.start()
    saved = {k: os.environ.get(k) for k in ("TANDEM_HUB_URL", "TANDEM_SERVICE_TOKEN")}
    os.environ["TANDEM_HUB_URL"] = running.url
    os.environ["TANDEM_SERVICE_TOKEN"] = SERVICE_TOKEN
    yield running
    running.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def knowledge_hub(hub: Hub) -> Hub:
    """The hub once its knowledge index has loaded (building it can take minutes)."""
    if not hub.knowledge_ready(
        timeout_s=float(os.environ.get("TANDEM_TEST_KNOWLEDGE_WAIT_S", 300))
    ):
        pytest.skip("the hub's knowledge index did not become ready in time")
    return hub


@pytest.fixture
def hub_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the actions at a port where nothing listens."""
    monkeypatch.setenv("TANDEM_HUB_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("TANDEM_HUB_TIMEOUT_S", "1")
