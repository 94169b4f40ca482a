"""The knowledge searches' queue: a few threads that take the most urgent search first.

Two kinds of search share the hub's search threads. The bot's own answers
(``/internal/knowledge/answer``, called by the action server with a 5 s timeout) decide
what a customer is told; agents' suggestions (bot/assist/live.py) only fill the panel.
With one queue in arrival order, a flood of long messages once put every FAQ answer
behind hundreds of suggestion searches: the actions timed out and for 22 minutes every
FAQ question got the "hệ thống … gián đoạn" notice. Here answers always go first, and a
suggestion search is dropped when it is no longer worth running:

- a newer suggestion search of the same conversation was queued (the panel shows only
  the newest turn's suggestions);
- it has waited longer than ``suggestion_max_age_s``.

A dropped search resolves to ``DROPPED``; it never raises.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from bot.search.priority import set_niceness

ANSWER = 0  # the bot's answer to a customer
SUGGESTION = 1  # an agent's suggestions
DROPPED: Any = None  # what a dropped search resolves to


@dataclass(order=True)
class _Job:
    priority: int
    seq: int
    fn: Callable[..., Any] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False)
    key: Any = field(compare=False)
    queued_at: float = field(compare=False)
    future: Future[Any] = field(compare=False, default_factory=Future)


class SearchQueue:
    """``workers`` threads running queued calls, answers before suggestions, each kind in
    arrival order."""

    def __init__(
        self,
        workers: int,
        *,
        niceness: int = 0,
        suggestion_max_age_s: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "knowledge",
    ) -> None:
        self.workers = max(1, workers)
        self.niceness = niceness
        self.suggestion_max_age_s = suggestion_max_age_s
        self.clock = clock
        self.name = name
        self._heap: list[_Job] = []
        self._newest: dict[Any, _Job] = {}  # key -> its queued suggestion search
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self.dropped = 0  # searches dropped so far (logged, and read by tests)
        # CPU seconds the searches took, by kind: what a benchmark subtracts to find the
        # hub's own cost per message (bench/cpu_per_message.py reads it from /healthz).
        self.cpu_s = {ANSWER: 0.0, SUGGESTION: 0.0}

    def submit(
        self, fn: Callable[..., Any], *args: Any, priority: int = ANSWER, key: Any = None
    ) -> Future[Any]:
        """Queue ``fn(*args)``; ``key`` (a conversation) lets a newer suggestion search
        replace an older one still waiting."""
        job = _Job(priority, next(self._seq), fn, args, key, self.clock())
        with self._cond:
            if self._closed:
                raise RuntimeError("the search queue is closed")
            if priority == SUGGESTION and key is not None:
                older = self._newest.get(key)
                if older is not None:
                    self._drop(older)  # it stays in the heap; the worker skips it
                self._newest[key] = job
            heapq.heappush(self._heap, job)
            self._start_threads()
            self._cond.notify()
        return job.future

    async def run(
        self, fn: Callable[..., Any], *args: Any, priority: int = ANSWER, key: Any = None
    ) -> Any:
        """``submit`` from the event loop, awaited without blocking it."""
        return await asyncio.wrap_future(self.submit(fn, *args, priority=priority, key=key))

    def close(self) -> None:
        """Stop the threads; searches still queued resolve to DROPPED."""
        with self._cond:
            self._closed = True
            for job in self._heap:
                self._drop(job)
            self._heap.clear()
            self._cond.notify_all()

    # -- inside ------------------------------------------------------------------------
    def _drop(self, job: _Job) -> None:
        if self._newest.get(job.key) is job:
            del self._newest[job.key]
        if job.future.done():  # dropped already, or cancelled by its caller
            return
        if job.future.set_running_or_notify_cancel():
            job.future.set_result(DROPPED)
            self.dropped += 1

    def _start_threads(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(
                target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _next(self) -> _Job | None:
        """The next job to run (None: closed). Called with the condition held."""
        while True:
            while not self._heap and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            job = heapq.heappop(self._heap)
            if job.future.done():  # replaced by a newer search, or its caller gave up
                continue
            if self._newest.get(job.key) is job:
                del self._newest[job.key]
            if (
                job.priority == SUGGESTION
                and self.clock() - job.queued_at > self.suggestion_max_age_s
            ):
                self._drop(job)
                continue
            if not job.future.set_running_or_notify_cancel():
                continue  # cancelled by its caller
            return job

    def _work(self) -> None:
        set_niceness(self.niceness, role="search")
        while True:
            with self._cond:
                job = self._next()
            if job is None:
                return
            started = time.thread_time()
            try:
                job.future.set_result(job.fn(*job.args))
            except BaseException as exc:  # handed to the caller, who logs it
                job.future.set_exception(exc)
            finally:
                with self._cond:
                    self.cpu_s[job.priority] += time.thread_time() - started
