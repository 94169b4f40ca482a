"""Password hashing with Argon2id (argon2-cffi), off the event loop.

Each hash or verification takes a core and 64 MiB for a good fraction of a second, so the
hub runs them in a small pool of worker threads (argon2-cffi releases the GIL) behind a
semaphore: a burst of sign-ins queues there instead of stalling every other request.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.search.priority import set_niceness

_hasher = PasswordHasher()
# Niceness of the hashing threads: Argon2 runs its lanes in threads of its own, which inherit
# it, so a burst of sign-ins yields the CPU to the event loop instead of starving it.
HASHING_NICENESS = 10
T = TypeVar("T")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class PasswordWorker:
    """Bounded, threaded Argon2 for the hub's request handlers."""

    def __init__(self, concurrency: int = 2) -> None:
        self._concurrency = max(1, concurrency)
        self._executor: ThreadPoolExecutor | None = None
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._dummy: str | None = None
        self._dummy_lock = threading.Lock()

    def dummy_hash(self) -> str:
        """A hash of a random password with the same parameters as real ones: verifying an
        unknown username against it costs what a real account costs, so timing does not
        tell which usernames exist."""
        with self._dummy_lock:
            if self._dummy is None:
                self._dummy = hash_password(secrets.token_urlsafe(16))
            return self._dummy

    async def _run(self, func: Callable[..., T], *args: Any) -> T:
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(self._pool(), func, *args)

    def _pool(self) -> ThreadPoolExecutor:
        # Made on first use and again after close(): an app whose lifespan runs twice (a
        # restart in-process, a test client per test) keeps hashing.
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self._concurrency,
                thread_name_prefix="argon2",
                initializer=set_niceness,
                initargs=(HASHING_NICENESS,),
            )
        return self._executor

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; ``None`` (no such user) is checked against the dummy hash."""
        if password_hash is None:
            return bool(await self._run(self._verify_dummy, password))
        return bool(await self._run(verify_password, password_hash, password))

    def _verify_dummy(self, password: str) -> bool:
        verify_password(self.dummy_hash(), password)
        return False

    async def hash(self, password: str) -> str:
        return str(await self._run(hash_password, password))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
