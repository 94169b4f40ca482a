"""Knowledge searches run in threads with their own niceness (setting search_niceness), so
on a busy machine a customer's search goes ahead of batch work; a niceness the system does
not allow leaves the thread at normal priority instead of failing."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bot.knowledge_handle import KnowledgeHandle
from bot.thread_priority import set_niceness
from tandem.settings import Settings


def _own_niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_search_threads_take_the_configured_niceness(tmp_path: Path) -> None:
    # A positive niceness (lower priority) is allowed to every user, so the test holds
    # with or without root; the hub's default is negative (higher priority).
    settings = Settings(search_niceness=7, var_dir=tmp_path, _env_file=None)
    handle = KnowledgeHandle(settings)
    try:
        assert handle._pool().submit(_own_niceness).result() == 7
    finally:
        handle.stop()
    # The calling thread is untouched.
    assert _own_niceness() != 7


def test_a_niceness_the_system_refuses_keeps_the_thread_running(monkeypatch) -> None:
    # As a hub without root or CAP_SYS_NICE sees a negative niceness: EACCES.
    def refuse(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "setpriority", refuse)
    before = _own_niceness()
    assert set_niceness(-5) is False
    assert _own_niceness() == before
