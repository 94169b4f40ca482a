"""Hubs (Rasa down) for the security tests: a fresh one per test where a test changes
sessions or throttling state, one per module where tests only read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.stack import HubProcess


@pytest.fixture
def hub(start_hub: Callable[..., HubProcess]) -> HubProcess:
    return start_hub()


@pytest.fixture(scope="module")
def shared_hub(
    tmp_path_factory: pytest.TempPathFactory, shared_index_dir: Path
) -> Iterator[HubProcess]:
    proc = HubProcess(tmp_path_factory.mktemp("security"), index_dir=shared_index_dir)
    proc.init_db()
    proc.start()
    yield proc
    proc.stop()
