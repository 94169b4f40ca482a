"""Knowledge searches run in threads with their own niceness (setting search_niceness), so
on a busy machine a customer's search goes ahead of batch work; a niceness the system does
not allow leaves the thread at normal priority instead of failing."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bot.search.handle import KnowledgeHandle
from bot.search.priority import set_niceness
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


def test_the_hub_serves_from_a_thread_at_the_hub_niceness(monkeypatch, tmp_path: Path) -> None:
    """`tandem hub` and `tandem demo` set hub_niceness on the event loop's thread before
    serving, so every thread the hub starts afterwards inherits it."""
    import uvicorn

    from tandem.commands import serve_hub

    seen: dict[str, int] = {}

    def run(_app: object, **_kwargs: object) -> None:
        seen["loop"] = _own_niceness()
        child = threading.Thread(target=lambda: seen.update(child=_own_niceness()))
        child.start()
        child.join()

    monkeypatch.setattr(uvicorn, "run", run)
    settings = Settings(hub_niceness=6, search_niceness=7, var_dir=tmp_path, _env_file=None)
    # In a thread of its own: the test's thread keeps its priority.
    server = threading.Thread(target=serve_hub, args=(settings,))
    server.start()
    server.join()
    assert seen == {"loop": 6, "child": 6}
    assert _own_niceness() != 6


def test_what_was_asked_and_applied_is_reported(monkeypatch) -> None:
    from bot.search import priority as thread_priority

    def refuse(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    # The default asks for nothing.
    assert Settings(_env_file=None).hub_niceness == 0
    assert Settings(_env_file=None).search_niceness == 0
    assert thread_priority.set_niceness(0, role="idle") is True
    assert thread_priority.report()["idle"] == {"asked": 0, "applied": False}
    monkeypatch.setattr(os, "setpriority", refuse)
    assert thread_priority.set_niceness(-5, role="raised") is False
    assert thread_priority.report()["raised"] == {"asked": -5, "applied": False}


def test_healthz_says_which_niceness_applied(hub_without_rasa) -> None:
    import httpx

    health = httpx.get(f"{hub_without_rasa.url}/healthz", timeout=30).json()
    # The hub process started at the default: nothing asked, nothing raised.
    assert health["niceness"]["hub"] == {"asked": 0, "applied": False}
